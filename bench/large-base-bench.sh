#!/usr/bin/env bash
# A Stable-Diffusion-2.1-size base on this machine: lssr-model init builds one
# from the shipped stable-diffusion-2-1-base configs (data/configs/sd21-base)
# with fresh random weights (the trained ones cannot be downloaded here; speed
# and memory depend on the architecture, not the values), lssr-model pack puts
# LoRA on it, and lssr-upscale super-resolves a 128x128 cut of the shipped
# sample with it in each precision asked for, timed under GNU time.
set -euo pipefail
me="$(basename "$0")"
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

usage() {
  cat <<EOT
usage: bench/$me [OPTIONS]

Upscale a 128x128 px scene (a cut of data/sample) with an SD-2.1-shaped base
(its real configs, random weights) on the CPU, in fp32 and bf16: seconds, peak
RSS, seconds per 64->192 patch and the model's GFLOP/s. Prints JSON on stdout;
progress on stderr. Needs about 8 GB of free disk and 6 GB of memory.

  --size N         side of the scene in 30 m pixels (default 128)
  --precision LIST comma-separated precisions (default fp32,bf16)
  --threads N      lssr-upscale --threads (default 2)
  --tile N         lssr-upscale --tile (default 64: 192 px patches, as the paper's)
  --vae-tile N     lssr-upscale --vae-tile (default: lssr-upscale's)
  --json FILE      also write the JSON to FILE
  --keep           keep the scratch folder and print its path
  -q, --quiet      no progress on stderr
  -h, --help       this text

Tools come from \$LSSR_BIN if set, else build/apps, else PATH (lssr-model,
lssr-upscale); also gdalbuildvrt, gdal_translate, GNU time (/usr/bin/time) and python3.
EOT
}

size=128 precisions=fp32,bf16 threads=2 tile=64 vae_tile="" json="" keep=0 quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) [ $# -ge 2 ] || usage_error "--size needs a value"; size="$2"; shift 2 ;;
    --precision) [ $# -ge 2 ] || usage_error "--precision needs a list"; precisions="$2"; shift 2 ;;
    --threads) [ $# -ge 2 ] || usage_error "--threads needs a value"; threads="$2"; shift 2 ;;
    --tile) [ $# -ge 2 ] || usage_error "--tile needs a value"; tile="$2"; shift 2 ;;
    --vae-tile) [ $# -ge 2 ] || usage_error "--vae-tile needs a value"; vae_tile="$2"; shift 2 ;;
    --json) [ $# -ge 2 ] || usage_error "--json needs a file"; json="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -q|--quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
check_positive size threads tile
[ -z "$vae_tile" ] || [[ "$vae_tile" =~ ^[0-9]+$ ]] || usage_error "--vae-tile must be a non-negative integer"
IFS=, read -r -a precision_list <<<"$precisions"
for p in "${precision_list[@]}"; do
  case "$p" in fp32|bf16|fp16) ;; *) usage_error "--precision: '$p' is not fp32, bf16 or fp16" ;; esac
done
json="$(json_path "$json")" || exit 1
[ "$size" -le 134 ] || usage_error "--size must be at most 134 (the sample scene's side)"

model_tool="$(find_tool lssr-model)"
upscale="$(find_tool lssr-upscale)"
py="$(find_python)"
missing=()
[ -n "$model_tool" ] || missing+=(lssr-model)
[ -n "$upscale" ] || missing+=(lssr-upscale)
[ -n "$py" ] || missing+=(python3)
for t in gdalbuildvrt gdal_translate; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
[ -x /usr/bin/time ] || missing+=("/usr/bin/time (GNU time)")
[ "${#missing[@]}" -eq 0 ] || die "missing: ${missing[*]} (set LSSR_BIN or build the suite)"

make_work_dir large-base
started=$SECONDS

