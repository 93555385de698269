#!/usr/bin/env bash
# The paper's resolution experiment (Table 6 of arXiv 2510.23382) on synthetic
# study areas: crop-type maps from 30 m Landsat, 30 m HLS L30, 10 m
# super-resolved HLS (lssr-upscale, when it and its default model are there) and
# 10 m Sentinel-2, each trained on one area and scored on another.
#
#   1. lssr-synth writes a training area and a test area (different seeds and
#      places) with a June, a July and an August date.
#   2. Per source and date, a 6-band VRT stack (blue..swir2) is built with the
#      product's reflectance scale/offset set in the band metadata: S2 L2A and
#      Landsat C2 L2 files carry none. S2's 20 m B11/B12 are resampled onto the
#      10 m grid (bilinear) inside the VRT. SR stacks are lssr-upscale of the
#      HLS L30 stacks; the control column is the same stacks brought to 10 m by
#      gdalwarp -r cubic.
#   3. cropmap-fit trains one model per source on the training area's CDL
#      (corn 1, soybeans 5, everything else background; with --train-labels
#      truth, the training area's 10 m truth labels, which cropmap-fit takes by
#      mode onto a 30 m source's grid); cropmap-predict maps the test area and
#      scores it against the test area's CDL (or, with --reference truth, the
#      10 m truth labels).
#   4. The per-class precision, recall, F1 and IoU and the macro means
#      ("Overall") are printed as a Markdown table in the paper's layout and,
#      with --json, written as JSON.
#
# Every step is seeded: the same options give the same table. Defaults (6 km
# areas, 5000 samples per class, at most 100 rounds) take a few minutes on
# two cores; --quick (with --size 2) is a smoke run of under half a minute.
# This is an experiment, not a test: it is not part of ctest.
#
# usage: scripts/resolution-experiment.sh [--work DIR] [--keep] [--size KM] [--seed N]
#            [--landscape NAME] [--dates D1,D2,...] [--reference cdl|truth]
#            [--train-labels cdl|truth] [--samples-per-class N]
#            [--rounds N] [--threads N] [--json FILE] [--quick] [-q] [-h]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
me="resolution-experiment.sh"

usage() {
  cat <<EOF
usage: scripts/$me [OPTIONS]

Train crop-type classifiers (corn, soybeans, background) on one synthetic study
area and score them on another, per image source: 30 m Landsat, 30 m HLS L30,
10 m super-resolved HLS (lssr-upscale, skipped when unavailable) and 10 m
Sentinel-2. Prints the paper's Table 6 as Markdown on stdout.

  --work DIR               working folder (default: a temporary folder, removed
                           at the end unless --keep); it must not exist or be empty
  --keep                   keep the working folder (areas, stacks, models, maps)
  --size KM                side of each study area in km (default 6)
  --seed N                 training area seed; the test area uses N+1000 (default 1)
  --landscape NAME         lssr-synth landscape of both areas (default iowa;
                           smallfields has 30-150 m fields and 20-60 m strips)
  --dates LIST             acquisition dates (default 2021-06-20,2021-07-22,2021-08-23)
  --reference cdl|truth    score against the test area's 30 m CDL (default, as the
                           paper) or its 10 m truth labels (truth/cdl_10m.tif)
  --train-labels cdl|truth train on the training area's 30 m CDL (default, as the
                           paper) or its 10 m truth labels: on fields narrower
                           than 90 m the 30 m CDL mislabels most 10 m pixels of a
                           strip, so a 10 m classifier learns 30 m labels
  --samples-per-class N    cropmap-fit training pixels per class (default 5000)
  --rounds N               cropmap-fit boosting rounds at most (default 100)
  --threads N              threads for the tools (default: all cores)
  --json FILE              also write the table (and OA, kappa, pixel counts) as JSON
  --quick                  smoke run: 1000 samples per class, 20 rounds, depth 8
                           (use with --size 2)
  -q, --quiet              no progress on stderr
  -h, --help               this text

Tools are taken from build/apps, else PATH: lssr-synth, cropmap-fit,
cropmap-predict (required), lssr-upscale (optional), gdalbuildvrt,
gdal_translate and gdalwarp, python3.
EOF
}

die() { echo "$me: error: $*" >&2; exit 1; }
usage_error() { echo "$me: error: $*" >&2; echo "try: scripts/$me --help" >&2; exit 2; }

