#!/usr/bin/env bash
# Builds the suite and runs every test (unit tests and CLI tests) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --preset release -j "$(nproc)"
