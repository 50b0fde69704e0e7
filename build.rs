//! Builds the browser search module (`crates/opora-search-wasm`) for
//! `wasm32-unknown-unknown` and hands it to the `opora` binary, which embeds it,
//! so `cargo run -- build` on a fresh clone produces a complete site.
//!
//! A stock toolchain has no wasm target, and a Rust user's first reflex is
//! `cargo build` or `cargo install --path .`. So when the target is not
//! installed, the module committed in `crates/opora-search-wasm/prebuilt/` is
//! embedded instead, with a warning. It is what these sources produce: the
//! test `tests/wasm_prebuilt.rs` rebuilds it (through this script) wherever
//! the target is installed, CI included, and compares it byte for byte, and
//! `scripts/refresh-wasm.sh` rewrites it. Paths that differ between machines
//! (the cargo home, the checkout) are remapped so the bytes do not depend on them.
//!
//! Set `OPORA_WASM_PREBUILT=1` to embed the committed module even when the
//! target is installed. The choice is passed on as `OPORA_WASM_ORIGIN`.

use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const PREBUILT: &str = "crates/opora-search-wasm/prebuilt/opora_search.wasm";

fn main() {
    // The module is built from the workspace's own crates (the wasm crate and
    // the path dependencies beside it), so any change there is a reason to rebuild.
    println!("cargo:rerun-if-changed=crates");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-env-changed=OPORA_WASM_PREBUILT");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = rustc_version(&rustc);
    println!("cargo:rustc-env=OPORA_WASM_RUSTC={version}");

    let forced = std::env::var_os("OPORA_WASM_PREBUILT").is_some_and(|v| v != "0");
    let sysroot = sysroot(&rustc);
    let installed = sysroot
        .as_ref()
        .is_some_and(|s| s.join("lib/rustlib").join(TARGET).join("lib").is_dir());
    let origin = if forced {
        "prebuilt: OPORA_WASM_PREBUILT is set"
    } else if !installed {
        "prebuilt: the wasm32-unknown-unknown target is not installed"
    } else {
        build_module(&manifest_dir, &out_dir);
        "built"
    };
    if origin != "built" {
        println!("cargo:rerun-if-changed={PREBUILT}");
        if let Some(sysroot) = &sysroot {
            // Adding the target later changes this folder: then build from source.
            println!(
                "cargo:rerun-if-changed={}",
                sysroot.join("lib/rustlib").display()
            );
        }
        std::fs::copy(
            manifest_dir.join(PREBUILT),
            out_dir.join("opora_search.wasm"),
        )
        .expect("copy the committed wasm module");
        println!(
            "cargo:warning=embedding the committed search module ({PREBUILT}) because \
             {}; to build it from source: rustup target add {TARGET}",
            origin.trim_start_matches("prebuilt: ")
        );
    }
    println!("cargo:rustc-env=OPORA_WASM_ORIGIN={origin}");
}

fn rustc_version(rustc: &str) -> String {
    Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

fn sysroot(rustc: &str) -> Option<PathBuf> {
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(text.trim()))
}

/// Builds the module with cargo for the wasm target into `out_dir`; a failure
/// here is a real error in the sources and stops the build.
fn build_module(manifest_dir: &Path, out_dir: &Path) {
    let target_dir = out_dir.join("wasm-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(manifest_dir)
        .args([
            "build",
            "--release",
            "--offline",
            "-p",
            "opora-search-wasm",
            "--lib",
            "--target",
            TARGET,
            "--target-dir",
        ])
        .arg(&target_dir)
        // A small module matters more than compile speed here.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        // Panic messages name source files; keep machine paths out of the bytes.
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            remap_flags(manifest_dir).join("\x1f"),
        );
    // The outer build's flags are for the host, not for wasm.
    for var in [
        "RUSTFLAGS",
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
        panic!("building the browser search module for {TARGET} failed (see the errors above)");
    }
    let wasm = target_dir
        .join(TARGET)
        .join("release/opora_search_wasm.wasm");
    std::fs::copy(&wasm, out_dir.join("opora_search.wasm")).expect("copy the wasm module");
}

/// `--remap-path-prefix` for the places sources are compiled from: this
/// workspace wherever it was cloned, crates from the registry under the cargo
/// home. When several match, rustc takes the last, so the cargo home (which may
/// sit inside the checkout) comes after the workspace.
fn remap_flags(manifest_dir: &Path) -> Vec<String> {
    let mut flags = vec![format!(
        "--remap-path-prefix={}=/opora",
        manifest_dir.display()
    )];
    let default_home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo"));
    let cargo_home = std::env::var_os("CARGO_HOME").map(PathBuf::from);
    for home in [default_home, cargo_home].into_iter().flatten() {
        flags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }
    flags
}
