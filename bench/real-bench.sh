#!/usr/bin/env bash
# SR quality on real scenes only (bench/data/real/: Landsat 5/7/8 and
# Sentinel-2 cuts, none of them generated, none used in training), by Wald's
# protocol: each scene is the reference, its 3x3 block mean the LR input.
#
#   1. LR: gdalwarp -r average onto the scene's grid coarsened 3x.
#   2. Predictions back on the scene's grid: gdalwarp -r cubic, gdalwarp -r
#      lanczos, and lssr-upscale (the default model unless --model, no side
#      inputs) with the consistency projection (--consistency exact) and
#      without it (--consistency none). An lssr-upscale whose --help has no
#      --consistency is run once, as is, for the "no projection" column; the
#      "projection" column then reads missing.
#   3. lssr-eval scores each against the scene (PSNR/SSIM of the RGB and IR
#      groups, SAM, NDVI MSE, consistency MAE against the LR input) and draws
#      the panels LR | cubic | SR | reference (true colour, false colour, NDVI)
#      into the output folder.
#   4. Markdown tables (mean over the scenes, then per scene) and JSON (one
#      object per scene and method) on stdout.
#
# usage: bench/real-bench.sh [--model BUNDLE] [--self-ensemble N] [--data DIR] [--out DIR]
#            [--threads N] [--json FILE] [--keep] [-q] [-h]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
me="real-bench.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

usage() {
  cat <<EOF
usage: bench/$me [OPTIONS]

Wald's protocol on the real scenes of bench/data/real/ (never generated ones):
each scene is degraded 3x by block mean and super-resolved back by bicubic,
Lanczos (gdalwarp) and the LSSR model (lssr-upscale, with and without the
consistency projection), then scored by lssr-eval against the scene. Prints
Markdown tables (mean over scenes, then per scene) and JSON (one object per
scene and method) on stdout, and writes picture panels LR | cubic | SR |
reference per scene into the output folder.

  --model BUNDLE   model bundle for lssr-upscale (default: the suite's default
                   model; when lssr-upscale fails the model columns read
                   "missing" with the reason)
  --self-ensemble N
                   lssr-upscale --self-ensemble N (1, 2, 4 or 8; default 1)
  --data DIR       folder of 6-band reference scenes (default bench/data/real)
  --out DIR        output folder for the panels and real-bench.json (default
                   ./real-bench-out; earlier panels there are replaced)
  --threads N      threads for the tools (default 2)
  --json FILE      also write the JSON to FILE
  --keep           keep the scratch folder (LR inputs, predictions, metrics)
  -q, --quiet      no progress on stderr
  -h, --help       this text

Tools come from \$LSSR_BIN if set, else build/apps, else PATH: lssr-eval
(required) and lssr-upscale; also gdalwarp, gdalinfo and python3.
EOF
}

model="" ensemble=1 data="$root/bench/data/real" out="$PWD/real-bench-out" threads=2 json="" keep=0 quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --model) [ $# -ge 2 ] || usage_error "--model needs a file"; model="$2"; shift 2 ;;
    --self-ensemble) [ $# -ge 2 ] || usage_error "--self-ensemble needs 1, 2, 4 or 8"; ensemble="$2"; shift 2 ;;
    --data) [ $# -ge 2 ] || usage_error "--data needs a folder"; data="$2"; shift 2 ;;
    --out) [ $# -ge 2 ] || usage_error "--out needs a folder"; out="$2"; shift 2 ;;
    --threads) [ $# -ge 2 ] || usage_error "--threads needs a value"; threads="$2"; shift 2 ;;
    --json) [ $# -ge 2 ] || usage_error "--json needs a file"; json="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -q|--quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
check_positive threads
case "$ensemble" in 1|2|4|8) ;; *) usage_error "--self-ensemble must be 1, 2, 4 or 8, not '$ensemble'" ;; esac
[ -d "$data" ] || die "$data: no such folder"
data="$(cd "$data" && pwd)"
model="$(model_path "$model")" || exit 1
json="$(json_path "$json")" || exit 1

evaluate="$(find_tool lssr-eval)" upscale="$(find_tool lssr-upscale)" py="$(find_python)"
missing=()
[ -n "$evaluate" ] || missing+=(lssr-eval)
[ -n "$py" ] || missing+=(python3)
for t in gdalwarp gdalinfo; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
[ "${#missing[@]}" -eq 0 ] ||
  die "missing: ${missing[*]} (set LSSR_BIN, build the suite or put the tools on PATH)"

mapfile -t scenes < <(compgen -G "$data/*.tif" | sort)
[ "${#scenes[@]}" -gt 0 ] || die "$data: no .tif scenes"
mkdir -p "$out/panels"
out="$(cd "$out" && pwd)"
make_work_dir real
started=$SECONDS
mkdir -p "$work/ref" "$work/lr" "$work/metrics" "$work/sr"

