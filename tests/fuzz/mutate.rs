//! The mutations: what a case does to one file of the portal. Each kind is a
//! way content went wrong in practice or could be made to go wrong on purpose.

use std::ops::Range;

use super::{Config, Scale};

pub enum Change {
    Bytes(Vec<u8>),
    /// A folder where the file was.
    Directory,
    /// A named pipe where the file was (`--special-files`).
    Fifo,
    /// A symlink to `/dev/zero` where the file was (`--special-files`).
    DevZero,
}

pub struct Mutation {
    pub name: &'static str,
    pub change: Change,
}

#[derive(Clone, Copy)]
enum Kind {
    DeepNesting,
    HugeLine,
    Nan,
    BadUtf8,
    SurrogateEscape,
    Utf16,
    Cp1251,
    MarkdownBomb,
    ScriptLink,
    RawHtml,
    OnAttribute,
    ManyBadFields,
    Truncate,
    Lines,
    BitFlips,
    Odd,
    Special,
}

/// How often each kind is drawn: the injection kinds most, since the oracle's
/// output half only sees a case that still builds.
const KINDS: &[(u32, Kind)] = &[
    (3, Kind::DeepNesting),
    (3, Kind::HugeLine),
    (3, Kind::Nan),
    (3, Kind::BadUtf8),
    (2, Kind::SurrogateEscape),
    (2, Kind::Utf16),
    (2, Kind::Cp1251),
    (4, Kind::MarkdownBomb),
    (8, Kind::ScriptLink),
    (6, Kind::RawHtml),
    (6, Kind::OnAttribute),
    (2, Kind::ManyBadFields),
    (2, Kind::Truncate),
    (2, Kind::Lines),
    (2, Kind::BitFlips),
    (2, Kind::Odd),
];

/// Links and URLs that must never reach a page as a link.
const SCRIPT_URLS: &[&str] = &[
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "%6Aavascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "//evil.example/",
    "\\\\evil.example\\x",
    "javascript:alert(1)//@b.ru",
];

/// Markdown that tries to make a link or an image of a URL.
fn link_forms(url: &str) -> [String; 6] {
    [
        format!("[ссылка]({url})"),
        format!("![картинка]({url})"),
        format!("<{url}>"),
        format!("[ссылка][r]\n\n[r]: {url}"),
        format!("[ссылка]({url} \"title\")"),
        format!("[ссылка](<{url}>)"),
    ]
}

const RAW_HTML: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=\"//evil.example/\"></iframe>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<div\nonclick=alert(1)>x</div>",
    "<base href=\"//evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<object data=\"javascript:alert(1)\"></object>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<!-- <script>alert(1)</script> -->",
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
];

/// Markdown and text that try to smuggle an event handler into an attribute.
const ON_ATTRIBUTES: &[&str] = &[
    "# Заголовок {onclick=alert(1)}",
    "## Раздел {#id onmouseover=alert(1)}",
    "[x](/about/ \"t\\\" onmouseover=\\\"alert(1)\")",
    "![a\" onerror=\"alert(1)](/favicon.svg)",
    "[a](/about/' onclick='alert(1))",
    "[a](/about/\" onclick=\"alert(1))",
    "`<img onerror=alert(1)>`",
    "<a onclick=alert(1)>x</a>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
];

const NUMBERS: &[&str] = &[
    "nan",
    "+nan",
    "-nan",
    "inf",
    "-inf",
    "1e999",
    "-1e999",
    "1e-999",
    "-0.0",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "0x7fffffffffffffff",
    "1_000_000_000_000",
    "0.1e400",
];

const BAD_BYTES: &[&[u8]] = &[
    &[0xED, 0xA0, 0x80],       // a surrogate encoded as UTF-8
    &[0xED, 0xBF, 0xBF],       // another
    &[0x80],                   // a lone continuation byte
    &[0xC0, 0xAF],             // an overlong '/'
    &[0xFF, 0xFE],             // a UTF-16 byte order mark in the middle
    &[0xF4, 0x90, 0x80, 0x80], // past U+10FFFF
    &[0x00],                   // NUL
    &[0xD0],                   // half of a Cyrillic letter
    &[0xEF, 0xBB, 0xBF],       // a UTF-8 byte order mark in the middle
    &[0x1B, b'[', b'2', b'J'], // a terminal escape
];

const TOML_ESCAPES: &[&str] = &[
    "\\uD800",
    "\\uDFFF",
    "\\uD83D",
    "\\U0010FFFF",
    "\\U00110000",
    "\\u0000",
    "\\u202E",
];

