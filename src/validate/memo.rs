//! Per-record findings kept from one validation to the next: by the dev
//! server between its rebuilds, and by `opora build` beside its output
//! ([`Memo::encode`]), so a one-file edit re-checks one file.

use std::sync::{Mutex, PoisonError};

// Keyed by the portal's own file paths, ~50,000 at national scale: Fx, not SipHash.
use rustc_hash::FxHashMap as HashMap;

use crate::config::Config;
use crate::content::{Content, Data};
use crate::diag::{Diagnostic, Pos, Severity};
use crate::varint::{Reader, put_number, put_text};

/// A record's file (by its digest) and what checking it found.
type Findings = (u128, Vec<Diagnostic>);

/// Per-record findings: a record whose file is unchanged is not checked
/// again while everything else a per-record check reads — the program, the
/// settings, the data files, the regions' records and the date — is
/// unchanged too (together, "the world"). Checks that compare records with
/// each other always run.
#[derive(Default)]
pub struct Memo {
    world: u64,
    records: HashMap<String, Findings>,
    next: Mutex<HashMap<String, Findings>>,
}

/// What an encoded memo starts with; another version's memo is not read.
const MAGIC: &[u8] = b"opora-checks 1\n";

impl Memo {
    /// What a per-record check reads besides the record (see [`Memo`]).
    pub(super) fn world(config: &Config, data: &Data, content: &Content, today: i64) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut text = |t: &crate::content::source::SourceText| {
            for part in [t.rel.as_bytes(), t.text.as_bytes()] {
                h.update(&(part.len() as u64).to_le_bytes());
                h.update(part);
            }
        };
        data.files().for_each(|t| text(t));
        content.regions.iter().for_each(|r| text(&r.file));
        // What could not be read is not checked against (a file that is
        // there but unreadable has no text to tell it from a missing one).
        for rel in data.unreadable.keys() {
            h.update(rel.as_bytes());
            h.update(&[0]);
        }
        // Settings hold no hash maps: their debug form is stable.
        h.update(format!("{config:?}").as_bytes());
        h.update(&today.to_le_bytes());
        // Another opora may check differently: a memo it kept is not ours.
        // A program that cannot read itself trusts no memo.
        match crate::render::fingerprint::program_identity() {
            Some(program) => h.update(&program.to_le_bytes()),
            None => h.update(&std::process::id().to_le_bytes()),
        }
        h.digest()
    }

    /// Starts a validation in `world`: what was found in another is forgotten.
    pub(super) fn enter(&mut self, world: u64) {
        if self.world != world {
            self.records.clear();
            self.world = world;
        }
    }

    /// Ends a validation: only its records are kept, so deleted files are forgotten.
    pub(super) fn close(&mut self) {
        self.records = std::mem::take(self.next.get_mut().unwrap_or_else(PoisonError::into_inner));
    }

    /// This record's findings from the last validation, if its file is unchanged.
    pub(super) fn recall(&self, rel: &str, digest: u128) -> Option<Vec<Diagnostic>> {
        self.records
            .get(rel)
            .filter(|(d, _)| *d == digest)
            .map(|(_, found)| found.clone())
    }

    #[cfg(test)]
    pub(super) fn remember(&self, rel: &str, digest: u128, found: &[Diagnostic]) {
        self.remember_each([((rel, digest), found)]);
    }

    /// Remembers the findings of many records at once: taking the lock once
    /// per record kept validation on one core (each check waited on it).
    pub(super) fn remember_each<'a>(
        &self,
        checked: impl IntoIterator<Item = ((&'a str, u128), &'a [Diagnostic])>,
    ) {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        for ((rel, digest), found) in checked {
            next.insert(rel.to_string(), (digest, found.to_vec()));
        }
    }

    /// The memo as bytes, for the next build.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        put_number(&mut out, self.world);
        put_number(&mut out, self.records.len() as u64);
        for (rel, (digest, found)) in &self.records {
            put_text(&mut out, rel);
            out.extend_from_slice(&digest.to_le_bytes());
            put_number(&mut out, found.len() as u64);
            for d in found {
                encode_diagnostic(d, &mut out);
            }
        }
        out
    }

    /// What [`Memo::encode`] wrote; `None` for anything else, whole or cut short.
    pub fn decode(bytes: &[u8]) -> Option<Memo> {
        let mut r = Reader(bytes.strip_prefix(MAGIC)?);
        let world = r.number()?;
        let count = r.number()?;
        let mut records = HashMap::default();
        for _ in 0..count {
            let rel = r.text()?;
            let digest = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
            let found = (0..r.number()?)
                .map(|_| decode_diagnostic(&mut r))
                .collect::<Option<Vec<_>>>()?;
            records.insert(rel, (digest, found));
        }
        r.0.is_empty().then(|| Memo {
            world,
            records,
            next: Mutex::default(),
        })
    }
}

