//! The records an import would write, read and checked as `opora check`
//! will read and check them — before anything is written.
//!
//! Each row's own checks (a phone, a date, a region) catch what a row gets
//! wrong in its own terms; this catches the rest, whatever the rules of a
//! record are: every planned file is parsed by the services collection from
//! its text (the `+++` split, TOML, control characters, Markdown), then the
//! services' checks run over the portal's services with the planned ones
//! among them (a name already taken in the town, a document not listed, a
//! date in the future). Links from a record's text into the site are
//! checked against the pages the site would make: only when some record
//! has one, by `opora check` itself on a copy of the portal with the files
//! written in. An error in a planned file becomes an error of its row, so
//! the import never writes a record `opora check` refuses.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Action, Plan, Problem};
use crate::collections::{Collection as _, LoadResult, services::Services};
use crate::config::Config;
use crate::content::source::{SourceText, decode};
use crate::content::{Content, Data, load};
use crate::diag::{Diagnostic, Severity, rel_path};

/// The portal an import writes into, as loaded.
pub struct Portal<'a> {
    pub root: &'a Path,
    pub config: &'a Config,
    pub data: &'a Data,
    pub content: &'a Content,
}

/// A portal loaded for an import: its settings, data and records.
pub struct Loaded {
    config: Config,
    data: Data,
    content: Content,
}

impl Loaded {
    /// The portal at `root`, or its problems and what to do — settings,
    /// data or records that do not load: an import's records are checked
    /// against them.
    pub fn load(root: &Path) -> Result<Loaded, (crate::diag::Diagnostics, &'static str)> {
        let config = crate::pipeline::load_config(root).map_err(|problems| {
            let mut diags = crate::diag::Diagnostics::default();
            diags.extend(problems);
            (diags, "fix the portal's settings before importing")
        })?;
        let (data, content, diags) = crate::pipeline::load_only(root);
        if diags.error_count() > 0 {
            return Err((diags, "fix the portal's content before importing"));
        }
        Ok(Loaded {
            config,
            data,
            content,
        })
    }

    pub fn portal<'a>(&'a self, root: &'a Path) -> Portal<'a> {
        Portal {
            root,
            config: &self.config,
            data: &self.data,
            content: &self.content,
        }
    }
}

/// Where a field of a row is in the import's input — the file and line,
/// and the column or field — to place a problem found in it.
pub(crate) type Place<'p> = dyn Fn(usize, &str) -> (Option<String>, Option<String>) + 'p;

/// The field a problem in a record's Markdown text is reported under.
pub(crate) const BODY: &str = "(текст)";

/// One file the plan writes: its action's index, row, path and text.
struct Planned<'a> {
    index: usize,
    row: usize,
    path: &'a Path,
    text: &'a str,
}

/// The plan with every record that `opora check` would refuse made an
/// error of its row (each problem placed by `place`).
pub(crate) fn verify(plan: Plan, portal: &Portal, place: &Place) -> Plan {
    let planned: Vec<Planned> = plan
        .actions
        .iter()
        .enumerate()
        .filter_map(|(index, a)| match a {
            Action::Create {
                row, path, text, ..
            }
            | Action::Change {
                row, path, text, ..
            } => Some(Planned {
                index,
                row: *row,
                path,
                text,
            }),
            _ => None,
        })
        .collect();
    if planned.is_empty() {
        return plan;
    }
    let mut refused: HashMap<usize, Vec<Problem>> = HashMap::new();
    for (p, diagnostics) in planned.iter().zip(errors(portal, &planned)) {
        if !diagnostics.is_empty() {
            let problems = diagnostics.iter().map(|d| problem(p, d, place)).collect();
            refused.insert(p.index, problems);
        }
    }
    let mut out = Plan {
        unlisted_errors: plan.unlisted_errors,
        ..Plan::default()
    };
    for (index, action) in plan.actions.into_iter().enumerate() {
        out.push(match refused.remove(&index) {
            Some(problems) => Action::Invalid {
                row: action.row(),
                problems,
            },
            None => action,
        });
    }
    out
}

