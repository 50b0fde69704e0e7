//! The long fuzz run: the same mutations and oracle as `tests/fuzz.rs`
//! (`tests/fuzz/`), as many cases as you like, larger inputs, and
//! all of the real content by default.
//!
//!     cargo run --release --example fuzz -- --cases 5000 [--seed S]
//!
//! Other options: `--case N --keep` reruns one case and keeps its portal;
//! `--sample N` fuzzes a smaller portal (regions, pages and about every N-th
//! record); `--small` uses the test suite's input sizes; `--timeout SECS`
//! (default 30); `--workers N` (default 2); `--special-files` also puts FIFOs
//! and symlinks to /dev/zero in place of files; `--verbose` prints every case;
//! `--opora PATH` fuzzes that `opora` binary instead, and `--repo DIR` takes
//! the portal from another checkout (for example, a branch's binary and content).
//!
//! Each case runs `opora build` in a child process: this program started again
//! with `--child-build ROOT`, which runs the library's pipeline exactly as the
//! `opora` binary's `build` does (so no separate binary has to be built first).

#[path = "../tests/fuzz/mod.rs"]
mod harness;

use std::process::{Command, ExitCode};
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--root")
        && args.get(2).map(String::as_str) == Some("build")
    {
        return child_build(&args[1]);
    }
    let mut config = harness::Config::new(1000, 1);
    config.timeout = Duration::from_secs(60);
    config.scale = harness::Scale::LARGE;
    config.sample = harness::Sample::Full;
    let mut binary: Option<std::path::PathBuf> = None;
    let mut repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let mut number = || -> u64 {
            rest.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--cases" => config.cases = number() as usize,
            "--seed" => config.seed = number(),
            "--case" => config.only = Some(number() as usize),
            "--timeout" => config.timeout = Duration::from_secs(number()),
            "--workers" => config.workers = number() as usize,
            "--sample" => config.sample = harness::Sample::EveryNth(number().max(1) as usize),
            "--small" => config.scale = harness::Scale::SMALL,
            "--special-files" => config.special_files = true,
            "--keep" => config.keep = true,
            "--verbose" => config.verbose = true,
            "--opora" => binary = rest.next().map(Into::into),
            "--repo" => repo = rest.next().map(Into::into).unwrap_or(repo),
            other => {
                eprintln!("unknown option {other}; see the comment at the top of examples/fuzz.rs");
                return ExitCode::FAILURE;
            }
        }
    }
    if config.only.is_some() {
        config.verbose = true;
    }
    let me = std::env::current_exe().expect("the path of this program");
    let program = binary.unwrap_or(me);
    let opora = move || {
        let mut cmd = Command::new(&program);
        // A fixed "today", as in the tests, so runs do not depend on the date.
        cmd.env("OPORA_TODAY", "2026-12-01");
        cmd
    };
    let summary = harness::run(&repo, &config, &opora);
    println!("{}", summary.report(&config));
    if summary.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `opora --root ROOT build`, as src/main.rs runs it.
fn child_build(root: &str) -> ExitCode {
    let root = opora::pipeline::portal_root(std::path::Path::new(root));
    let opts = opora::pipeline::Options {
        output: root.join("public"),
        root,
        strict: false,
        base_url: None,
    };
    match opora::pipeline::build(&opts) {
        Ok(report) => {
            for d in report.diagnostics.items() {
                eprintln!("{}", d.render());
            }
            println!("built {} pages", report.pages);
            ExitCode::SUCCESS
        }
        Err(failed) => {
            for d in failed.diagnostics.items() {
                eprintln!("{}", d.render());
            }
            eprintln!(
                "build failed; the previous output was left untouched: {} error(s)",
                failed.diagnostics.error_count()
            );
            ExitCode::FAILURE
        }
    }
}
