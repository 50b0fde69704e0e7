#!/usr/bin/env bash
# Incremental build benchmark: the real portal plus SERVICES synthetic services;
# after two warm-up builds (the second recycles nothing yet), each round edits
# one service's text (a different service each time) and rebuilds. Reports each
# rebuild's wall time, the pages kept, the stage timings, and the median wall time
# against a clean build of the same portal into an empty folder.
# PAUSE (seconds, default 0) waits before each edit, as an editor does between saves: ext4
# makes creating files slow for a while after many were deleted, and back-to-back rebuilds
# (each deletes the previous search files) measure that as much as opora.
#   bench/incremental.sh [SERVICES] [ROUNDS]
#   PAUSE=35 bench/incremental.sh 50000 5
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-50000}
rounds=${2:-5}
dir=${BENCH_DIR:-/tmp/opora-incremental}
cargo build --release --quiet --bin opora --example synth
target/release/examples/synth --services "$services" --regions 85 --out "$dir" >/dev/null
build() { /usr/bin/time -f "%e" target/release/opora --root "$dir" build --output "$dir/public" 2>&1 >"$dir.out" | tail -n 1; }
clean=$( { /usr/bin/time -f "%e" target/release/opora --root "$dir" build --output "$dir.clean" >/dev/null; } 2>&1 | tail -n 1)
rm -rf "$dir.clean" "$dir/.public.clean"* "$(dirname "$dir")/.$(basename "$dir").clean"*
echo "clean build into an empty folder: $clean s"
build >/dev/null; build >/dev/null
mapfile -t files < <(find "$dir/content/services" -name '*.md' | sort | head -n "$rounds")
walls=()
for i in $(seq "$rounds"); do
  f=${files[$((i - 1))]}
  sleep "${PAUSE:-0}"
  printf '\nИзменено при замере %s.\n' "$i" >>"$f"
  wall=$(build)
  walls+=("$wall")
  echo "round $i: edited ${f#"$dir"/}: $wall s — $(grep -o 'pages (.*' "$dir.out")"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median one-file rebuild: $(median "${walls[@]}") s wall (clean build $clean s; ${services} services)"
