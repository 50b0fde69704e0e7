//! A package's JSON file read record by record, with a cap on its lists.
//!
//! Parsed whole, a file is held twice (as JSON values, then as rows), and 20
//! MB of `[{},{},…]` — a 20 KB zip — is 6.8 million records before anything
//! looks at them. Here each record of the file's list (its top array, a list
//! page's `contents`, or a table of the tabular form as JSON) is handed on as
//! soon as it is parsed, and no list may pass a cap — counted while parsing,
//! nested lists included — so a file costs memory for the records it really
//! holds, and a hostile one is refused at the first record past the cap.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Where the records of a file go.
pub(super) trait Records {
    /// One record of the file's list: `table` is `None` for the items of a
    /// list (the top array, or a list page's `contents`), or the file name
    /// a row of the tabular form as JSON is under (`services.csv`).
    fn record(&mut self, table: Option<&str>, record: Value) -> Result<(), String>;

    /// The file's top object when it holds no list: one record, or
    /// something that is not data (a package description).
    fn object(&mut self, object: Map<String, Value>) -> Result<(), String>;
}

/// Reads the JSON `bytes` into `records`, no list longer than `cap`.
pub(super) fn read(bytes: &[u8], cap: usize, records: &mut dyn Records) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Top { records, cap }.deserialize(&mut de)?;
    de.end()
}

/// The refusal of a list past the cap.
fn too_many<E: de::Error>(cap: usize) -> E {
    E::custom(format!("more than {cap} records in one list"))
}

/// The list items one record may still nest.
struct Budget {
    left: Cell<usize>,
    cap: usize,
}

impl Budget {
    fn new(cap: usize) -> Self {
        Budget {
            left: Cell::new(cap),
            cap,
        }
    }

    /// Takes one item, or refuses the record.
    fn take<E: de::Error>(&self) -> Result<(), E> {
        let left = self.left.get().checked_sub(1).ok_or_else(|| {
            E::custom(format!(
                "more than {} records in the lists of one record",
                self.cap
            ))
        })?;
        self.left.set(left);
        Ok(())
    }
}

/// The file's top value.
struct Top<'r> {
    records: &'r mut dyn Records,
    cap: usize,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("HSDS JSON: a list, a list page or an object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        List::visit_items(self.records, None, self.cap, seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Keys other than the lists, kept for a file that is one record.
        let mut rest = Map::new();
        let mut listed = false;
        let budget = Budget::new(self.cap);
        while let Some(key) = map.next_key::<String>()? {
            if key == "contents" || key.ends_with(".csv") {
                let table = (key != "contents").then_some(key.as_str());
                let list = List {
                    records: &mut *self.records,
                    table,
                    cap: self.cap,
                };
                listed |= map.next_value_seed(list)?;
            } else {
                let value = map.next_value_seed(Nested { budget: &budget })?;
                rest.insert(key, value);
            }
        }
        if listed {
            return Ok(());
        }
        self.records.object(rest).map_err(de::Error::custom)
    }

    // A lone value at the top holds no records.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A list of records under a key of the top object; `true` if it was one
/// (anything else there is passed over, unread into memory).
struct List<'r, 'k> {
    records: &'r mut dyn Records,
    table: Option<&'k str>,
    cap: usize,
}

impl List<'_, '_> {
    /// Hands on each item of `seq` as it is parsed, refusing item `cap + 1`.
    fn visit_items<'de, A: SeqAccess<'de>>(
        records: &mut dyn Records,
        table: Option<&str>,
        cap: usize,
        mut seq: A,
    ) -> Result<(), A::Error> {
        let mut count = 0;
        loop {
            // Each record may nest as many list items as a list may hold.
            let budget = Budget::new(cap);
            let Some(item) = seq.next_element_seed(Nested { budget: &budget })? else {
                return Ok(());
            };
            count += 1;
            if count > cap {
                return Err(too_many(cap));
            }
            records.record(table, item).map_err(de::Error::custom)?;
        }
    }
}

impl<'de> DeserializeSeed<'de> for List<'_, '_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for List<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        Self::visit_items(self.records, self.table, self.cap, seq).map(|()| true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// A value inside a record, as `serde_json::Value` makes it, but its lists'
/// items all drawn from one `budget`: a record cannot hide millions of
/// items in lists of its own.
struct Nested<'b> {
    budget: &'b Budget,
}

impl<'de> DeserializeSeed<'de> for Nested<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Nested<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Nested {
            budget: self.budget,
        })? {
            self.budget.take()?;
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Nested {
                budget: self.budget,
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}
