//! Russian phone numbers: read the many ways sources write them, show one form.
//!
//! Sources write `8(4842) 550 602`, `8-3473-33-72-38`, `+7 (423) 238-76-75`,
//! `89021472053`. We keep the area code the writer marked (parentheses, or the
//! group after a leading 8/+7) because its length varies (3–5 digits) and cannot
//! be guessed reliably; without marks, mobile (9xx) and other codes get 3 digits.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// The ten national digits after +7.
    pub national: String,
    pub area_len: usize,
    pub extension: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    TooFewDigits(usize),
    TooManyDigits(usize),
    NotRussian,
}

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhoneError::TooFewDigits(n) => write!(
                f,
                "has {n} digits; a Russian number needs 10 after +7 (8), area code included"
            ),
            PhoneError::TooManyDigits(n) => write!(f, "has {n} digits, too many for one number"),
            PhoneError::NotRussian => write!(f, "does not start with +7 or 8"),
        }
    }
}

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let lower = input.to_lowercase();
        let (main, extension) = split_extension(&lower);
        let digits: String = main.chars().filter(char::is_ascii_digit).collect();
        let national = match digits.len() {
            11 if digits.starts_with('7') || digits.starts_with('8') => digits[1..].to_string(),
            11 => return Err(PhoneError::NotRussian),
            10 => digits.clone(),
            n if n < 10 => return Err(PhoneError::TooFewDigits(n)),
            n => return Err(PhoneError::TooManyDigits(n)),
        };
        let area_len = marked_area_len(main, digits.len() == 11).unwrap_or(3);
        Ok(Phone {
            national,
            area_len,
            extension,
        })
    }

    /// `+7 (4842) 55-06-02`; toll-free numbers as `8 (800) 200-01-22`.
    pub fn display(&self) -> String {
        let (area, local) = self.national.split_at(self.area_len);
        let prefix = if area == "800" { "8" } else { "+7" };
        let mut s = format!("{prefix} ({area}) {}", group_local(local));
        if let Some(ext) = &self.extension {
            s.push_str(", доб. ");
            s.push_str(ext);
        }
        s
    }

    /// The `tel:` URI, with the extension as a pause-dial (`,`) per RFC 3966 practice.
    pub fn tel_uri(&self) -> String {
        match &self.extension {
            Some(ext) => format!("tel:+7{};ext={ext}", self.national),
            None => format!("tel:+7{}", self.national),
        }
    }
}

fn split_extension(s: &str) -> (&str, Option<String>) {
    for marker in ["доб.", "доб", "доп.", "ext."] {
        if let Some(i) = s.find(marker) {
            let ext: String = s[i + marker.len()..]
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            return (&s[..i], (!ext.is_empty()).then_some(ext));
        }
    }
    (s, None)
}

/// The area-code length the writer marked: digits inside parentheses, or the
/// second group when the number is written `8-3473-…` / `+7 383 …`.
fn marked_area_len(main: &str, has_trunk: bool) -> Option<usize> {
    if let (Some(open), Some(close)) = (main.find('('), main.find(')'))
        && open < close
    {
        let n = main[open..close]
            .chars()
            .filter(char::is_ascii_digit)
            .count();
        return (3..=5).contains(&n).then_some(n);
    }
    if !has_trunk {
        return None;
    }
    let groups: Vec<&str> = main
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    if groups.len() >= 3 && (groups[0] == "8" || groups[0] == "7") {
        let n = groups[1].len();
        return (3..=5).contains(&n).then_some(n);
    }
    None
}

fn group_local(local: &str) -> String {
    // Russian convention: the last two pairs are split off, the rest leads.
    let n = local.len();
    if n <= 4 {
        return local.to_string();
    }
    format!(
        "{}-{}-{}",
        &local[..n - 4],
        &local[n - 4..n - 2],
        &local[n - 2..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &str) -> String {
        Phone::parse(s).unwrap().display()
    }

    #[test]
    fn forms_from_the_sources() {
        assert_eq!(show("8(4842) 550 602"), "+7 (4842) 55-06-02");
        assert_eq!(show("8-3473-33-72-38"), "+7 (3473) 33-72-38");
        assert_eq!(show("+7 (423) 238-76-75"), "+7 (423) 238-76-75");
        assert_eq!(show("89021472053"), "+7 (902) 147-20-53");
        assert_eq!(show("(383) 282-27-49"), "+7 (383) 282-27-49");
        assert_eq!(show("8(38161)2 23 54"), "+7 (38161) 2-23-54");
        assert_eq!(show("8-913-9083138"), "+7 (913) 908-31-38");
        assert_eq!(show("8-800-2000-122"), "8 (800) 200-01-22");
    }

    #[test]
    fn tel_uri_and_extension() {
        let p = Phone::parse("8 (495) 123-45-67 доб. 204").unwrap();
        assert_eq!(p.tel_uri(), "tel:+74951234567;ext=204");
        assert_eq!(p.display(), "+7 (495) 123-45-67, доб. 204");
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        assert_eq!(Phone::parse("55-06-02"), Err(PhoneError::TooFewDigits(6)));
        assert_eq!(
            Phone::parse("+1 555 123 4567 8"),
            Err(PhoneError::TooManyDigits(12))
        );
        assert_eq!(Phone::parse("15551234567"), Err(PhoneError::NotRussian));
        assert!(Phone::parse("звоните").is_err());
    }
}
