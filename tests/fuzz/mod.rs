//! A seeded mutation fuzzer for `opora build`, on stable Rust and without new
//! dependencies. Shared by the bounded run in the test suite (`tests/fuzz.rs`)
//! and the long run (`cargo run --release --example fuzz -- --cases N`).
//!
//! Each case takes one file of a portal made of this repository's real content
//! (a record, a data table or `opora.toml`), applies one to three mutations of
//! the kinds that broke or could break the tool — deep TOML nesting, huge lines,
//! NaN and infinities, surrogates and invalid UTF-8, UTF-16, Windows-1251,
//! Markdown bombs, `javascript:`/`data:` links, raw HTML, `on*=` attributes,
//! many bad fields, truncation, a folder in place of the file — and runs the
//! build as a child process. The oracle:
//!
//! - the process neither panics nor crashes, and ends within the time bound;
//! - every diagnostic names a source file of the portal and a line;
//! - after a failed build the previous `public/` is byte for byte as it was;
//! - after a successful build no output file has an `on*=` attribute, a
//!   `javascript:`/`vbscript:`/`data:` URL, or a script, frame or object the
//!   unmutated portal did not have.
//!
//! A case is a pure function of the seed and its number, so a finding is
//! reproduced with `--seed S --case N --keep`.

#![allow(dead_code)]

pub mod mutate;
pub mod oracle;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mutate::{Change, Rng, mutate};
use oracle::{Baseline, check_diagnostics, scan_output};

// ---------------------------------------------------------------- settings

/// How big the generated inputs get. The test suite runs small ones (seconds
/// in a debug build); the long run defaults to large ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// Longest inserted line, in bytes.
    pub line: usize,
    /// Deepest nesting of arrays, tables, quotes or lists.
    pub nesting: usize,
    /// Most repetitions of a Markdown construct or a bad field.
    pub repeat: usize,
}

impl Scale {
    pub const SMALL: Scale = Scale {
        line: 256 * 1024,
        nesting: 2_000,
        repeat: 2_000,
    };
    pub const LARGE: Scale = Scale {
        line: 5 * 1024 * 1024,
        nesting: 50_000,
        repeat: 20_000,
    };
}

/// Which part of the real content the fuzzed portal holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Every record: what the long run uses.
    Full,
    /// Regions, pages and every n-th record of the other collections (plus the
    /// organizations they name): a portal that builds in a fraction of a second.
    EveryNth(usize),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub cases: usize,
    pub seed: u64,
    /// Run only this case (to reproduce a finding).
    pub only: Option<usize>,
    /// A build taking longer than this counts as a hang.
    pub timeout: Duration,
    pub workers: usize,
    pub scale: Scale,
    pub sample: Sample,
    /// Also replace files with FIFOs and symlinks to `/dev/zero`.
    pub special_files: bool,
    /// Keep the portal of the last case (with `only`), and say where.
    pub keep: bool,
    /// Print one line per case.
    pub verbose: bool,
}

impl Config {
    pub fn new(cases: usize, seed: u64) -> Config {
        Config {
            cases,
            seed,
            only: None,
            // Generous: a hang never ends, and a busy machine must not look like one.
            timeout: Duration::from_secs(120),
            workers: 2,
            scale: Scale::SMALL,
            sample: Sample::EveryNth(12),
            special_files: false,
            keep: false,
            verbose: false,
        }
    }
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Summary {
    pub cases: usize,
    pub built: usize,
    pub refused: usize,
    pub findings: Vec<Finding>,
    pub slowest: Duration,
    pub elapsed: Duration,
    pub by_mutation: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Clone)]
/// A case that broke the oracle, with everything it broke.
pub struct Finding {
    pub case: usize,
    pub file: String,
    pub mutations: Vec<&'static str>,
    pub problems: Vec<String>,
}

