//! Front-matter fields written in Markdown.
//!
//! A field of type [`Markdown`] is checked like a record's body wherever it
//! sits in any collection's front matter — in a list of tables, in a table
//! inside one — with nothing for the collection to list: deserializing a
//! `Markdown` registers it with the record being parsed ([`collect`]), and
//! `collections::parse_record`, which every collection parses with, renders
//! each one with the one renderer and reports its problems where it is
//! written. Its text reaches HTML only through [`Markdown::render`], the same
//! renderer; the schema marks it (`x-markdown`), so tests and editors' tools
//! know which fields are Markdown without a list to keep in step.

use std::cell::RefCell;

use serde::{Deserialize, Deserializer, Serialize};

use super::markdown::{self, Abbreviations, RenderedMarkdown};

/// The JSON-schema key that marks a Markdown field.
pub const MARKDOWN_KEY: &str = "x-markdown";

/// A Markdown front-matter field, kept with its place in the file.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Markdown(super::records::S<String>);

impl Markdown {
    /// The Markdown source as written (for lints that read text, never for HTML).
    pub fn source(&self) -> &str {
        self.0.get_ref()
    }

    /// Byte range of the TOML string token, relative to the front matter.
    pub fn span(&self) -> std::ops::Range<usize> {
        self.0.span()
    }

    /// The field as safe HTML, through the one renderer.
    pub fn render(&self, abbr: &Abbreviations) -> RenderedMarkdown {
        markdown::render(self.0.get_ref(), abbr)
    }
}

thread_local! {
    /// The Markdown fields deserialized by the [`collect`] running on this thread.
    static COLLECTED: RefCell<Option<Vec<Markdown>>> = const { RefCell::new(None) };
}

impl<'de> Deserialize<'de> for Markdown {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let field = Markdown(super::records::S::<String>::deserialize(d)?);
        COLLECTED.with(|c| {
            if let Some(list) = c.borrow_mut().as_mut() {
                list.push(field.clone());
            }
        });
        Ok(field)
    }
}

impl schemars::JsonSchema for Markdown {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Markdown".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "contentMediaType": "text/markdown",
            (MARKDOWN_KEY): true
        })
    }
}

/// Runs `parse` (one record's deserialization, on this thread) and returns its
/// result with every Markdown field it deserialized (in the order the
/// deserializer met them, which need not be the file's).
pub fn collect<T>(parse: impl FnOnce() -> T) -> (T, Vec<Markdown>) {
    /// Restores the outer collection even if `parse` panics.
    struct Restore(Option<Vec<Markdown>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            COLLECTED.with(|c| *c.borrow_mut() = outer);
        }
    }
    let restore = Restore(COLLECTED.with(|c| c.borrow_mut().replace(Vec::new())));
    let out = parse();
    let fields = COLLECTED
        .with(|c| c.borrow_mut().take())
        .unwrap_or_default();
    drop(restore);
    (out, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        plain: String,
        text: Option<Markdown>,
        #[serde(default)]
        inner: Vec<Inner>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        notes: Vec<Markdown>,
    }

    #[test]
    fn every_markdown_field_is_collected_wherever_it_sits() {
        let toml = "plain = \"p\"\ntext = \"a\"\n[[inner]]\nnotes = [\"b\", \"c\"]\n";
        let (parsed, fields) = collect(|| toml::from_str::<Nested>(toml));
        assert!(parsed.is_ok());
        let mut texts: Vec<&str> = fields.iter().map(Markdown::source).collect();
        texts.sort();
        assert_eq!(texts, ["a", "b", "c"]);
        for f in &fields {
            assert_eq!(&toml[f.span()], format!("\"{}\"", f.source()));
        }
    }

    #[test]
    fn nothing_is_collected_outside_a_record_parse() {
        let _: Nested = toml::from_str("plain = \"p\"\ntext = \"a\"").unwrap();
        let ((), fields) = collect(|| ());
        assert!(fields.is_empty());
    }
}
