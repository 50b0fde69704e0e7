//! The oracle: what must hold after every build, whatever the input.

use std::collections::BTreeSet;
use std::path::Path;

/// Every `error:`/`warning:` block must go on with `  --> file:line:col`,
/// naming a file of the portal's sources (not the output) and a line ≥ 1.
pub fn check_diagnostics(stderr: &str, root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let lines: Vec<&str> = stderr.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if !(line.starts_with("error: ") || line.starts_with("warning: ")) {
            continue;
        }
        let location = lines[i + 1..]
            .iter()
            .take_while(|l| !(l.starts_with("error: ") || l.starts_with("warning: ")))
            .find_map(|l| l.strip_prefix("  --> "));
        let Some(location) = location else {
            problems.push(format!("diagnostic without a location: {line}"));
            continue;
        };
        let mut parts = location.rsplitn(3, ':');
        let (col, line_no, file) = (parts.next(), parts.next(), parts.next());
        let valid_number = |n: Option<&str>| {
            n.and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n >= 1)
        };
        let problem = match file {
            _ if !valid_number(line_no) || !valid_number(col) => Some("no line and column"),
            None | Some("") => Some("no file"),
            Some(f) if f.starts_with('/') || f.starts_with("..") => {
                Some("a path outside the portal")
            }
            Some(f)
                if f.starts_with("public")
                    || f.starts_with("./public")
                    || f.starts_with(".public") =>
            {
                Some("the output, not a source")
            }
            Some(f) if std::fs::symlink_metadata(root.join(f)).is_err() => {
                Some("a file that does not exist")
            }
            _ => None,
        };
        if let Some(p) = problem {
            problems.push(format!("diagnostic names {p}: {line} --> {location}"));
        }
    }
    problems
}

/// What the unmutated site legitimately has: script sources, the elements
/// that load or frame other documents, and the refreshes of its moved
/// addresses (`data/moved.toml`), each on its own page to its own target.
#[derive(Default)]
pub struct Baseline {
    script_srcs: BTreeSet<String>,
    elements: BTreeSet<String>,
    refreshes: BTreeSet<(String, String)>,
}

fn refresh_of(tag: &Tag) -> Option<&str> {
    let is_refresh = tag.name == "meta"
        && tag
            .attr("http-equiv")
            .is_some_and(|v| v.eq_ignore_ascii_case("refresh"));
    is_refresh.then(|| tag.attr("content").unwrap_or(""))
}

const FRAMING: &[&str] = &[
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal",
];
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "cite",
    "background",
    "srcset",
    "ping",
    "manifest",
    "codebase",
    "longdesc",
    "usemap",
];

impl Baseline {
    pub fn learn(&mut self, rel: &str, text: &str) {
        if !is_markup(rel) {
            return;
        }
        for tag in tags(text) {
            if tag.name == "script" {
                // The asset, without the base path a changed `base_url` would change.
                let src = tag.attr("src").unwrap_or("(inline)");
                self.script_srcs
                    .insert(src.trim_start_matches('/').to_string());
            }
            if FRAMING.contains(&tag.name.as_str()) {
                self.elements.insert(tag.name.clone());
            }
            if let Some(content) = refresh_of(&tag) {
                self.refreshes
                    .insert((rel.to_string(), content.to_string()));
            }
        }
    }
}

impl Baseline {
    /// A script the site has: one of its own files (with its content hash),
    /// loaded from the site's own host (a path, not `//host/` or a scheme),
    /// whatever the base path.
    fn allows_script(&self, src: Option<&str>) -> bool {
        let Some(src) = src else {
            return false;
        };
        let path = decoded(src);
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.contains('\\')
            && self
                .script_srcs
                .iter()
                .any(|own| !own.is_empty() && src.ends_with(&format!("/{own}")))
    }
}

fn is_markup(rel: &str) -> bool {
    rel.ends_with(".html") || rel.ends_with(".svg") || rel.ends_with(".xml")
}

