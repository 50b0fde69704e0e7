//! Large data files made of keyed pieces, so that a build copies what the
//! earlier build already made instead of making it again.
//!
//! An exporter that writes a large file (the HSDS lists, the tabular zip)
//! cuts it into pieces and gives each a key: a hash of everything the
//! piece's bytes are made from. The sink remembers where each piece went
//! ([`PieceIndex`], kept in the build record beside the file). The next
//! build that recycles the folder opens the earlier file before replacing
//! it ([`Earlier`]); a piece whose key it holds is copied from there, and
//! only the pieces whose inputs changed are made. The file comes out the
//! same bytes as if every piece had been made: a key names the bytes.
//!
//! The earlier file is trusted only as the record describes it (size, time
//! and inode, see `built.rs`), and its index only if it decodes whole and
//! every piece lies inside the file.

use std::io;

use rustc_hash::FxHashMap;

use super::sink::WriteSeek;
use crate::varint::{Reader, put_number};

/// Where one piece lies in its file, and a note its maker keeps with it
/// (the zip keeps a compressed piece's CRC and length there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub key: u128,
    pub at: u64,
    pub len: u64,
    pub note: u64,
}

/// The pieces of a file, in the order they were written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PieceIndex(pub Vec<Piece>);

impl PieceIndex {
    /// Compact bytes: each piece's key, then its offset (from the end of the
    /// piece before), length and note as LEB128 varints.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() * 24);
        put_number(&mut out, self.0.len() as u64);
        let mut end = 0u64;
        for p in &self.0 {
            out.extend_from_slice(&p.key.to_le_bytes());
            put_number(&mut out, p.at.wrapping_sub(end));
            put_number(&mut out, p.len);
            put_number(&mut out, p.note);
            end = p.at + p.len;
        }
        out
    }

    /// The index `encode` made, or `None` for anything else.
    pub fn decode(bytes: &[u8]) -> Option<PieceIndex> {
        let mut r = Reader(bytes);
        let count = r.number()?;
        // Each piece takes at least 19 bytes: a damaged count is refused
        // before anything is allocated for it.
        if count > (r.0.len() / 19) as u64 {
            return None;
        }
        let mut pieces = Vec::with_capacity(count as usize);
        let mut end = 0u64;
        for _ in 0..count {
            let key = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
            let at = end.checked_add(r.number()?)?;
            let len = r.number()?;
            let note = r.number()?;
            end = at.checked_add(len)?;
            pieces.push(Piece { key, at, len, note });
        }
        r.0.is_empty().then_some(PieceIndex(pieces))
    }
}

/// Bytes that can be read at any offset: the earlier file (or, in tests,
/// its bytes in memory).
pub trait ReadAt: Send + Sync {
    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> io::Result<()>;
}

#[cfg(unix)]
impl ReadAt for std::fs::File {
    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self, buf, at)
    }
}

impl ReadAt for Vec<u8> {
    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        let from = usize::try_from(at).ok();
        let piece = from.and_then(|from| self.get(from..from.checked_add(buf.len())?));
        match piece {
            Some(piece) => {
                buf.copy_from_slice(piece);
                Ok(())
            }
            None => Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
}

/// The earlier build's file at the same path, with where its pieces lie.
pub struct Earlier {
    source: Box<dyn ReadAt>,
    pieces: FxHashMap<u128, Piece>,
}

impl Earlier {
    /// The earlier file `source` of `len` bytes and its encoded index;
    /// `None` when the index is damaged or names bytes the file lacks.
    pub fn new(source: Box<dyn ReadAt>, len: u64, index: &[u8]) -> Option<Earlier> {
        let index = PieceIndex::decode(index)?;
        if index.0.iter().any(|p| p.at + p.len > len) {
            return None;
        }
        let pieces = index.0.into_iter().map(|p| (p.key, p)).collect();
        Some(Earlier { source, pieces })
    }

    fn get(&self, key: u128) -> Option<&Piece> {
        self.pieces.get(&key)
    }
}

/// Writes a file piece by piece, copying from the earlier file the pieces
/// it holds, and notes where each piece went.
pub struct Pieces<'w> {
    out: &'w mut dyn WriteSeek,
    at: u64,
    earlier: Option<&'w Earlier>,
    index: PieceIndex,
    buffer: Vec<u8>,
}

