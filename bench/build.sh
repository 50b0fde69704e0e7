#!/usr/bin/env bash
# Build benchmark: the real portal plus 10,000 synthetic services in 85 regions.
# Reports the median wall time, CPU time (user + system) and peak memory of 5 builds.
#   bench/build.sh [SERVICES] [REGIONS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-10000}
regions=${2:-85}
runs=${3:-5}
dir=${BENCH_DIR:-/tmp/opora-bench}
cargo build --release --quiet --bin opora --example synth
target/release/examples/synth --services "$services" --regions "$regions" --out "$dir"
walls=(); mems=(); cpus=()
for i in $(seq "$runs"); do
  out=$( { /usr/bin/time -f "%e %M %U %S" target/release/opora --root "$dir" build --output "$dir/public" >/dev/null; } 2>&1 | tail -n 1)
  read -r wall mem user sys <<<"$out"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  walls+=("$wall"); mems+=("$mem"); cpus+=("$cpu")
  echo "run $i: $wall s wall, $cpu s CPU, peak $mem KB"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median wall: $(median "${walls[@]}") s; median CPU: $(median "${cpus[@]}") s; median peak RSS: $(( $(median "${mems[@]}") / 1024 )) MB  (${services} services, ${regions} regions, ${runs} runs)"
echo "pages: $(find "$dir/public" -name '*.html' | wc -l)"
