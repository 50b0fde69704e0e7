//! Builds the browser search module (`crates/opora-search-wasm`) for
//! `wasm32-unknown-unknown` and hands it to the `opora` binary, which embeds it,
//! so `cargo run -- build` on a fresh clone produces a complete site.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    for path in [
        "crates/opora-search-wasm/src",
        "crates/opora-search-wasm/Cargo.toml",
        "crates/opora-analyzer/src",
        "crates/opora-analyzer/Cargo.toml",
        "crates/opora-search-core/src",
        "crates/opora-search-core/Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let target_dir = out_dir.join("wasm-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&manifest_dir)
        .args([
            "build",
            "--release",
            "--offline",
            "-p",
            "opora-search-wasm",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--target-dir",
        ])
        .arg(&target_dir)
        // A small module matters more than compile speed here.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true");
    // The outer build's flags are for the host, not for wasm.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo for the wasm search module");
    if !status.success() {
        panic!(
            "building the browser search module for wasm32-unknown-unknown failed.\n\
             If the target is missing, add it once with:\n\n    rustup target add wasm32-unknown-unknown\n"
        );
    }
    let wasm = target_dir.join("wasm32-unknown-unknown/release/opora_search_wasm.wasm");
    std::fs::copy(&wasm, out_dir.join("opora_search.wasm")).expect("copy the wasm module");
}
