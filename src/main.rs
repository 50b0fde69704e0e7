//! The `opora` command line: it only parses arguments and wires stages together.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use opora::diag::Diagnostics;
use opora::pipeline::{self, Options};
use opora::scaffold;

#[derive(Parser)]
#[command(
    name = "opora",
    version,
    about = "Static-site generator for resource-map and knowledge portals"
)]
struct Cli {
    /// The portal's root folder (where opora.toml is).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Github,
}

#[derive(Subcommand)]
enum Command {
    /// Check content and build the site into public/ (or --output).
    Build {
        /// Folder to publish into (default: public/ in the portal). It is replaced as a
        /// whole, so it may not be the portal, hold it, or lie inside its sources.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Publish under this URL instead of opora.toml's base_url.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Check content without writing anything; exits non-zero on errors.
    Check {
        #[arg(long)]
        strict: bool,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Also list records whose `verified` date is too old, by region.
        #[arg(long)]
        freshness: bool,
    },
    /// Create a new record with all required fields.
    New {
        /// The collection: service, region, practice, programme, route, page, event.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(scaffold::collection_names()))]
        collection: String,
        /// Name or title, in Russian; the file name is transliterated from it.
        title: String,
        /// Region code (required for services and regions), e.g. RU-MOS.
        #[arg(long)]
        region: Option<String>,
    },
    /// Create service records from a spreadsheet saved as CSV (columns in Russian; see docs),
    /// or from an Open Referral HSDS 3.0 package (--hsds).
    Import {
        /// The CSV file (UTF-8, comma-separated, header row first).
        #[arg(required_unless_present = "hsds", conflicts_with = "hsds")]
        file: Option<PathBuf>,
        /// An HSDS 3.0 package instead: a folder or a zip of JSON or CSV files
        /// (the tabular form with datapackage.json), e.g. another portal's export.
        #[arg(long, value_name = "DIR_OR_ZIP")]
        hsds: Option<PathBuf>,
        /// Region for rows without a «Регион» cell, e.g. RU-MOS.
        #[arg(long)]
        region: Option<String>,
        /// Show what would be created or changed, without writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Search the built portal's index (run `opora build` first).
    Search {
        /// The query, as a reader would type it.
        #[arg(required_unless_present = "relevance")]
        query: Option<String>,
        /// Instead of one query, run a relevance set (tests/search/relevance.toml)
        /// and report found@5 and MRR@10.
        #[arg(long, value_name = "FILE")]
        relevance: Option<PathBuf>,
        /// Only this region, e.g. RU-MOS.
        #[arg(long)]
        region: Option<String>,
        /// Only this type: a collection (service, region, practice, programme, route, page, event), glossary or need.
        #[arg(long = "type")]
        doc_type: Option<String>,
        /// Only this need, e.g. crisis (ids from data/taxonomy.toml).
        #[arg(long)]
        need: Option<String>,
        /// Only for this audience: family or specialist.
        #[arg(long)]
        audience: Option<String>,
        /// Only this kind, e.g. family-centre.
        #[arg(long)]
        kind: Option<String>,
        /// How many results to show, 1 to 1000.
        #[arg(long, default_value_t = 10, value_parser = parse_limit)]
        limit: usize,
        /// Machine-readable output (what the browser's engine answers).
        #[arg(long)]
        json: bool,
        /// Ignore a place named in the query instead of ranking it first.
        #[arg(long)]
        no_place: bool,
        /// The output folder the index was built for.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Write JSON Schema files for each record type's front matter.
    Schema {
        /// Folder to write `<type>.schema.json` files into.
        #[arg(long, short, default_value = "schemas")]
        out: PathBuf,
    },
    /// Build, then serve the site on 127.0.0.1 for preview.
    Serve {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on; loopback unless you ask otherwise.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Asks the kernel not to back this process with transparent huge pages.
///
/// mimalloc advises huge pages for its arenas, and the kernel then zeroes
/// 2 MiB at a time on first touch, again after each purge: in a one-file
/// rebuild at 50,000 services that zeroing (`clear_page_erms`) was ~18 % of
/// the CPU, and turning it off cut the wall time by ~9 % and the peak memory
/// by ~15 %, with cold builds unchanged (README, "Measurements"). The flag is
/// checked at every page fault, so the arena advised before `main` is
/// covered too.
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and touches no
    // memory of ours; on a kernel without it the call fails harmlessly.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    without_transparent_huge_pages();
    let cli = Cli::parse();
    // Once, for every command: the watcher and the output folder rely on it.
    let root = pipeline::portal_root(&cli.root);
    match cli.command {
        Command::Build {
            output,
            strict,
            base_url,
        } => {
            let opts = Options {
                output: output.unwrap_or_else(|| root.join("public")),
                root,
                strict,
                base_url,
            };
            run_build(&opts)
        }
        Command::Check {
            strict,
            format,
            freshness,
        } => run_check(root, strict, format, freshness),
        Command::New {
            collection,
            title,
            region,
        } => run_new(&root, &collection, &title, region.as_deref()),
        Command::Import {
            file,
            hsds,
            region,
            dry_run,
        } => match (file, hsds) {
            (_, Some(package)) => run_import_hsds(&root, &package, region.as_deref(), dry_run),
            (Some(file), None) => run_import(&root, &file, region.as_deref(), dry_run),
            (None, None) => ExitCode::FAILURE,
        },
        Command::Search {
            query,
            region,
            doc_type,
            need,
            audience,
            kind,
            limit,
            json,
            output,
            no_place,
            relevance,
        } => {
            let output = output.unwrap_or_else(|| root.join("public"));
            if let Some(file) = relevance {
                return run_relevance(&output, &file, json);
            }
            let opts = opora::search::QueryOptions {
                limit,
                doc_type,
                region,
                need,
                audience,
                kind,
                no_place,
                live: false,
                exact: false,
            };
            run_search(&output, &query.unwrap_or_default(), &opts, json)
        }
        Command::Schema { out } => run_schema(&root, out),
        Command::Serve { port, bind, output } => run_serve(root, port, &bind, output),
    }
}

/// `opora check`: diagnostics, the freshness report if asked, the verdict.
fn run_check(root: PathBuf, strict: bool, format: Format, freshness: bool) -> ExitCode {
    let opts = Options {
        output: root.join("public"),
        root,
        strict,
        base_url: None,
    };
    match pipeline::check(&opts) {
        Ok((report, site)) => {
            print_diagnostics(&report.diagnostics, format);
            if freshness {
                print!("{}", opora::freshness::report(&site));
            }
            let fatal = report.diagnostics.is_fatal(strict);
            summary(
                &report.diagnostics,
                if fatal {
                    "check failed"
                } else {
                    "check passed"
                },
            );
            if fatal {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, format);
            summary(&failed.diagnostics, "check failed");
            ExitCode::FAILURE
        }
    }
}

/// `opora new`: a record of the collection, dated by the portal's today.
fn run_new(root: &Path, collection: &str, title: &str, region: Option<&str>) -> ExitCode {
    let today = match portal_today(root) {
        Ok(t) => t,
        Err(code) => return code,
    };
    match scaffold::scaffold(root, collection, title, region, &today) {
        Ok(s) if std::fs::symlink_metadata(&s.path).is_ok() => {
            eprintln!("error: {} already exists", s.path.display());
            ExitCode::FAILURE
        }
        Ok(s) => {
            if let Some(parent) = s.path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            match scaffold::write_new(&s.path, &s.text) {
                Ok(()) => {
                    println!("created {}", s.path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", s.path.display());
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `opora import`: plan, print, and unless `dry_run` write.
fn run_import(root: &Path, file: &Path, region: Option<&str>, dry_run: bool) -> ExitCode {
    let text = match opora::import::read_csv(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "error: cannot read {}: {e}\n  = hint: save the spreadsheet as CSV in UTF-8",
                file.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let Some(loaded) = import_portal(root) else {
        return ExitCode::FAILURE;
    };
    let portal = loaded.portal(root);
    let name = file.display().to_string();
    let sheet = opora::import::Sheet {
        name: &name,
        text: &text,
    };
    let plan = match opora::import::plan(&portal, &sheet, region) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {name}: {}\n  = hint: {}", e.message, e.hint);
            return ExitCode::FAILURE;
        }
    };
    print!("{}", plan.describe(root));
    finish_import(root, &plan, dry_run)
}

/// The portal an import writes into, or `None` (reported) when it does
/// not load: its records are checked against it before anything is written.
fn import_portal(root: &Path) -> Option<opora::import::Loaded> {
    match opora::import::Loaded::load(root) {
        Ok(loaded) => Some(loaded),
        Err((diags, verdict)) => {
            print_diagnostics(&diags, Format::Human);
            summary(&diags, verdict);
            None
        }
    }
}

/// `opora import --hsds`: plan, print, and unless `dry_run` write.
fn run_import_hsds(root: &Path, package: &Path, region: Option<&str>, dry_run: bool) -> ExitCode {
    let Some(loaded) = import_portal(root) else {
        return ExitCode::FAILURE;
    };
    let portal = loaded.portal(root);
    let plan = match opora::hsds::import::plan(&portal, package, region) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}\n  = hint: {}", e.message, e.hint);
            return ExitCode::FAILURE;
        }
    };
    print!("{}", plan.describe(root));
    finish_import(root, &plan.plan, dry_run)
}

/// Writes a planned import unless `dry_run`, all of it or nothing; fails
/// when a row had errors or a file cannot be written (which a dry run
/// finds as well).
fn finish_import(root: &Path, plan: &opora::import::Plan, dry_run: bool) -> ExitCode {
    let written = if dry_run {
        let problems = plan.check_writes();
        println!("dry run: nothing written");
        if problems.is_empty() {
            Ok(0)
        } else {
            Err(problems)
        }
    } else {
        plan.apply()
    };
    match written {
        Ok(_) if dry_run => {}
        Ok(0) => println!("nothing written"),
        Ok(n) => println!("wrote {n} file(s); run `opora check` and review them before committing"),
        Err(problems) => {
            for p in &problems {
                eprintln!("{}", p.describe(root));
            }
            eprintln!(
                "\nimport failed: {} file(s) cannot be written; nothing was imported",
                problems.len()
            );
            return ExitCode::FAILURE;
        }
    }
    if plan.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `opora search`: the native index beside `output`.
fn run_search(
    output: &Path,
    query: &str,
    opts: &opora::search::QueryOptions,
    json: bool,
) -> ExitCode {
    let index = match live_index(output) {
        Ok(index) => index,
        Err(code) => return code,
    };
    match opora::search::query(&index, query, opts) {
        Ok(found) if json => {
            println!("{}", found.to_json());
            ExitCode::SUCCESS
        }
        Ok(found) => {
            print_results(query, &found);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `opora search --relevance FILE`: each query's rank of its first expected
/// record, then found@5 and MRR@10 over the set.
fn run_relevance(output: &Path, file: &Path, json: bool) -> ExitCode {
    let index = match live_index(output) {
        Ok(index) => index,
        Err(code) => return code,
    };
    let report = opora::search::relevance::load(file)
        .and_then(|set| opora::search::relevance::evaluate(&index, &set));
    match report {
        Ok(r) if json => {
            println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Ok(r) => {
            for j in &r.judgements {
                let rank = j.rank.map_or("—".to_string(), |n| n.to_string());
                let first = j.top.first().map_or("", String::as_str);
                println!("{rank:>3}  {}   (first: /{first})", j.q);
            }
            println!(
                "{} queries: found@5 {:.3}, MRR@10 {:.3}",
                r.queries, r.found_at_5, r.mrr_at_10
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The index that belongs to the site published in `output` (see src/output/index.rs).
fn live_index(output: &Path) -> Result<PathBuf, ExitCode> {
    opora::output::live_index(output).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::FAILURE
    })
}

/// `opora search` for a person: what was understood, then each result with
/// its passage and sections.
fn print_results(query: &str, found: &opora::search::Results) {
    let text = |segs: &[opora_search_core::passage::Segment]| -> String {
        segs.iter()
            .map(|s| {
                if s.mark {
                    format!("[{}]", s.text)
                } else {
                    s.text.clone()
                }
            })
            .collect()
    };
    if let Some(p) = &found.place {
        println!("place: {} (--no-place to search everywhere)", p.label);
    }
    for (_, label) in &found.needs {
        println!("means: {label}");
    }
    if found.hits.is_empty() {
        println!("nothing found for «{query}»");
    }
    for (i, h) in found.hits.iter().enumerate() {
        println!(
            "{:>2}. {:>7.3}  {}  [{}{}]\n             /{}\n             {}",
            i + 1,
            h.score,
            h.title,
            opora::search::type_label(&h.doc_type),
            if h.region.is_empty() {
                String::new()
            } else {
                format!(", {}", h.region)
            },
            h.url,
            text(&h.excerpt)
        );
        for s in &h.sections {
            println!("             § {}  /{}", s.title, s.url);
        }
    }
    if !found.exact {
        println!(
            "(stopped early: anything left out scores at most {:.0} % above the last result)",
            opora_search_core::ranking::CLOSENESS * 100.0
        );
    }
}

/// `opora schema`: one JSON Schema file per collection.
fn run_schema(root: &Path, out: PathBuf) -> ExitCode {
    let (data, content, diags) = pipeline::load_only(root);
    print_diagnostics(&diags, Format::Human);
    let out = match opora::schema::output_dir(root, &out) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    for (name, schema) in opora::schema::schemas(&data, &content) {
        let path = out.join(format!("{name}.schema.json"));
        let text = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

/// `opora serve`: build, watch, serve until stopped.
fn run_serve(root: PathBuf, port: u16, bind: &str, output: Option<PathBuf>) -> ExitCode {
    let listener = match std::net::TcpListener::bind((bind, port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {bind}:{port}: {e}\n  = hint: try another --port");
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    // An IPv6 address goes in brackets, or the URL would not parse.
    let host = if bind.contains(':') {
        format!("[{bind}]")
    } else {
        bind.to_string()
    };
    let url = format!("http://{host}:{port}/");
    let output = output.unwrap_or_else(|| opora::serve::default_output(&root));
    let opts = Options {
        output,
        root,
        strict: false,
        base_url: Some(url.clone()),
    };
    let server = match opora::serve::DevServer::start(opts) {
        Ok(server) => server,
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, Format::Human);
            summary(&failed.diagnostics, "not serving");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = server.watch() {
        eprintln!("warning: cannot watch files ({e}); restart to see changes");
    }
    let watched: Vec<&str> = opora::serve::watched().collect();
    println!(
        "serving at {url} (Ctrl+C to stop); watching {}",
        watched.join(", ")
    );
    let _ = std::io::Write::flush(&mut std::io::stdout());
    server.serve(listener);
    ExitCode::SUCCESS
}

/// `--limit`: a number from 1 to [`opora::search::MAX_LIMIT`]; anything else
/// is refused with a message instead of a panic or a huge allocation.
fn parse_limit(s: &str) -> Result<usize, String> {
    let max = opora::search::MAX_LIMIT;
    match s.parse::<u64>() {
        Ok(n) if (1..=max as u64).contains(&n) => Ok(n as usize),
        _ => Err(format!("expected a whole number from 1 to {max}")),
    }
}

fn run_build(opts: &Options) -> ExitCode {
    let started = std::time::Instant::now();
    match pipeline::build(opts) {
        Ok(report) => {
            print_diagnostics(&report.diagnostics, Format::Human);
            let timings: Vec<String> = report
                .timings
                .iter()
                .map(|(n, d)| format!("{n} {} ms", d.as_millis()))
                .collect();
            // Pages whose inputs did not change since the site this build
            // recycled are kept, not rendered again.
            let kept = match report.kept {
                0 => String::new(),
                n => format!("; {n} pages unchanged and kept"),
            };
            println!(
                "built {} pages ({} files{kept}) into {} in {} ms [{}]",
                report.pages,
                report.files,
                opts.output.display(),
                started.elapsed().as_millis(),
                timings.join(", ")
            );
            ExitCode::SUCCESS
        }
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, Format::Human);
            summary(
                &failed.diagnostics,
                "build failed; the previous output was left untouched",
            );
            ExitCode::FAILURE
        }
    }
}

fn print_diagnostics(diags: &Diagnostics, format: Format) {
    for d in &diags.shown() {
        match format {
            Format::Human => eprintln!("{}", d.render()),
            Format::Github => println!("{}", d.github()),
        }
    }
}

fn summary(diags: &Diagnostics, verdict: &str) {
    eprintln!(
        "{verdict}: {} error(s), {} warning(s)",
        diags.error_count(),
        diags.warning_count()
    );
}

/// Today as `YYYY-MM-DD`, judged exactly as `opora check` judges it, so a
/// record written by `new` or `import` is never "in the future" for `check`.
fn portal_today(root: &std::path::Path) -> Result<String, ExitCode> {
    match pipeline::load_config(root) {
        Ok(config) => Ok(opora::ru::civil_from_days(opora::validate::today(&config))),
        Err(ds) => {
            for d in ds {
                eprintln!("{}", d.render());
            }
            Err(ExitCode::FAILURE)
        }
    }
}
