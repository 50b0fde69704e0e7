#!/usr/bin/env bash
# Scale curve: for each SERVICES count, the real portal plus that many synthetic
# services (examples/synth, 85 regions), one cold build into an empty folder.
# Prints wall, CPU and peak RSS (GNU time), the size of the output, the stage
# timings opora prints with OPORA_TIMINGS=1, and the highest RSS sampled during
# each stage (every 0.5 s from /proc), so the stage that sets the peak is named.
# The content and output of each count are deleted before the next (a million
# services take ~40 GB of disk).
#   bench/scale.sh [SERVICES...]          default: 10000 50000 100000
#   bench/scale.sh 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10000 50000 100000)
dir=${BENCH_DIR:-/tmp/opora-scale}
cargo build --release --quiet --bin opora --example synth
opora=$PWD/target/release/opora
for n in "${counts[@]}"; do
  rm -rf "$dir"
  gen=$( { /usr/bin/time -f "%e" target/release/examples/synth --services "$n" --regions 85 --out "$dir" >/dev/null; } 2>&1 | tail -n 1)
  sync
  samples="$dir.rss"
  : >"$samples"
  start=$(date +%s.%N)
  OPORA_TIMINGS=1 /usr/bin/time -f "%e %U %S %M" -o "$dir.time" \
    "$opora" --root "$dir" build --output "$dir/public" >"$dir.out" 2>"$dir.err" &
  pid=$!
  # Sample the build's RSS (the opora child of GNU time) until it ends.
  while kill -0 "$pid" 2>/dev/null; do
    child=$(pgrep -P "$pid" opora || true)
    if [ -n "$child" ]; then
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$child/status" 2>/dev/null || true)
      [ -n "$rss" ] && echo "$(date +%s.%N) $rss" >>"$samples"
    fi
    sleep 0.5
  done
  wait "$pid" || { echo "build of $n services failed:"; tail -n 20 "$dir.err"; exit 1; }
  read -r wall user sys peak <"$dir.time"
  size=$(du -sm "$dir/public" | cut -f1)
  summary=$(grep -o 'built .*' "$dir.out" | tail -n 1)
  echo "== $n services (content generated in $gen s)"
  echo "wall $wall s, CPU $user user + $sys sys s, peak RSS $((peak / 1024)) MB, output $size MB"
  echo "$summary"
  # Peak RSS per stage. The main thread's stages run one after another, in the
  # order of `main` below (`index` is printed later, with the export); three run
  # beside another: `stage` (the recycled output made ready) starts with `load`,
  # `data` (the HSDS files) with `geo`, lasting past `index` at times, and
  # `export` (the search export) with `pages`.
  python3 - "$start" "$samples" "$summary" <<'EOF'
import re, sys
start, samples, summary = float(sys.argv[1]), sys.argv[2], sys.argv[3]
stages = [(name, int(ms) / 1000) for name, ms in re.findall(r'(\w+) (\d+) ms', summary.split('[', 1)[-1])]
rows = [l.split() for l in open(samples) if l.strip()]
beside = {'stage': 'load', 'data': 'geo', 'export': 'pages'}
took = dict(stages)
main = ['load', 'validate', 'templates', 'resolve', 'geo', 'index', 'contexts', 'pages', 'links', 'finish', 'publish']
order = [n for n in main if n in took] + [n for n, _ in stages if n not in main and n not in beside]
place, t = {}, 0.0
for name in order:
    secs = took[name]
    if name == 'contexts' and 'data' in place:
        t = max(t, place['data'][1])
    place[name] = (t, t + secs)
    t += secs
    for other, anchor in beside.items():
        if anchor == name and other in took:
            place[other] = (place[name][0], place[name][0] + took[other])
parts = []
for name, secs in stages:
    begin, end = place[name]
    inside = [int(kb) for ts, kb in rows if begin <= float(ts) - start < end + 0.5]
    if inside and secs >= 1:
        parts.append(f"{name} {secs:.1f} s ≤ {max(inside) // 1024} MB")
print("stages: " + ", ".join(parts))
EOF
  rm -rf "$dir" "$dir.rss" "$dir.time" "$dir.out" "$dir.err" "$(dirname "$dir")/.$(basename "$dir")"*
done