impl Summary {
    pub fn report(&self, config: &Config) -> String {
        let seed = config.seed;
        let mut out = format!(
            "{} cases in {:.1} s (seed {seed}): {} built, {} refused with diagnostics, \
             slowest build {} ms, {} case(s) with findings\n",
            self.cases,
            self.elapsed.as_secs_f64(),
            self.built,
            self.refused,
            self.slowest.as_millis(),
            self.findings.len()
        );
        let kinds: Vec<String> = self
            .by_mutation
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        out.push_str(&format!("mutations: {}\n", kinds.join(", ")));
        for f in &self.findings {
            out.push_str(&format!(
                "\ncase {} — {} [{}]\n",
                f.case,
                f.file,
                f.mutations.join(" + ")
            ));
            for p in f.problems.iter().take(5) {
                out.push_str(&format!("  {}\n", p.replace('\n', "\n    ")));
            }
            if f.problems.len() > 5 {
                out.push_str(&format!("  … and {} more\n", f.problems.len() - 5));
            }
            out.push_str(&format!(
                "  reproduce: cargo run --release --example fuzz -- {} --case {} --keep\n",
                config.flags(),
                f.case
            ));
        }
        out
    }
}

impl Config {
    /// The example's options that make the same cases as this configuration.
    pub fn flags(&self) -> String {
        let mut flags = format!("--seed {}", self.seed);
        if let Sample::EveryNth(n) = self.sample {
            flags.push_str(&format!(" --sample {n}"));
        }
        if self.scale == Scale::SMALL {
            flags.push_str(" --small");
        }
        if self.special_files {
            flags.push_str(" --special-files");
        }
        flags
    }
}

// ---------------------------------------------------------------- the run

/// Runs the cases on `config.workers` threads, each with its own portal.
/// `opora` makes the command that runs the tool (arguments are appended).
pub fn run(repo: &Path, config: &Config, opora: &(dyn Fn() -> Command + Sync)) -> Summary {
    let started = Instant::now();
    let cases: Vec<usize> = match config.only {
        Some(n) => vec![n],
        None => (0..config.cases).collect(),
    };
    let next = Mutex::new(0usize);
    let summary = Mutex::new(Summary::default());
    let workers = config.workers.clamp(1, cases.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut worker = Worker::new(repo, config, opora);
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(&case) = cases.get(i) else { break };
                    let result = worker.case(case);
                    if config.verbose {
                        println!(
                            "case {case}: {} [{}] {} in {} ms{}",
                            result.file,
                            result.mutations.join(" + "),
                            if result.built { "built" } else { "refused" },
                            result.took.as_millis(),
                            if result.problems.is_empty() {
                                String::new()
                            } else {
                                format!(" — {}", result.problems.join("; "))
                            }
                        );
                    }
                    let mut s = summary.lock().unwrap();
                    s.cases += 1;
                    if result.built {
                        s.built += 1;
                    } else {
                        s.refused += 1;
                    }
                    s.slowest = s.slowest.max(result.took);
                    for m in &result.mutations {
                        *s.by_mutation.entry(m).or_default() += 1;
                    }
                    if !result.problems.is_empty() {
                        s.findings.push(Finding {
                            case,
                            file: result.file,
                            mutations: result.mutations,
                            problems: result.problems,
                        });
                    }
                }
                if config.keep {
                    let kept = worker.dir.keep();
                    println!("portal kept in {}", kept.display());
                }
            });
        }
    });
    let mut summary = summary.into_inner().unwrap();
    summary.findings.sort_by_key(|f| f.case);
    summary.elapsed = started.elapsed();
    summary
}

struct CaseResult {
    file: String,
    mutations: Vec<&'static str>,
    built: bool,
    took: Duration,
    problems: Vec<String>,
}

/// One portal and its last good `public/`.
struct Worker<'a> {
    dir: tempfile::TempDir,
    config: &'a Config,
    opora: &'a (dyn Fn() -> Command + Sync),
    /// Files a case may mutate, relative to the portal root.
    targets: Vec<String>,
    /// `public/` as the last build left it: path → bytes' hash.
    public: BTreeMap<String, u64>,
    /// Scripts, frames and the like in the unmutated site.
    baseline: Baseline,
}

