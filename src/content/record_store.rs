//! The parsed-record store: what loading made of each record file — its
//! typed front matter with every value's place, its rendered body, the
//! problems found in it and its links — kept by `opora build` beside its
//! output, so that the next build parses only the files that changed. At
//! 50,000 services, reading, TOML and Markdown were ~1.2 s of a one-file
//! rebuild's CPU; a record read back from the store costs a few microseconds.
//!
//! A file is taken from the store unread when its stamp — device, inode,
//! size, modification and change times — is the one recorded. Writing to a
//! file, replacing it or renaming another over it sets its change time to
//! the present, and only an administrator can set a change time back. A
//! file is recorded only if its change time was at least
//! `crate::output::tree::MARGIN` older than the start of the loading that
//! read it, so that a change in the same clock tick as the reading still
//! gives another stamp (the folder record, `crate::output::tree`, trusts
//! folders the same way). A file changed less than that before is read again
//! by every build until it has settled.
//!
//! The store belongs to one program and one glossary: another opora lays
//! records out differently, and the glossary's abbreviations are marked up
//! in bodies. It is read only when its digest matches what it holds, so a
//! damaged or foreign file is never decoded; a record that fails to decode
//! anyway is simply read from its file.
//!
//! Layout: a header (the magic line, the program's identity, the glossary's
//! fingerprint), the entries (each: portal-relative path, collection, stamp,
//! then the record as MessagePack), and the XXH3 digest of all before it.
//! The store is two such files: a base, and the entries newer than it
//! (see [`StoreFile`]), whose header also names the base's digest; a newer
//! entry replaces the base's entry of the same path.

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rustc_hash::FxHashMap;

use crate::collections::{Collection, LoadResult};
use crate::varint::{Reader, put_number, put_text};

const MAGIC: &[u8] = b"opora-records 2\n";
const NEWER_MAGIC: &[u8] = b"opora-newer-records 2\n";

/// What identifies a file's contents without reading them (see the module's comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    device: u64,
    inode: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl FileStamp {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        meta.is_file().then(|| FileStamp {
            device: meta.dev(),
            inode: meta.ino(),
            size: meta.size(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Without inodes and change times nothing can be trusted unread.
    #[cfg(not(unix))]
    pub fn of(_: &std::fs::Metadata) -> Option<FileStamp> {
        None
    }

    /// Whether the file was last changed long enough before `start` (when
    /// the loading that read it began) to be recorded.
    pub fn settled_before(&self, start: SystemTime) -> bool {
        crate::output::tree::settled(self.changed.0, self.changed.1, start)
    }

    /// The modification time, as the file's handle gives it to a record's text.
    pub fn modified(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.modified.0).ok()?;
        let nanos = u32::try_from(self.modified.1).ok()?;
        SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::new(secs, nanos))
    }

    fn numbers(&self) -> [u64; 7] {
        [
            self.device,
            self.inode,
            self.size,
            self.modified.0 as u64,
            self.modified.1 as u64,
            self.changed.0 as u64,
            self.changed.1 as u64,
        ]
    }

    fn from_numbers(n: [u64; 7]) -> FileStamp {
        FileStamp {
            device: n[0],
            inode: n[1],
            size: n[2],
            modified: (n[3] as i64, n[4] as i64),
            changed: (n[5] as i64, n[6] as i64),
        }
    }
}

/// Which of the store's two files an entry lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Base,
    Newer,
}

/// One recorded file: where its entry and its record lie in its layer's bytes.
struct Entry {
    layer: Layer,
    collection: Range<usize>,
    stamp: FileStamp,
    record: Range<usize>,
    whole: Range<usize>,
}

/// A store read back from the files a build kept: the base, and the newer
/// entries laid over it.
pub struct RecordStore {
    base: memmap2::Mmap,
    newer: Option<memmap2::Mmap>,
    /// The base's digest, which the newer file names.
    base_digest: u64,
    /// How many bytes of the base are entries.
    base_entries: usize,
    entries: FxHashMap<String, Entry>,
}

/// What identifies the store's readers: the program and the glossary.
fn header(magic: &[u8], abbreviations: u64) -> Option<Vec<u8>> {
    let program = crate::render::fingerprint::program_identity()?;
    let mut out = magic.to_vec();
    out.extend_from_slice(&program.to_le_bytes());
    out.extend_from_slice(&abbreviations.to_le_bytes());
    Some(out)
}

/// The header of the newer file laid over the base whose digest is `base`.
fn newer_header(abbreviations: u64, base: u64) -> Option<Vec<u8>> {
    let mut out = header(NEWER_MAGIC, abbreviations)?;
    out.extend_from_slice(&base.to_le_bytes());
    Some(out)
}

