#!/usr/bin/env bash
# The main job on the shipped sample (data/sample/), writing into out/.
# Builds first if needed. Today: pair the sample's scenes and cut the LSSR
# training dataset from them. (lssr-upscale takes over once the model lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
bin=build/apps
mkdir -p out
"$bin/lssr-pair" data/sample --with-s1 -o out/pairs.jsonl --overwrite
"$bin/lssr-tile" out/pairs.jsonl --dem data/sample/dem.tif --landcover data/sample/landcover.tif \
  -O out/dataset --overwrite
echo "main job: pairs in out/pairs.jsonl, dataset in out/dataset/ ($(ls out/dataset/train out/dataset/test 2>/dev/null | grep -c '_S2.tif') samples)"
