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

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- settings

/// How big the generated inputs get. The test suite runs small ones (seconds
/// in a debug build); the long run defaults to large ones.
#[derive(Debug, Clone, Copy)]
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
            timeout: Duration::from_secs(30),
            workers: 2,
            scale: Scale::SMALL,
            sample: Sample::EveryNth(7),
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
pub struct Finding {
    pub case: usize,
    pub file: String,
    pub mutations: Vec<&'static str>,
    pub problem: String,
}

impl Summary {
    pub fn report(&self, seed: u64) -> String {
        let mut out = format!(
            "{} cases in {:.1} s (seed {seed}): {} built, {} refused with diagnostics, \
             slowest build {} ms, {} finding(s)\n",
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
                "\ncase {} — {} [{}]\n  {}\n  reproduce: cargo run --release --example fuzz -- --seed {seed} --case {} --keep\n",
                f.case,
                f.file,
                f.mutations.join(" + "),
                f.problem.replace('\n', "\n  "),
                f.case
            ));
        }
        out
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
                    for problem in result.problems {
                        s.findings.push(Finding {
                            case,
                            file: result.file.clone(),
                            mutations: result.mutations.clone(),
                            problem,
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
        let file = rng.pick(&self.targets).clone();
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
        restore(&path, &original);

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
            problems.push(format!("panic: {}", first_lines(&run.stderr, "panicked", 3)));
        }
        problems.extend(check_diagnostics(&run.stderr, self.root()));
        let now = hash_tree(&self.public_dir());
        if built {
            if now.is_empty() {
                problems.push("build succeeded but public/ is empty or gone".into());
            }
            let previous = std::mem::take(&mut self.public);
            problems.extend(self.scan_outputs(&previous));
            self.public = now;
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

fn first_lines(text: &str, from: &str, n: usize) -> String {
    let start = text.find(from).unwrap_or(0);
    text[start..].lines().take(n).collect::<Vec<_>>().join(" | ")
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
                matches!(collection, "regions" | "pages")
                    || chosen.iter().filter(|c| c.starts_with(collection)).count() == 0
                    || fnv(rel.as_bytes()) % n as u64 == 0
            }
        };
        if keep {
            chosen.insert(rel);
        }
    }
    // The organizations records name must be there, or nothing would build.
    loop {
        let mut missing = Vec::new();
        for rel in &chosen {
            let text = std::fs::read_to_string(content.join(rel)).unwrap_or_default();
            for line in text.lines() {
                if let Some(org) = line
                    .strip_prefix("organization = \"")
                    .and_then(|r| r.split('"').next())
                {
                    let file = format!("services/{org}.md");
                    if !chosen.contains(&file) && content.join(&file).is_file() {
                        missing.push(file);
                    }
                }
            }
        }
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
/// 4 MiB of its output is kept (the rest is read and dropped).
fn run_bounded(mut cmd: Command, timeout: Duration) -> Run {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start opora");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 65536];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if kept.len() < 4 << 20 {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
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
    let _ = out.join();
    Run {
        status: status.code(),
        timed_out,
        stderr: err.join().unwrap_or_default(),
        took,
    }
}

// ---------------------------------------------------------------- the oracle

/// Every `error:`/`warning:` block must go on with `  --> file:line:col`,
/// naming a file of the portal's sources (not the output) and a line ≥ 1.
fn check_diagnostics(stderr: &str, root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let lines: Vec<&str> = stderr.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if !(line.starts_with("error: ") || line.starts_with("warning: ")) {
            continue;
        }
        let location = lines[i + 1..]
            .iter()
            .take_while(|l| !(l.starts_with("error: ") || l.starts_with("warning: ")))
            .find_map(|l| l.strip_prefix("  --> "));
        let Some(location) = location else {
            problems.push(format!("diagnostic without a location: {line}"));
            continue;
        };
        let mut parts = location.rsplitn(3, ':');
        let (col, line_no, file) = (parts.next(), parts.next(), parts.next());
        let valid_number = |n: Option<&str>| n.and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n >= 1);
        let problem = match file {
            _ if !valid_number(line_no) || !valid_number(col) => Some("no line and column"),
            None | Some("") => Some("no file"),
            Some(f) if f.starts_with('/') || f.starts_with("..") => Some("a path outside the portal"),
            Some(f) if f.starts_with("public") || f.starts_with("./public") || f.starts_with(".public") => {
                Some("the output, not a source")
            }
            Some(f) if std::fs::symlink_metadata(root.join(f)).is_err() => Some("a file that does not exist"),
            _ => None,
        };
        if let Some(p) = problem {
            problems.push(format!("diagnostic names {p}: {line} --> {location}"));
        }
    }
    problems
}

