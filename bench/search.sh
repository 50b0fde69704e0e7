#!/usr/bin/env bash
# Search benchmark: the default portal and a synthetic portal of 50,000 records.
# Reports index + export time (from `opora build`), the compressed bytes a
# browser downloads for its first query (script, wasm, manifest, shards) and
# query times; with PAGEFIND=1 also Pagefind (npm package `pagefind`) on the
# same built sites, measured in headless Chromium.
#   bench/search.sh [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-50000}
queries='["кризисная квартира","социальная няня","Снегири","передышка для родителей ребёнка-инвалида","КДН","супервизия специалистов","каляска","семейная диспетчерская","бесплатный юрист","психолог"]'
cargo build --release --quiet --bin opora --example synth
work=${BENCH_DIR:-/tmp/opora-search-bench}
mkdir -p "$work"

echo "== default portal"
target/release/opora build --output "$work/default" | tail -n 1
node tests/js/search-bench.cjs "$work/default" "$queries" | head -n 15

echo "== synthetic portal: $records services + the default portal"
target/release/examples/synth --services "$records" --regions 85 --out "$work/synth" >/dev/null
target/release/opora --root "$work/synth" build --output "$work/synth/public" | tail -n 1
node tests/js/search-bench.cjs "$work/synth/public" "$queries" | head -n 15

if [ "${PAGEFIND:-0}" = 1 ]; then
  [ -x bench/node_modules/.bin/pagefind ] || { echo "error: Pagefind is missing; run bench/setup.sh (npm ci in bench/)" >&2; exit 1; }
  for site in "$work/default" "$work/synth/public"; do
    rm -rf "$site/pagefind"
    echo "== Pagefind on $site"
    /usr/bin/time -f "pagefind indexing: %e s" bench/node_modules/.bin/pagefind --site "$site" 2>&1 | tail -n 1
    node bench/pagefind-first-query.cjs "$site" "$queries" | head -n 5
    rm -rf "$site/pagefind"
  done
fi
