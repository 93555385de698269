#!/usr/bin/env bash
# Times lssr-upscale per tile and per scene and records its peak RSS on two
# scene sizes, beside `gdalwarp -r cubic` (30 m -> 10 m) on the same inputs;
# prints one JSON object on stdout.
#
# usage: bench/upscale-bench.sh [--tools DIR] [--base-model DIR] [--sizes "256 512"]
#                               [--threads N] [--tile N] [--overlap N] [--device D]
# Defaults: tools from build/apps, the tiny base shipped in data/models/sd-tiny
# (so the numbers measure the pipeline: tiling, blending, I/O, a small network;
# pass --base-model for a real one), 2 threads. Scenes are made from the sd-tiny
# fixture's LR patch enlarged to each size at 30 m.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
me="upscale-bench.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
py="$(find_python)"
tools="$root/build/apps"
base="$root/data/models/sd-tiny/base"
prompt="$root/data/models/sd-tiny/prompt_embedding.safetensors"
sizes="256 512"
threads=2
tile=64
overlap=8
device=cpu
while [ $# -gt 0 ]; do
  case "$1" in
    --tools) tools="$2"; shift 2 ;;
    --base-model) base="$2"; prompt=""; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --tile) tile="$2"; shift 2 ;;
    --overlap) overlap="$2"; shift 2 ;;
    --device) device="$2"; shift 2 ;;
    *) echo "upscale-bench: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$tools/lssr-upscale" ] || { echo "upscale-bench: no $tools/lssr-upscale (build first)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
src="$root/tests/data/sd-tiny/lr.tif"

results=()
for n in $sizes; do
  scene="$work/scene_$n.tif"
  # The 64x64 patch enlarged to n x n pixels of 30 m (same origin).
  read -r ulx uly < <(gdalinfo -json "$src" | python3 -c 'import json,sys; g=json.load(sys.stdin)["geoTransform"]; print(g[0], g[3])')
  gdal_translate -q -outsize "$n" "$n" -r bilinear -a_ullr "$ulx" "$uly" "$(python3 -c "print($ulx + 30*$n)")" \
    "$(python3 -c "print($uly - 30*$n)")" "$src" "$scene"
  prompt_args=()
  [ -n "$prompt" ] && prompt_args=(--prompt-embedding "$prompt")
  read -r sr_s sr_kb < <(measure "$tools/lssr-upscale" --base-model "$base" --adapter none "${prompt_args[@]}" \
      "$scene" -o "$work/sr_$n.tif" --threads "$threads" --tile "$tile" --overlap "$overlap" --device "$device")
  # lssr-upscale's summary line: "..., N tiles (E empty), S s, M ms per tile"
  summary="$(grep 'ms per tile' "$work/cmd.err" | tail -1)"
  tiles="$(sed -E 's/.* ([0-9]+) tiles.*/\1/' <<<"$summary")"
  ms_tile="$(sed -E 's/.*, ([0-9.e+-]+) ms per tile.*/\1/' <<<"$summary")"
  # Consistency (SPEC §6): SR block-averaged back to 30 m vs the input, mean
  # absolute reflectance difference over pixels valid in both.
  gdalwarp -q -r average -tr 30 30 -ot Float32 "$work/sr_$n.tif" "$work/back_$n.tif"
  to_envi "$work/back_$n.tif" "$work/back_$n.bin"
  to_envi "$scene" "$work/lr_$n.bin"
  consistency="$("$py" "$root/bench/raster_stats.py" mae "$work/back_$n.bin" "$work/lr_$n.bin" |
    "$py" -c 'import json, sys; m = json.load(sys.stdin)["mae"]; print("null" if m is None else round(m, 5))')"
  read -r cubic_s cubic_kb < <(measure gdalwarp -q -r cubic -tr 10 10 -wo NUM_THREADS="$threads" \
      -multi "$scene" "$work/cubic_$n.tif")
  results+=("{\"lr_size\": $n, \"sr_size\": $((3*n)), \"tiles\": $tiles, \"ms_per_tile\": $ms_tile, \
\"scene_seconds\": $sr_s, \"output_mpix_per_s\": $(python3 -c "print(round(9*$n*$n/1e6/max($sr_s,1e-3), 4))"), \
\"peak_rss_mb\": $(python3 -c "print(round($sr_kb/1024, 1))"), \"gdalwarp_cubic_seconds\": $cubic_s, \
\"gdalwarp_cubic_peak_rss_mb\": $(python3 -c "print(round($cubic_kb/1024, 1))"), \
\"ratio_to_gdalwarp\": $(python3 -c "print(round($sr_s/max($cubic_s,0.01), 1))"), \
\"consistency_mae_reflectance\": $consistency}")
done
python3 - "$base" "$threads" "$tile" "$overlap" "$device" "${results[@]}" <<'PY'
import json, sys
base, threads, tile, overlap, device, *rows = sys.argv[1:]
rows = [json.loads(r) for r in rows]
out = {"tool": "lssr-upscale", "base_model": base, "threads": int(threads), "tile": int(tile),
       "overlap": int(overlap), "device": device, "scenes": rows}
if len(rows) >= 2 and rows[0]["peak_rss_mb"] > 0:
    out["peak_rss_ratio_largest_to_smallest"] = round(rows[-1]["peak_rss_mb"] / rows[0]["peak_rss_mb"], 3)
print(json.dumps(out, indent=2))
PY
