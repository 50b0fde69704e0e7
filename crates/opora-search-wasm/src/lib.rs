//! The browser's search engine: `opora-search-core` behind plain
//! `extern "C"` exports (no wasm-bindgen). The script only moves bytes:
//!
//! 1. `input(n)` gives a buffer of n bytes to write into;
//! 2. `open(n)`: the input holds the manifest; 1 if it was understood;
//! 3. `search(n)`: the input holds a request (lines: query, limit, flags —
//!    `l` live, `n` no place — then filter keys such as `r:RU-KLU`); the
//!    answer in `output()` is either `N` and the files to fetch, one a line
//!    (fetch them all together, `feed` each, search again), or `R` and the
//!    results as JSON;
//! 4. `feed(name_len, n)`: the input holds a file's name, then its bytes;
//! 5. `generation(…)`: the export's generation, for the facet file's name.

use std::sync::Mutex;

use opora_search_core::{Outcome, Request, Store, search as run_search};

struct State {
    input: Vec<u8>,
    output: Vec<u8>,
    store: Option<Store>,
}

static STATE: Mutex<State> = Mutex::new(State {
    input: Vec::new(),
    output: Vec::new(),
    store: None,
});

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut guard)
}

/// A buffer of `len` bytes for the script to write into.
#[unsafe(no_mangle)]
pub extern "C" fn input(len: usize) -> *mut u8 {
    with(|s| {
        s.input.clear();
        s.input.resize(len, 0);
        s.input.as_mut_ptr()
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn output() -> *const u8 {
    with(|s| s.output.as_ptr())
}

#[unsafe(no_mangle)]
pub extern "C" fn open(len: usize) -> u32 {
    with(|s| {
        s.store = Store::open(&s.input[..len.min(s.input.len())]);
        u32::from(s.store.is_some())
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn feed(name_len: usize, len: usize) -> u32 {
    with(|s| {
        let len = len.min(s.input.len());
        let name_len = name_len.min(len);
        let (name, bytes) = s.input[..len].split_at(name_len);
        let name = String::from_utf8_lossy(name).into_owned();
        match s.store.as_mut() {
            Some(store) => u32::from(store.feed(&name, bytes)),
            None => 0,
        }
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn generation() -> usize {
    with(|s| {
        s.output = s
            .store
            .as_ref()
            .map(|st| st.manifest.generation.clone().into_bytes())
            .unwrap_or_default();
        s.output.len()
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn search(len: usize) -> usize {
    with(|s| {
        let text = String::from_utf8_lossy(&s.input[..len.min(s.input.len())]).into_owned();
        s.output = match s.store.as_ref() {
            Some(store) => answer(store, &parse_request(&text)).into_bytes(),
            None => b"E".to_vec(),
        };
        s.output.len()
    })
}

/// The request lines as the script writes them.
pub fn parse_request(text: &str) -> Request {
    let mut lines = text.split('\n');
    let query = lines.next().unwrap_or("");
    let limit = lines.next().and_then(|l| l.parse().ok()).unwrap_or(10);
    let flags = lines.next().unwrap_or("");
    let mut req = Request::new(query, limit);
    req.live = flags.contains('l');
    req.use_place = !flags.contains('n');
    req.filters = lines
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    req
}

/// `N` + files to fetch, or `R` + results as JSON.
pub fn answer(store: &Store, req: &Request) -> String {
    match run_search(store, req) {
        Outcome::Need(files) => format!("N{}", files.join("\n")),
        Outcome::Done(results) => format!("R{}", results.to_json()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_flags_and_filters() {
        let r = parse_request("кризисная квартира Калуга\n5\nln\nt:service\nr:RU-KLU");
        assert_eq!(r.query, "кризисная квартира Калуга");
        assert_eq!(r.limit, 5);
        assert!(r.live && !r.use_place);
        assert_eq!(r.filters, ["t:service", "r:RU-KLU"]);
        let r = parse_request("психолог");
        assert!(!r.live && r.use_place && r.limit == 10 && r.filters.is_empty());
    }

    #[test]
    fn without_a_manifest_the_engine_says_so() {
        let q = b"kdn\n10\n";
        let ptr = input(q.len());
        unsafe { std::ptr::copy_nonoverlapping(q.as_ptr(), ptr, q.len()) };
        let n = search(q.len());
        let out = unsafe { std::slice::from_raw_parts(output(), n) };
        assert_eq!(out, b"E");
    }
}
