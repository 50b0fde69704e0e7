//! The tabular package's zip, written from deflate pieces.
//!
//! Each table's CSV is compressed in pieces of a few hundred records, each
//! piece on its own and ended by a sync flush (so it ends on a byte and
//! needs nothing before it), and an entry's data is its pieces one after
//! another and an empty final block — one valid deflate stream. A piece
//! whose records did not change is copied from the earlier build's zip
//! (`crate::output::pieces`); pieces are compressed on every core. The
//! `zip` crate reads such archives (the import does) but only writes data it
//! compresses itself, so the few headers around the pieces are written here.
//!
//! Every entry has the same fixed time (1980-01-01, the format's epoch),
//! permissions and system, so the zip is the same bytes in every build.

use std::io;

/// Deflate level of every piece: compressing is the export's largest cost,
/// and level 1 is ~3× faster than 6 for an archive ~11 % larger.
const LEVEL: u32 = 1;

/// Output room kept free beyond the data's size, so that miniz never
/// stages a block (see [`Deflated::of`]): twice its block buffer.
const SPARE: usize = 256 * 1024;

/// An empty final block (fixed Huffman codes, end of block only): what ends
/// every entry's data after its sync-flushed pieces.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// A piece compressed: its bytes, and the CRC-32 and length of what they hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deflated {
    pub bytes: Vec<u8>,
    pub crc: u32,
    pub len: u64,
}

impl Deflated {
    /// `raw` compressed alone, ending on a byte (an empty `raw` is no bytes).
    pub fn of(raw: &[u8]) -> io::Result<Deflated> {
        if raw.is_empty() {
            return Ok(Deflated::default());
        }
        // One call with room for all of it and then some. miniz (flate2's
        // Rust backend) writes blocks straight into the output while it
        // has room for a whole block buffer (~85 KB) to spare; with less,
        // it stages them and may hand a sync flush back in parts, and
        // neither flate2's writer nor a second call tells where it ends —
        // pieces came out cut short at ~64 KB. Deflate never grows data by
        // more than a few bytes per 64 KB stored block.
        let room = raw.len() + raw.len() / 16 + SPARE;
        let mut bytes = Vec::with_capacity(room);
        let mut deflate = flate2::Compress::new(flate2::Compression::new(LEVEL), false);
        deflate
            .compress_vec(raw, &mut bytes, flate2::FlushCompress::Sync)
            .map_err(io::Error::other)?;
        let whole = deflate.total_in() as usize == raw.len()
            && bytes.capacity() - bytes.len() >= SPARE / 2
            && bytes.ends_with(&[0, 0, 0xff, 0xff]);
        if !whole {
            return Err(io::Error::other(
                "a piece of the HSDS tabular package did not compress whole",
            ));
        }
        Ok(Deflated {
            bytes,
            crc: crc32fast::hash(raw),
            len: raw.len() as u64,
        })
    }

    /// The CRC and length as one number, kept as a piece's note.
    pub fn note(&self) -> u64 {
        note(self.crc, self.len)
    }
}

/// A CRC-32 and a length (below 4 GiB) as one number.
pub fn note(crc: u32, len: u64) -> u64 {
    (u64::from(crc) << 32) | (len & 0xffff_ffff)
}

/// The CRC-32 and length a [`note`] holds.
pub fn unnote(note: u64) -> (u32, u64) {
    ((note >> 32) as u32, note & 0xffff_ffff)
}

/// The CRC-32 and length of pieces one after another.
#[derive(Debug, Clone)]
pub struct Checksum(crc32fast::Hasher, u64);

impl Default for Checksum {
    fn default() -> Self {
        Checksum(crc32fast::Hasher::new(), 0)
    }
}

impl Checksum {
    pub fn then(&mut self, crc: u32, len: u64) {
        self.0
            .combine(&crc32fast::Hasher::new_with_initial_len(crc, len));
        self.1 += len;
    }

    pub fn crc(&self) -> u32 {
        self.0.clone().finalize()
    }

    pub fn len(&self) -> u64 {
        self.1
    }
}

/// One entry of the zip as its central directory records it.
struct Entry {
    name: String,
    crc: u32,
    packed: u32,
    len: u32,
    at: u32,
}

/// The zip's headers, entry by entry: each entry's local header (written
/// before its data), then the central directory and its end.
#[derive(Default)]
pub struct Headers {
    entries: Vec<Entry>,
}

/// Too large for a zip without its 64-bit extension, which this writer
/// does not write: four gigabytes of one table's CSV is a portal far past
/// any national directory's size.
fn too_large() -> io::Error {
    io::Error::other(
        "the HSDS tabular package would pass 4 GiB, which needs ZIP64; split the portal",
    )
}

fn small(n: u64) -> io::Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&n| n != u32::MAX)
        .ok_or_else(too_large)
}

/// Made by Unix (3), version 2.0 (deflate).
const MADE_BY: u16 = 0x0314;
const NEEDS: u16 = 20;
const DEFLATE: u16 = 8;
/// 1980-01-01 00:00 in MS-DOS form.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// A regular file, rw-r--r--.
const UNIX_MODE: u32 = 0o100_644 << 16;