impl<'a> Worker<'a> {
    fn new(repo: &Path, config: &'a Config, opora: &'a (dyn Fn() -> Command + Sync)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let targets = make_portal(repo, dir.path(), config.sample);
        let mut worker = Worker {
            dir,
            config,
            opora,
            targets,
            public: BTreeMap::new(),
            baseline: Baseline::default(),
        };
        let run = worker.build();
        assert!(
            run.status == Some(0),
            "the unmutated portal must build:\n{}",
            run.stderr
        );
        worker.public = hash_tree(&worker.public_dir());
        for rel in worker.public.keys() {
            let path = worker.public_dir().join(rel);
            if let Ok(text) = std::fs::read_to_string(&path) {
                worker.baseline.learn(rel, &text);
            }
        }
        let problems = worker.scan_outputs(&BTreeMap::new());
        assert!(
            problems.is_empty(),
            "the unmutated site must pass the oracle: {problems:?}"
        );
        worker
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn public_dir(&self) -> PathBuf {
        self.root().join("public")
    }

    fn build(&self) -> Run {
        let mut cmd = (self.opora)();
        cmd.arg("--root").arg(self.root()).arg("build");
        run_bounded(cmd, self.config.timeout)
    }

    fn case(&mut self, case: usize) -> CaseResult {
        let mut rng = Rng::for_case(self.config.seed, case);
        // A kind of file first, then a file: routes and data tables are few
        // but matter as much as the many services.
        let groups: Vec<&str> = self
            .targets
            .iter()
            .map(|t| group(t))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let chosen = *rng.pick(&groups);
        let files: Vec<&String> = self.targets.iter().filter(|t| group(t) == chosen).collect();
        let file = (*rng.pick(&files)).clone();
        let path = self.root().join(&file);
        let original = std::fs::read(&path).unwrap();
        let count = match rng.below(10) {
            0 => 3,
            1 | 2 => 2,
            _ => 1,
        };
        let mut bytes = original.clone();
        let mut mutations = Vec::new();
        let mut special = None;
        for _ in 0..count {
            let m = mutate(&mut rng, &file, &bytes, self.config);
            mutations.push(m.name);
            match m.change {
                Change::Bytes(b) => bytes = b,
                other => {
                    special = Some(other);
                    break;
                }
            }
        }
        let mut problems = Vec::new();
        match &special {
            None => std::fs::write(&path, &bytes).unwrap(),
            Some(change) => place_special(&path, change),
        }
        let run = self.build();
        // A case rerun to be looked at keeps its mutated file.
        if !(self.config.keep && self.config.only.is_some()) {
            restore(&path, &original);
        }

        let built = run.status == Some(0);
        match run.status {
            _ if run.timed_out => problems.push(format!(
                "no answer within {} s (killed)",
                self.config.timeout.as_secs()
            )),
            Some(0) | Some(1) => {}
            Some(code) => problems.push(format!("exit status {code}")),
            None => problems.push("killed by a signal".to_string()),
        }
        if run.stderr.contains("panicked") {
            problems.push(format!(
                "panic: {}",
                first_lines(&run.stderr, "panicked", 3)
            ));
        }
        problems.extend(check_diagnostics(&run.stderr, self.root()));
        let now = hash_tree(&self.public_dir());
        if built {
            if now.is_empty() {
                problems.push("build succeeded but public/ is empty or gone".into());
            }
            let previous = std::mem::replace(&mut self.public, now);
            problems.extend(self.scan_outputs(&previous));
        } else if now != self.public {
            let changed = diff_keys(&self.public, &now);
            problems.push(format!(
                "failed build changed the previous public/: {}",
                changed.join(", ")
            ));
            self.public = now;
        }
        if !built && !run.timed_out && !run.stderr.contains("error") {
            problems.push("build failed without an error message".into());
        }
        CaseResult {
            file,
            mutations,
            built,
            took: run.took,
            problems,
        }
    }

    /// Injection checks on every output file that differs from `previous`.
    fn scan_outputs(&self, previous: &BTreeMap<String, u64>) -> Vec<String> {
        let mut problems = Vec::new();
        for (rel, hash) in &self.public {
            if previous.get(rel) == Some(hash) {
                continue;
            }
            let path = self.public_dir().join(rel);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for p in scan_output(rel, &text, &self.baseline) {
                problems.push(format!("public/{rel}: {p}"));
            }
            if problems.len() > 20 {
                break;
            }
        }
        problems
    }
}

/// `content/<collection>`, `data` or `opora.toml`.
fn group(path: &str) -> &str {
    match path
        .match_indices('/')
        .nth(if path.starts_with("content/") { 1 } else { 0 })
    {
        Some((i, _)) => &path[..i],
        None => path,
    }
}

fn first_lines(text: &str, from: &str, n: usize) -> String {
    let start = text.find(from).unwrap_or(0);
    text[start..]
        .lines()
        .take(n)
        .collect::<Vec<_>>()
        .join(" | ")
}

fn diff_keys(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> Vec<String> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out: Vec<String> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .take(5)
        .cloned()
        .collect();
    if out.is_empty() {
        out.push("?".into());
    }
    out
}

// ---------------------------------------------------------------- the portal

/// Copies the repository's portal (config, data, templates, static files and
/// the chosen content) into `dest`; returns the files cases may mutate.
fn make_portal(repo: &Path, dest: &Path, sample: Sample) -> Vec<String> {
    for dir in ["templates", "static", "data"] {
        copy_tree(&repo.join(dir), &dest.join(dir));
    }
    std::fs::copy(repo.join("opora.toml"), dest.join("opora.toml")).unwrap();
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    let content = repo.join("content");
    for entry in walkdir::WalkDir::new(&content).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = rel(&content, entry.path());
        let collection = rel.split('/').next().unwrap_or("");
        let keep = match sample {
            Sample::Full => true,
            Sample::EveryNth(n) => {
                collection == "pages"
                    || !chosen.iter().any(|c| c.starts_with(collection))
                    || fnv(rel.as_bytes()).is_multiple_of(n as u64)
            }
        };
        if keep {
            chosen.insert(rel);
        }
    }
    // The regions, organizations and pages that records and data name or link
    // to must be there, or nothing would build.
    let data: Vec<String> = walkdir::WalkDir::new(repo.join("data"))
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    let collections: Vec<String> = std::fs::read_dir(&content)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    loop {
        let mut wanted = Vec::new();
        for rel in &chosen {
            let text = std::fs::read_to_string(content.join(rel)).unwrap_or_default();
            wanted.extend(named_records(&text, &collections));
            wanted.extend(linked_records(rel, &text));
        }
        for text in &data {
            wanted.extend(named_records(text, &collections));
        }
        let missing: Vec<String> = wanted
            .into_iter()
            .filter(|f| !chosen.contains(f) && content.join(f).is_file())
            .collect();
        if missing.is_empty() {
            break;
        }
        chosen.extend(missing);
    }
    for rel in &chosen {
        let to = dest.join("content").join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(content.join(rel), to).unwrap();
    }
    let mut targets: Vec<String> = chosen.iter().map(|r| format!("content/{r}")).collect();
    targets.push("opora.toml".into());
    for entry in walkdir::WalkDir::new(dest.join("data")).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "toml") {
            targets.push(rel(dest, entry.path()));
        }
    }
    targets
}