# --- 1. References and their LR inputs (sample names: the scene file's stem).
for scene in "${scenes[@]}"; do
  s="$(basename "$scene" .tif)"
  [[ "$s" != *_* ]] || die "$scene: scene names must not contain '_' (lssr-eval's sample suffix)"
  read -r w h <<< "$(size_of "$scene")"
  [ $((w % 3)) -eq 0 ] && [ $((h % 3)) -eq 0 ] || die "$scene: ${w}x${h} px is not a multiple of 3"
  ln -s "$scene" "$work/ref/${s}_S2.tif"
  read -r xmin ymin xmax ymax <<< "$(bounds_of "$scene")"
  gdalwarp -q -r average -te "$xmin" "$ymin" "$xmax" "$ymax" -ts $((w / 3)) $((h / 3)) \
    "$scene" "$work/lr/${s}_L8.tif" || die "gdalwarp -r average failed on $scene"
done
say "${#scenes[@]} real scenes from $data"

# --- 2. Predictions: <method>/<scene>_SR.tif on the scene's grid.
for method in bicubic lanczos; do
  mkdir -p "$work/pred/$method"
  resampling=cubic; [ "$method" = lanczos ] && resampling=lanczos
  say "$method: gdalwarp -r $resampling"
  for scene in "${scenes[@]}"; do
    s="$(basename "$scene" .tif)"
    read -r xmin ymin xmax ymax <<< "$(bounds_of "$scene")"
    read -r w h <<< "$(size_of "$scene")"
    gdalwarp -q -r "$resampling" -te "$xmin" "$ymin" "$xmax" "$ymax" -ts "$w" "$h" -ot Float32 \
      "$work/lr/${s}_L8.tif" "$work/pred/$method/${s}_SR.tif" || die "gdalwarp failed on $s"
  done
done

# The model columns: "key --consistency-value" ("" = the tool as it is).
model_args=(); [ -z "$model" ] || model_args=(--model "$model")
[ "$ensemble" = 1 ] || model_args+=(--self-ensemble "$ensemble")
declare -A model_missing=()
model_runs=()
if [ -z "$upscale" ]; then
  model_missing[model_exact]="lssr-upscale was not found (LSSR_BIN, build/apps, PATH)"
  model_missing[model_none]="${model_missing[model_exact]}"
elif [[ "$("$upscale" --help 2>/dev/null || true)" == *--consistency* ]]; then
  model_runs=("model_exact exact" "model_none none")
else
  model_missing[model_exact]="this lssr-upscale has no --consistency option"
  model_runs=("model_none")