impl Headers {
    /// The local header of an entry named `name` whose deflate data (of
    /// `packed` bytes, final block included) starts right after it, at
    /// offset `at` of the zip. Remembers the entry for the directory.
    pub fn local(
        &mut self,
        name: &str,
        sum: &Checksum,
        packed: u64,
        at: u64,
    ) -> io::Result<Vec<u8>> {
        let entry = Entry {
            name: name.to_string(),
            crc: sum.crc(),
            packed: small(packed)?,
            len: small(sum.len())?,
            at: small(at)?,
        };
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&NEEDS.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // flags
        h.extend_from_slice(&DEFLATE.to_le_bytes());
        h.extend_from_slice(&DOS_TIME.to_le_bytes());
        h.extend_from_slice(&DOS_DATE.to_le_bytes());
        h.extend_from_slice(&entry.crc.to_le_bytes());
        h.extend_from_slice(&entry.packed.to_le_bytes());
        h.extend_from_slice(&entry.len.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // extra field
        h.extend_from_slice(name.as_bytes());
        self.entries.push(entry);
        Ok(h)
    }

    /// The central directory and its end, the directory starting at `at`.
    pub fn end(self, at: u64) -> io::Result<Vec<u8>> {
        let mut d = Vec::new();
        for e in &self.entries {
            d.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            d.extend_from_slice(&MADE_BY.to_le_bytes());
            d.extend_from_slice(&NEEDS.to_le_bytes());
            d.extend_from_slice(&0u16.to_le_bytes()); // flags
            d.extend_from_slice(&DEFLATE.to_le_bytes());
            d.extend_from_slice(&DOS_TIME.to_le_bytes());
            d.extend_from_slice(&DOS_DATE.to_le_bytes());
            d.extend_from_slice(&e.crc.to_le_bytes());
            d.extend_from_slice(&e.packed.to_le_bytes());
            d.extend_from_slice(&e.len.to_le_bytes());
            d.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            d.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
            d.extend_from_slice(&UNIX_MODE.to_le_bytes());
            d.extend_from_slice(&e.at.to_le_bytes());
            d.extend_from_slice(e.name.as_bytes());
        }
        let count = u16::try_from(self.entries.len()).map_err(|_| too_large())?;
        let size = small(d.len() as u64)?;
        let start = small(at)?;
        d.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        d.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        d.extend_from_slice(&count.to_le_bytes());
        d.extend_from_slice(&count.to_le_bytes());
        d.extend_from_slice(&size.to_le_bytes());
        d.extend_from_slice(&start.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes()); // comment
        Ok(d)
    }
}

/// The bytes that end an entry's data.
pub fn final_block() -> &'static [u8] {
    &FINAL_BLOCK
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A zip of entries, each made of its texts compressed piece by piece.
    fn zip_of(entries: &[(&str, &[&str])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut headers = Headers::default();
        for (name, texts) in entries {
            let pieces: Vec<Deflated> = texts
                .iter()
                .map(|t| Deflated::of(t.as_bytes()).unwrap())
                .collect();
            let mut sum = Checksum::default();
            for p in &pieces {
                sum.then(p.crc, p.len);
            }
            let packed = pieces.iter().map(|p| p.bytes.len() as u64).sum::<u64>() + 2;
            let at = out.len() as u64;
            out.extend(headers.local(name, &sum, packed, at).unwrap());
            for p in &pieces {
                out.extend(&p.bytes);
            }
            out.extend(final_block());
        }
        let at = out.len() as u64;
        out.extend(headers.end(at).unwrap());
        out
    }

    #[test]
    fn pieces_compressed_apart_read_back_as_one_file_with_its_crc() {
        let long = "строка;с;полями\n".repeat(5000);
        let entries: &[(&str, &[&str])] = &[
            ("a.csv", &["id,name\n", "", &long, "1,последняя\n"]),
            ("b.csv", &[]),
            ("c.json", &["{}\n"]),
        ];
        let bytes = zip_of(entries);
        let mut archive = zip::ZipArchive::new(io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 3);
        for (name, texts) in entries {
            let mut file = archive.by_name(name).unwrap();
            let mut text = String::new();
            // Reading to the end checks the CRC the header gives.
            file.read_to_string(&mut text).unwrap();
            assert_eq!(text, texts.concat(), "{name}");
            assert_eq!(file.unix_mode(), Some(0o100_644));
        }
    }

    /// Text that compresses about as well as the package's CSV (UUIDs,
    /// phone numbers): a few bytes in two.
    fn csv_like(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 61 == 60 {
                    b'\n'
                } else {
                    b"0123456789abcdef,-"[(x % 18) as usize]
                }
            })
            .collect()
    }

    #[test]
    fn pieces_of_every_size_end_whole_and_read_back_one_after_another() {
        let mut stream = Vec::new();
        let mut want = Vec::new();
        // Around 64 KB, where the writer's flush used to cut pieces short.
        let sizes = (0..40)
            .map(|i| 1 + i * 997)
            .chain((60_000..70_000).step_by(331))
            .chain([200_000, 1]);
        for (n, size) in sizes.enumerate() {
            let raw = csv_like(size, n as u64 + 7);
            let piece = Deflated::of(&raw).unwrap();
            let mut alone = piece.bytes.clone();
            alone.extend(final_block());
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(&alone[..])
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, raw, "piece of {size} bytes");
            assert_eq!((piece.crc, piece.len), (crc32fast::hash(&raw), size as u64));
            stream.extend(piece.bytes);
            want.extend(raw);
        }
        stream.extend(final_block());
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&stream[..])
            .read_to_end(&mut out)
            .unwrap();
        assert!(
            out == want,
            "the pieces one after another are the texts one after another"
        );
    }

    #[test]
    fn a_piece_is_the_same_bytes_whatever_came_before_it() {
        let a = Deflated::of("x,y\n".repeat(100).as_bytes()).unwrap();
        let b = Deflated::of("x,y\n".repeat(100).as_bytes()).unwrap();
        assert_eq!(a, b);
        assert_eq!(unnote(a.note()), (a.crc, a.len));
        assert_eq!(Deflated::of(b"").unwrap().bytes, Vec::<u8>::new());
    }
}
