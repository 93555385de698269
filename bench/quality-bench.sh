#!/usr/bin/env bash
# The paper's Table 4 (SR quality, arXiv 2510.23382) on held-out synthetic
# study areas: bicubic and Lanczos (gdalwarp) against the LSSR model
# (lssr-upscale) on 30 m -> 10 m patches, scored by lssr-eval against the
# 10 m Sentinel-2 truth.
#
#   1. lssr-synth writes N study areas with seeds that training never uses
#      (training uses 1..999; these start at 9001), each at its own place.
#   2. lssr-pair pairs each area's HLS L30 scenes with its Sentinel-2 (and
#      Sentinel-1) scenes; lssr-tile cuts every pair into 64x64 LR / 192x192
#      HR patches, all into the test split: <sample>_{L8,S2,DEM,LC,S1}.tif.
#   3. Each method writes <sample>_SR.tif for every LR patch on its S2 patch's
#      grid: gdalwarp -r cubic, gdalwarp -r lanczos, and lssr-upscale (the
#      default model unless --model; with the patch's DEM, land cover and
#      Sentinel-1 unless --no-aux).
#   4. lssr-eval scores each method against the S2 patches, with the LR
#      patches for consistency; the means are printed in Table 4's layout
#      (metrics as rows, methods as columns; best in bold, second underlined)
#      as Markdown, then as JSON.
#
# usage: bench/quality-bench.sh [--areas N] [--size KM] [--seeds LIST] [--model BUNDLE]
#            [--with-aux|--no-aux] [--dates LIST] [--threads N] [--json FILE] [--keep] [-q] [-h]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
me="quality-bench.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

usage() {
  cat <<EOF
usage: bench/$me [OPTIONS]

Score bicubic, Lanczos (gdalwarp) and the LSSR model (lssr-upscale) on
held-out synthetic study areas against their 10 m Sentinel-2 truth, and print
the paper's Table 4 (PSNR/SSIM for RGB and IR, SAM, NDVI MSE, consistency MAE,
inference time, parameters) as Markdown on stdout, then as JSON.

  --areas N        number of study areas (default 3)
  --size KM        side of each area in km, 1 to 20 (default 4: 4 patches each)
  --seeds LIST     comma-separated lssr-synth seeds, one per area, each above
                   999 (training uses 1..999; default 9001, 9002, ...)
  --dates LIST     Sentinel-2 dates of each area (default 2021-06-26)
  --model BUNDLE   model bundle for lssr-upscale (default: none named, i.e. the
                   suite's default model; when there is none the model column
                   reads "missing" and the rest of the table is still made)
  --with-aux       give lssr-upscale each patch's DEM, land cover and
                   Sentinel-1 (--dem, --landcover, --s1; the default)
  --no-aux         super-resolve from the LR patch alone
  --threads N      threads for the tools (default 2)
  --json FILE      write the JSON to FILE instead of after the table
  --keep           keep the scratch folder (areas, patches, predictions)
  -q, --quiet      no progress on stderr
  -h, --help       this text

Tools come from \$LSSR_BIN if set, else build/apps, else PATH: lssr-synth,
lssr-pair, lssr-tile, lssr-eval (required), lssr-upscale and lssr-model
(optional); also gdalwarp, gdalinfo and python3.
EOF
}