/// One mutation of `bytes`, the current contents of `file`.
pub fn mutate(rng: &mut Rng, file: &str, bytes: &[u8], config: &Config) -> Mutation {
    let scale = config.scale;
    let text = String::from_utf8_lossy(bytes).into_owned();
    // Where the TOML is (front matter, or the whole file) and where Markdown is.
    let (front, body) = split(&text, file.ends_with(".toml"));
    let kind = if config.special_files && rng.below(20) == 0 {
        Kind::Special
    } else {
        pick_weighted(rng, KINDS)
    };
    let edit = |rng: &mut Rng, region: &Range<usize>, line: &str| {
        Change::Bytes(insert_line(rng, &text, region.clone(), line))
    };
    let (name, change) = match kind {
        Kind::DeepNesting => {
            let n = rng.range(10, scale.nesting);
            let line = match rng.below(5) {
                0 => format!("fuzz = {}1{}", "[".repeat(n), "]".repeat(n)),
                1 => format!("fuzz = {}1{}", "{ a = ".repeat(n), " }".repeat(n)),
                2 => format!("fuzz = [{}]", "[1, ".repeat(n)),
                3 => format!("fuzz = \"{}\"", "\\\"".repeat(n)),
                _ => format!("{} = 1", vec!["a"; n].join(".")),
            };
            ("deep-nesting", edit(rng, &front, &line))
        }
        Kind::HugeLine => {
            let len = rng.range(1024, scale.line);
            let unit = *rng.pick(&["а", "ab ", "слово ", "\t", "*", "[", "x", "é", "<"]);
            let filler = unit.repeat(len / unit.len() + 1);
            if rng.below(2) == 0 {
                let line = format!("description = \"{filler}\"");
                ("huge-line", edit(rng, &front, &line))
            } else {
                ("huge-line", edit(rng, &body, &filler))
            }
        }
        Kind::Nan => {
            let value = *rng.pick(NUMBERS);
            (
                "nan",
                Change::Bytes(replace_number(rng, &text, front, value)),
            )
        }
        Kind::BadUtf8 => {
            let mut out = bytes.to_vec();
            let at = rng.below(out.len() + 1);
            let bad = *rng.pick(BAD_BYTES);
            out.splice(at..at, bad.iter().copied());
            ("bad-utf8", Change::Bytes(out))
        }
        Kind::SurrogateEscape => {
            let line = format!("fuzz = \"a{}b\"", rng.pick(TOML_ESCAPES));
            ("surrogate-escape", edit(rng, &front, &line))
        }
        Kind::Utf16 => {
            let big_endian = rng.below(2) == 0;
            let mut out = Vec::new();
            if rng.below(2) == 0 {
                out.extend(if big_endian {
                    [0xFE, 0xFF]
                } else {
                    [0xFF, 0xFE]
                });
            }
            for unit in text.encode_utf16() {
                out.extend(if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
            ("utf-16", Change::Bytes(out))
        }
        Kind::Cp1251 => ("cp1251", Change::Bytes(to_cp1251(&text))),
        Kind::MarkdownBomb => {
            let bomb = markdown_bomb(rng, scale);
            ("markdown-bomb", edit(rng, &body, &bomb))
        }
        Kind::ScriptLink => {
            // The plain forms a third of the time, the disguised ones otherwise.
            let url = if rng.below(3) == 0 {
                SCRIPT_URLS[0]
            } else {
                *rng.pick(SCRIPT_URLS)
            };
            let forms = link_forms(url);
            let form = if rng.below(3) == 0 {
                forms[0].clone()
            } else {
                rng.pick(&forms).clone()
            };
            if rng.below(2) == 0 || body.is_empty() {
                // Into a string of the front matter: a URL field, step text, a name…
                let payload = if rng.below(2) == 0 {
                    url
                } else {
                    form.as_str()
                };
                let bytes = replace_string(rng, &text, front, payload);
                ("script-link", Change::Bytes(bytes))
            } else {
                ("script-link", edit(rng, &body, &form))
            }
        }
        Kind::RawHtml | Kind::OnAttribute => {
            let (name, table) = match kind {
                Kind::RawHtml => ("raw-html", RAW_HTML),
                _ => ("on-attribute", ON_ATTRIBUTES),
            };
            let payload = *rng.pick(table);
            if rng.below(2) == 0 || body.is_empty() {
                let bytes = replace_string(rng, &text, front, payload);
                (name, Change::Bytes(bytes))
            } else {
                (name, edit(rng, &body, payload))
            }
        }
        Kind::ManyBadFields => {
            let n = rng.range(10, scale.repeat);
            let lines: Vec<String> = (0..n)
                .map(|i| match rng.below(3) {
                    0 => format!("unknown_{i} = {i}"),
                    1 => format!("bad_{i} = \"\\q\""),
                    _ => format!("needs_{i} = [\"nope\"]"),
                })
                .collect();
            ("many-bad-fields", edit(rng, &front, &lines.join("\n")))
        }
        Kind::Truncate => (
            "truncate",
            Change::Bytes(bytes[..rng.below(bytes.len() + 1)].to_vec()),
        ),
        Kind::Lines => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let i = rng.below(lines.len());
            match rng.below(4) {
                0 => {
                    lines.remove(i);
                }
                1 => lines.insert(i, lines[i]),
                2 => lines.retain(|l| l.trim() != "+++"),
                _ => lines
                    .iter_mut()
                    .filter(|l| l.trim() == "+++")
                    .for_each(|l| *l = "---"),
            }
            ("lines", Change::Bytes(lines.join("\n").into_bytes()))
        }
        Kind::BitFlips => {
            let mut out = bytes.to_vec();
            for _ in 0..rng.range(1, 16) {
                if out.is_empty() {
                    break;
                }
                let at = rng.below(out.len());
                out[at] ^= 1 << rng.below(8);
            }
            ("bit-flips", Change::Bytes(out))
        }
        Kind::Odd => match rng.below(5) {
            0 => ("directory", Change::Directory),
            1 => ("empty", Change::Bytes(Vec::new())),
            2 => (
                "crlf",
                Change::Bytes(text.replace('\n', "\r\n").into_bytes()),
            ),
            3 => {
                let mut out = vec![0xEF, 0xBB, 0xBF];
                out.extend_from_slice(bytes);
                ("bom", Change::Bytes(out))
            }
            _ => (
                "nul-bytes",
                Change::Bytes(text.replace(' ', "\0").into_bytes()),
            ),
        },
        Kind::Special => {
            if rng.below(2) == 0 {
                ("fifo", Change::Fifo)
            } else {
                ("dev-zero-symlink", Change::DevZero)
            }
        }
    };
    Mutation { name, change }
}

fn pick_weighted(rng: &mut Rng, table: &[(u32, Kind)]) -> Kind {
    let total: u32 = table.iter().map(|(w, _)| w).sum();
    let mut r = rng.below(total as usize) as u32;
    for (w, kind) in table {
        if r < *w {
            return *kind;
        }
        r -= w;
    }
    table[0].1
}

/// Byte ranges of the TOML (front matter, or the whole file) and of the body.
fn split(text: &str, toml_file: bool) -> (Range<usize>, Range<usize>) {
    let end = text.len();
    if toml_file {
        return (0..end, end..end);
    }
    let Some(open) = text.find("+++\n") else {
        return (0..0, 0..end);
    };
    let after = open + 4;
    match text[after..].find("\n+++") {
        Some(close) => {
            let front_end = after + close + 1;
            ((after..front_end), (front_end + 3).min(end)..end)
        }
        None => (after..end, end..end),
    }
}

/// Inserts `line` at a line boundary inside `region` (or at its end).
fn insert_line(rng: &mut Rng, text: &str, region: Range<usize>, line: &str) -> Vec<u8> {
    let starts: Vec<usize> = std::iter::once(region.start)
        .chain(
            text[region.clone()]
                .match_indices('\n')
                .map(|(i, _)| region.start + i + 1),
        )
        .filter(|&i| i <= region.end)
        .collect();
    let at = *rng.pick(&starts);
    let mut out = String::with_capacity(text.len() + line.len() + 2);
    out.push_str(&text[..at]);
    if at > 0 && !text[..at].ends_with('\n') {
        out.push('\n');
    }
    out.push_str(line);
    out.push('\n');
    out.push_str(&text[at..]);
    out.into_bytes()
}

/// Replaces one TOML string value in `region` with `payload`, escaped for
/// TOML, so the payload reaches whatever the field feeds.
fn replace_string(rng: &mut Rng, text: &str, region: Range<usize>, payload: &str) -> Vec<u8> {
    let slice = &text[region.clone()];
    let b = slice.as_bytes();
    let spots: Vec<(usize, usize)> = slice
        .match_indices("= \"")
        .filter(|(i, _)| !slice[*i..].starts_with("= \"\"\""))
        .filter_map(|(i, _)| {
            let start = i + 3;
            let mut end = start;
            while end < b.len() && b[end] != b'"' && b[end] != b'\n' {
                end += if b[end] == b'\\' { 2 } else { 1 };
            }
            (end < b.len() && b[end] == b'"').then_some((region.start + start, region.start + end))
        })
        .collect();
    let escaped = payload
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\t', "\\t");
    if spots.is_empty() {
        return insert_line(rng, text, region, &format!("fuzz = \"{escaped}\""));
    }
    // One to three values, each the longest of three drawn: long values are
    // prose and Markdown, where links live.
    let mut chosen: Vec<(usize, usize)> = (0..rng.range(1, 3))
        .map(|_| {
            (0..3)
                .map(|_| *rng.pick(&spots))
                .max_by_key(|(s, e)| e - s)
                .unwrap()
        })
        .collect();
    chosen.sort();
    chosen.dedup();
    let mut out = String::with_capacity(text.len() + 3 * escaped.len());
    let mut at = 0;
    for (start, end) in chosen {
        out.push_str(&text[at..start]);
        out.push_str(&escaped);
        at = end;
    }
    out.push_str(&text[at..]);
    out.into_bytes()
}

/// Replaces one number in the TOML with `value`.
fn replace_number(rng: &mut Rng, text: &str, region: Range<usize>, value: &str) -> Vec<u8> {
    let slice = &text[region.clone()];
    let b = slice.as_bytes();
    let mut spots = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || matches!(b[i - 1], b' ' | b'[' | b'=' | b'-')) {
            let s = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i == b.len() || matches!(b[i], b' ' | b',' | b']' | b'}' | b'\n' | b'\r') {
                spots.push((region.start + s, region.start + i));
            }
        }
        i += 1;
    }
    if spots.is_empty() {
        return insert_line(rng, text, region, &format!("fuzz = {value}"));
    }
    let (s, e) = *rng.pick(&spots);
    format!("{}{value}{}", &text[..s], &text[e..]).into_bytes()
}

