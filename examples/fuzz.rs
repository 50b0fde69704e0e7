//! The long fuzz run: the same mutations and oracle as `tests/fuzz.rs`
//! (`tests/fuzz/harness.rs`), as many cases as you like, larger inputs, and
//! all of the real content by default.
//!
//!     cargo run --release --example fuzz -- --cases 5000 [--seed S]
//!
//! Other options: `--case N --keep` reruns one case and keeps its portal;
//! `--sample N` fuzzes a smaller portal (regions, pages and about every N-th
//! record); `--small` uses the test suite's input sizes; `--timeout SECS`
//! (default 30); `--workers N` (default 2); `--special-files` also puts FIFOs
//! and symlinks to /dev/zero in place of files; `--verbose` prints every case.
//!
//! Each case runs `opora build` in a child process: this program started again
//! with `--child-build ROOT`, which runs the library's pipeline exactly as the
//! `opora` binary's `build` does (so no separate binary has to be built first).

#[path = "../tests/fuzz/harness.rs"]
mod harness;

use std::process::{Command, ExitCode};
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--root") && args.get(2).map(String::as_str) == Some("build") {
        return child_build(&args[1]);
    }
    let mut config = harness::Config::new(1000, 1);
    config.scale = harness::Scale::LARGE;
    config.sample = harness::Sample::Full;
    let mut i = 0;
    let value = |i: usize| -> &str {
        args.get(i + 1)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{} needs a value", args[i]))
    };
    while i < args.len() {
        let number = |i: usize| -> u64 {
            value(i)
                .parse()
                .unwrap_or_else(|_| panic!("{} needs a number", args[i]))
        };
        match args[i].as_str() {
            "--cases" => config.cases = number(i) as usize,
            "--seed" => config.seed = number(i),
            "--case" => config.only = Some(number(i) as usize),
            "--timeout" => config.timeout = Duration::from_secs(number(i)),
            "--workers" => config.workers = number(i) as usize,
            "--sample" => config.sample = harness::Sample::EveryNth(number(i) as usize),
            "--small" => {
                config.scale = harness::Scale::SMALL;
                i -= 1;
            }
            "--special-files" => {
                config.special_files = true;
                i -= 1;
            }
            "--keep" => {
                config.keep = true;
                i -= 1;
            }
            "--verbose" => {
                config.verbose = true;
                i -= 1;
            }
            other => {
                eprintln!("unknown option {other}; see the comment at the top of examples/fuzz.rs");
                return ExitCode::FAILURE;
            }
        }
        i += 2;
    }
    if config.only.is_some() {
        config.verbose = true;
    }
    let me = std::env::current_exe().expect("the path of this program");
    let opora = move || {
        let mut cmd = Command::new(&me);
        // A fixed "today", as in the tests, so runs do not depend on the date.
        cmd.env("OPORA_TODAY", "2026-12-01");
        cmd
    };
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let summary = harness::run(repo, &config, &opora);
    println!("{}", summary.report(config.seed));
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