/// What the unmutated site legitimately has: script sources and the elements
/// that load or frame other documents.
#[derive(Default)]
struct Baseline {
    script_srcs: BTreeSet<String>,
    elements: BTreeSet<String>,
}

const FRAMING: &[&str] = &[
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal",
];
const URL_ATTRIBUTES: &[&str] = &[
    "href", "src", "action", "formaction", "xlink:href", "poster", "data", "cite",
    "background", "srcset", "ping", "manifest", "codebase", "longdesc", "usemap",
];

impl Baseline {
    fn learn(&mut self, rel: &str, text: &str) {
        if !is_markup(rel) {
            return;
        }
        for tag in tags(text) {
            if tag.name == "script" {
                self.script_srcs.insert(tag.attr("src").unwrap_or("<inline>").to_string());
            }
            if FRAMING.contains(&tag.name.as_str()) {
                self.elements.insert(tag.name.clone());
            }
        }
    }
}

fn is_markup(rel: &str) -> bool {
    rel.ends_with(".html") || rel.ends_with(".svg") || rel.ends_with(".xml")
}

/// Injection checks for one output file.
fn scan_output(rel: &str, text: &str, baseline: &Baseline) -> Vec<String> {
    let mut problems = Vec::new();
    if is_markup(rel) {
        for tag in tags(text) {
            for (name, value) in &tag.attrs {
                let lower = name.to_ascii_lowercase();
                if lower.len() > 2 && lower.starts_with("on") {
                    problems.push(format!("<{} {name}=…> event handler attribute", tag.name));
                }
                let url_like = URL_ATTRIBUTES.contains(&lower.as_str()) || lower.starts_with("data-");
                if url_like && dangerous_url(value) {
                    problems.push(format!("<{} {name}=\"{}\">", tag.name, clip(value)));
                }
                if lower == "style" && decoded(value).contains("javascript:") {
                    problems.push(format!("<{} style=\"{}\">", tag.name, clip(value)));
                }
            }
            if tag.name == "meta"
                && tag.attr("http-equiv").is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
            {
                problems.push("<meta http-equiv=refresh>".into());
            }
            if tag.name == "script" {
                let src = tag.attr("src").unwrap_or("<inline>");
                if !baseline.script_srcs.contains(src) {
                    problems.push(format!("<script src=\"{}\"> the site does not have", clip(src)));
                }
            }
            if FRAMING.contains(&tag.name.as_str()) && !baseline.elements.contains(&tag.name) {
                problems.push(format!("<{}> element", tag.name));
            }
        }
    } else if rel.ends_with(".json") || rel.ends_with(".geojson") {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
            json_urls(&value, "", &mut problems);
        }
    }
    problems.truncate(5);
    problems
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Values under URL-like keys in JSON output (links in GeoJSON, search results).
fn json_urls(value: &serde_json::Value, key: &str, problems: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => {
            let k = key.to_ascii_lowercase();
            let url_key = ["url", "href", "link", "src", "website", "site", "edit"]
                .iter()
                .any(|u| k.contains(u));
            if url_key && dangerous_url(s) {
                problems.push(format!("\"{key}\": \"{}\"", clip(s)));
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                json_urls(item, key, problems);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                json_urls(v, k, problems);
            }
        }
        _ => {}
    }
}

