#!/usr/bin/env bash
# Regenerates the shipped sample study area data/sample/ with lssr-synth.
# The output is deterministic: the same command gives byte-identical files
# with the same GDAL version. data/sample/README.md (kept in git) describes it.
#
# usage: scripts/make-sample.sh [PATH_TO_LSSR_SYNTH]   (default: build/apps/lssr-synth)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tool="${1:-$root/build/apps/lssr-synth}"
[ -x "$tool" ] || { echo "make-sample.sh: $tool not found; build first (scripts/build.sh)" >&2; exit 1; }

# Keep the README while the folder is replaced as a whole.
readme="$(mktemp)"
trap 'rm -f "$readme"' EXIT
[ -f "$root/data/sample/README.md" ] && cp "$root/data/sample/README.md" "$readme"

"$tool" -q -O "$root/data/sample" --seed 7 --size 4 --dates 2021-06-26,2021-07-28 --overwrite

[ -s "$readme" ] && cp "$readme" "$root/data/sample/README.md"
du -sh "$root/data/sample"
