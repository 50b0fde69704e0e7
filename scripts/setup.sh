#!/usr/bin/env bash
# One-time set-up the other scripts share; safe to run again.
# Automatic installs by rustup may be switched off, so the wasm target (needed
# for the browser search module) is added explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v rustup >/dev/null 2>&1; then
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
fi