/// The errors `opora check` would find in each planned file, in order.
fn errors(portal: &Portal, planned: &[Planned]) -> Vec<Vec<Diagnostic>> {
    let rels: Vec<String> = planned
        .iter()
        .map(|p| rel_path(portal.root, p.path))
        .collect();
    let mut found: HashMap<String, Vec<Diagnostic>> = HashMap::new();
    let mut overlay = services_of(portal.content, &rels);
    let abbr = load::abbreviations(&portal.data.glossary);
    let mut linked = Vec::new();
    for (p, rel) in planned.iter().zip(&rels) {
        let list = found.entry(rel.clone()).or_default();
        match read_back(rel, p, &abbr) {
            Ok((loaded, problems, links)) => {
                list.extend(problems);
                let base = &portal.config.base_url;
                if links.links.iter().any(|l| into_site(&l.dest, base)) {
                    linked.push(rel.as_str());
                }
                Services.store(&mut overlay, &loaded);
            }
            Err(ds) => list.extend(ds),
        }
    }
    // In the order loading gives (by folder, then file name): a check
    // across records blames the later of two, as `opora check` does.
    overlay
        .services
        .sort_by(|a, b| a.file.rel.split('/').cmp(b.file.rel.split('/')));
    let today = crate::validate::today(portal.config);
    let checked = crate::validate::validate_services(portal.config, portal.data, &overlay, today);
    add(&mut found, checked);
    if !linked.is_empty() {
        check_links(portal, planned, &rels, &linked, &mut found);
    }
    rels.iter()
        .map(|rel| found.remove(rel).unwrap_or_default())
        .collect()
}

/// Adds the errors among `diagnostics` that are in planned files (each
/// message once); whether any was new.
fn add(found: &mut HashMap<String, Vec<Diagnostic>>, diagnostics: Vec<Diagnostic>) -> bool {
    let mut added = false;
    for d in diagnostics {
        if d.severity != Severity::Error {
            continue;
        }
        if let Some(list) = found.get_mut(&d.file)
            && !list.iter().any(|seen| seen.message == d.message)
        {
            list.push(d);
            added = true;
        }
    }
    added
}

/// How many times links are checked on a copy of the portal before the
/// records still linking into the site are refused unchecked.
const LINK_ROUNDS: usize = 5;

/// Links from the planned records into the site (`linked`: the files that
/// have one), checked by `opora check` on a copy of the portal holding the
/// planned files that have no error — it renders no page while a record has
/// one. A record refused may be what another links to, so the check runs
/// again until it refuses none.
fn check_links(
    portal: &Portal,
    planned: &[Planned],
    rels: &[String],
    linked: &[&str],
    found: &mut HashMap<String, Vec<Diagnostic>>,
) {
    let clean = |found: &HashMap<String, Vec<Diagnostic>>| -> Vec<(&Planned, &String)> {
        planned
            .iter()
            .zip(rels)
            .filter(|(_, rel)| {
                found[rel.as_str()]
                    .iter()
                    .all(|d| d.severity != Severity::Error)
            })
            .collect()
    };
    let mut unchecked = "records of this import link to each other and some were refused: fix \
                         those, then import again";
    for _ in 0..LINK_ROUNDS {
        match checked_in_a_copy(portal, &clean(found)) {
            Ok(diagnostics) => {
                if !add(found, diagnostics) {
                    return;
                }
            }
            Err(why) => {
                unchecked = why;
                break;
            }
        }
    }
    for rel in linked {
        let list = found.entry(rel.to_string()).or_default();
        if list.iter().all(|d| d.severity != Severity::Error) {
            list.push(
                Diagnostic::error(*rel, "its links into the site could not be checked")
                    .hint(unchecked),
            );
        }
    }
}

/// The portal's content for the services' checks: its regions and its
/// services but those the plan rewrites (`rels`), which it adds as planned.
fn services_of(content: &Content, rels: &[String]) -> Content {
    let rewritten: std::collections::HashSet<&str> = rels.iter().map(String::as_str).collect();
    Content {
        regions: content.regions.clone(),
        services: content
            .services
            .iter()
            .filter(|s| !rewritten.contains(s.file.rel.as_str()))
            .cloned()
            .collect(),
        ..Content::default()
    }
}

/// A planned file read as loading reads it: its bytes decoded (a NUL, a
/// control character), its front matter split and parsed.
fn read_back(rel: &str, p: &Planned, abbr: &crate::content::markdown::Abbreviations) -> LoadResult {
    let text = decode(rel, p.text.as_bytes().to_vec()).map_err(|d| vec![d])?;
    load::parse_one(&Services, p.path, SourceText::new(rel, text), abbr)
}

/// Whether the link checker follows a link: a path of this site (absolute,
/// relative or an anchor), or an address under the site's own base URL.
fn into_site(dest: &str, base_url: &str) -> bool {
    let other = dest.starts_with("//") || dest.contains(':') && !dest.starts_with('/');
    !dest.is_empty() && (!other || dest.starts_with(base_url))
}