/// Markdown that is cheap to write and could be expensive to parse or render.
fn markdown_bomb(rng: &mut Rng, scale: Scale) -> String {
    let n = rng.range(50, scale.repeat);
    let deep = rng.range(50, scale.nesting);
    match rng.below(14) {
        0 => format!("{} цитата", ">".repeat(deep)),
        1 => (0..deep.min(3_000))
            .map(|i| format!("{}- пункт", "  ".repeat(i)))
            .collect::<Vec<_>>()
            .join("\n"),
        2 => "[".repeat(n),
        3 => "*a".repeat(n),
        4 => "_a_".repeat(n) + &"*".repeat(n),
        5 => "`".repeat(n),
        6 => "![](".repeat(deep),
        7 => format!("{}|\n{}|", "|a".repeat(n), "|-".repeat(n)),
        8 => (0..n)
            .map(|i| format!("[r{i}]: /about/"))
            .collect::<Vec<_>>()
            .join("\n"),
        9 => "&amp;".repeat(n),
        10 => format!("{} заголовок", "#".repeat(n.min(100))) + &"\n===".repeat(n),
        11 => "[^1]".repeat(n) + "\n\n[^1]: сноска",
        12 => "<".repeat(n) + &"[a](/b)".repeat(n),
        _ => "1. a\n".repeat(n),
    }
}

/// The text in Windows-1251 (Cyrillic letters; other non-ASCII becomes `?`).
fn to_cp1251(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\0'..='\x7f' => c as u8,
            'А'..='я' => (c as u32 - 'А' as u32 + 0xC0) as u8,
            'Ё' => 0xA8,
            'ё' => 0xB8,
            '«' => 0xAB,
            '»' => 0xBB,
            '—' => 0x97,
            '№' => 0xB9,
            _ => b'?',
        })
        .collect()
}

/// SplitMix64: small, fast and good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    /// The generator of case `case`: a case depends only on the seed and its number.
    pub fn for_case(seed: u64, case: usize) -> Rng {
        let mut r = Rng(seed ^ (case as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// A number in `lo..=hi`, skewed towards small ones (most bugs need little).
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        let span = hi.max(lo) - lo;
        lo + match self.below(3) {
            0 => self.below(span.min(64) + 1),
            1 => self.below(span / 16 + 1),
            _ => self.below(span + 1),
        }
    }

    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
}