areas=3 areas_given=0 size=4 seeds="" dates=2021-06-26 model="" aux=1 threads=2 json="" keep=0 quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --areas) [ $# -ge 2 ] || usage_error "--areas needs a value"; areas="$2"; areas_given=1; shift 2 ;;
    --size) [ $# -ge 2 ] || usage_error "--size needs a value"; size="$2"; shift 2 ;;
    --seeds) [ $# -ge 2 ] || usage_error "--seeds needs a list"; seeds="$2"; shift 2 ;;
    --dates) [ $# -ge 2 ] || usage_error "--dates needs a list"; dates="$2"; shift 2 ;;
    --model) [ $# -ge 2 ] || usage_error "--model needs a file"; model="$2"; shift 2 ;;
    --with-aux) aux=1; shift ;;
    --no-aux) aux=0; shift ;;
    --threads) [ $# -ge 2 ] || usage_error "--threads needs a value"; threads="$2"; shift 2 ;;
    --json) [ $# -ge 2 ] || usage_error "--json needs a file"; json="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -q|--quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
check_positive areas threads
[[ "$size" =~ ^[0-9]+([.][0-9]+)?$ ]] || usage_error "--size must be a number of km, not '$size'"
if [ -z "$seeds" ]; then
  seed_list=(); for ((k = 0; k < areas; k++)); do seed_list+=($((9001 + k))); done
else
  IFS=, read -r -a seed_list <<< "$seeds"
  [ "$areas_given" = 0 ] || [ "${#seed_list[@]}" -eq "$areas" ] ||
    usage_error "--seeds lists ${#seed_list[@]} seeds but --areas is $areas"
  areas="${#seed_list[@]}"
fi
for s in "${seed_list[@]}"; do
  [[ "$s" =~ ^[0-9]+$ ]] || usage_error "--seeds: '$s' is not a seed"
  [ "$s" -gt 999 ] || usage_error "--seeds: $s is a training seed (1..999); held-out areas need seeds above 999"
done
[ "$(printf '%s\n' "${seed_list[@]}" | sort -u | wc -l)" -eq "$areas" ] || usage_error "--seeds repeats a seed"
model="$(model_path "$model")" || exit 1
json="$(json_path "$json")" || exit 1

synth="$(find_tool lssr-synth)" pair="$(find_tool lssr-pair)" tiler="$(find_tool lssr-tile)"
evaluate="$(find_tool lssr-eval)" upscale="$(find_tool lssr-upscale)" modeltool="$(find_tool lssr-model)"
py="$(find_python)"
missing=()
[ -n "$synth" ] || missing+=(lssr-synth)
[ -n "$pair" ] || missing+=(lssr-pair)
[ -n "$tiler" ] || missing+=(lssr-tile)
[ -n "$evaluate" ] || missing+=(lssr-eval)
[ -n "$py" ] || missing+=(python3)
for t in gdalwarp gdalinfo; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
[ "${#missing[@]}" -eq 0 ] ||
  die "missing: ${missing[*]} (set LSSR_BIN, build the suite or put the tools on PATH)"

make_work_dir quality
started=$SECONDS
patches="$work/patches"
mkdir -p "$patches" "$work/pred" "$work/metrics" "$work/areas"

# --- 1-2. Held-out areas, paired and cut into test patches.
for ((k = 0; k < areas; k++)); do
  seed="${seed_list[$k]}" area="$work/areas/s${seed_list[$k]}"
  # Each area at its own place in tile 15TVG: a 4x4 lattice of 27 km cells.
  origin="$((399960 + 27000 * (k % 4))),$((4700040 - 27000 * ((k / 4) % 4)))"
  say "area $((k + 1))/$areas: lssr-synth --seed $seed --size $size --origin $origin"
  rc=0
  "$synth" -q --threads "$threads" -O "$area" --seed "$seed" --size "$size" --dates "$dates" --origin "$origin" || rc=$?
  [ "$rc" = 0 ] || { echo "$me: error: lssr-synth failed for seed $seed" >&2; exit "$rc"; }
  # The scenes alone: the static layers are no products, lssr-pair would warn about each.
  "$pair" -q --lr hls-l30 --with-s1 -o "$area.pairs.jsonl" "$area"/HLS.L30.*.tif "$area"/S2*.SAFE \
    "$area"/S1*.tif || die "lssr-pair failed on $area"
  [ -s "$area.pairs.jsonl" ] || die "lssr-pair found no HLS L30 / Sentinel-2 pair in $area"
  "$tiler" -q --threads "$threads" --test-fraction 1 --dem "$area/dem.tif" --landcover "$area/landcover.tif" \
    -O "$area.tiles" "$area.pairs.jsonl" || die "lssr-tile failed on $area"
  # Sample names get the seed in front: every area's patches are named alike.
  for f in "$area.tiles"/test/*.tif; do mv "$f" "$patches/s${seed}-$(basename "$f")"; done
done
mapfile -t lr_patches < <(compgen -G "$patches/*_L8.tif" | sort)
[ "${#lr_patches[@]}" -gt 0 ] || die "lssr-tile cut no patches (areas too small for 64x64 patches at 30 m?)"
say "${#lr_patches[@]} held-out patches"

# --- 3. Predictions: <method>/<sample>_SR.tif on the S2 patch's grid.
sample_of() { basename "$1" _L8.tif; }
# Each S2 patch's grid as gdalwarp options, read once so that the timings below are gdalwarp's alone.
grids=()
for lr in "${lr_patches[@]}"; do
  hr="$patches/$(sample_of "$lr")_S2.tif"
  grids+=("$(bounds_of "$hr") $(size_of "$hr")")
done
timing="$work/timing.tsv"   # method <TAB> seconds per patch
: > "$timing"
for method in bicubic lanczos; do
  mkdir -p "$work/pred/$method"
  resampling=cubic; [ "$method" = lanczos ] && resampling=lanczos
  say "$method: gdalwarp -r $resampling"
  t0="$(date +%s.%N)"
  for i in "${!lr_patches[@]}"; do
    lr="${lr_patches[$i]}"
    read -r xmin ymin xmax ymax w h <<< "${grids[$i]}"
    gdalwarp -q -r "$resampling" -te "$xmin" "$ymin" "$xmax" "$ymax" -ts "$w" "$h" -ot Float32 \
      "$lr" "$work/pred/$method/$(sample_of "$lr")_SR.tif" || die "gdalwarp failed on $lr"
  done
  t1="$(date +%s.%N)"
  printf '%s\t%s\n' "$method" "$("$py" -c "print(($t1 - $t0) / ${#lr_patches[@]})")" >> "$timing"
done

model_missing="" model_used=""
mkdir -p "$work/pred/model" "$work/sr"
model_args=(); [ -z "$model" ] || model_args=(--model "$model")
upscale_log="$work/upscale.log"
if [ -z "$upscale" ]; then
  model_missing="lssr-upscale was not found (LSSR_BIN, build/apps, PATH)"
else
  say "model: lssr-upscale ${model:-(default model)}$([ "$aux" = 1 ] && echo ' with DEM, land cover and S1')"
  if [ "$aux" = 1 ]; then
    # One run per patch: each has its own DEM, land-cover and S1 patch.
    for lr in "${lr_patches[@]}"; do
      s="$(sample_of "$lr")" aux_args=()
      # A pair without a Sentinel-1 scene close enough has no _S1 patch.
      [ ! -f "$patches/${s}_DEM.tif" ] || aux_args+=(--dem "$patches/${s}_DEM.tif")
      [ ! -f "$patches/${s}_LC.tif" ] || aux_args+=(--landcover "$patches/${s}_LC.tif")
      [ ! -f "$patches/${s}_S1.tif" ] || aux_args+=(--s1 "$patches/${s}_S1.tif")
      "$upscale" "${model_args[@]}" --device cpu --threads "$threads" "${aux_args[@]}" \
        "$lr" -o "$work/sr/${s}_L8_SR.tif" 2>>"$upscale_log" ||
        { model_missing="$(grep . "$upscale_log" | tail -n1)"; break; }
    done
  else
    "$upscale" "${model_args[@]}" --device cpu --threads "$threads" -O "$work/sr" "${lr_patches[@]}" \
      2>>"$upscale_log" || model_missing="$(grep . "$upscale_log" | tail -n1)"
  fi
fi
if [ -z "$model_missing" ]; then
  for f in "$work/sr"/*_L8_SR.tif; do mv "$f" "$work/pred/model/$(basename "$f" _L8_SR.tif)_SR.tif"; done
  model_used="$(gdalinfo "$(compgen -G "$work/pred/model/*_SR.tif" | head -n1)" | sed -n 's/^ *LSSR_MODEL=//p' | head -n1)"
  # lssr-upscale's summary lines "..., N tiles (E empty), S s, M ms per tile": model time without loading.
  printf 'model\t%s\n' "$(sed -nE 's/.*, ([0-9.e+-]+) ms per tile.*/\1/p' "$upscale_log" |
    "$py" -c 'import sys; v = [float(x) for x in sys.stdin]; print(sum(v) / len(v) / 1000 if v else "")')" >> "$timing"
