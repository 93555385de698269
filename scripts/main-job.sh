#!/usr/bin/env bash
# The main job on the shipped sample (data/sample/), writing into out/:
# super-resolve the sample's HLS L30 scene to 10 m with the embedded default
# model (data/models/default.safetensors), with the sample's DEM, land cover and
# Sentinel-1 as side inputs; and, as the data pipeline, pair the sample's
# scenes and cut the LSSR training dataset from them. Builds first if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
bin=build/apps
mkdir -p out
scene=data/sample/HLS.L30.T15TVG.2021179T165432.v2.0.B04.tif
s1=data/sample/S1A_IW_GRDH_1SDV_20210625T001512_20210625T001537_038512_048B4E_1A2B.tif
"$bin/lssr-upscale" "$scene" --dem data/sample/dem.tif --landcover data/sample/landcover.tif --s1 "$s1" \
  -o out/HLS.L30.T15TVG.2021179T165432.v2.0_SR.tif --overwrite
"$bin/lssr-pair" data/sample --with-s1 -o out/pairs.jsonl --overwrite
"$bin/lssr-tile" out/pairs.jsonl --dem data/sample/dem.tif --landcover data/sample/landcover.tif \
  -O out/dataset --overwrite
echo "main job: 10 m scene in out/HLS.L30.T15TVG.2021179T165432.v2.0_SR.tif" \
  "($(gdalinfo out/HLS.L30.T15TVG.2021179T165432.v2.0_SR.tif | grep -E '^Size is' | sed 's/Size is //') px)," \
  "pairs in out/pairs.jsonl, dataset in out/dataset/ ($(ls out/dataset/train out/dataset/test 2>/dev/null | grep -c '_S2.tif') samples)"