work="" keep=0 size=6 seed=1 landscape=iowa dates="2021-06-20,2021-07-22,2021-08-23" reference=cdl train_labels=cdl
samples=5000 rounds=100 depth=20 threads="" json="" quick=0 quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --work) [ $# -ge 2 ] || usage_error "--work needs a folder"; work="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --size) [ $# -ge 2 ] || usage_error "--size needs a value"; size="$2"; shift 2 ;;
    --seed) [ $# -ge 2 ] || usage_error "--seed needs a value"; seed="$2"; shift 2 ;;
    --landscape) [ $# -ge 2 ] || usage_error "--landscape needs a name"; landscape="$2"; shift 2 ;;
    --dates) [ $# -ge 2 ] || usage_error "--dates needs a list"; dates="$2"; shift 2 ;;
    --reference) [ $# -ge 2 ] || usage_error "--reference needs cdl or truth"; reference="$2"; shift 2 ;;
    --train-labels) [ $# -ge 2 ] || usage_error "--train-labels needs cdl or truth"; train_labels="$2"; shift 2 ;;
    --samples-per-class) [ $# -ge 2 ] || usage_error "--samples-per-class needs a value"; samples="$2"; shift 2 ;;
    --rounds) [ $# -ge 2 ] || usage_error "--rounds needs a value"; rounds="$2"; shift 2 ;;
    --threads) [ $# -ge 2 ] || usage_error "--threads needs a value"; threads="$2"; shift 2 ;;
    --json) [ $# -ge 2 ] || usage_error "--json needs a file"; json="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    -q|--quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
if [ "$quick" = 1 ]; then samples=1000; rounds=20; depth=8; fi
[[ "$seed" =~ ^[0-9]+$ ]] || usage_error "--seed must be a non-negative integer, not '$seed'"
[[ "$samples" =~ ^[0-9]+$ ]] || usage_error "--samples-per-class must be a non-negative integer, not '$samples'"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || usage_error "--rounds must be a positive integer, not '$rounds'"
[[ "$size" =~ ^[0-9]+([.][0-9]+)?$ ]] || usage_error "--size must be a number of km, not '$size'"
[ -z "$threads" ] || [[ "$threads" =~ ^[1-9][0-9]*$ ]] || usage_error "--threads must be a positive integer, not '$threads'"
case "$reference" in cdl|truth) ;; *) usage_error "--reference must be cdl or truth, not '$reference'" ;; esac
case "$train_labels" in cdl|truth) ;; *) usage_error "--train-labels must be cdl or truth, not '$train_labels'" ;; esac
IFS=, read -r -a date_list <<< "$dates"
[ "${#date_list[@]}" -ge 1 ] || usage_error "--dates is empty"

say() { [ "$quiet" = 1 ] || echo "$me: $*" >&2; }

# The suite's tools: the tree's own build first, then PATH.
find_tool() {
  if [ -x "$root/build/apps/$1" ]; then echo "$root/build/apps/$1"
  else command -v "$1" 2>/dev/null || true; fi
}
missing=()
synth="$(find_tool lssr-synth)";          [ -n "$synth" ] || missing+=(lssr-synth)
fit="$(find_tool cropmap-fit)";           [ -n "$fit" ] || missing+=(cropmap-fit)
predict="$(find_tool cropmap-predict)";   [ -n "$predict" ] || missing+=(cropmap-predict)
for t in gdalbuildvrt gdal_translate gdalwarp python3; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
[ "${#missing[@]}" -eq 0 ] ||
  die "missing tool(s): ${missing[*]} (build the suite with 'cmake --preset release && cmake --build --preset release', or put them on PATH)"
upscale="$(find_tool lssr-upscale)"

[ -z "$json" ] || [ -d "$(dirname "$json")" ] || die "$json: its folder does not exist"
if [ -z "$work" ]; then
  work="$(mktemp -d -t lssr-resolution.XXXXXX)"
else
  [ ! -e "$work" ] || [ -d "$work" -a -z "$(ls -A "$work" 2>/dev/null)" ] ||
    die "$work: the working folder exists and is not empty"
  mkdir -p "$work"
