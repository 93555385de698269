#!/usr/bin/env bash
# Installs every Debian (bookworm) package the LSSR suite needs to build, test
# and run. Safe to re-run: packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  gdal-bin libgdal-dev libproj-dev proj-bin
  libtorch-dev libopenblas0 libgloo-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev
  libxgboost-dev xgboost
  catch2
  python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
