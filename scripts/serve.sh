#!/usr/bin/env bash
# Builds the default portal and serves it at http://127.0.0.1:8080/ (PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --release -- serve --port "${PORT:-8080}"