else
  say "model column missing: $model_missing"
fi

# Parameter count of the bundle: --model's, or the default one where
# lssr-upscale looks for it ($LSSR_DATA_DIR, the installed data, the tree's data/).
params="" bundle="$model"
if [ -z "$bundle" ] && [ -n "$upscale" ]; then
  for c in ${LSSR_DATA_DIR:+"$LSSR_DATA_DIR/models/default.safetensors"} \
           "$(dirname "$upscale")/../share/lssr/models/default.safetensors" "$root/data/models/default.safetensors"; do
    [ -f "$c" ] && { bundle="$c"; break; }
  done
fi
if [ -z "$model_missing" ] && [ -n "$bundle" ] && [ -n "$modeltool" ]; then
  params="$("$modeltool" info --json "$bundle" 2>/dev/null | "$py" -c 'import json, sys
p = json.load(sys.stdin).get("parameters", {})
print(sum(v for v in p.values() if isinstance(v, int)))' || true)"
fi

# --- 4. Scores and the table.
for method in bicubic lanczos model; do
  [ "$method" != model ] || [ -z "$model_missing" ] || continue
  say "$method: lssr-eval"
  "$evaluate" -q --threads "$threads" --lr "$patches" -o "$work/metrics/$method.json" \
    "$work/pred/$method" "$patches" || die "lssr-eval failed for $method"
done

"$py" - "$work/metrics" "$timing" "$json" "$model_missing" "${model:-default}" "$model_used" "$params" \
  "$aux" "$size" "$dates" "${#lr_patches[@]}" "${seed_list[@]}" <<'PY'
import json, os, sys

(metrics_dir, timing_file, json_out, model_missing, model, model_used, params, aux, size, dates,
 n_patches, *seeds) = sys.argv[1:]