/// The entries of `bytes` after `header`, if it starts with it and its
/// digest matches; with the digest.
fn checked<'b>(bytes: &'b [u8], header: &[u8]) -> Option<(&'b [u8], u64)> {
    let body_end = bytes.len().checked_sub(8)?;
    let digest = u64::from_le_bytes(bytes[body_end..].try_into().ok()?);
    (bytes.starts_with(header) && xxhash_rust::xxh3::xxh3_64(&bytes[..body_end]) == digest)
        .then(|| (&bytes[header.len()..body_end], digest))
}

/// Reads the entries in `bytes[from..to]` into `entries`, a later entry of a
/// path replacing an earlier one.
fn read_entries(
    bytes: &[u8],
    from: usize,
    to: usize,
    layer: Layer,
    entries: &mut FxHashMap<String, Entry>,
) -> Option<()> {
    let mut at = from;
    while at < to {
        let start = at;
        let mut r = Reader(&bytes[at..to]);
        let offset = |r: &Reader| to - r.0.len();
        let rel_len = usize::try_from(r.number()?).ok()?;
        let rel_start = offset(&r);
        r.take(rel_len)?;
        let rel = std::str::from_utf8(&bytes[rel_start..rel_start + rel_len]).ok()?;
        let collection_len = usize::try_from(r.number()?).ok()?;
        let collection_start = offset(&r);
        r.take(collection_len)?;
        let mut numbers = [0u64; 7];
        for n in &mut numbers {
            *n = r.number()?;
        }
        let record_len = usize::try_from(r.number()?).ok()?;
        let record_start = offset(&r);
        r.take(record_len)?;
        at = offset(&r);
        entries.insert(
            rel.to_string(),
            Entry {
                layer,
                collection: collection_start..collection_start + collection_len,
                stamp: FileStamp::from_numbers(numbers),
                record: record_start..record_start + record_len,
                whole: start..at,
            },
        );
    }
    Some(())
}

impl RecordStore {
    /// The store in `base` and `newer`, if this program with this glossary
    /// wrote the base whole. The newer entries are laid over it only if they
    /// too are whole and were written over this very base; otherwise the
    /// files they were made from are simply parsed again (the base's entries
    /// for them carry older stamps).
    pub fn decode(
        base: memmap2::Mmap,
        newer: Option<memmap2::Mmap>,
        abbreviations: u64,
    ) -> Option<RecordStore> {
        let header = header(MAGIC, abbreviations)?;
        let (body, base_digest) = checked(&base, &header)?;
        let base_entries = body.len();
        let mut entries = FxHashMap::default();
        read_entries(
            &base,
            header.len(),
            header.len() + base_entries,
            Layer::Base,
            &mut entries,
        )?;
        let newer = newer.filter(|bytes| {
            let Some(header) = newer_header(abbreviations, base_digest) else {
                return false;
            };
            let Some((body, _)) = checked(bytes, &header) else {
                return false;
            };
            // Entries already read stay if the newer file turns out malformed.
            let mut over = FxHashMap::default();
            if read_entries(
                bytes,
                header.len(),
                header.len() + body.len(),
                Layer::Newer,
                &mut over,
            )
            .is_none()
            {
                return false;
            }
            entries.extend(over);
            true
        });
        Some(RecordStore {
            base,
            newer,
            base_digest,
            base_entries,
            entries,
        })
    }

    fn bytes(&self, layer: Layer) -> &[u8] {
        match (layer, &self.newer) {
            (Layer::Newer, Some(newer)) => newer,
            _ => &self.base,
        }
    }

    /// The record of `collection` at `rel` as loading made it, if the file
    /// is still as stamped when it was recorded; with its entry, to carry
    /// into the next store.
    pub fn get(
        &self,
        rel: &str,
        collection: &dyn Collection,
        stamp: &FileStamp,
    ) -> Option<(LoadResult, Carried)> {
        let entry = self.entries.get(rel)?;
        let bytes = self.bytes(entry.layer);
        if entry.stamp != *stamp
            || &bytes[entry.collection.clone()] != collection.spec().name.as_bytes()
        {
            return None;
        }
        let loaded = collection.record_type().restore(
            rel,
            stamp.modified(),
            &bytes[entry.record.clone()],
        )?;
        Some((
            loaded,
            Carried {
                layer: entry.layer,
                whole: entry.whole.clone(),
            },
        ))
    }
}

/// An entry of the last store carried into the next as it was.
#[derive(Debug, Clone)]
pub struct Carried {
    layer: Layer,
    whole: Range<usize>,
}

/// A file's entry in the next store: carried from the last one, or new.
pub enum Part {
    Carried(Carried),
    New(Vec<u8>),
}