fi
model_used=""
for run in "${model_runs[@]}"; do
  read -r key consistency <<< "$run"
  c_args=(); [ -z "$consistency" ] || c_args=(--consistency "$consistency")
  say "$key: lssr-upscale ${model:-(default model)} ${c_args[*]}"
  rm -rf "$work/sr" && mkdir -p "$work/sr" "$work/pred/$key"
  log="$work/upscale-$key.log"
  if "$upscale" "${model_args[@]}" "${c_args[@]}" --device cpu --threads "$threads" -O "$work/sr" \
      "$work"/lr/*_L8.tif 2>"$log"; then
    for f in "$work/sr"/*_L8_SR.tif; do mv "$f" "$work/pred/$key/$(basename "$f" _L8_SR.tif)_SR.tif"; done
    [ -n "$model_used" ] || model_used="$(gdalinfo "$(compgen -G "$work/pred/$key/*_SR.tif" | head -n1)" |
      sed -n 's/^ *LSSR_MODEL=//p' | head -n1)"
  else
    model_missing[$key]="$(grep . "$log" | tail -n1)"
    say "$key missing: ${model_missing[$key]}"
  fi
done

# --- 3. Scores; the panels come with the first model column that ran (else bicubic).
panel_pred=bicubic
for key in model_exact model_none; do
  if [ -z "${model_missing[$key]:-}" ] && [ -d "$work/pred/$key" ]; then panel_pred="$key"; break; fi
done
for method in bicubic lanczos model_exact model_none; do
  [ -d "$work/pred/$method" ] && [ -z "${model_missing[$method]:-}" ] || continue
  say "$method: lssr-eval"
  panel_args=()
  if [ "$method" = "$panel_pred" ]; then
    panel_args=(--panels "$out/panels/real" --overwrite)
    [ "$panel_pred" = bicubic ] || panel_args+=(--panel-baseline "$work/pred/bicubic")
  fi
  "$evaluate" -q --threads "$threads" --lr "$work/lr" -o "$work/metrics/$method.json" \
    --csv "$work/metrics/$method.csv" "${panel_args[@]}" "$work/pred/$method" "$work/ref" ||
    die "lssr-eval failed for $method"
done

missing_tsv="$work/missing.tsv"   # method <TAB> reason
: > "$missing_tsv"
for key in "${!model_missing[@]}"; do printf '%s\t%s\n' "$key" "${model_missing[$key]}" >> "$missing_tsv"; done

"$py" - "$work/metrics" "$out" "$json" "$missing_tsv" "${model:-default}" "$model_used" "$panel_pred" \
  "$ensemble" "$data" "${scenes[@]}" <<'PY'
import csv, json, math, os, sys

metrics_dir, out, json_out, missing_tsv, model, model_used, panel_pred, ensemble, data, *scene_files = sys.argv[1:]
missing = dict(line.rstrip("\n").split("\t", 1) for line in open(missing_tsv) if line.strip())
scenes = [os.path.splitext(os.path.basename(f))[0] for f in scene_files]
methods = [("bicubic", "Bicubic"), ("lanczos", "Lanczos"),
           ("model_exact", "LSSR, projection"), ("model_none", "LSSR, no projection")]
# metric, title, higher is better, digits
columns = [("psnr_rgb", "PSNR RGB ↑", True, 2), ("ssim_rgb", "SSIM RGB ↑", True, 3),
           ("psnr_ir", "PSNR IR ↑", True, 2), ("ssim_ir", "SSIM IR ↑", True, 3),
           ("sam_deg", "SAM ° ↓", False, 2), ("ndvi_mse", "NDVI MSE ↓", False, 4),
           ("consistency_mae", "Consistency MAE ↓", False, 5)]

def number(text):
    if text in ("", None):
        return None
    v = float(text)
    return None if math.isinf(v) or math.isnan(v) else v

per_scene = {}   # method -> scene -> {metric: value}
for key, _ in methods:
    path = os.path.join(metrics_dir, key + ".csv")
    if os.path.exists(path):
        with open(path) as f:
            per_scene[key] = {row["sample"]: {m: number(row.get(m)) for m, *_ in columns} for row in csv.DictReader(f)}

def mean(key, metric):
    vals = [per_scene[key][s][metric] for s in scenes if s in per_scene.get(key, {})]
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else None

def table(rows):
    """rows: [(label, {method: {metric: value} or None})]; the best of each row group in bold."""
    lines = ["| Scene | Method | " + " | ".join(t for _, t, *_ in columns) + " |",
             "|---|---|" + "---:|" * len(columns)]
    for label, values in rows:
        best = {}
        for m, _, higher, d in columns:
            vs = [round(v[m], d) for v in values.values() if v is not None and v.get(m) is not None]
            best[m] = (max(vs) if higher else min(vs)) if len(vs) > 1 else None
        for key, title in methods:
            v = values.get(key)
            if v is None:
                cells = ["missing"] * len(columns)
            else:
                cells = []
                for m, _, _h, d in columns:
                    x = v.get(m)
                    text = "-" if x is None else f"{x:.{d}f}"
                    cells.append(f"**{text}**" if x is not None and round(x, d) == best[m] else text)
            lines.append(f"| {label} | {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)

means = {key: ({m: mean(key, m) for m, *_ in columns} if key in per_scene else None) for key, _ in methods}
print(f"SR quality on {len(scenes)} real scenes by Wald's protocol (reference: the scene; LR: its 3x3 block "
      f"mean; predictions back on the scene's grid), scored by lssr-eval. Scenes: {data} "
      "(bench/data/real/ by default: real, none generated, none used in training).")
print()
print(table([("mean", means)]))
print()
print(table([(s, {k: (per_scene[k].get(s) if k in per_scene else None) for k, _ in methods}) for s in scenes]))
print()
print("**Bold**: best of the scene. PSNR and SSIM of the red/green/blue and nir/swir1/swir2 groups "
      "(reflectance clipped to [0,1], data range 1), SAM in degrees, NDVI MSE, and the consistency MAE "
      "(3x3 block means of the prediction against the LR input, reflectance). Projection: lssr-upscale "
      "--consistency exact; no projection: --consistency none.")
print(f"Model: {model_used or model}" + (f", self-ensemble of {ensemble}" if ensemble != "1" else "") + "".join(f" — {k} MISSING: {v}" for k, v in sorted(missing.items())))
print(f"Panels (LR | {'cubic | ' if panel_pred != 'bicubic' else ''}{panel_pred} | reference): "
      f"{out}/panels/real_<scene>_{{truecolor,falsecolor,ndvi}}.png")

doc = {
    "bench": "real imagery, Wald's protocol (3x block mean, then back to the scene's grid)",
    "data": data, "scenes": scenes, "model": model, "model_used": model_used or None,
    "self_ensemble": int(ensemble),
    "panels": {s: [os.path.join(out, "panels", f"real_{s}_{k}.png") for k in ("truecolor", "falsecolor", "ndvi")]
               for s in scenes},
    "panel_prediction": panel_pred,
    "results": [dict(scene=s, method=k, **per_scene[k][s]) for s in scenes for k, _ in methods
                if k in per_scene and s in per_scene[k]],
    "mean": means,
    "missing": missing,
}
text = json.dumps(doc, indent=2)
for path in filter(None, [json_out, os.path.join(out, "real-bench.json")]):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, path)
print()
print(text)
PY
say "done in $((SECONDS - started)) s"
