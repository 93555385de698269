#!/usr/bin/env bash
# Runs every example of the man pages, as a user would type them, so that the
# pages never show a command that does not work. Examples are the lines inside
# .EX/.EE blocks; lines ending in '\' continue. Pages run in SEE-ALSO-friendly
# order in one scratch folder (later examples may use earlier outputs), with the
# built tools first on PATH and the repository's data/ reachable as ./data.
#
# usage: scripts/run-man-examples.sh TOOLS_DIR [PAGE...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="$(cd "$1" && pwd)"; shift
pages=("$@")
if [ ${#pages[@]} -eq 0 ]; then
  # Producers before consumers.
  for t in lssr-synth lssr-pair lssr-tile lssr-model lssr-upscale lssr-train lssr-eval cropmap-fit cropmap-predict; do
    [ -f "$root/man/$t.1" ] && pages+=("$root/man/$t.1")
  done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ln -s "$root/data" "$work/data"
export PATH="$tools_dir:$PATH"
cd "$work"

failed=0; ran=0
for page in "${pages[@]}"; do
  script="$(awk '
    /^\.EX/ {inside=1; next}
    /^\.EE/ {inside=0; next}
    inside && !/^\./ {print}
  ' "$page" | sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\e/\\/g' -e 's/\\&//g')"
  [ -n "$script" ] || { echo "FAIL $(basename "$page"): no .EX/.EE examples"; failed=$((failed+1)); continue; }
  cmd=""
  while IFS= read -r line; do
    if [[ "$line" == *\\ ]]; then cmd+="${line%\\} "; continue; fi
    cmd+="$line"
    [ -n "${cmd// }" ] || { cmd=""; continue; }
    [[ "$cmd" =~ ^[[:space:]]*# ]] && { cmd=""; continue; }
    ran=$((ran+1))
    if ! bash -o pipefail -c "$cmd" >"$work/.out" 2>&1; then
      echo "FAIL $(basename "$page"): $cmd"; sed 's/^/    /' "$work/.out" | tail -5
      failed=$((failed+1))
    else
      echo "ok   $(basename "$page"): $cmd"
    fi
    cmd=""
  done <<< "$script"
done
echo "$ran examples, $failed failed"
[ "$failed" -eq 0 ]