fn encode_diagnostic(d: &Diagnostic, out: &mut Vec<u8>) {
    out.push(match d.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
    });
    put_text(out, &d.file);
    for n in [d.pos.line, d.pos.col, d.width, d.excerpt_col] {
        put_number(out, n as u64);
    }
    put_text(out, &d.message);
    for text in [&d.hint, &d.excerpt] {
        match text {
            Some(t) => {
                out.push(1);
                put_text(out, t);
            }
            None => out.push(0),
        }
    }
}

fn decode_diagnostic(r: &mut Reader<'_>) -> Option<Diagnostic> {
    let severity = match r.byte()? {
        0 => Severity::Error,
        1 => Severity::Warning,
        _ => return None,
    };
    let file = r.text()?;
    let mut number = || usize::try_from(r.number()?).ok();
    let (line, col, width, excerpt_col) = (number()?, number()?, number()?, number()?);
    let message = r.text()?;
    let mut optional = || match r.byte()? {
        0 => Some(None),
        1 => Some(Some(r.text()?)),
        _ => None,
    };
    let (hint, excerpt) = (optional()?, optional()?);
    Some(Diagnostic {
        severity,
        file,
        pos: Pos { line, col },
        width,
        message,
        hint,
        excerpt,
        excerpt_col,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memo() -> Memo {
        let mut m = Memo::default();
        m.enter(7);
        let warning = Diagnostic {
            severity: Severity::Warning,
            pos: Pos { line: 3, col: 12 },
            width: 4,
            excerpt: Some("телефон: 8 800".into()),
            excerpt_col: 2,
            ..Diagnostic::error("content/services/a.md", "нет «источника»")
        };
        m.remember(
            "content/services/a.md",
            1 << 100,
            std::slice::from_ref(&warning),
        );
        m.remember("content/services/b.md", 5, &[]);
        m.remember(
            "content/services/c.md",
            6,
            &[warning.hint("подсказка"), Diagnostic::error("c", "e")],
        );
        m.close();
        m
    }

    fn shown(found: Option<Vec<Diagnostic>>) -> Option<Vec<String>> {
        found.map(|ds| ds.iter().map(|d| format!("{d:?}")).collect())
    }

    #[test]
    fn a_memo_read_back_recalls_what_was_found_and_nothing_for_a_changed_file() {
        let m = memo();
        let back = Memo::decode(&m.encode()).unwrap();
        for (rel, digest) in [
            ("content/services/a.md", 1 << 100),
            ("content/services/b.md", 5),
            ("content/services/c.md", 6),
        ] {
            assert!(back.recall(rel, digest).is_some(), "{rel}");
            assert_eq!(
                shown(back.recall(rel, digest)),
                shown(m.recall(rel, digest))
            );
            assert!(back.recall(rel, digest + 1).is_none());
        }
        assert!(back.recall("content/services/d.md", 5).is_none());
    }

    #[test]
    fn a_memo_of_another_world_or_cut_short_or_of_another_version_is_not_trusted() {
        let bytes = memo().encode();
        for end in 0..bytes.len() {
            assert!(Memo::decode(&bytes[..end]).is_none(), "cut at {end}");
        }
        let mut other = bytes.clone();
        other[MAGIC.len() - 2] = b'2';
        assert!(Memo::decode(&other).is_none());
        let mut back = Memo::decode(&bytes).unwrap();
        back.enter(8);
        assert!(back.recall("content/services/b.md", 5).is_none());
    }
}