/// Injection checks for one output file.
pub fn scan_output(rel: &str, text: &str, baseline: &Baseline) -> Vec<String> {
    let mut problems = Vec::new();
    if is_markup(rel) {
        for tag in tags(text) {
            for (name, value) in &tag.attrs {
                let lower = name.to_ascii_lowercase();
                if lower.len() > 2 && lower.starts_with("on") {
                    problems.push(format!("<{} {name}=…> event handler attribute", tag.name));
                }
                let url_like =
                    URL_ATTRIBUTES.contains(&lower.as_str()) || lower.starts_with("data-");
                if url_like && dangerous_url(value) {
                    problems.push(format!("<{} {name}=\"{}\">", tag.name, clip(value)));
                }
                if lower == "style" && decoded(value).contains("javascript:") {
                    problems.push(format!("<{} style=\"{}\">", tag.name, clip(value)));
                }
            }
            if let Some(content) = refresh_of(&tag)
                && !baseline
                    .refreshes
                    .contains(&(rel.to_string(), content.to_string()))
            {
                problems.push("<meta http-equiv=refresh>".into());
            }
            if tag.name == "script" && !baseline.allows_script(tag.attr("src")) {
                problems.push(format!(
                    "<script src=\"{}\"> the site does not have",
                    clip(tag.attr("src").unwrap_or("(inline)"))
                ));
            }
            if FRAMING.contains(&tag.name.as_str()) && !baseline.elements.contains(&tag.name) {
                problems.push(format!("<{}> element", tag.name));
            }
        }
    } else if (rel.ends_with(".json") || rel.ends_with(".geojson"))
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(text)
    {
        json_urls(&value, "", &mut problems);
    }
    problems.truncate(5);
    problems
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Values under URL-like keys in JSON output (links in GeoJSON, search results).
fn json_urls(value: &serde_json::Value, key: &str, problems: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => {
            let k = key.to_ascii_lowercase();
            let url_key = ["url", "href", "link", "src", "website", "site", "edit"]
                .iter()
                .any(|u| k.contains(u));
            if url_key && dangerous_url(s) {
                problems.push(format!("\"{key}\": \"{}\"", clip(s)));
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                json_urls(item, key, problems);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                json_urls(v, k, problems);
            }
        }
        _ => {}
    }
}

/// A URL a browser would run or render as a document: after decoding
/// character references and dropping the whitespace and control characters
/// browsers ignore, it starts with a script or data scheme.
fn dangerous_url(value: &str) -> bool {
    let url = decoded(value);
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| url.starts_with(s))
}

fn decoded(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map_or(rest.len(), |e| e + 1);
        let entity = &rest[1..end];
        let ch = if let Some(num) = entity
            .strip_prefix("#x")
            .or_else(|| entity.strip_prefix("#X"))
        {
            u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
        } else if let Some(num) = entity.strip_prefix('#') {
            num.parse().ok().and_then(char::from_u32)
        } else {
            match entity {
                "colon" => Some(':'),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "sol" => Some('/'),
                _ => None,
            }
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = rest[end..].strip_prefix(';').unwrap_or(&rest[end..]);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Start tags as a browser's tokenizer sees them (enough of it for the oracle):
/// comments and end tags skipped, script and style contents skipped, attribute
/// values quoted or not.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let s = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'>' | b'=' | b'/')
            {
                i += 1;
            }
            let attr = html[s..i].to_string();
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    i = html[vs..].find(q as char).map_or(b.len(), |e| vs + e);
                    value = html[vs..i].to_string();
                    i = (i + 1).min(b.len());
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[vs..i].to_string();
                }
            }
            if attr.is_empty() {
                i += 1;
                continue;
            }
            attrs.push((attr, value));
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            if let Some(e) = html[i..].to_ascii_lowercase().find(&close) {
                i += e;
            }
        }
        out.push(Tag { name, attrs });
    }
    out
}
