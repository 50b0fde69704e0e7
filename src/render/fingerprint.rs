//! What a page is made from, as one 128-bit fingerprint: the incremental
//! build (`crate::output`) skips rendering a page whose fingerprint matches
//! the one its file in the recycled site was written with.
//!
//! A page's bytes are a function of its template context and of the
//! rendering environment, and nothing else: contexts are plain data (no
//! objects with behaviour), and the environment's only inputs are the
//! templates, the static files' versions (`asset`) and the code itself. So
//! a fingerprint covers the context value by value, and [`Fingerprint::site`]
//! covers the rest once per build — including the running program, so a new
//! opora never trusts pages an older one wrote.

use std::hash::{Hash, Hasher};
use std::path::Path;

use minijinja::Value;
use minijinja::value::ValueKind;

/// A 128-bit XXH3 hash of everything fed to it, so that a page whose
/// inputs changed is never taken for an unchanged one by chance.
#[derive(Default)]
pub struct Fingerprint(xxhash_rust::xxh3::Xxh3Default);

impl Hasher for Fingerprint {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        self.0.digest()
    }
}

impl Fingerprint {
    pub fn value(&self) -> u128 {
        self.0.digest128()
    }

    /// Everything every page depends on besides its context: the program,
    /// the templates (any page may include any of them), the static files'
    /// versions, and the site-wide values shared by all contexts.
    pub fn site(templates: &Path, asset_versions: &impl Hash, shared: &[&Value]) -> u128 {
        let mut h = Fingerprint::default();
        program_identity().hash(&mut h);
        for entry in walkdir::WalkDir::new(templates)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if entry.file_type().is_file() {
                entry.path().strip_prefix(templates).ok().hash(&mut h);
                std::fs::read(entry.path()).ok().hash(&mut h);
            }
        }
        asset_versions.hash(&mut h);
        for v in shared {
            hash_value(v, &mut h);
        }
        h.value()
    }

    /// A page's fingerprint: the site's, the page's path and template, and
    /// what `context` lays out of the page's own context.
    pub fn page(
        site: u128,
        path: &str,
        template: &str,
        context: impl FnOnce(&mut Vec<u8>),
    ) -> u128 {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        // The context is laid out in one buffer and hashed in one go:
        // feeding the hashers value by value costs several times more.
        BUFFER.with_borrow_mut(|buf| {
            buf.clear();
            buf.extend_from_slice(&site.to_le_bytes());
            encode_str(path, buf);
            encode_str(template, buf);
            context(buf);
            xxhash_rust::xxh3::xxh3_128(buf)
        })
    }
}

/// The running program, by its bytes: a rebuilt opora may render the same
/// context differently (and export the same records differently). Read
/// once per process, in pieces: the program is large (~100 MB with its line
/// tables) and never needs to be held whole.
pub(crate) fn program_identity() -> Option<u64> {
    static IDENTITY: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *IDENTITY.get_or_init(read_program_identity)
}

fn read_program_identity() -> Option<u64> {
    use std::io::Read;
    let mut exe = std::fs::File::open(std::env::current_exe().ok()?).ok()?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut piece = vec![0u8; 1 << 16];
    loop {
        match exe.read(&mut piece) {
            Ok(0) => return Some(hasher.digest()),
            Ok(n) => hasher.update(&piece[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Feeds a template value into `h` as the template sees it (see [`encode_value`]).
pub fn hash_value(v: &Value, h: &mut impl Hasher) {
    let mut buf = Vec::new();
    encode_value(v, &mut buf);
    h.write(&buf);
}

/// Lays a template value out as the template sees it: its kind, whether a
/// string is marked safe (it is then not escaped), numbers as they print,
/// maps in their order, every string and list with its length — so two
/// values lay out alike only if they render alike.
pub(crate) fn encode_value(v: &Value, out: &mut Vec<u8>) {
    use std::io::Write;
    let kind = v.kind();
    out.push(kind as u8);
    match kind {
        ValueKind::Undefined | ValueKind::None => {}
        ValueKind::Bool => out.push(u8::from(v.is_true())),
        ValueKind::Number => {
            let _ = write!(out, "{v}");
            out.push(0);
        }
        ValueKind::String => {
            out.push(u8::from(v.is_safe()));
            encode_str(v.as_str().unwrap_or_default(), out);
        }
        ValueKind::Bytes => encode_bytes(v.as_bytes().unwrap_or_default(), out),
        ValueKind::Seq => {
            out.extend_from_slice(&(v.len().unwrap_or(0) as u64).to_le_bytes());
            for item in v.try_iter().into_iter().flatten() {
                encode_value(&item, out);
            }
        }
        ValueKind::Map => {
            out.extend_from_slice(&(v.len().unwrap_or(0) as u64).to_le_bytes());
            match v.as_object().and_then(|o| o.try_iter_pairs()) {
                Some(pairs) => {
                    for (key, value) in pairs {
                        encode_value(&key, out);
                        encode_value(&value, out);
                    }
                }
                None => {
                    for key in v.try_iter().into_iter().flatten() {
                        encode_value(&key, out);
                        encode_value(&v.get_item(&key).unwrap_or_default(), out);
                    }
                }
            }
        }
        // Nothing else reaches a context today; should it ever, its printed
        // form stands in for it, which may say "changed" too often but never
        // "unchanged" wrongly for what a template prints.
        _ => encode_str(&format!("{v:?}"), out),
    }
}

pub(crate) fn encode_str(s: &str, out: &mut Vec<u8>) {
    encode_bytes(s.as_bytes(), out);
}

fn encode_bytes(b: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    fn fp(v: &Value) -> u128 {
        page(0, "a/index.html", v)
    }

    fn page(site: u128, path: &str, v: &Value) -> u128 {
        Fingerprint::page(site, path, "t.html", |buf| encode_value(v, buf))
    }

    #[test]
    fn values_that_render_differently_fingerprint_differently() {
        let pairs = [
            (Value::from(1), Value::from(1.0)),
            (Value::from("<b>"), Value::from_safe_string("<b>".into())),
            (Value::from(true), Value::from(1)),
            (Value::from(""), Value::from(())),
            (
                Value::from(vec![Value::from("a"), Value::from("b")]),
                Value::from(vec![Value::from("ab")]),
            ),
            (context! { a => 1, b => 2 }, context! { a => 2, b => 1 }),
            (context! { a => "x" }, context! { a => "x", b => "" }),
        ];
        for (x, y) in pairs {
            assert_ne!(fp(&x), fp(&y), "{x:?} vs {y:?}");
        }
        assert_ne!(
            page(0, "a/index.html", &Value::from(1)),
            page(0, "b/index.html", &Value::from(1))
        );
        assert_ne!(
            page(0, "a/index.html", &Value::from(1)),
            page(1, "a/index.html", &Value::from(1))
        );
    }

    #[test]
    fn equal_contexts_fingerprint_alike_however_they_were_built() {
        #[derive(serde::Serialize)]
        struct Card<'a> {
            name: &'a str,
            n: u32,
        }
        let built = context! { card => Value::from_serialize(Card { name: "Центр", n: 3 }) };
        let merged = minijinja::value::merge_maps([
            context! { card => context! { name => "Центр", n => 3 } },
            context! { other => 1 },
        ]);
        let direct = context! { card => context! { name => "Центр", n => 3 } };
        assert_eq!(fp(&built), fp(&direct));
        assert_ne!(fp(&merged), fp(&direct));
    }
}