/// A URL a browser would run or render as a document: after decoding
/// character references and dropping the whitespace and control characters
/// browsers ignore, it starts with a script or data scheme.
fn dangerous_url(value: &str) -> bool {
    let url = decoded(value);
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| url.starts_with(s))
}

fn decoded(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map_or(rest.len(), |e| e + 1);
        let entity = &rest[1..end];
        let ch = if let Some(num) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
            u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
        } else if let Some(num) = entity.strip_prefix('#') {
            num.parse().ok().and_then(char::from_u32)
        } else {
            match entity {
                "colon" => Some(':'),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "sol" => Some('/'),
                _ => None,
            }
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = rest[end..].strip_prefix(';').unwrap_or(&rest[end..]);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Start tags as a browser's tokenizer sees them (enough of it for the oracle):
/// comments and end tags skipped, script and style contents skipped, attribute
/// values quoted or not.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let s = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'>' | b'=' | b'/') {
                i += 1;
            }
            let attr = html[s..i].to_string();
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    i = html[vs..].find(q as char).map_or(b.len(), |e| vs + e);
                    value = html[vs..i].to_string();
                    i = (i + 1).min(b.len());
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[vs..i].to_string();
                }
            }
            if attr.is_empty() {
                i += 1;
                continue;
            }
            attrs.push((attr, value));
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            if let Some(e) = html[i..].to_ascii_lowercase().find(&close) {
                i += e;
            }
        }
        out.push(Tag { name, attrs });
    }
    out
}

// ---------------------------------------------------------------- mutations

enum Change {
    Bytes(Vec<u8>),
    Directory,
    Fifo,
    DevZero,
}

struct Mutation {
    name: &'static str,
    change: Change,
}

/// Links and URLs that must never reach a page as a link.
const SCRIPT_URLS: &[&str] = &[
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "%6Aavascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "//evil.example/",
    "\\\\evil.example\\x",
    "javascript:alert(1)//@b.ru",
];

/// Markdown that tries to make a script link from each URL.
fn link_forms(url: &str) -> Vec<String> {
    vec![
        format!("[ссылка]({url})"),
        format!("![картинка]({url})"),
        format!("<{url}>"),
        format!("[ссылка][r]\n\n[r]: {url}"),
        format!("[ссылка]({url} \"title\")"),
        format!("[ссылка](<{url}>)"),
    ]
}

const RAW_HTML: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=\"//evil.example/\"></iframe>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<div\nonclick=alert(1)>x</div>",
    "<base href=\"//evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<object data=\"javascript:alert(1)\"></object>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<!-- <script>alert(1)</script> -->",
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
];

/// Markdown that tries to smuggle an event handler into an attribute.
const ON_ATTRIBUTES: &[&str] = &[
    "# Заголовок {onclick=alert(1)}",
    "## Раздел {#id onmouseover=alert(1)}",
    "[x](/about/ \"t\\\" onmouseover=\\\"alert(1)\")",
    "![a\" onerror=\"alert(1)](/favicon.svg)",
    "[a](/about/' onclick='alert(1))",
    "[a](/about/\" onclick=\"alert(1))",
    "`<img onerror=alert(1)>`",
    "<a onclick=alert(1)>x</a>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
];

const NUMBERS: &[&str] = &[
    "nan", "+nan", "-nan", "inf", "-inf", "1e999", "-1e999", "1e-999", "-0.0",
    "9223372036854775808", "-9223372036854775809", "18446744073709551616", "0x7fffffffffffffff",
    "1_000_000_000_000", "0.1e400",
];

const BAD_BYTES: &[&[u8]] = &[
    &[0xED, 0xA0, 0x80],       // a surrogate encoded as UTF-8
    &[0xED, 0xBF, 0xBF],       // another
    &[0x80],                   // a lone continuation byte
    &[0xC0, 0xAF],             // overlong '/'
    &[0xFF, 0xFE],             // a UTF-16 byte order mark in the middle
    &[0xF4, 0x90, 0x80, 0x80], // past U+10FFFF
    &[0x00],
    &[0xD0],                   // half of a Cyrillic letter
    &[0xEF, 0xBB, 0xBF],       // a byte order mark in the middle
    &[0x1B, b'[', b'2', b'J'], // a terminal escape
];