/// The entry for a record just loaded from its file, if it may be recorded
/// (see the module's comment) and its collection can lay it out.
pub fn new_entry(
    rel: &str,
    collection: &dyn Collection,
    stamp: &FileStamp,
    loading_began: SystemTime,
    loaded: &LoadResult,
) -> Option<Part> {
    if !stamp.settled_before(loading_began) {
        return None;
    }
    let Ok((record, problems, links)) = loaded else {
        return None;
    };
    let record = collection
        .record_type()
        .save(record, problems, &links.links)?;
    let mut out = Vec::with_capacity(record.len() + rel.len() + 64);
    put_text(&mut out, rel);
    put_text(&mut out, collection.spec().name);
    for n in stamp.numbers() {
        put_number(&mut out, n);
    }
    put_number(&mut out, record.len() as u64);
    out.extend_from_slice(&record);
    Some(Part::New(out))
}

/// Writes the next store as loading makes its entries, so that no more
/// than a few batches of new entries are ever held: at a million records
/// the store is ~2.4 GB.
///
/// A build that found a store does not write it again whole. The entries it
/// carries from the base stay where they are; the others — the files parsed
/// anew and the newer entries it carried — make a newer file laid over the
/// base, which names the base by its digest. (Before, a one-file rebuild at
/// 50,000 services copied its ~120 MB store into a new file; at a million
/// it would copy ~2.4 GB.) The base is written again whole, with every
/// entry, only when the newer entries grow past an eighth of it
/// ([`NEWER_SHARE`], or [`NEWER_MAX`]), when less than three quarters of it
/// is still carried (files deleted or changed since), or when there is no
/// store to build on. The store is complete when the returned sender is
/// dropped; [`StoreFile::finish`] waits for it.
pub struct StoreFile {
    base: PathBuf,
    newer: PathBuf,
    writing: Option<std::thread::JoinHandle<()>>,
}

/// Batches of entries in flight to the writing thread (~10 MB each), so
/// that loading seldom waits for the writing.
const BATCHES_IN_FLIGHT: usize = 8;

/// The newer entries' largest share of the base before it is written again.
const NEWER_SHARE: usize = 8;

/// The most newer entries held for their file, whatever the base's size.
const NEWER_MAX: usize = 64 << 20;

/// How the next store is being written.
enum Next {
    /// Over the last store's base: the newer entries held until their file
    /// is written, and the base entries carried (with their bytes' sum).
    Layered {
        base: Vec<Range<usize>>,
        base_bytes: usize,
        newer: Vec<u8>,
    },
    /// A base with every entry.
    Whole,
}

impl StoreFile {
    /// The store's base at `base` and its newer entries at `newer`.
    pub fn new(base: PathBuf, newer: PathBuf) -> StoreFile {
        StoreFile {
            base,
            newer,
            writing: None,
        }
    }

    /// The last store, if this user kept it (another user's store could hold
    /// records that no file of the portal says) and this program with this
    /// glossary wrote it.
    pub fn last(&self, abbreviations: u64) -> Option<RecordStore> {
        // ~2.4 KB a record: far beyond a national portal's store.
        let map = |path: &Path| crate::output::side::map_own(path, 1 << 36);
        RecordStore::decode(map(&self.base)?, map(&self.newer), abbreviations)
    }