/// Records a text names in a quoted string, as content paths: region codes
/// (`"RU-MOS"`), slugs of any collection (an organization
/// `"ru-mos/semya-i-dom"`, an event's `programme`, a route's practice), and
/// pages by their address (`data/moved.toml`'s `"/services/ru-mos/x/"`).
/// Paths that name no file are dropped by the caller.
fn named_records(text: &str, collections: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for quoted in text.split('"').skip(1).step_by(2) {
        let region_code = quoted.starts_with("RU")
            && quoted.len() <= 6
            && quoted.chars().all(|c| c.is_ascii_uppercase() || c == '-');
        if region_code {
            out.push(format!("regions/{}.md", quoted.to_ascii_lowercase()));
        } else if quoted.len() > 2 && quoted.starts_with('/') && quoted.ends_with('/') {
            out.push(format!("{}.md", quoted.trim_matches('/')));
        } else if !quoted.is_empty() && !quoted.contains(['.', ' ', ':']) {
            out.extend(collections.iter().map(|c| format!("{c}/{quoted}.md")));
        }
    }
    out
}

/// Records the Markdown of `rel` links to (`[a](../x/)`, `[a](/services/…/)`,
/// `[r]: …`), as content paths.
fn linked_records(rel: &str, text: &str) -> Vec<String> {
    // The record's own URL: `services/ru-mos/x.md` is served at `services/ru-mos/x/`.
    let page = rel.trim_end_matches(".md");
    let page = page.strip_prefix("pages/").unwrap_or(page);
    let targets = text
        .split("](")
        .skip(1)
        .filter_map(|t| t.split([')', ' ']).next())
        .chain(text.lines().filter_map(|l| {
            let rest = l.trim_start().strip_prefix('[')?;
            rest.split_once("]:").map(|(_, t)| t.trim())
        }));
    let mut out = Vec::new();
    for target in targets {
        let target = target.split(['#', '?']).next().unwrap_or("");
        if target.is_empty() || target.contains(':') {
            continue;
        }
        let mut parts: Vec<&str> = if target.starts_with('/') {
            Vec::new()
        } else {
            page.split('/').collect()
        };
        for seg in target.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        let path = parts.join("/");
        out.push(format!("{path}.md"));
        out.push(format!("pages/{path}.md"));
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn rel(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap()
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Puts a file back as it was, whatever the case made of it.
fn restore(path: &Path, original: &[u8]) {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
    }
    std::fs::write(path, original).unwrap();
}

fn place_special(path: &Path, change: &Change) {
    let _ = std::fs::remove_file(path);
    match change {
        Change::Directory => {
            std::fs::create_dir_all(path.join("nested")).unwrap();
        }
        #[cfg(unix)]
        Change::Fifo => {
            let status = Command::new("mkfifo").arg(path).status().unwrap();
            assert!(status.success(), "mkfifo");
        }
        #[cfg(unix)]
        Change::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        _ => {}
    }
}

fn hash_tree(dir: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return out;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            out.insert(rel(dir, entry.path()), fnv(&bytes));
        }
    }
    out
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

// ---------------------------------------------------------------- running the tool

struct Run {
    status: Option<i32>,
    timed_out: bool,
    stderr: String,
    took: Duration,
}

/// Runs `cmd` with a time bound, killing it when the bound passes. At most
/// 4 MiB of its error output is kept (the rest is read and dropped), and a
/// process it left behind holding the pipe is not waited for.
fn run_bounded(mut cmd: Command, timeout: Duration) -> Run {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start opora");
    let drain = |mut r: Box<dyn Read + Send>| {
        let kept = Arc::new(Mutex::new((Vec::new(), false)));
        let shared = Arc::clone(&kept);
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut k = shared.lock().unwrap();
                if k.0.len() < 4 << 20 {
                    k.0.extend_from_slice(&buf[..n]);
                }
            }
            shared.lock().unwrap().1 = true;
        });
        kept
    };
    let _stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let waited = Instant::now();
    while !stderr.lock().unwrap().1 && waited.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let stderr = String::from_utf8_lossy(&stderr.lock().unwrap().0).into_owned();
    Run {
        status: status.code(),
        timed_out,
        stderr,
        took,
    }
}