fi
work="$(cd "$work" && pwd)"
[ -z "$json" ] || json="$(cd "$(dirname "$json")" && pwd)/$(basename "$json")"
cleanup() { if [ "$keep" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

quiet_flag=(-q)
thread_flags=(); [ -z "$threads" ] || thread_flags=(--threads "$threads")
started=$SECONDS

# --- 1. Study areas: different seeds, 30 km apart (origins on the 30 m lattice).
make_area() {  # name seed origin
  say "generating the $1 area (seed $2, ${size} km, $landscape landscape, dates $dates)"
  local rc=0
  "$synth" "${quiet_flag[@]}" -O "$work/$1" --seed "$2" --size "$size" --landscape "$landscape" --dates "$dates" --origin "$3" || rc=$?
  # Keep lssr-synth's status: 2 means a bad --size or --dates.
  [ "$rc" = 0 ] || { echo "$me: error: lssr-synth failed for the $1 area" >&2; exit "$rc"; }
}
make_area train "$seed" 420000,4680000
make_area test "$((seed + 1000))" 450000,4650000

# --- 2. Per-date 6-band stacks, in date order.
# Lists one product per date, sorted on the date field of its name (field $2 of
# the name split at $3); stops unless there is one per date.
products() {  # pattern field separator what
  local found f
  found="$({ compgen -G "$1" || true; } | while IFS= read -r f; do printf '%s\t%s\n' "$(basename "$f")" "$f"; done |
           sort -t"$3" -k"$2","$2" | cut -f2)"
  [ "$(printf '%s\n' "$found" | grep -c .)" -eq "${#date_list[@]}" ] ||
    die "expected ${#date_list[@]} $4 in $(dirname "$1"), found: ${found:-none}"
  printf '%s\n' "$found"
}
# An area's stacks of one source (landsat, hls, cubic, sr, s2), in date order,
# without the unscaled .dn.vrt layers they are built on.
stacks_of() {  # area source
  { compgen -G "$work/stacks/$1/$2_*" || true; } | grep -v '\.dn\.vrt$' | sort
}
# An area's labels: its 30 m CDL or its 10 m truth labels.
labels_of() {  # area cdl|truth
  case "$2" in
    cdl) echo "$work/$1/cdl.tif" ;;
    truth) echo "$work/$1/truth/cdl_10m.tif" ;;
  esac
}
# Names a stack after its acquisition date (cropmap-fit reads the date from the name).
date_of() { grep -oE '(19|20)[0-9]{6}' <<< "$(basename "$1")" | head -n1; }
# HLS names carry YYYYDDD (HLS.L30.T15TVG.2021179T165432.v2.0): as YYYYMMDD.
hls_date() {
  local yd
  yd="$(basename "$1" | cut -d. -f4)"; yd="${yd:0:7}"
  date -u -d "${yd:0:4}-01-01 +$((10#${yd:4:3} - 1)) days" +%Y%m%d
}

# A 6-band VRT with the given reflectance scale and offset on every band.
stack() {  # out scale offset [gdalbuildvrt options --] band files...
  local out="$1" scale="$2" offset="$3"; shift 3
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  gdalbuildvrt -q -separate "${opts[@]}" "${out%.vrt}.dn.vrt" "$@" || die "gdalbuildvrt failed for $out"
  gdal_translate -q -of VRT -a_scale "$scale" -a_offset "$offset" "${out%.vrt}.dn.vrt" "$out" ||
    die "gdal_translate failed for $out"
}

build_stacks() {  # area
  local area="$work/$1" dir="$work/stacks/$1" p b found items img r10 r20 stem
  mkdir -p "$dir"
  say "building the $1 area's stacks"
  # Lists are taken with $(...) so that a count mismatch stops the script (set -e).
  # Landsat C2 L2: reflectance = DN * 2.75e-5 - 0.2; blue..swir2 = SR_B2..SR_B7.
  found="$(products "$area/L[CO]0[89]_L2SP_*" 4 _ "Landsat C2 L2 scenes")"
  mapfile -t items <<< "$found"
  for p in "${items[@]}"; do
    stack "$dir/landsat_$(date_of "$p").vrt" 2.75e-05 -0.2 -- "$p/$(basename "$p")"_SR_B{2,3,4,5,6,7}.TIF
  done
  # HLS L30: scale 0.0001 is in the files already; set again so the stack keeps it.
  found="$(products "$area/HLS.L30.*.B02.tif" 4 . "HLS L30 granules")"
  mapfile -t items <<< "$found"
  for p in "${items[@]}"; do
    b="${p%.B02.tif}"
    stack "$dir/hls_$(hls_date "$b").vrt" 0.0001 0 -- "$b".B0{2,3,4,5,6,7}.tif
  done
  # Sentinel-2 L2A baseline N0500: reflectance = (DN - 1000) / 10000; B11/B12 are 20 m.
  found="$(products "$area/S2[AB]_MSIL2A_*.SAFE" 3 _ "Sentinel-2 L2A products")"
  mapfile -t items <<< "$found"
  for p in "${items[@]}"; do
    img="$(compgen -G "$p/GRANULE/*/IMG_DATA")" || die "$p: no GRANULE/*/IMG_DATA"
    r10="$img/R10m"; r20="$img/R20m"
    stem="$(basename "$(compgen -G "$r10/*_B02_10m.tif")" _B02_10m.tif)"
    stack "$dir/s2_$(date_of "$p").vrt" 0.0001 -0.1 -tr 10 10 -r bilinear -- \
      "$r10/${stem}"_B0{2,3,4,8}_10m.tif "$r20/${stem}"_B1{1,2}_20m.tif
  done
}
build_stacks train
build_stacks test

