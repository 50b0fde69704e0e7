//! The browser's half of search analysis, as plain `extern "C"` exports.
//!
//! Protocol (all text UTF-8): the script asks for an input buffer of N bytes
//! with `input(N)`, writes the query there, calls `analyze(N)` (or
//! `normalize(N)`), and reads the returned number of bytes from `output()`.
//! `analyze` answers one line per token: `term \t start \t end`, offsets in
//! UTF-16 code units so they index JavaScript strings directly.

use std::sync::Mutex;

struct Buffers {
    input: Vec<u8>,
    output: Vec<u8>,
}

static BUFFERS: Mutex<Buffers> = Mutex::new(Buffers {
    input: Vec::new(),
    output: Vec::new(),
});

fn with<R>(f: impl FnOnce(&mut Buffers) -> R) -> R {
    let mut guard = BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut guard)
}

/// A buffer of `len` bytes for the script to write into.
#[unsafe(no_mangle)]
pub extern "C" fn input(len: usize) -> *mut u8 {
    with(|b| {
        b.input.clear();
        b.input.resize(len, 0);
        b.input.as_mut_ptr()
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn output() -> *const u8 {
    with(|b| b.output.as_ptr())
}

/// Analyzes the first `len` input bytes; returns the output length.
#[unsafe(no_mangle)]
pub extern "C" fn analyze(len: usize) -> usize {
    with(|b| {
        let text = String::from_utf8_lossy(&b.input[..len.min(b.input.len())]).into_owned();
        b.output = analyze_lines(&text).into_bytes();
        b.output.len()
    })
}

/// Lower-cases and folds ё (no stemming): for prefix matching as the reader types.
#[unsafe(no_mangle)]
pub extern "C" fn normalize(len: usize) -> usize {
    with(|b| {
        let text = String::from_utf8_lossy(&b.input[..len.min(b.input.len())]).into_owned();
        b.output = opora_analyzer::normalize(&text).into_bytes();
        b.output.len()
    })
}

/// The `analyze` answer, also used by native tests to check the protocol.
pub fn analyze_lines(text: &str) -> String {
    let mut out = String::new();
    for t in opora_analyzer::analyze(text) {
        let start = text[..t.start].encode_utf16().count();
        let end = start + text[t.start..t.end].encode_utf16().count();
        out.push_str(&format!("{}\t{start}\t{end}\n", t.term));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_use_utf16_offsets() {
        let s = analyze_lines("Где взять коляску?");
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 2);
        let parts: Vec<&str> = lines[1].split('\t').collect();
        assert_eq!(parts[1], "10");
        assert_eq!(parts[2], "17");
    }

    #[test]
    fn buffer_protocol() {
        let q = "Бесплатная юридическая помощь".as_bytes();
        let ptr = input(q.len());
        unsafe { std::ptr::copy_nonoverlapping(q.as_ptr(), ptr, q.len()) };
        let n = analyze(q.len());
        let out = unsafe { std::slice::from_raw_parts(output(), n) };
        assert!(
            std::str::from_utf8(out)
                .unwrap()
                .starts_with("бесплатн\t0\t10")
        );
    }
}
