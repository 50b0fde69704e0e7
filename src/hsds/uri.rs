//! Web addresses as HSDS wants them and as our records write them.
//!
//! HSDS fields such as `service.url` are URIs (RFC 3986): ASCII only. Our
//! records keep an address as the source writes it, `http://www.семьярб.рф`.
//! The export writes the same address in its ASCII form — the host in IDNA
//! (`xn--` labels, Punycode per RFC 3492), anything else non-ASCII
//! percent-encoded — and the import turns `xn--` labels back into letters, so
//! a record comes back as it was written.
//!
//! Only lower-casing is applied before encoding (IDNA's full mapping is
//! Unicode tables this crate does not carry); it is all Cyrillic and Latin
//! hosts need.

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (((BASE - T_MIN + 1) * delta) / (delta + SKEW))
}

fn digit(d: u32) -> char {
    char::from(if d < 26 {
        b'a' + d as u8
    } else {
        b'0' + (d as u8 - 26)
    })
}

fn value_of(c: char) -> Option<u32> {
    match c {
        'a'..='z' => Some(c as u32 - 'a' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32),
        '0'..='9' => Some(c as u32 - '0' as u32 + 26),
        _ => None,
    }
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

/// RFC 3492 encoding of one label; `None` on overflow.
fn encode(label: &str) -> Option<String> {
    let input: Vec<u32> = label.chars().map(|c| c as u32).collect();
    let mut out: String = label.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    let mut handled = basic;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    while (handled as usize) < input.len() {
        let m = *input.iter().filter(|&&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in &input {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Some(out)
}

/// RFC 3492 decoding of one label (without `xn--`); `None` if it is not Punycode.
fn decode(label: &str) -> Option<String> {
    let (basic, rest) = match label.rfind('-') {
        Some(i) => (&label[..i], &label[i + 1..]),
        None => ("", label),
    };
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut chars = rest.chars().peekable();
    while chars.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let d = value_of(chars.next()?)?;
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = threshold(k, bias);
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = out.len() as u32 + 1;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(out.into_iter().collect())
}

/// Splits `scheme://host…rest` into (`scheme://`, host, rest); `None` without an authority.
fn parts(url: &str) -> Option<(&str, &str, &str)> {
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '?', '#', ':'])
        .map_or(url.len(), |i| start + i);
    Some((&url[..start], &url[start..end], &url[end..]))
}

/// The address in ASCII, fit for an HSDS `uri` field.
pub fn to_ascii(url: &str) -> String {
    if url.is_ascii() {
        return url.to_string();
    }
    let Some((scheme, host, rest)) = parts(url) else {
        return percent_encode(url);
    };
    let host: Vec<String> = host
        .split('.')
        .map(|label| {
            let lower = label.to_lowercase();
            if lower.is_ascii() {
                return lower;
            }
            encode(&lower).map_or_else(|| percent_encode(&lower), |p| format!("xn--{p}"))
        })
        .collect();
    format!("{scheme}{}{}", host.join("."), percent_encode(rest))
}

/// The address with `xn--` host labels back in letters, as a record writes it.
pub fn from_ascii(url: &str) -> String {
    let Some((scheme, host, rest)) = parts(url) else {
        return url.to_string();
    };
    if !host
        .split('.')
        .any(|l| l.to_ascii_lowercase().starts_with("xn--"))
    {
        return url.to_string();
    }
    let host: Vec<String> = host
        .split('.')
        .map(|label| {
            let lower = label.to_ascii_lowercase();
            lower
                .strip_prefix("xn--")
                .and_then(decode)
                .unwrap_or_else(|| label.to_string())
        })
        .collect();
    format!("{scheme}{}{rest}", host.join("."))
}

/// Non-ASCII characters as `%XX` of their UTF-8 bytes; the rest unchanged.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() && !c.is_ascii_whitespace() && !c.is_ascii_control() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_hosts_become_idna_and_come_back() {
        // RFC 3492's own sample (Russian) and a well-known Cyrillic domain.
        assert_eq!(
            encode("почемужеонинеговорятпорусски").as_deref(),
            Some("b1abfaaepdrnnbgefbadotcwatmq2g4l")
        );
        assert_eq!(
            to_ascii("http://президент.рф/"),
            "http://xn--d1abbgf6aiiy.xn--p1ai/"
        );
        assert_eq!(
            from_ascii("http://xn--d1abbgf6aiiy.xn--p1ai/"),
            "http://президент.рф/"
        );
        let ours = "http://www.семьярб.рф";
        let ascii = to_ascii(ours);
        assert!(
            ascii.is_ascii() && ascii.starts_with("http://www.xn--"),
            "{ascii}"
        );
        assert_eq!(from_ascii(&ascii), ours);
    }

    #[test]
    fn ascii_addresses_pass_through_and_paths_are_percent_encoded() {
        assert_eq!(
            to_ascii("https://kaluga.ru/a?b=1"),
            "https://kaluga.ru/a?b=1"
        );
        assert_eq!(
            from_ascii("https://kaluga.ru/a?b=1"),
            "https://kaluga.ru/a?b=1"
        );
        assert_eq!(
            to_ascii("https://kaluga.ru/дети"),
            "https://kaluga.ru/%D0%B4%D0%B5%D1%82%D0%B8"
        );
        assert_eq!(
            from_ascii("http://xn--zz-broken!.ru"),
            "http://xn--zz-broken!.ru"
        );
    }
}