# The 20 m bands must land exactly on the 10 m grid.
s2_check="$(compgen -G "$work/stacks/test/s2_*.vrt" | head -n1)"
b02="$(compgen -G "$work/test/S2*.SAFE/GRANULE/*/IMG_DATA/R10m/*_B02_10m.tif" | head -n1)"
[ "$(gdalinfo "$s2_check" | grep -E '^(Size is|Origin)')" = "$(gdalinfo "$b02" | grep -E '^(Size is|Origin)')" ] ||
  die "$s2_check: the Sentinel-2 stack is not on the 10 m grid of $b02"

# --- SR stacks: lssr-upscale of the HLS L30 stacks with its default model.
sr_missing=""
upscale_area() {  # area
  local area="$work/$1" dir="$work/stacks/$1" help extra=() s1=() i=0 p out err found items
  help="$("$upscale" --help 2>&1 || true)"
  grep -q -- '--dem' <<< "$help" && extra+=(--dem "$area/dem.tif")
  grep -q -- '--landcover' <<< "$help" && extra+=(--landcover "$area/landcover.tif")
  if grep -q -- '--s1' <<< "$help"; then
    found="$(products "$area/S1[AB]_IW_GRDH_*.tif" 5 _ "Sentinel-1 GRD stacks" 2>/dev/null)" ||
      { sr_missing="$1 area: not one Sentinel-1 stack per date for lssr-upscale --s1"; return 1; }
    mapfile -t s1 <<< "$found"
  fi
  mapfile -t items < <(stacks_of "$1" hls)
  for p in "${items[@]}"; do
    out="$dir/sr_$(date_of "$p").tif"
    local s1_flag=(); [ "${#s1[@]}" -eq 0 ] || s1_flag=(--s1 "${s1[$i]}")
    err="$work/upscale.err"
    if ! "$upscale" -q "${thread_flags[@]}" "${extra[@]}" "${s1_flag[@]}" "$p" -o "$out" 2>"$err"; then
      sr_missing="lssr-upscale ($upscale) failed on $(basename "$p") without a named model: $(grep . "$err" | tail -n1)"
      return 1
    fi
    i=$((i + 1))
  done
}
if [ -z "$upscale" ]; then
  sr_missing="lssr-upscale was not found (neither in build/apps nor on PATH)"
else
  say "super-resolving the HLS stacks with $upscale (default model)"
  upscale_area train && upscale_area test || true
fi
[ -z "$sr_missing" ] || say "SR column skipped: $sr_missing"

# --- The control: the same HLS stacks brought to 10 m by cubic convolution, so
#     that the SR column is read against interpolation as well as against 30 m.
for area in train test; do
  mapfile -t items < <(stacks_of "$area" hls)
  for p in "${items[@]}"; do
    gdalwarp -q -r cubic -tr 10 10 -ot Float32 "$p" "$work/stacks/$area/cubic_$(date_of "$p").tif" ||
      die "gdalwarp -r cubic failed for $p"
  done
done

# --- 3. Fit per source on the training area, predict and score on the test area.
labels_train="$(labels_of train "$train_labels")"
labels_test="$(labels_of test "$reference")"
mkdir -p "$work/models" "$work/maps" "$work/metrics"
sources=(landsat hls cubic sr s2)
for src in "${sources[@]}"; do
  [ "$src" != sr ] || [ -z "$sr_missing" ] || continue
  mapfile -t train_imgs < <(stacks_of train "$src")
  mapfile -t test_imgs < <(stacks_of test "$src")
  say "$src: fitting on ${#train_imgs[@]} dates"
  "$fit" "${quiet_flag[@]}" "${thread_flags[@]}" --labels "$labels_train" --seed "$seed" \
    --samples-per-class "$samples" --rounds "$rounds" --max-depth "$depth" \
    -o "$work/models/$src.json" "${train_imgs[@]}" || die "cropmap-fit failed for $src"
  say "$src: predicting and scoring the test area"
  "$predict" "${quiet_flag[@]}" "${thread_flags[@]}" -m "$work/models/$src.json" "${test_imgs[@]}" \
    -o "$work/maps/$src.tif" --labels "$labels_test" --metrics "$work/metrics/$src.json" ||
    die "cropmap-predict failed for $src"
done

# --- 4. The table.
python3 - "$work/metrics" "$json" "$sr_missing" "$reference" "$size" "$seed" "$dates" \
  "$samples" "$rounds" "$depth" "$landscape" "$train_labels" <<'PY'
import json, os, sys

(metrics_dir, json_out, sr_missing, reference, size, seed, dates, samples, rounds, depth, landscape,
 train_labels) = sys.argv[1:]
label_names = {"cdl": "30 m CDL", "truth": "10 m truth labels"}
columns = [("landsat", "30 m Landsat"), ("hls", "30 m HLS"), ("cubic", "10 m cubic HLS"), ("sr", "10 m SR HLS"),
           ("s2", "10 m Sentinel-2")]
rows = [("0", "Background"), ("1", "Corn"), ("5", "Soybean")]
keys = [("precision", "Prec."), ("recall", "Recall"), ("f1", "F1"), ("iou", "IoU")]

results = {}
for key, _ in columns:
    path = os.path.join(metrics_dir, key + ".json")
    if os.path.exists(path):
        with open(path) as f:
            results[key] = json.load(f)
shown = [(k, title) for k, title in columns if k in results]

def cell(value):
    return "-" if value is None else f"{value:.2f}"

def class_values(m, code):
    c = m["per_class"].get(code)
    return [None if c is None else c.get(k) for k, _ in keys]

lines = ["| |" + "".join(f" {title} {label} |" if i == 0 else f" {label} |"
                            for _, title in shown for i, (_, label) in enumerate(keys)),
         "|---|" + "---:|" * (len(keys) * len(shown))]
for code, name in rows:
    lines.append(f"| {name} |" + "".join(f" {cell(v)} |" for k, _ in shown
                                          for v in class_values(results[k], code)))
lines.append("| Overall |" + "".join(f" {cell(results[k]['macro'].get(m))} |" for k, _ in shown for m, _ in keys))
print(f"Crop-type mapping by input resolution (train seed {seed}, test seed {int(seed) + 1000}, "
      f"{size} km {landscape} areas, dates {dates}; trained on the training area's "
      f"{label_names[train_labels]}, scored against the test area's {label_names[reference]}; "
      f"Overall = macro mean):")
print()
print("\n".join(lines))
print()
print("Overall accuracy / kappa: " + ", ".join(
    f"{title} {results[k]['overall_accuracy']:.3f} / {results[k]['kappa']:.3f}" for k, title in shown))
def gap_closed():
    # Share of the macro-F1 gap between 30 m HLS and 10 m Sentinel-2 that SR closes.
    if not all(k in results for k in ("hls", "sr", "s2")):
        return None
    f1 = {k: results[k]["macro"].get("f1") for k in ("hls", "sr", "s2")}
    gap = f1["s2"] - f1["hls"]
    return None if gap <= 0 else (f1["sr"] - f1["hls"]) / gap
closed = gap_closed()
if closed is not None:
    print(f"SR closes {100 * closed:.0f} % of the macro-F1 gap between 30 m HLS and 10 m Sentinel-2")
if sr_missing:
    print(f"SR column missing: {sr_missing}")

if json_out:
    doc = {
        "experiment": "resolution (Table 6 of arXiv 2510.23382) on lssr-synth areas",
        "size_km": float(size), "landscape": landscape, "train_seed": int(seed), "test_seed": int(seed) + 1000,
        "dates": dates.split(","), "reference": reference, "train_labels": train_labels,
        "cropmap_fit": {"samples_per_class": int(samples), "rounds": int(rounds), "max_depth": int(depth)},
        "sources": {},
        "missing": {"sr": sr_missing} if sr_missing else {},
        "sr_share_of_f1_gap_closed": closed,
    }
    for k, title in columns:
        if k not in results:
            doc["sources"][k] = None
            continue
        m = results[k]
        doc["sources"][k] = {
            "title": title,
            "classes": {name.lower(): dict(zip([n for n, _ in keys], class_values(m, code))) for code, name in rows},
            "overall": {n: m["macro"].get(n) for n, _ in keys},
            "overall_accuracy": m["overall_accuracy"], "kappa": m["kappa"], "pixels": m["pixels"],
        }
    tmp = json_out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, json_out)
PY
say "done in $((SECONDS - started)) s"
