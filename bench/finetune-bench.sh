#!/usr/bin/env bash
# Self-supervised adaptation, measured: fine-tunes a model on ONE real scene
# with no 10 m reference (lssr-tile --self-pairs: the scene is its own HR
# target, its 3x block mean the LR input), then scores the model before and
# after on OTHER real scenes of the same sensor with bench/real-bench.sh.
#
# Defaults: the default model, fine-tuned on data/real-train/s2-csmask.tif
# (Sentinel-2, cloudy farmland; held out of the default model's recipe),
# scored on the two Sentinel-2 BigEarthNet scenes of bench/data/real (other
# countries, other dates). Prints one JSON object (before, after, change).
#
# usage: bench/finetune-bench.sh [--model BUNDLE] [--scene FILE] [--eval GLOB]
#            [--steps N] [--lr X] [--threads N] [--json FILE] [--keep] [-q] [-h]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
me="finetune-bench.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

usage() {
  cat <<USAGE
usage: bench/$me [OPTIONS]

Fine-tunes a model on one real scene by Wald's protocol (self-supervised) and
scores it before and after on other real scenes of the same sensor.

  --model BUNDLE  model to adapt (default: data/models/default.safetensors)
  --scene FILE    the real scene to adapt on (default data/real-train/s2-csmask.tif)
  --eval GLOB     scenes to score, a glob under bench/data/real (default s2-ben-*.tif)
  --steps N       fine-tuning steps (default 200)
  --lr X          learning rate (default 2e-4)
  --threads N     threads (default 2)
  --json FILE     also write the JSON to FILE
  --keep          keep the scratch folder
  -q, --quiet     no progress on stderr
  -h, --help      this text
USAGE
}

model="$root/data/models/default.safetensors" scene="$root/data/real-train/s2-csmask.tif" eval_glob="s2-ben-*.tif"
steps=200 lr=2e-4 threads=2 json="" keep=0 quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --model) [ $# -ge 2 ] || usage_error "--model needs a file"; model="$2"; shift 2 ;;
    --scene) [ $# -ge 2 ] || usage_error "--scene needs a file"; scene="$2"; shift 2 ;;
    --eval) [ $# -ge 2 ] || usage_error "--eval needs a glob"; eval_glob="$2"; shift 2 ;;
    --steps) [ $# -ge 2 ] || usage_error "--steps needs a value"; steps="$2"; shift 2 ;;
    --lr) [ $# -ge 2 ] || usage_error "--lr needs a value"; lr="$2"; shift 2 ;;
    --threads) [ $# -ge 2 ] || usage_error "--threads needs a value"; threads="$2"; shift 2 ;;
    --json) [ $# -ge 2 ] || usage_error "--json needs a file"; json="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -q|--quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
check_positive steps threads
[ -f "$scene" ] || die "$scene: no such scene"
model="$(model_path "$model")" || exit 1
json="$(json_path "$json")" || exit 1
tile="$(find_tool lssr-tile)" train="$(find_tool lssr-train)"
[ -n "$tile" ] && [ -n "$train" ] || die "missing lssr-tile or lssr-train (build the suite or set LSSR_BIN)"

make_work_dir finetune
mkdir -p "$work/eval"
mapfile -t eval_scenes < <(compgen -G "$root/bench/data/real/$eval_glob" | sort)
[ "${#eval_scenes[@]}" -gt 0 ] || die "no scene matches bench/data/real/$eval_glob"
for f in "${eval_scenes[@]}"; do
  [ "$(realpath "$f")" != "$(realpath "$scene")" ] || die "$f: the fine-tuning scene cannot also be scored"
  ln -s "$f" "$work/eval/"
done
q=(); [ "$quiet" = 1 ] && q=(-q)

say "cutting self-supervised pairs from $(basename "$scene")"
"$tile" -q --self-pairs "$scene" -O "$work/pairs" --patch 32 --stride 8 --test-fraction 0.1 --seed 1
say "fine-tuning $(basename "$model"): $steps steps, lr $lr"
"$train" -q --threads "$threads" --model "$model" "$work/pairs" -o "$work/run" --steps "$steps" --pix-steps "$steps" \
  --batch 4 --crop 32 --lr "$lr" --lr-schedule cosine --lambda-l2 20 --lambda-fft 0 --lambda-ndvi 5 --loss-on-projection \
  --ndvi-loss mse --lambda-lpips 0 --lambda-csd 0 --checkpoint-every 1000 --seed 1
for stage in before after; do
  m="$model"; [ "$stage" = after ] && m="$work/run/model.safetensors"
  say "scoring the model $stage fine-tuning"
  "$root/bench/real-bench.sh" "${q[@]}" --model "$m" --data "$work/eval" --out "$work/$stage" --threads "$threads" \
    --json "$work/$stage.json" >/dev/null
done

"$(find_python)" - "$work/before.json" "$work/after.json" "$scene" "$model" "$steps" "$lr" <<'PY' | tee "${json:-/dev/null}"
import json, os, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
def model_rows(d):
    return {r["scene"]: r for r in d["results"] if r["method"] == "model_exact"}
def baseline(d, scene):
    return {r["method"]: r for r in d["results"] if r["scene"] == scene}
b, a = model_rows(before), model_rows(after)
keys = ("psnr_rgb", "psnr_ir", "ndvi_mse", "consistency_mae")
scenes = []
for s in sorted(b):
    base = baseline(before, s)
    scenes.append({"scene": s,
                   "before": {k: b[s][k] for k in keys}, "after": {k: a[s][k] for k in keys},
                   "change_psnr_rgb_db": round(a[s]["psnr_rgb"] - b[s]["psnr_rgb"], 3),
                   "change_psnr_ir_db": round(a[s]["psnr_ir"] - b[s]["psnr_ir"], 3),
                   "lanczos_psnr_rgb": base["lanczos"]["psnr_rgb"], "bicubic_psnr_rgb": base["bicubic"]["psnr_rgb"]})
print(json.dumps({"bench": "self-supervised fine-tuning on one real scene, scored on other scenes of the same sensor",
                  "finetune_scene": os.path.basename(sys.argv[3]), "model": os.path.basename(sys.argv[4]),
                  "steps": int(sys.argv[5]), "lr": float(sys.argv[6]), "scenes": scenes}, indent=2))
PY
