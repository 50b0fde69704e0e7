//! Where the files a build makes beside its pages go, one at a time: into the
//! staging folder when building, nowhere when checking (only their paths
//! count), or into memory for a test. An exporter hands each file over as it
//! makes it — a large one as a stream — and keeps nothing, so the build never
//! holds the site's data files all at once.

use std::io::{self, Cursor, Seek, Write};

use super::pieces::Pieces;

/// A writer that can also seek: what the zip writer needs to fill in an
/// entry's sizes after its data.
pub trait WriteSeek: Write + Seek {}
impl<T: Write + Seek + ?Sized> WriteSeek for T {}

/// Fills one streamed file.
pub type Fill<'a> = &'a mut dyn FnMut(&mut dyn WriteSeek) -> io::Result<()>;

/// Fills one file made of keyed pieces (see [`super::pieces`]).
pub type PieceFill<'a> = &'a mut dyn FnMut(&mut Pieces<'_>) -> io::Result<()>;

/// Takes the site's files one by one.
pub trait Sink {
    /// A whole file (`path` is a site path: `robots.txt`, `geo/near/index.json`).
    fn file(&mut self, path: &str, bytes: &[u8]) -> io::Result<()>;

    /// A file written by `fill` as it is made. A sink that only needs the
    /// path (the check) may not call `fill` at all, so `fill` must do nothing
    /// but write.
    fn stream(&mut self, path: &str, fill: Fill<'_>) -> io::Result<()>;

    /// A streamed file made of keyed pieces, `key` summing up all of them
    /// (and whatever else the file holds): a sink that holds the earlier
    /// build's file made from the same key, unchanged since, keeps it
    /// without calling `fill`; one that holds an earlier file of other
    /// pieces lets `fill` copy those it holds instead of making them. By
    /// default there is no earlier file.
    fn pieces(&mut self, path: &str, key: u128, fill: PieceFill<'_>) -> io::Result<()> {
        let _ = key;
        self.stream(path, &mut |w| fill(&mut Pieces::new(w, None)))
    }

    /// A streamed file made from nothing but what `key` sums up (see
    /// [`file_key`]): a sink that holds the earlier build's file made from
    /// the same key, unchanged since, keeps it without calling `fill`. By
    /// default there is no earlier file.
    fn keyed(&mut self, path: &str, key: u128, fill: Fill<'_>) -> io::Result<()> {
        let _ = key;
        self.stream(path, fill)
    }
}

/// The key of a file made from `items` (each laid out by
/// `crate::render::layout`) by the running program: a rebuilt opora may
/// write the same items differently. The items are hashed one by one, never
/// laid out all at once: a file may be made from a million services.
pub fn file_key<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    let identity = crate::render::fingerprint::program_identity().unwrap_or(0);
    hasher.update(&identity.to_le_bytes());
    let mut buf = Vec::new();
    for item in items {
        buf.clear();
        crate::render::layout::write(&item, &mut buf);
        hasher.update(&(buf.len() as u64).to_le_bytes());
        hasher.update(&buf);
    }
    // Never 0, the mark of a file made of pieces (`super::staging`).
    hasher.digest128().max(1)
}

/// `value` as compact JSON, streamed, then a newline when `newline`.
pub fn json<T: serde::Serialize + ?Sized>(
    sink: &mut dyn Sink,
    path: &str,
    value: &T,
    newline: bool,
) -> io::Result<()> {
    sink.stream(path, &mut |w| {
        serde_json::to_writer(&mut *w, value)?;
        if newline {
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Files kept in memory, in the order they came: for tests, and for callers
/// that want the bytes.
impl Sink for Vec<super::OutputFile> {
    fn file(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        self.push((path.to_string(), bytes.to_vec()));
        Ok(())
    }

    fn stream(&mut self, path: &str, fill: Fill<'_>) -> io::Result<()> {
        let mut bytes = Cursor::new(Vec::new());
        fill(&mut bytes)?;
        self.push((path.to_string(), bytes.into_inner()));
        Ok(())
    }
}

/// Serializes the items of an iterator as a JSON array, one at a time, so a
/// list of large records never exists as a whole (serde_json writes the same
/// bytes as for a `Vec` of them). Serializing it a second time writes `[]`.
pub struct Each<I>(std::cell::Cell<Option<I>>);

impl<I> Each<I> {
    pub fn new(items: I) -> Self {
        Each(std::cell::Cell::new(Some(items)))
    }
}

impl<I> serde::Serialize for Each<I>
where
    I: Iterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.take() {
            Some(items) => serializer.collect_seq(items),
            None => serializer.collect_seq(std::iter::empty::<I::Item>()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_key_follows_each_of_its_items() {
        let key = |items: &[&str]| file_key(items.iter());
        assert_eq!(key(&["a", "b"]), key(&["a", "b"]));
        assert_ne!(key(&["a", "b"]), key(&["ab"]));
        assert_ne!(key(&["a", "b"]), key(&["b", "a"]));
        assert_ne!(key(&[]), key(&[""]));
        assert_ne!(key(&[]), 0, "0 marks a file made of pieces");
    }

    #[test]
    fn each_writes_the_bytes_a_vec_would() {
        #[derive(serde::Serialize, Clone)]
        struct Row {
            id: u32,
            name: &'static str,
        }
        let rows = vec![
            Row { id: 1, name: "а" },
            Row {
                id: 2,
                name: "\"б\"",
            },
        ];
        for rows in [rows.clone(), Vec::new()] {
            let streamed = serde_json::to_vec(&Each::new(rows.iter())).unwrap();
            assert_eq!(streamed, serde_json::to_vec(&rows).unwrap());
        }
    }

    #[test]
    fn the_memory_sink_keeps_streamed_and_whole_files_in_order() {
        let mut files: Vec<super::super::OutputFile> = Vec::new();
        files.file("a.txt", b"a").unwrap();
        json(&mut files, "b.json", &serde_json::json!({"x": 1}), true).unwrap();
        assert_eq!(
            files,
            vec![
                ("a.txt".to_string(), b"a".to_vec()),
                ("b.json".to_string(), b"{\"x\":1}\n".to_vec())
            ]
        );
    }
}