fn mutate(rng: &mut Rng, file: &str, bytes: &[u8], config: &Config) -> Mutation {
    let scale = config.scale;
    let text = String::from_utf8_lossy(bytes).into_owned();
    let toml_file = file.ends_with(".toml");
    // Where the TOML is (front matter or the whole file) and where Markdown is.
    let (front, body) = split(&text, toml_file);
    let choices = if config.special_files { 18 } else { 16 };
    let (name, change): (&'static str, Change) = match rng.below(choices) {
        0 => {
            let n = rng.range(10, scale.nesting);
            let value = match rng.below(4) {
                0 => format!("{}1{}", "[".repeat(n), "]".repeat(n)),
                1 => format!("{}1{}", "{ a = ".repeat(n), " }".repeat(n)),
                2 => format!("[{}]", "[1, ".repeat(n)),
                _ => format!("\"{}\"", "\\\"".repeat(n)),
            };
            let line = if rng.below(3) == 0 {
                format!("{} = 1", vec!["a"; n.min(20_000)].join("."))
            } else {
                format!("fuzz = {value}")
            };
            ("deep-nesting", Change::Bytes(insert_line(rng, &text, front.clone(), &line)))
        }
        1 => {
            let len = rng.range(1024, scale.line);
            let unit = *rng.pick(&["а", "ab ", "слово ", "\t", "*", "[", "x", "é", "\\", "<"]);
            let filler = unit.repeat(len / unit.len() + 1);
            let line = if rng.below(2) == 0 {
                format!("description = \"{}\"", filler.replace('\\', "/"))
            } else {
                filler
            };
            let region = if rng.below(2) == 0 { front.clone() } else { body.clone() };
            ("huge-line", Change::Bytes(insert_line(rng, &text, region, &line)))
        }
        2 => ("nan", Change::Bytes(replace_number(rng, &text, front.clone()))),
        3 => {
            let mut out = bytes.to_vec();
            let at = rng.below(out.len() + 1);
            let bad = *rng.pick(BAD_BYTES);
            out.splice(at..at, bad.iter().copied());
            ("bad-utf8", Change::Bytes(out))
        }
        4 => {
            let escape = *rng.pick(&["\\uD800", "\\uDFFF", "\\uD83D", "\\U0010FFFF", "\\U00110000", "\\u0000"]);
            let line = format!("fuzz = \"a{escape}b\"");
            ("surrogate-escape", Change::Bytes(insert_line(rng, &text, front.clone(), &line)))
        }
        5 => {
            let units: Vec<u16> = text.encode_utf16().collect();
            let mut out = Vec::new();
            let big = rng.below(2) == 0;
            if rng.below(2) == 0 {
                out.extend(if big { [0xFE, 0xFF] } else { [0xFF, 0xFE] });
            }
            for u in units {
                out.extend(if big { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            ("utf-16", Change::Bytes(out))
        }
        6 => ("cp1251", Change::Bytes(to_cp1251(&text))),
        7 => {
            let n = rng.range(50, scale.repeat);
            let bomb = markdown_bomb(rng, n);
            ("markdown-bomb", Change::Bytes(insert_line(rng, &text, body.clone(), &bomb)))
        }
        8 => {
            let url = *rng.pick(SCRIPT_URLS);
            if rng.below(2) == 0 || body.is_empty() {
                // Into a string value of the front matter (links, steps, URLs, text).
                let payload = if rng.below(2) == 0 {
                    url.to_string()
                } else {
                    rng.pick(&link_forms(url)).clone()
                };
                ("script-link", Change::Bytes(replace_string(rng, &text, front.clone(), &payload)))
            } else {
                let form = rng.pick(&link_forms(url)).clone();
                ("script-link", Change::Bytes(insert_line(rng, &text, body.clone(), &form)))
            }
        }
        9 => {
            let html = *rng.pick(RAW_HTML);
            if rng.below(3) == 0 {
                ("raw-html", Change::Bytes(replace_string(rng, &text, front.clone(), html)))
            } else {
                ("raw-html", Change::Bytes(insert_line(rng, &text, body.clone(), html)))
            }
        }
        10 => {
            let attr = *rng.pick(ON_ATTRIBUTES);
            if rng.below(3) == 0 {
                ("on-attribute", Change::Bytes(replace_string(rng, &text, front.clone(), attr)))
            } else {
                ("on-attribute", Change::Bytes(insert_line(rng, &text, body.clone(), attr)))
            }
        }
        11 => {
            let n = rng.range(10, scale.repeat.min(3_000));
            let mut lines = String::new();
            for i in 0..n {
                lines.push_str(&match rng.below(3) {
                    0 => format!("unknown_{i} = {i}"),
                    1 => format!("bad_{i} = \"\\q\""),
                    _ => format!("needs_{i} = [\"nope\"]"),
                });
                lines.push('\n');
            }
            ("many-bad-fields", Change::Bytes(insert_line(rng, &text, front.clone(), lines.trim_end())))
        }
        12 => ("truncate", Change::Bytes(bytes[..rng.below(bytes.len() + 1)].to_vec())),
        13 => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let i = rng.below(lines.len());
            match rng.below(4) {
                0 => {
                    lines.remove(i);
                }
                1 => lines.insert(i, lines[i]),
                2 => lines.retain(|l| l.trim() != "+++" || rng.below(2) == 0),
                _ => lines.iter_mut().filter(|l| l.trim() == "+++").for_each(|l| *l = "---"),
            }
            ("lines", Change::Bytes(lines.join("\n").into_bytes()))
        }
        14 => {
            let mut out = bytes.to_vec();
            for _ in 0..rng.range(1, 16) {
                if out.is_empty() {
                    break;
                }
                let at = rng.below(out.len());
                out[at] ^= 1 << rng.below(8);
            }
            ("bit-flips", Change::Bytes(out))
        }
        15 => match rng.below(5) {
            0 => ("directory", Change::Directory),
            1 => ("empty", Change::Bytes(Vec::new())),
            2 => ("crlf", Change::Bytes(text.replace('\n', "\r\n").into_bytes())),
            3 => {
                let mut out = vec![0xEF, 0xBB, 0xBF];
                out.extend_from_slice(bytes);
                ("bom", Change::Bytes(out))
            }
            _ => ("nul-bytes", Change::Bytes(text.replace(' ', "\0").into_bytes())),
        },
        16 => ("fifo", Change::Fifo),
        _ => ("dev-zero-symlink", Change::DevZero),
    };
    Mutation { name, change }
}

/// Byte ranges of the TOML (front matter, or the whole file) and of the body.
fn split(text: &str, toml_file: bool) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    if toml_file {
        return (0..text.len(), text.len()..text.len());
    }
    let Some(open) = text.find("+++\n") else {
        return (0..0, 0..text.len());
    };
    let after = open + 4;
    match text[after..].find("\n+++") {
        Some(close) => {
            let end = after + close + 1;
            let body = (end + 3).min(text.len());
            (after..end, body..text.len())
        }
        None => (after..text.len(), text.len()..text.len()),
    }
}

/// Inserts `line` at a line boundary inside `region` (or at its end).
fn insert_line(rng: &mut Rng, text: &str, region: std::ops::Range<usize>, line: &str) -> Vec<u8> {
    let starts: Vec<usize> = std::iter::once(region.start)
        .chain(
            text[region.clone()]
                .match_indices('\n')
                .map(|(i, _)| region.start + i + 1),
        )
        .filter(|&i| i <= region.end)
        .collect();
    let at = *rng.pick(&starts);
    let mut out = String::with_capacity(text.len() + line.len() + 2);
    out.push_str(&text[..at]);
    if at > 0 && !text[..at].ends_with('\n') {
        out.push('\n');
    }
    out.push_str(line);
    out.push('\n');
    out.push_str(&text[at..]);
    out.into_bytes()
}

/// Replaces one TOML string value in `region` with `payload` (escaped for TOML).
fn replace_string(rng: &mut Rng, text: &str, region: std::ops::Range<usize>, payload: &str) -> Vec<u8> {
    let slice = &text[region.clone()];
    let spots: Vec<(usize, usize)> = slice
        .match_indices("= \"")
        .filter_map(|(i, _)| {
            let start = i + 3;
            let mut end = start;
            let bytes = slice.as_bytes();
            while end < bytes.len() && bytes[end] != b'"' && bytes[end] != b'\n' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            (end < bytes.len() && bytes[end] == b'"').then_some((region.start + start, region.start + end))
        })
        .collect();
    let escaped = payload
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\t', "\\t");
    if spots.is_empty() {
        return insert_line(rng, text, region, &format!("fuzz = \"{escaped}\""));
    }
    let (start, end) = *rng.pick(&spots);
    format!("{}{escaped}{}", &text[..start], &text[end..]).into_bytes()
}

/// Replaces one number in the TOML with NaN, an infinity or one out of range.
fn replace_number(rng: &mut Rng, text: &str, region: std::ops::Range<usize>) -> Vec<u8> {
    let slice = &text[region.clone()];
    let b = slice.as_bytes();
    let mut spots = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || matches!(b[i - 1], b' ' | b'[' | b'=' | b'-')) {
            let s = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i == b.len() || matches!(b[i], b' ' | b',' | b']' | b'}' | b'\n') {
                spots.push((region.start + s, region.start + i));
            }
        }
        i += 1;
    }
    let value = *rng.pick(NUMBERS);
    if spots.is_empty() {
        return insert_line(rng, text, region, &format!("fuzz = {value}"));
    }
    let (s, e) = *rng.pick(&spots);
    format!("{}{value}{}", &text[..s], &text[e..]).into_bytes()
}

