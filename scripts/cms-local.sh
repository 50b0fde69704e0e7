#!/usr/bin/env bash
# Try the editing interface on this machine, without a git host or an account:
#   scripts/cms-local.sh            → open http://127.0.0.1:8080/admin/ and press «Войти»
# decap-server (Decap CMS's local backend) writes the forms' changes straight into content/
# of this checkout; `opora serve` shows the site with them at http://127.0.0.1:8080/.
# Nothing is committed: review with `git diff`, check with `opora check`, commit as usual.
# PORT changes the site's port; the local backend's port is [editors] local_port (8081).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/setup.sh
scripts/cms-setup.sh
backend_port=$(sed -n 's/^[[:space:]]*local_port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' opora.toml | head -n 1)
backend_port=${backend_port:-8081}

# The local backend: only on the loopback interface, only for this checkout.
PORT="$backend_port" BIND_HOST=127.0.0.1 GIT_REPO_DIRECTORY="$root" LOG_LEVEL=warn \
  node cms/node_modules/decap-server/dist/index.js &
backend=$!
trap 'kill "$backend" 2>/dev/null || true' EXIT INT TERM

echo "cms: editing interface at http://127.0.0.1:${PORT:-8080}/admin/ (local backend on 127.0.0.1:$backend_port)"
# OPORA_CMS=local switches /admin/ on for this preview whatever opora.toml says.
OPORA_CMS=local cargo run --release -- serve --port "${PORT:-8080}"
