//! A page's own template context, kept as the plain data it is made from
//! until the page is rendered.
//!
//! An incremental build keeps most pages: their fingerprint
//! (`super::fingerprint`) matches the one their file was written with. Making
//! every page's context into template values only to fingerprint it cost
//! more than anything else in a one-file rebuild — each view converted field
//! by field, each card rendered, each map walked pair by pair. So a context
//! is a list of named fields that stay data: a field's *key* is its
//! serialized form (`super::layout`; the same `Serialize` that makes its
//! template value, so the key cannot miss anything the template sees), and
//! its template value is made only when the page is rendered.
//!
//! Values that many pages share, or that are costly to serialize, key
//! themselves more cheaply while keying is on ([`keying`]): a [`Shared`]
//! value by a key made once, a service's card by its fields rather than its
//! rendered HTML (see `super::pages::CardHtml`).

use std::cell::Cell;

use minijinja::Value;
use serde::{Serialize, Serializer};

/// `page_context! { name => data, … }`: a [`Ctx`] of data fields, whose
/// template values are what `minijinja::context!` would make of them.
#[macro_export]
macro_rules! page_context {
    ($($name:ident => $data:expr),* $(,)?) => {
        $crate::render::context::Ctx::new()$(.data(stringify!($name), $data))*
    };
}

/// A page's own context: named fields, each kept as data.
#[derive(Default)]
pub struct Ctx<'a> {
    fields: Vec<(&'static str, Box<dyn Field + 'a>)>,
}

impl<'a> Ctx<'a> {
    pub fn new() -> Ctx<'a> {
        Ctx::default()
    }

    /// A field made from data; the template sees `Value::from_serialize(data)`.
    pub fn data(mut self, name: &'static str, data: impl Serialize + 'a) -> Ctx<'a> {
        self.fields.push((name, Box::new(Data(data))));
        self
    }

    /// A field that is a template value already (a rendered map, a pager).
    pub fn value(mut self, name: &'static str, value: Value) -> Ctx<'a> {
        self.fields.push((name, Box::new(value)));
        self
    }

    /// Lays out what the template would see of these fields, for the page's
    /// fingerprint: two contexts lay out alike only if they render alike.
    pub fn key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.fields.len() as u64).to_le_bytes());
        for (name, field) in &self.fields {
            super::fingerprint::encode_str(name, out);
            field.key(out);
        }
    }

    /// The fields as the template's values, as `minijinja::context!` makes them.
    pub fn to_value(&self) -> Value {
        Value::from_iter(self.fields.iter().map(|(name, f)| (*name, f.value())))
    }
}

/// One field of a [`Ctx`].
trait Field {
    fn key(&self, out: &mut Vec<u8>);
    fn value(&self) -> Value;
}

struct Data<T>(T);

impl<T: Serialize> Field for Data<T> {
    fn key(&self, out: &mut Vec<u8>) {
        out.push(b'd');
        let start = out.len();
        out.extend_from_slice(&0u64.to_le_bytes());
        let _keying = Keying::on();
        super::layout::write(&self.0, out);
        let len = (out.len() - start - 8) as u64;
        out[start..start + 8].copy_from_slice(&len.to_le_bytes());
    }

    fn value(&self) -> Value {
        Value::from_serialize(&self.0)
    }
}

impl Field for Value {
    fn key(&self, out: &mut Vec<u8>) {
        out.push(b'v');
        super::fingerprint::encode_value(self, out);
    }

    fn value(&self) -> Value {
        self.clone()
    }
}

thread_local! {
    static KEYING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the data being serialized now is being keyed (laid out for a
/// fingerprint) rather than made into template values.
pub fn keying() -> bool {
    KEYING.with(Cell::get)
}

/// Keying is on while this lives (and back to what it was after).
struct Keying(bool);

impl Keying {
    fn on() -> Keying {
        Keying(KEYING.with(|k| k.replace(true)))
    }
}

impl Drop for Keying {
    fn drop(&mut self) {
        KEYING.with(|k| k.set(self.0));
    }
}

/// A template value many pages share (a region, its "where to ask" cards),
/// keyed once: while keying, it serializes as its key.
#[derive(Clone)]
pub struct Shared {
    value: Value,
    key: u128,
}

impl Shared {
    pub fn new(value: Value) -> Shared {
        let mut buf = Vec::new();
        super::fingerprint::encode_value(&value, &mut buf);
        Shared {
            key: xxhash_rust::xxh3::xxh3_128(&buf),
            value,
        }
    }

    pub fn of(data: impl Serialize) -> Shared {
        Shared::new(Value::from_serialize(data))
    }
}

impl Serialize for Shared {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if keying() {
            s.serialize_u128(self.key)
        } else {
            self.value.serialize(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ctx: &Ctx) -> Vec<u8> {
        let mut out = Vec::new();
        ctx.key(&mut out);
        out
    }

    #[derive(Serialize)]
    struct View<'a> {
        name: &'a str,
        n: u32,
        tags: Vec<&'a str>,
    }

    #[test]
    fn the_value_is_what_context_makes() {
        let view = View {
            name: "Центр",
            n: 3,
            tags: vec!["a"],
        };
        let ctx = Ctx::new()
            .data("service", &view)
            .data("count", 2usize)
            .value("map", Value::from_safe_string("<svg/>".into()));
        let made = minijinja::context! {
            service => Value::from_serialize(&view),
            count => 2usize,
            map => Value::from_safe_string("<svg/>".into()),
        };
        let env = minijinja::Environment::new();
        let t =
            "{{ service.name }} {{ service.n }} {{ service.tags|join(',') }} {{ count }} {{ map }}";
        assert_eq!(
            env.render_str(t, ctx.to_value()).unwrap(),
            env.render_str(t, made).unwrap()
        );
        assert_eq!(ctx.to_value().len(), Some(3));
    }

    #[test]
    fn keys_differ_when_what_the_template_sees_differs() {
        let a = View {
            name: "Центр",
            n: 3,
            tags: vec!["a", "b"],
        };
        let variants = [
            View {
                name: "Центр ",
                tags: a.tags.clone(),
                ..a
            },
            View {
                n: 4,
                tags: a.tags.clone(),
                ..a
            },
            View {
                tags: vec!["ab"],
                ..a
            },
            View {
                tags: vec!["a", "b", ""],
                ..a
            },
        ];
        let base = key(&Ctx::new().data("s", &a));
        for v in &variants {
            assert_ne!(base, key(&Ctx::new().data("s", v)));
        }
        assert_ne!(base, key(&Ctx::new().data("t", &a)));
        assert_ne!(
            key(&Ctx::new().data("s", "<b>")),
            key(&Ctx::new().value("s", Value::from_safe_string("<b>".into())))
        );
        assert_ne!(
            key(&Ctx::new().data("a", "x").data("b", "")),
            key(&Ctx::new().data("a", "x"))
        );
        assert_eq!(base, key(&Ctx::new().data("s", &a)));
    }

    #[test]
    fn shared_values_key_by_their_contents_and_render_as_themselves() {
        let one = Shared::of(vec!["a", "b"]);
        let same = Shared::of(vec!["a", "b"]);
        let other = Shared::of(vec!["a", "c"]);
        let k = |s: &Shared| key(&Ctx::new().data("x", s.clone()));
        assert_eq!(k(&one), k(&same));
        assert_ne!(k(&one), k(&other));
        let env = minijinja::Environment::new();
        let out = env
            .render_str("{{ x|join('-') }}", Ctx::new().data("x", one).to_value())
            .unwrap();
        assert_eq!(out, "a-b");
        assert!(!keying(), "keying ends with the key");
    }
}