impl<'w> Pieces<'w> {
    pub fn new(out: &'w mut dyn WriteSeek, earlier: Option<&'w Earlier>) -> Pieces<'w> {
        Pieces {
            out,
            at: 0,
            earlier,
            index: PieceIndex::default(),
            buffer: Vec::new(),
        }
    }

    /// Bytes that belong to no piece (a list's head, the commas between).
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.at += bytes.len() as u64;
        Ok(())
    }

    /// The note of the earlier file's piece `key`, if it holds one: that
    /// piece can be [`Pieces::copy`]ied.
    pub fn earlier(&self, key: u128) -> Option<(u64, u64)> {
        self.earlier?.get(key).map(|p| (p.len, p.note))
    }

    /// Copies the earlier file's piece `key`; `false` (nothing written)
    /// when it holds none.
    pub fn copy(&mut self, key: u128) -> io::Result<bool> {
        let Some(earlier) = self.earlier else {
            return Ok(false);
        };
        let Some(&piece) = earlier.get(key) else {
            return Ok(false);
        };
        let start = self.at;
        let mut done = 0u64;
        // In slices of a megabyte: a piece may be large, memory stays flat.
        while done < piece.len {
            let n = (piece.len - done).min(1 << 20) as usize;
            self.buffer.resize(n, 0);
            earlier
                .source
                .read_exact_at(&mut self.buffer, piece.at + done)?;
            self.out.write_all(&self.buffer)?;
            done += n as u64;
        }
        self.at += piece.len;
        self.index.0.push(Piece { at: start, ..piece });
        Ok(true)
    }

    /// A piece made now, with its key and note.
    pub fn piece(&mut self, key: u128, bytes: &[u8], note: u64) -> io::Result<()> {
        let at = self.at;
        self.write(bytes)?;
        self.index.0.push(Piece {
            key,
            at,
            len: bytes.len() as u64,
            note,
        });
        Ok(())
    }

    /// A piece made now, streamed from `from` (`len` bytes).
    pub fn piece_from(
        &mut self,
        key: u128,
        from: &mut dyn io::Read,
        len: u64,
        note: u64,
    ) -> io::Result<()> {
        let at = self.at;
        let copied = io::copy(&mut io::Read::take(from, len), &mut self.out)?;
        if copied != len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.at += len;
        self.index.0.push(Piece { key, at, len, note });
        Ok(())
    }

    /// How many bytes the file has so far.
    pub fn position(&self) -> u64 {
        self.at
    }

    /// Where each piece went: the index to keep with the file.
    pub fn finish(self) -> PieceIndex {
        self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(earlier: Option<&Earlier>, parts: &[(u128, &[u8])]) -> (Vec<u8>, PieceIndex, usize) {
        let mut out = io::Cursor::new(Vec::new());
        let mut copied = 0;
        let index = {
            let mut w = Pieces::new(&mut out, earlier);
            w.write(b"[").unwrap();
            for (key, bytes) in parts {
                if w.copy(*key).unwrap() {
                    copied += 1;
                } else {
                    w.piece(*key, bytes, bytes.len() as u64 * 7).unwrap();
                }
                w.write(b",").unwrap();
            }
            w.finish()
        };
        (out.into_inner(), index, copied)
    }

    #[test]
    fn pieces_the_earlier_file_holds_are_copied_and_the_file_is_the_same_bytes() {
        let first: &[(u128, &[u8])] = &[(1, b"one"), (2, b"two"), (3, b"three")];
        let (bytes, index, copied) = write(None, first);
        assert_eq!(bytes, b"[one,two,three,");
        assert_eq!(copied, 0);
        let earlier =
            Earlier::new(Box::new(bytes.clone()), bytes.len() as u64, &index.encode()).unwrap();
        // Piece 2 changed (a new key), a piece came in front: the others are
        // copied, and the bytes are what making them all gives.
        let second: &[(u128, &[u8])] = &[(0, b"zero"), (1, b"one"), (4, b"TWO"), (3, b"three")];
        let (again, index2, copied) = write(Some(&earlier), second);
        assert_eq!(again, write(None, second).0);
        assert_eq!(copied, 2);
        assert_eq!(index2, write(None, second).1);
        assert_eq!(
            index2.0.iter().map(|p| p.note).collect::<Vec<_>>(),
            vec![28, 21, 21, 35],
            "a copied piece keeps its note"
        );
    }

    #[test]
    fn damaged_indexes_and_pieces_beyond_the_file_are_refused() {
        let (bytes, index, _) = write(None, &[(9, b"nine"), (10, b"ten")]);
        let encoded = index.encode();
        assert_eq!(PieceIndex::decode(&encoded), Some(index));
        for cut in 0..encoded.len() {
            assert_eq!(PieceIndex::decode(&encoded[..cut]), None, "cut at {cut}");
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert_eq!(PieceIndex::decode(&longer), None);
        // The file is shorter than its index says: nothing is trusted.
        let short = bytes[..bytes.len() - 3].to_vec();
        assert!(Earlier::new(Box::new(short), bytes.len() as u64 - 3, &encoded).is_none());
        assert!(Earlier::new(Box::new(bytes.clone()), bytes.len() as u64, &encoded).is_some());
        assert_eq!(PieceIndex::decode(&[0xff; 40]), None);
    }
}