fn markdown_bomb(rng: &mut Rng, n: usize) -> String {
    match rng.below(14) {
        0 => format!("{} цитата", ">".repeat(n)),
        1 => (0..n.min(3_000))
            .map(|i| format!("{}- пункт", "  ".repeat(i)))
            .collect::<Vec<_>>()
            .join("\n"),
        2 => "[".repeat(n),
        3 => "*a".repeat(n),
        4 => "_a_".repeat(n) + &"*".repeat(n),
        5 => "`".repeat(n),
        6 => "![](".repeat(n),
        7 => format!("{}|\n{}|", "|a".repeat(n), "|-".repeat(n)),
        8 => (0..n).map(|i| format!("[r{i}]: /about/")).collect::<Vec<_>>().join("\n"),
        9 => "&amp;".repeat(n),
        10 => format!("{} заголовок", "#".repeat(n.min(100))) + &"\n===".repeat(n.min(1000)),
        11 => "[^1]".repeat(n) + "\n\n[^1]: сноска",
        12 => "<".repeat(n) + &"[a](/b)".repeat(n),
        _ => "1. a\n".repeat(n),
    }
}

/// The text in Windows-1251 (Cyrillic letters; anything else outside ASCII becomes `?`).
fn to_cp1251(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\0'..='\x7f' => c as u8,
            'А'..='я' => (c as u32 - 'А' as u32 + 0xC0) as u8,
            'Ё' => 0xA8,
            'ё' => 0xB8,
            '«' => 0xAB,
            '»' => 0xBB,
            '—' => 0x97,
            '№' => 0xB9,
            _ => b'?',
        })
        .collect()
}

// ---------------------------------------------------------------- randomness

/// SplitMix64: small, fast and good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    fn for_case(seed: u64, case: usize) -> Rng {
        let mut r = Rng(seed ^ (case as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    /// A number in `lo..=hi`, skewed towards small ones (most bugs need little).
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        let hi = hi.max(lo);
        let span = hi - lo;
        let r = match self.below(3) {
            0 => self.below(span.min(64) + 1),
            1 => self.below(span / 16 + 1),
            _ => self.below(span + 1),
        };
        lo + r
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
}
