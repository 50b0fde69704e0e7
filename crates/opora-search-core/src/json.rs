//! Just enough JSON writing for the engine's answers (the browser parses
//! them with `JSON.parse`); no serialization library in the wasm.

pub fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A score with four decimals, written without float formatting (which
/// would add some 20 KB to the wasm module).
pub fn number(out: &mut String, v: f32) {
    let scaled = if v.is_finite() {
        (v * 10_000.0).round() as i64
    } else {
        0
    };
    if scaled < 0 {
        out.push('-');
    }
    let a = scaled.unsigned_abs();
    out.push_str(&(a / 10_000).to_string());
    out.push('.');
    let frac = (a % 10_000).to_string();
    for _ in frac.len()..4 {
        out.push('0');
    }
    out.push_str(&frac);
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        let mut s = String::new();
        super::string(&mut s, "«а»\"\\\n\u{1}");
        assert_eq!(s, "\"«а»\\\"\\\\\\n\\u0001\"");
        let mut n = String::new();
        super::number(&mut n, 12.34567);
        n.push(' ');
        super::number(&mut n, -0.05);
        assert_eq!(n, "12.3457 -0.0500");
    }
}
