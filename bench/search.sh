#!/usr/bin/env bash
# Search benchmark, on the default portal and on a synthetic portal (the real
# content plus SERVICES made-up services):
#   - index + export time against the whole build (goal: under a quarter);
#   - bytes a browser downloads for its first query (scripts, wasm, manifest,
#     shards; gzip as a host serves them), in Node and in headless Chromium
#     (goals: < 100 KB default portal, < 200 KB at 50,000 records);
#   - query time (Node, cold and warm);
#   - the same site indexed by Pagefind, first-query bytes in Chromium.
#   bench/search.sh [SERVICES]      (default 50000; PAGEFIND=<command> to pick the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-50000}
dir=${BENCH_DIR:-/tmp/opora-search-bench}
pagefind=${PAGEFIND:-npx --yes pagefind@1.5.2}
queries='["кризисная квартира","социальная няня","Снегири","передышка для родителей ребёнка-инвалида","КДН","супервизия специалистов","каляска","семейная диспетчерская","бесплатный юрист","где взять коляску"]'

cargo build --release --quiet --bin opora --example synth
rm -rf "$dir" && mkdir -p "$dir"
target/release/examples/synth --services "$services" --regions 85 --out "$dir/synth" >/dev/null

summary() { # file key...: prints selected JSON fields of a benchmark result
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const pick = (o, k) => k.split(".").reduce((x, y) => x && x[y], o);
    console.log(process.argv.slice(2).map((k) => k + "=" + JSON.stringify(pick(r, k))).join("  "));' "$@"
}

measure() { # name root
  local name=$1 root=$2 out="$dir/$1/public"
  mkdir -p "$dir/$name"
  echo "== $name"
  local start end
  start=$(date +%s.%N)
  target/release/opora --root "$root" build --output "$out" >"$dir/$name/build.log"
  end=$(date +%s.%N)
  echo "records indexed: $(grep -o '"docs":[0-9]*' "$out"/search/manifest-*.json | cut -d: -f2)"
  echo "build wall: $(echo "$end - $start" | bc) s; $(grep -o 'index [0-9]* ms' "$dir/$name/build.log"), $(grep -o 'export [0-9]* ms' "$dir/$name/build.log")"
  grep -E '^(built|timings)|ms' "$dir/$name/build.log" | tail -n 2
  local wasm
  wasm=$(ls "$out"/search/opora-search-*.wasm)
  echo "wasm: $(stat -c %s "$wasm") B raw, $(gzip -9c "$wasm" | wc -c) B gzip; static index: $(du -sb "$out/search" | cut -f1) B in $(ls "$out/search" | wc -l) files"
  node tests/js/search-bench.cjs "$out" "$queries" >"$dir/$name/node.json"
  echo -n "node:     "; summary "$dir/$name/node.json" firstQueryGzipBytes.median firstQueryGzipBytes.max queryMs.coldMedian queryMs.warmMedian
  node bench/search-browser.cjs "$out" "$queries" opora >"$dir/$name/chromium-opora.json"
  echo -n "chromium: "; summary "$dir/$name/chromium-opora.json" firstQueryGzipBytes.median firstQueryGzipBytes.max
  start=$(date +%s.%N)
  $pagefind --site "$out" --output-path "$out/pagefind" >"$dir/$name/pagefind.log" 2>&1
  end=$(date +%s.%N)
  echo "pagefind index: $(echo "$end - $start" | bc) s; $(du -sb "$out/pagefind" | cut -f1) B"
  node bench/search-browser.cjs "$out" "$queries" pagefind >"$dir/$name/chromium-pagefind.json"
  echo -n "pagefind: "; summary "$dir/$name/chromium-pagefind.json" firstQueryGzipBytes.median firstQueryGzipBytes.max
}

measure default "$PWD"
measure "synth-$services" "$dir/synth"
echo "details: $dir/*/*.json"
