//! The search module committed in `crates/opora-search-wasm/prebuilt/` — what
//! build.rs embeds where the `wasm32-unknown-unknown` target is not installed —
//! is byte for byte what the sources build. Wherever the target is installed
//! (CI included), build.rs has just built the module from source, and this
//! compares the two. `scripts/refresh-wasm.sh` (`UPDATE_WASM_PREBUILT=1`)
//! rewrites the committed copy.

mod common;

use common::*;
use opora::search::export::{WASM, WASM_ORIGIN, WASM_RUSTC};

const PREBUILT: &str = "crates/opora-search-wasm/prebuilt";

/// The toolchain `rust-toolchain.toml` pins, e.g. `1.95.0`.
fn pinned_channel() -> String {
    let text = std::fs::read_to_string(repo().join("rust-toolchain.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["toolchain"]["channel"].as_str().unwrap().to_string()
}

#[test]
fn committed_wasm_module_is_what_the_sources_build() {
    let dir = repo().join(PREBUILT);
    if std::env::var_os("UPDATE_WASM_PREBUILT").is_some() {
        assert_eq!(
            WASM_ORIGIN, "built",
            "only a module built from source can refresh the committed one"
        );
        std::fs::write(dir.join("opora_search.wasm"), WASM).unwrap();
        std::fs::write(dir.join("built-with.txt"), format!("{WASM_RUSTC}\n")).unwrap();
    }
    let committed = std::fs::read(dir.join("opora_search.wasm")).unwrap();
    let built_with = std::fs::read_to_string(dir.join("built-with.txt")).unwrap();
    let built_with = built_with.trim();
    assert!(
        built_with.starts_with(&format!("rustc {} ", pinned_channel())),
        "the committed module must come from the pinned toolchain, not {built_with}"
    );
    assert!(
        committed.starts_with(b"\0asm"),
        "{PREBUILT}/opora_search.wasm is not a wasm module"
    );
    if WASM_ORIGIN != "built" {
        // Nothing to compare with: build.rs embedded the committed file itself.
        assert_eq!(WASM, committed.as_slice());
        eprintln!("note: not compared ({WASM_ORIGIN})");
        return;
    }
    if WASM_RUSTC != built_with {
        // Another compiler makes other bytes; the claim is about the pinned one.
        eprintln!(
            "note: not compared: this build used {WASM_RUSTC}, the committed module {built_with}"
        );
        return;
    }
    assert!(
        WASM == committed.as_slice(),
        "{PREBUILT}/opora_search.wasm ({} bytes) differs from what the sources build ({} bytes): \
         run scripts/refresh-wasm.sh and commit it",
        committed.len(),
        WASM.len()
    );
}