say "writing an SD-2.1-shaped base of random weights (lssr-model init data/configs/sd21-base)"
read -r init_s init_kb < <(measure "$model_tool" init "$root/data/configs/sd21-base" -o "$work/sd21" -q)
say "packing a bundle on it (LoRA rank 4 on PiSA-SR's targets)"
read -r pack_s pack_kb < <(measure "$model_tool" pack "$work/sd21" -o "$work/sd21.safetensors" -q)
"$model_tool" info --json "$work/sd21.safetensors" >"$work/info.json"
"$model_tool" keys "$work/sd21" >"$work/keys.tsv"  # the bundle refers to the base: count it from its tensors

# The first granule of the sample, every file cut alike (bands and Fmask keep their names).
stem="$(compgen -G "$root/data/sample/HLS.L30.*.B02.tif" | head -n1)" || die "data/sample has no HLS L30 granule"
stem="${stem%.B02.tif}"
mkdir -p "$work/scene"
for f in "$stem".*.tif; do
  gdal_translate -q -srcwin 0 0 "$size" "$size" "$f" "$work/scene/$(basename "$f")" || die "cannot cut $f"
done

runs=()
for p in "${precision_list[@]}"; do
  say "lssr-upscale --precision $p on a ${size}x${size} scene, $threads threads"
  args=(--model "$work/sd21.safetensors" --device cpu --threads "$threads" --tile "$tile" --precision "$p"
        --profile "$work/profile_$p.json" -q)
  [ -z "$vae_tile" ] || args+=(--vae-tile "$vae_tile")
  read -r s kb < <(measure "$upscale" "${args[@]}" "$work/scene/$(basename "$stem").B02.tif" -o "$work/sr_$p.tif")
  runs+=("$p" "$s" "$kb")
  rm -f "$work/sr_$p.tif"
done

"$py" - "$work" "$size" "$threads" "$tile" "$init_s" "$init_kb" "$json" "${runs[@]}" <<'PY'
import json, os, sys
work, size, threads, tile, init_s, init_kb, json_out, *runs = sys.argv[1:]
info = json.load(open(os.path.join(work, "info.json")))
params = info["parameters"]
counts = {"unet": 0, "vae": 0}
for line in open(os.path.join(work, "keys.tsv")):
    name, shape = line.rstrip("\n").split("\t")
    n = 1
    for d in json.loads(shape):
        n *= d
    counts[name.split(".", 1)[0]] += n
params["base_unet"], params["base_vae"] = counts["unet"], counts["vae"]
out = {"base": "stable-diffusion-2-1-base configs, random weights (lssr-model init)",
       "unet_parameters": params["base_unet"], "vae_parameters": params["base_vae"],
       "lora_parameters": params["lora"], "scene_px": int(size), "tile": int(tile),
       "patch": f"{tile}->{3 * int(tile)}", "threads": int(threads), "device": "cpu",
       "init_seconds": float(init_s), "init_peak_rss_mb": round(int(init_kb) / 1024, 1), "runs": []}
for i in range(0, len(runs), 3):
    p, s, kb = runs[i], float(runs[i + 1]), int(runs[i + 2])
    prof = json.load(open(os.path.join(work, f"profile_{p}.json")))
    tiles = max(1, prof["tiles_run"])
    out["runs"].append({
        "precision": p, "seconds": s, "peak_rss_mb": round(kb / 1024, 1),
        "tiles_run": prof["tiles_run"], "seconds_per_patch": round(prof["model_seconds"] / tiles, 2),
        "stages_seconds": {st["stage"]: round(st["seconds"], 2) for st in prof["stages"]},
        "macs_per_tile": prof["macs_per_tile"], "model_gflops": round(prof["model_gflops"], 1),
    })
out["paper_seconds_per_patch_gpu"] = 0.39
text = json.dumps(out, indent=2)
print(text)
if json_out:
    with open(json_out + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(json_out + ".tmp", json_out)
PY
say "done in $((SECONDS - started)) s"
