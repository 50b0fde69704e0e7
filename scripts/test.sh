#!/usr/bin/env bash
# Everything CI checks: formatting, lints and the whole test suite, including
# the browser tests (Debian's chromium, installed here when missing; the npm
# packages that drive it from tests/browser/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: chromium is not installed; install Debian's chromium package for the browser tests" >&2
  fi
fi
# The browser tests' npm packages (puppeteer-core, axe-core), exactly as locked.
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
# The editing interface (decap-cms, decap-server, smol-toml), pinned in cms/; does nothing
# when already in place.
scripts/cms-setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# Includes the browser scripts' own Node tests (tests/js/*.test.mjs, via tests/js_tests.rs).
cargo test --workspace