    /// Begins writing the next store over `last` (see [`StoreFile`]);
    /// `None` when this program cannot name itself (a store it could not
    /// recognise later is not written). A store that cannot be written is
    /// simply not there next time.
    pub fn begin(
        &mut self,
        abbreviations: u64,
        last: Option<Arc<RecordStore>>,
    ) -> Option<std::sync::mpsc::SyncSender<Vec<Part>>> {
        self.finish();
        let header = header(MAGIC, abbreviations)?;
        let (send, batches) = std::sync::mpsc::sync_channel::<Vec<Part>>(BATCHES_IN_FLIGHT);
        let (base_path, newer_path) = (self.base.clone(), self.newer.clone());
        self.writing = Some(std::thread::spawn(move || {
            let mut batches = batches.iter().flatten();
            let mut next = match &last {
                Some(_) => Next::Layered {
                    base: Vec::new(),
                    base_bytes: 0,
                    newer: Vec::new(),
                },
                None => Next::Whole,
            };
            if let (
                Next::Layered {
                    base,
                    base_bytes,
                    newer,
                },
                Some(last),
            ) = (&mut next, &last)
            {
                let room = (last.base_entries / NEWER_SHARE).min(NEWER_MAX);
                // Until the newer entries outgrow their room, or the parts end.
                for part in batches.by_ref() {
                    match part {
                        Part::Carried(Carried {
                            layer: Layer::Base,
                            whole,
                        }) => {
                            *base_bytes += whole.len();
                            base.push(whole);
                        }
                        Part::Carried(Carried {
                            layer: Layer::Newer,
                            whole,
                        }) => {
                            newer.extend_from_slice(&last.bytes(Layer::Newer)[whole]);
                        }
                        Part::New(bytes) => newer.extend_from_slice(&bytes),
                    }
                    if newer.len() > room {
                        break;
                    }
                }
                let mostly_carried = *base_bytes >= last.base_entries / 4 * 3;
                if newer.len() <= room && mostly_carried {
                    // Every part is in: the base stays as it is.
                    let Some(header) = newer_header(abbreviations, last.base_digest) else {
                        return;
                    };
                    let written = crate::output::side::replace(&newer_path, false, |out| {
                        let mut digest = xxhash_rust::xxh3::Xxh3::new();
                        for bytes in [&header[..], &newer[..]] {
                            digest.update(bytes);
                            out.write_all(bytes)?;
                        }
                        out.write_all(&digest.digest().to_le_bytes())
                    });
                    if written.is_err() {
                        let _ = std::fs::remove_file(&newer_path);
                    }
                    return;
                }
            }
            // A whole base: what was held first, then the parts still to come.
            let written = crate::output::side::replace(&base_path, false, |out| {
                let mut digest = xxhash_rust::xxh3::Xxh3::new();
                let mut put = |bytes: &[u8]| {
                    digest.update(bytes);
                    out.write_all(bytes)
                };
                put(&header)?;
                if let (Next::Layered { base, newer, .. }, Some(last)) = (&next, &last) {
                    for whole in base {
                        put(&last.bytes(Layer::Base)[whole.clone()])?;
                    }
                    put(newer)?;
                }
                for part in batches {
                    match part {
                        Part::New(bytes) => put(&bytes)?,
                        Part::Carried(Carried { layer, whole }) => {
                            if let Some(last) = &last {
                                put(&last.bytes(layer)[whole])?;
                            }
                        }
                    }
                }
                out.write_all(&digest.digest().to_le_bytes())
            });
            if written.is_err() {
                let _ = std::fs::remove_file(&base_path);
            }
            // Newer entries over the old base mean nothing over this one.
            let _ = std::fs::remove_file(&newer_path);
        }));
        Some(send)
    }

    /// Waits for the writing begun by [`StoreFile::begin`] (its sender dropped).
    pub fn finish(&mut self) {
        if let Some(writing) = self.writing.take() {
            let _ = writing.join();
        }
    }
}

impl Drop for StoreFile {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store file: `header`, one entry for `rel` holding `record`, the digest.
    fn file(header: &[u8], rel: &str, record: &[u8]) -> Vec<u8> {
        let mut out = header.to_vec();
        put_text(&mut out, rel);
        put_text(&mut out, "services");
        for n in 1..=7 {
            put_number(&mut out, n);
        }
        put_number(&mut out, record.len() as u64);
        out.extend_from_slice(record);
        let digest = xxhash_rust::xxh3::xxh3_64(&out);
        out.extend_from_slice(&digest.to_le_bytes());
        out
    }

    fn mapped(bytes: &[u8]) -> memmap2::Mmap {
        let mut map = memmap2::MmapMut::map_anon(bytes.len()).unwrap();
        map.copy_from_slice(bytes);
        map.make_read_only().unwrap()
    }

    /// The record `decode` gives for `a.md` from `base` with `newer` laid over it.
    fn record(base: &[u8], newer: Option<&[u8]>) -> Option<Vec<u8>> {
        let store = RecordStore::decode(mapped(base), newer.map(mapped), 7)?;
        let entry = store.entries.get("a.md")?;
        Some(store.bytes(entry.layer)[entry.record.clone()].to_vec())
    }

    #[test]
    fn newer_entries_are_laid_only_over_the_base_they_were_written_over() {
        let base = file(&header(MAGIC, 7).unwrap(), "a.md", b"old");
        let digest = u64::from_le_bytes(base[base.len() - 8..].try_into().unwrap());
        let newer = file(&newer_header(7, digest).unwrap(), "a.md", b"new");
        assert_eq!(record(&base, None).as_deref(), Some(&b"old"[..]));
        assert_eq!(record(&base, Some(&newer)).as_deref(), Some(&b"new"[..]));
        // Over another base, the newer entries mean nothing.
        let other = file(&newer_header(7, digest ^ 1).unwrap(), "a.md", b"new");
        assert_eq!(record(&base, Some(&other)).as_deref(), Some(&b"old"[..]));
        // Nor when damaged, or made for another glossary.
        let mut damaged = newer.clone();
        let at = damaged.len() - 12;
        damaged[at] ^= 1;
        assert_eq!(record(&base, Some(&damaged)).as_deref(), Some(&b"old"[..]));
        let foreign = file(&newer_header(8, digest).unwrap(), "a.md", b"new");
        assert_eq!(record(&base, Some(&foreign)).as_deref(), Some(&b"old"[..]));
        // A newer file is no base.
        assert_eq!(record(&newer, None), None);
    }
}
