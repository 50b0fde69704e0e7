//! Data laid out as bytes, for the keys of page contexts (`super::context`):
//! what `serde` sees of a value, each piece tagged with its kind and every
//! string and list delimited, so that two values lay out alike only if they
//! serialize alike. Nothing reads a layout back; it is only hashed, so it is
//! made for speed — strings are copied as they are, never escaped (as JSON
//! would, byte by byte).

use serde::ser::{self, Serialize};

/// Appends the layout of `value` to `out`.
pub fn write<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    if value.serialize(&mut Layout(out)).is_err() {
        // Only a value's own `Serialize` can fail; a failed layout still
        // differs from every whole one.
        out.push(Tag::Failed as u8);
    }
}

#[repr(u8)]
enum Tag {
    False = 1,
    True,
    Signed,
    Unsigned,
    Float,
    Char,
    Str,
    Bytes,
    None,
    Some,
    Unit,
    UnitStruct,
    Variant,
    Newtype,
    Seq,
    Map,
    Struct,
    Field,
    End,
    Failed,
}

struct Layout<'a>(&'a mut Vec<u8>);

impl Layout<'_> {
    fn tag(&mut self, tag: Tag) {
        self.0.push(tag as u8);
    }

    fn bytes(&mut self, tag: Tag, b: &[u8]) {
        self.tag(tag);
        self.0.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.0.extend_from_slice(b);
    }

    fn variant(&mut self, index: u32) {
        self.tag(Tag::Variant);
        self.0.extend_from_slice(&index.to_le_bytes());
    }
}

/// Why a layout could not be made: a value's own `Serialize` said so.
#[derive(Debug)]
pub struct Unlaid(String);

impl std::fmt::Display for Unlaid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unlaid {}

impl ser::Error for Unlaid {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Unlaid(msg.to_string())
    }
}

type Done = Result<(), Unlaid>;

/// Numbers lay out as the widest of their kind: a value's layout does not
/// depend on the width its type happens to have.
macro_rules! widen {
    ($($($method:ident($ty:ty)),* => $widest:ident);*) => {$($(
        fn $method(self, v: $ty) -> Done {
            self.$widest(v.into())
        }
    )*)*};
}

impl ser::Serializer for &mut Layout<'_> {
    type Ok = ();
    type Error = Unlaid;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Done {
        self.tag(if v { Tag::True } else { Tag::False });
        Ok(())
    }
    widen! {
        serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_i64(i64)
            => serialize_i128;
        serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64)
            => serialize_u128;
        serialize_f32(f32) => serialize_f64
    }
    fn serialize_i128(self, v: i128) -> Done {
        self.tag(Tag::Signed);
        self.0.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Done {
        self.tag(Tag::Unsigned);
        self.0.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Done {
        self.tag(Tag::Float);
        self.0.extend_from_slice(&v.to_bits().to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Done {
        self.tag(Tag::Char);
        self.0.extend_from_slice(&u32::from(v).to_le_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Done {
        self.bytes(Tag::Str, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Done {
        self.bytes(Tag::Bytes, v);
        Ok(())
    }
    fn serialize_none(self) -> Done {
        self.tag(Tag::None);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        self.tag(Tag::Some);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.tag(Tag::Unit);
        Ok(())
    }
    fn serialize_unit_struct(self, name: &'static str) -> Done {
        self.bytes(Tag::UnitStruct, name.as_bytes());
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, index: u32, _: &'static str) -> Done {
        self.variant(index);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        self.tag(Tag::Newtype);
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        value: &T,
    ) -> Done {
        self.variant(index);
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Unlaid> {
        self.tag(Tag::Seq);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Unlaid> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Unlaid> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Unlaid> {
        self.variant(index);
        self.serialize_seq(None)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Unlaid> {
        self.tag(Tag::Map);
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Unlaid> {
        self.tag(Tag::Struct);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Unlaid> {
        self.variant(index);
        self.serialize_struct("", 0)
    }
}

impl Layout<'_> {
    fn end(&mut self) -> Done {
        self.tag(Tag::End);
        Ok(())
    }

    /// A struct's field, by name: a field left out (`skip_serializing_if`)
    /// must not make one struct look like another.
    fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Done {
        self.bytes(Tag::Field, name.as_bytes());
        value.serialize(self)
    }
}

/// The compound serializers: elements in order, then the end mark; a
/// struct's fields with their names (see [`Layout::field`]).
macro_rules! in_order {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for &mut Layout<'_> {
            type Ok = ();
            type Error = Unlaid;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
                value.serialize(&mut **self)
            }
            fn end(self) -> Done {
                Layout::end(self)
            }
        }
    )*};
}

macro_rules! named {
    ($($trait:ident),*) => {$(
        impl ser::$trait for &mut Layout<'_> {
            type Ok = ();
            type Error = Unlaid;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                name: &'static str,
                value: &T,
            ) -> Done {
                self.field(name, value)
            }
            fn end(self) -> Done {
                Layout::end(self)
            }
        }
    )*};
}

in_order!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);
named!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for &mut Layout<'_> {
    type Ok = ();
    type Error = Unlaid;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(&mut **self)
    }
    fn end(self) -> Done {
        Layout::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn laid<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
        let mut out = Vec::new();
        write(v, &mut out);
        out
    }

    #[derive(serde::Serialize)]
    struct Two {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<&'static str>,
    }

    #[test]
    fn values_that_serialize_differently_lay_out_differently() {
        let distinct = [
            laid(&("ab", "c")),
            laid(&("a", "bc")),
            laid(&vec!["a", "b"]),
            laid(&vec!["ab"]),
            laid(&vec![vec!["a"], vec![]]),
            laid(&vec![vec![], vec!["a"]]),
            laid(&Some("")),
            laid(&None::<&str>),
            laid(&""),
            laid(&1u32),
            laid(&1i32),
            laid(&1.0f64),
            laid(&true),
            laid(&Two {
                a: Some("x"),
                b: None,
            }),
            laid(&Two {
                a: None,
                b: Some("x"),
            }),
            laid(&BTreeMap::from([("k", "v")])),
            laid(&BTreeMap::from([("kv", "")])),
            laid("Центр"),
            laid("Центр "),
        ];
        for (i, x) in distinct.iter().enumerate() {
            for y in &distinct[i + 1..] {
                assert_ne!(x, y);
            }
        }
        assert_eq!(laid(&vec!["a", "b"]), laid(&["a", "b"][..]));
    }
}
