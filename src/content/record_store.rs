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

use std::io::Write;
use std::ops::Range;
use std::sync::Arc;
use std::time::SystemTime;

use rustc_hash::FxHashMap;

use crate::collections::{Collection, LoadResult};
use crate::varint::{Reader, put_number, put_text};

const MAGIC: &[u8] = b"opora-records 1\n";

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

/// One recorded file: where its entry and its record lie in the store's bytes.
struct Entry {
    collection: Range<usize>,
    stamp: FileStamp,
    record: Range<usize>,
    whole: Range<usize>,
}

/// A store read back from the bytes a build kept.
pub struct RecordStore {
    bytes: memmap2::Mmap,
    entries: FxHashMap<String, Entry>,
}

/// What identifies the store's readers: the program and the glossary.
fn header(abbreviations: u64) -> Option<Vec<u8>> {
    let program = crate::render::fingerprint::program_identity()?;
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&program.to_le_bytes());
    out.extend_from_slice(&abbreviations.to_le_bytes());
    Some(out)
}

impl RecordStore {
    /// The store in `bytes`, if this program with this glossary wrote it whole.
    pub fn decode(bytes: memmap2::Mmap, abbreviations: u64) -> Option<RecordStore> {
        let header = header(abbreviations)?;
        let body_end = bytes.len().checked_sub(8)?;
        let digest = u64::from_le_bytes(bytes[body_end..].try_into().ok()?);
        if !bytes.starts_with(&header) || xxhash_rust::xxh3::xxh3_64(&bytes[..body_end]) != digest {
            return None;
        }
        let mut entries = FxHashMap::default();
        let mut at = header.len();
        while at < body_end {
            let start = at;
            let mut r = Reader(&bytes[at..body_end]);
            let offset = |r: &Reader| body_end - r.0.len();
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
                    collection: collection_start..collection_start + collection_len,
                    stamp: FileStamp::from_numbers(numbers),
                    record: record_start..record_start + record_len,
                    whole: start..at,
                },
            );
        }
        Some(RecordStore { bytes, entries })
    }

    /// The record of `collection` at `rel` as loading made it, if the file
    /// is still as stamped when it was recorded; with its entry, to carry
    /// into the next store.
    pub fn get(
        &self,
        rel: &str,
        collection: &dyn Collection,
        stamp: &FileStamp,
    ) -> Option<(LoadResult, Range<usize>)> {
        let entry = self.entries.get(rel)?;
        if entry.stamp != *stamp
            || &self.bytes[entry.collection.clone()] != collection.spec().name.as_bytes()
        {
            return None;
        }
        let loaded = collection.record_type().restore(
            rel,
            stamp.modified(),
            &self.bytes[entry.record.clone()],
        )?;
        Some((loaded, entry.whole.clone()))
    }
}

/// A file's entry in the next store: carried from the last one, or new.
pub enum Part {
    Carried(Range<usize>),
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

/// Writes the next store as loading makes its entries, in the order of
/// the files (carried ones copied from the last store's bytes), so that no
/// more than a few batches of new entries are ever held: at a million
/// records the store is ~2.4 GB. The store is complete when the returned
/// sender is dropped; [`StoreFile::finish`] waits for it.
pub struct StoreFile {
    path: std::path::PathBuf,
    writing: Option<std::thread::JoinHandle<()>>,
}

/// Batches of entries in flight to the writing thread (~10 MB each), so
/// that loading seldom waits for the writing.
const BATCHES_IN_FLIGHT: usize = 8;

impl StoreFile {
    pub fn new(path: std::path::PathBuf) -> StoreFile {
        StoreFile {
            path,
            writing: None,
        }
    }

    /// The last store's bytes, if this user kept them (another user's
    /// store could hold records that no file of the portal says).
    pub fn read_last(&self) -> Option<memmap2::Mmap> {
        // ~2.4 KB a record: far beyond a national portal's store.
        crate::output::side::map_own(&self.path, 1 << 36)
    }

    /// Begins writing the next store in place of the last; `None` when this
    /// program cannot name itself (a store it could not recognise later is
    /// not written). A store that cannot be written is simply not there
    /// next time.
    pub fn begin(
        &mut self,
        abbreviations: u64,
        last: Option<Arc<RecordStore>>,
    ) -> Option<std::sync::mpsc::SyncSender<Vec<Part>>> {
        self.finish();
        let header = header(abbreviations)?;
        let (send, batches) = std::sync::mpsc::sync_channel::<Vec<Part>>(BATCHES_IN_FLIGHT);
        let path = self.path.clone();
        self.writing = Some(std::thread::spawn(move || {
            let written = crate::output::side::replace(&path, false, |out| {
                let mut digest = xxhash_rust::xxh3::Xxh3::new();
                let mut put = |bytes: &[u8]| {
                    digest.update(bytes);
                    out.write_all(bytes)
                };
                put(&header)?;
                for part in batches.iter().flatten() {
                    match part {
                        Part::New(bytes) => put(&bytes)?,
                        Part::Carried(range) => {
                            if let Some(last) = &last {
                                put(&last.bytes[range])?;
                            }
                        }
                    }
                }
                out.write_all(&digest.digest().to_le_bytes())
            });
            if written.is_err() {
                let _ = std::fs::remove_file(&path);
            }
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
