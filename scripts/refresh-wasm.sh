#!/usr/bin/env bash
# Rewrites the committed browser search module (crates/opora-search-wasm/prebuilt/),
# which build.rs embeds where the wasm32-unknown-unknown target is not installed.
# Run it after changing anything under crates/ (the module is built from those crates), and commit
# the result: tests/wasm_prebuilt.rs fails while the committed module differs from
# what the sources build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
UPDATE_WASM_PREBUILT=1 cargo test --test wasm_prebuilt
git status --short crates/opora-search-wasm/prebuilt/
