# Shell helpers shared by the bench scripts (sourced, not run). The sourcing
# script sets `me` (its name, for messages), `root` (the repository root) and
# `quiet` (1 = no progress) before calling these.

say() { [ "${quiet:-0}" = 1 ] || echo "$me: $*" >&2; }
die() { echo "$me: error: $*" >&2; exit 1; }
usage_error() { echo "$me: error: $*" >&2; echo "try: $me --help" >&2; exit 2; }

# Absolute path of an existing model bundle given as an option (empty stays
# empty). Use as: model="$(model_path "$model")" || exit 1
model_path() {
  [ -z "$1" ] && return 0
  [ -f "$1" ] || die "$1: no such model bundle"
  echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

# Absolute path of a --json output file whose folder must exist (empty stays
# empty). Use as: json="$(json_path "$json")" || exit 1
json_path() {
  [ -z "$1" ] && return 0
  [ -d "$(dirname "$1")" ] || die "$1: its folder does not exist"
  echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

# Path of one of the suite's tools: $LSSR_BIN first (an installed suite or
# another build), then this tree's build (build/apps/<tool> or
# build/apps/<tool>/<tool>), then PATH; empty when none has it.
find_tool() {
  local c
  for c in ${LSSR_BIN:+"$LSSR_BIN/$1"} "$root/build/apps/$1" "$root/build/apps/$1/$1"; do
    [ -f "$c" ] && [ -x "$c" ] && { echo "$c"; return; }
  done
  command -v "$1" 2>/dev/null || true
}

# A python3 that has numpy when one does (pyenv shims often hide Debian's
# python3-numpy), else the first python3; the stats helper works with both.
find_python() {
  local p
  for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' 2>/dev/null && { echo "$p"; return; }
  done
  command -v python3 2>/dev/null || true
}

# Stops with a usage error unless each named variable holds a positive
# integer; the message names the option --<variable>.
check_positive() {  # variable...
  local v
  for v in "$@"; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || usage_error "--$v must be a positive integer, not '${!v}'"
  done
}

# A scratch folder in $work (mktemp -t lssr-NAME.XXXXXX), removed when the
# script exits unless $keep is 1 (--keep), when its path is said instead.
make_work_dir() {  # name
  work="$(mktemp -d -t "lssr-$1.XXXXXX")"
  trap 'if [ "$keep" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi' EXIT
}

# Runs a command under GNU time; prints "elapsed_s peak_rss_kb". Its output
# goes to $work/cmd.out and $work/cmd.err; on failure the error is shown and
# the script stops.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/cmd.out" 2>"$work/cmd.err" || {
    tail -n 5 "$work/cmd.err" >&2; die "failed: $1"; }
  cat "$work/time.txt"
}

# A raster as raw Float32 band-sequential ENVI (values in reflectance: each
# band's scale and offset applied; nodata kept in the .hdr), for bench/raster_stats.py.
to_envi() {  # raster out.bin
  gdal_translate -q -unscale -ot Float32 -of ENVI -co INTERLEAVE=BSQ "$1" "$2" || die "$1: cannot convert to raw"
}

# Bounds of a raster as "xmin ymin xmax ymax" (for gdalwarp -te).
bounds_of() {
  gdalinfo -json "$1" | "$py" -c 'import json, sys
c = json.load(sys.stdin)["cornerCoordinates"]
print(c["upperLeft"][0], c["lowerRight"][1], c["lowerRight"][0], c["upperLeft"][1])'
}

# "width height" of a raster.
size_of() {
  gdalinfo -json "$1" | "$py" -c 'import json, sys; print(*json.load(sys.stdin)["size"])'
}
