//! A compact binary encoding for the static index: unsigned LEB128 varints,
//! length-prefixed UTF-8 strings and little-endian f32. Hand-written because
//! the browser module must parse it without pulling a serialization library
//! into the wasm (its size is part of every family's first search).

#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    pub fn uint(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.bytes.push(byte);
                return;
            }
            self.bytes.push(byte | 0x80);
        }
    }

    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub fn f32(&mut self, v: f32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
    }

    pub fn strs(&mut self, items: &[String]) {
        self.uint(items.len() as u64);
        for s in items {
            self.str(s);
        }
    }
}

/// Reads what [`Writer`] wrote; every method answers `None` on truncated or
/// malformed input instead of panicking (a half-downloaded shard must not
/// crash the page).
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    pub fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub fn uint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    pub fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.uint()?).ok()
    }

    /// A count of items that each take at least one byte: never more than
    /// what is left, so a corrupt length cannot make us allocate gigabytes.
    pub fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.uint()?).ok()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    pub fn u8(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    pub fn f32(&mut self) -> Option<f32> {
        let raw = self.bytes.get(self.at..self.at + 4)?;
        self.at += 4;
        Some(f32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
    }

    pub fn str(&mut self) -> Option<String> {
        let n = self.count()?;
        let raw = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        String::from_utf8(raw.to_vec()).ok()
    }

    pub fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        (0..n).map(|_| self.str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let mut w = Writer::new();
        w.uint(0);
        w.uint(300);
        w.uint(u64::from(u32::MAX));
        w.f32(1.5);
        w.str("коляска");
        let mut r = Reader::new(&w.bytes);
        assert_eq!(r.uint(), Some(0));
        assert_eq!(r.uint(), Some(300));
        assert_eq!(r.u32(), Some(u32::MAX));
        assert_eq!(r.f32(), Some(1.5));
        assert_eq!(r.str().as_deref(), Some("коляска"));
        assert!(r.done());
        let cut = &w.bytes[..w.bytes.len() - 3];
        let mut r = Reader::new(cut);
        r.uint();
        r.uint();
        r.uint();
        r.f32();
        assert_eq!(r.str(), None, "a truncated string is refused");
        assert_eq!(Reader::new(&[0xff; 12]).uint(), None);
    }
}