/// `opora check` run on a copy of the portal's sources with the planned
/// files written in: its diagnostics (the copy's paths are the portal's),
/// or why it checked no link — the copy could not be made, or the check
/// stopped before rendering (the portal has errors of its own).
fn checked_in_a_copy(
    portal: &Portal,
    planned: &[(&Planned, &String)],
) -> Result<Vec<Diagnostic>, &'static str> {
    let stage = tempfile::tempdir()
        .and_then(|dir| {
            copy_sources(portal.root, dir.path())?;
            for (p, rel) in planned {
                let dest = dir.path().join(rel);
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(dest, p.text)?;
            }
            Ok(dir)
        })
        .map_err(|_| {
            "links are checked on a copy of the portal, which could not be made: free some disk \
             space and run the import again"
        })?;
    let opts = crate::pipeline::Options {
        root: stage.path().to_path_buf(),
        output: stage.path().join("public"),
        strict: false,
        base_url: None,
    };
    match crate::pipeline::check(&opts) {
        Ok((report, _)) => Ok(report.diagnostics.items().to_vec()),
        Err(_) => Err(
            "`opora check` checks links only when no record has errors, and the portal has \
             some: fix what it shows, then import again",
        ),
    }
}

/// What `opora check` reads of a portal.
const SOURCES: [&str; 6] = [
    "opora.toml",
    "content",
    "data",
    "templates",
    "static",
    "cms",
];

/// Copies what `opora check` reads of the portal at `root` into `to`: files
/// as files, links as links (one inside the portal still leads inside the
/// copy); anything else (a named pipe would block the copy) is left out, as
/// loading leaves it unread.
fn copy_sources(root: &Path, to: &Path) -> std::io::Result<()> {
    for name in SOURCES {
        let from = root.join(name);
        if !from.exists() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.map_err(std::io::Error::other)?;
            let dest: PathBuf = to.join(entry.path().strip_prefix(root).unwrap_or(entry.path()));
            let kind = entry.file_type();
            if kind.is_dir() {
                std::fs::create_dir_all(&dest)?;
                continue;
            }
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if kind.is_file() {
                std::fs::copy(entry.path(), &dest)?;
            } else if kind.is_symlink() {
                copy_link(entry.path(), &dest)?;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn copy_link(link: &Path, dest: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(std::fs::read_link(link)?, dest)
}

#[cfg(not(unix))]
fn copy_link(link: &Path, dest: &Path) -> std::io::Result<()> {
    // Without unix links, what the link leads to, if it is a file.
    if link.is_file() {
        std::fs::copy(link, dest)?;
    }
    Ok(())
}

/// A diagnostic in a planned file as a problem of its row, at the field
/// whose line it is on.
fn problem(p: &Planned, d: &Diagnostic, place: &Place) -> Problem {
    let (at, column) = place(p.row, &field_at(p.text, d.pos.line));
    Problem {
        at,
        column,
        message: format!("the record would not pass `opora check`: {}", d.message),
        hint: d.hint.clone(),
    }
}

/// The field written on `line` of a record the import wrote (one field a
/// line, `key = value`); [`BODY`] past the front matter; "" for the
/// record as a whole (its first line).
fn field_at(text: &str, line: usize) -> String {
    let front_lines = super::front::split(text).map_or(0, |(front, _)| front.lines().count());
    if line > 2 + front_lines {
        return BODY.to_string();
    }
    text.lines()
        .nth(line.saturating_sub(1))
        .filter(|_| line >= 2)
        .and_then(|l| l.split_once(" = "))
        .map(|(key, _)| key.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_a_record_names_its_field() {
        let text = "+++\nname = \"Центр\"\ncost = \"a = b\"\n+++\nТекст.\n";
        let fields: Vec<String> = (1..=5).map(|l| field_at(text, l)).collect();
        assert_eq!(fields, ["", "name", "cost", "", BODY]);
    }

    #[cfg(unix)]
    #[test]
    fn the_copy_for_the_link_check_keeps_links_and_never_opens_a_pipe() {
        let (portal, copy) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let content = portal.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::write(content.join("a.md"), "a").unwrap();
        std::os::unix::fs::symlink("a.md", content.join("b.md")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(content.join("pipe"))
            .status()
            .unwrap();
        assert!(made.success());
        copy_sources(portal.path(), copy.path()).unwrap();
        let copied = copy.path().join("content");
        assert_eq!(std::fs::read_to_string(copied.join("b.md")).unwrap(), "a");
        assert!(copied.join("b.md").is_symlink());
        assert!(!copied.join("pipe").exists());
    }

    #[test]
    fn links_into_the_site_are_told_from_links_elsewhere() {
        let base = "https://opora.example/";
        for dest in [
            "/routes/x/",
            "../other/",
            "#top",
            "https://opora.example/needs/",
        ] {
            assert!(into_site(dest, base), "{dest}");
        }
        for dest in [
            "https://example.ru/",
            "mailto:a@b.ru",
            "tel:+74842550602",
            "",
        ] {
            assert!(!into_site(dest, base), "{dest}");
        }
    }
}