methods = [("bicubic", "Bicubic"), ("lanczos", "Lanczos"), ("model", "LSSR model")]
# Table 4's rows in its groups; higher_is_better per metric. LPIPS and FCL need
# pretrained feature networks and are not computed; consistency_mae is extra.
groups = [
    ("RGB metrics", [("psnr_rgb", "PSNR ↑", True, 2), ("ssim_rgb", "SSIM ↑", True, 2)]),
    ("IR metrics", [("psnr_ir", "PSNR ↑", True, 2), ("ssim_ir", "SSIM ↑", True, 2)]),
    ("Overall metrics", [("sam_deg", "SAM ↓", False, 2), ("ndvi_mse", "NDVI MSE ↓", False, 4),
                         ("consistency_mae", "Consistency MAE ↓", False, 4),
                         ("inference_s", "Inference (sec) ↓", False, 3),
                         ("parameters", "Param Count ↓", False, 0)]),
]

results = {}
timings = dict(line.rstrip("\n").split("\t") for line in open(timing_file) if line.strip())
for key, _ in methods:
    path = os.path.join(metrics_dir, key + ".json")
    if not os.path.exists(path):
        results[key] = None
        continue
    with open(path) as f:
        m = json.load(f)
    t = timings.get(key)
    m["inference_s"] = float(t) if t else None
    m["parameters"] = 0 if key != "model" else (int(params) if params else None)
    results[key] = m

def fmt(value, digits, metric):
    if value is None:
        return "-"
    if metric == "parameters":
        for unit, div in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
            if value >= div:
                return f"{value / div:.2f}{unit}"
        return str(value)
    return f"{value:.{digits}f}"

winners = {}
lines = ["| Metric | " + " | ".join(t for _, t in methods) + " | Best |",
         "|---|" + "---:|" * len(methods) + "---|"]
for group, rows in groups:
    lines.append(f"| *{group}* |" + " |" * (len(methods) + 1))
    for metric, label, higher, digits in rows:
        values = {k: (results[k] or {}).get(metric) for k, _ in methods}
        ranked = sorted((v, k) for k, v in values.items() if v is not None)
        if higher:
            ranked.reverse()
        # Ties share a place: every method with the best value is bold.
        best = [k for v, k in ranked if v == ranked[0][0]] if ranked else []
        rest = [(v, k) for v, k in ranked if k not in best]
        second = [k for v, k in rest if v == rest[0][0]] if rest else []
        winners[metric] = best
        cells = []
        for k, _ in methods:
            if results[k] is None:
                cells.append("missing")
                continue
            text = fmt(values[k], digits, metric)
            if values[k] is not None and len(ranked) > 1:
                if k in best: text = f"**{text}**"
                elif k in second: text = f"<u>{text}</u>"
            cells.append(text)
        best_title = ", ".join(t for k, t in methods if k in best) if len(ranked) > 1 else "-"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {best_title} |")

print(f"SR quality on {n_patches} held-out patches (64x64 HLS L30 at 30 m -> 192x192 at 10 m) from "
      f"{len(seeds)} lssr-synth area{'s' if len(seeds) > 1 else ''} of {size} km (seeds {', '.join(seeds)}; dates {dates}), "
      "scored against the Sentinel-2 10 m truth by lssr-eval (Table 4 of arXiv 2510.23382).")
print()
print("\n".join(lines))
print()
print("**Bold**: best, <u>underlined</u>: second. LPIPS and FCL (Table 4) need pretrained feature "
      "networks and are not computed; Consistency MAE (3x3 block means of the prediction against the "
      "LR patch, reflectance) is extra. Inference: seconds per patch (gdalwarp: per call; model: "
      "lssr-upscale's time per tile, model loading excluded, CPU).")
model_desc = model_used or model
print(f"Model: {model_desc}" + (" with DEM, land cover and S1" if aux == "1" and not model_missing else "")
      + (f" — MISSING: {model_missing}" if model_missing else ""))

doc = {
    "bench": "quality (Table 4 of arXiv 2510.23382) on held-out lssr-synth areas",
    "seeds": [int(s) for s in seeds], "size_km": float(size), "dates": dates.split(","),
    "patches": int(n_patches), "model": model, "model_used": model_used or None,
    "model_aux": aux == "1",
    "methods": {k: (None if results[k] is None else {
        m: results[k].get(m) for m in ("psnr_rgb", "ssim_rgb", "psnr_ir", "ssim_ir", "sam_deg", "ndvi_mse",
                                       "consistency_mae", "inference_s", "parameters", "samples")})
        for k, _ in methods},
    "best": winners,
    "missing": {"model": model_missing} if model_missing else {},
}
text = json.dumps(doc, indent=2)
if json_out:
    tmp = json_out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, json_out)
else:
    print()
    print(text)
PY
say "done in $((SECONDS - started)) s"
