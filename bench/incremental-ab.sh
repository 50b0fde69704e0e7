#!/usr/bin/env bash
# One-file rebuilds by two opora binaries taking turns, each on its own copy of
# the same portal (a page kept by one binary is never trusted by another, so they
# cannot share one), with the same edit before each round. COLD=1 (the default)
# drops the system's caches before every build, as a long pause between an
# editor's saves does on a machine that reclaims idle memory; COLD=0 keeps them.
# Dropping caches needs root. OLD_REV=<commit> gives the old side the templates and
# static files of that commit, for when the new templates use what only the new
# binary gives them.
#   bench/incremental-ab.sh OLD_OPORA NEW_OPORA [SERVICES] [ROUNDS]
#   e.g. git worktree add /tmp/old <commit> && CARGO_TARGET_DIR=/tmp/old-target \
#        cargo build --release --manifest-path /tmp/old/Cargo.toml --bin opora
#        bench/incremental-ab.sh /tmp/old-target/release/opora target/release/opora 50000 3
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1")
new=$(realpath "$2")
services=${3:-50000}
rounds=${4:-3}
base=${BENCH_DIR:-/tmp/opora-ab}
cargo build --release --quiet --example synth
rm -rf "$base-old" "$base-new" "$(dirname "$base")/.$(basename "$base")"-*
target/release/examples/synth --services "$services" --regions 85 --out "$base-old" >/dev/null
cp -a "$base-old" "$base-new"
if [ -n "${OLD_REV:-}" ]; then
  rm -rf "$base-old/templates" "$base-old/static"
  git archive "$OLD_REV" templates static | tar -x -C "$base-old"
fi
build() { # binary, portal → "wall s [stages]"
  local wall
  wall=$( { /usr/bin/time -f "%e" "$1" --root "$2" build --output "$2/public" >"$2.out"; } 2>&1 | tail -n 1)
  echo "$wall s $(grep -o '\[load.*' "$2.out")"
}
for side in old new; do
  bin=${!side}
  # The first build renders everything, the second recycles nothing yet.
  build "$bin" "$base-$side" >/dev/null
  build "$bin" "$base-$side" >/dev/null
done
mapfile -t files < <(cd "$base-old" && find content/services -name '*.md' | sort | head -n "$rounds")
declare -A walls
for i in $(seq "$rounds"); do
  f=${files[$((i - 1))]}
  for side in old new; do
    printf '\nИзменено при замере %s.\n' "$i" >>"$base-$side/$f"
  done
  # Which binary goes first alternates, so neither always meets the other's leftovers.
  order=(old new)
  if ((i % 2 == 0)); then order=(new old); fi
  for side in "${order[@]}"; do
    bin=${!side}
    if [ "${COLD:-1}" = 1 ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
    line=$(build "$bin" "$base-$side")
    walls[$side]+="${line%% *} "
    echo "round $i $side: $line"
  done
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median one-file rebuild, $services services, COLD=${COLD:-1}: old $(median "${walls[old]}") s, new $(median "${walls[new]}") s"
