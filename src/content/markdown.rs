//! Markdown bodies → safe HTML.
//!
//! The one Markdown renderer: record bodies and every front-matter field
//! written in Markdown (typed [`super::markdown_field::Markdown`], which
//! renders only through here) go through [`render`].
//!
//! Content can never inject markup: raw HTML is refused (comments are dropped),
//! links may only use safe schemes, and images must be local files — an image from
//! another host would be a third-party request from a family's phone. Each is
//! reported as a problem *and* left out of the HTML, so the output is safe even
//! where nobody looks at the problems: a refused link renders as its text, a
//! refused image as its description, raw HTML not at all.
//! Cheap Russian typography is applied to text: «ёлочки» for straight quotes,
//! an ellipsis character, and a dash for a spaced hyphen.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::heading_ids::HeadingIds;
use super::markdown_limits as limits;
use std::collections::HashMap;

/// Abbreviations to mark with `<abbr>`: term → expansion.
#[derive(Debug, Default, Clone)]
pub struct Abbreviations {
    map: HashMap<String, String>,
}

impl Abbreviations {
    /// A hash of the whole map, to notice when the glossary changed.
    pub fn fingerprint(&self) -> u64 {
        let mut entries: Vec<_> = self.map.iter().collect();
        entries.sort();
        let mut bytes = Vec::new();
        for (k, v) in entries {
            bytes.extend_from_slice(k.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(v.as_bytes());
            bytes.push(0);
        }
        crate::output::fnv1a(&bytes)
    }

    pub fn insert(&mut self, term: &str, expansion: &str) {
        // Only abbreviation-like tokens: a single word with at least two capitals.
        let single_word = term.chars().all(char::is_alphanumeric);
        let capitals = term.chars().filter(|c| c.is_uppercase()).count();
        if single_word && capitals >= 2 {
            self.map.insert(term.to_string(), expansion.to_string());
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
    /// Byte offset of the heading in the Markdown source.
    pub offset: usize,
}

/// A problem found in a body, at a byte offset of the Markdown source.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BodyProblem {
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub hint: String,
}

/// A link as written, with where it is written: for a reference-style link
/// (`[a][r]`) the place is its definition (`[r]: /x/`), where the target is.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LinkSpan {
    pub dest: String,
    pub offset: usize,
    pub len: usize,
}

/// A record file and every link written in its Markdown (body and Markdown
/// fields), at byte offsets of the file.
#[derive(Debug, Clone)]
pub struct FileLinks {
    pub file: std::sync::Arc<crate::content::source::SourceText>,
    pub links: std::sync::Arc<Vec<LinkSpan>>,
}

/// The HTML and the plain text are shared (`Arc<str>`) with the views that
/// show them, so a site holds each body once: at a million services the
/// copies were ~1 GB.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RenderedMarkdown {
    pub html: std::sync::Arc<str>,
    pub headings: Vec<Heading>,
    /// Text without markup, for search and summaries.
    pub plain: std::sync::Arc<str>,
    pub problems: Vec<BodyProblem>,
    /// Every link and image that made it into the HTML, for the link checker's blame.
    pub links: Vec<LinkSpan>,
}

pub fn render(md: &str, abbr: &Abbreviations) -> RenderedMarkdown {
    let mut options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Tables too big are found before the parser pads them
    // (`markdown_limits`); the text is still read, so its other problems
    // are reported too.
    let oversized = limits::oversized_tables(md);
    if oversized.is_some() {
        options.remove(Options::ENABLE_TABLES);
    }
    let mut nesting = limits::Nesting::default();
    let mut r = Renderer {
        abbr,
        out: RenderedMarkdown::default(),
        plain: String::new(),
        events: Vec::new(),
        ids: HeadingIds::default(),
        heading: None,
        image_depth: 0,
        link_open: Vec::new(),
        image_open: Vec::new(),
    };
    let mut parser = Parser::new_ext(md, options).into_offset_iter();
    while let Some((event, range)) = parser.next() {
        if !nesting.keep(&event, range.start) {
            continue;
        }
        // Where the target of a link or image is written: the definition of
        // a reference-style link, else the link itself.
        let target_span = |id: &str| {
            let def = (!id.is_empty())
                .then(|| parser.reference_definitions().get(id))
                .flatten();
            def.map_or(range.clone(), |d| d.span.clone())
        };
        match event {
            Event::Html(html) | Event::InlineHtml(html) => r.raw_html(&html, range.start),
            Event::Start(Tag::Heading { level, .. }) => r.heading_start(level, range.start),
            Event::End(TagEnd::Heading(level)) => r.heading_end(level),
            Event::Start(link @ Tag::Link { .. }) => {
                let span = match &link {
                    Tag::Link { id, .. } => target_span(id),
                    _ => range.clone(),
                };
                r.link_start(link, span);
            }
            Event::End(TagEnd::Link) => {
                if r.link_open.pop().unwrap_or(false) {
                    r.events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(image @ Tag::Image { .. }) => {
                let span = match &image {
                    Tag::Image { id, .. } => target_span(id),
                    _ => range.clone(),
                };
                r.image_start(image, span);
            }
            Event::End(TagEnd::Image) => {
                r.image_depth = r.image_depth.saturating_sub(1);
                if r.image_open.pop().unwrap_or(false) {
                    r.events.push(Event::End(TagEnd::Image));
                }
            }
            Event::Text(text) => r.text(&text),
            Event::Code(code) => {
                if let Some((_, h)) = r.heading.as_mut() {
                    h.text.push_str(&code);
                }
                push_plain(&mut r.plain, &code);
                r.events.push(Event::Code(code));
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph)
            | Event::End(TagEnd::Item)
            | Event::End(TagEnd::TableCell)
            // A list nested in an item starts after the item's own words.
            | Event::Start(Tag::List(_)) => {
                r.plain.push(' ');
                r.events.push(event);
            }
            other => r.events.push(other),
        }
    }
    let mut out = r.out;
    for excess in [oversized, nesting.excess()].into_iter().flatten() {
        out.problems.push(BodyProblem {
            offset: excess.offset,
            len: excess.len,
            message: excess.message,
            hint: excess.hint,
        });
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, r.events.into_iter());
    out.html = html.into();
    out.plain = r
        .plain
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .into();
    out
}

/// The state of one Markdown rendering: the events to write, the headings
/// being collected, and which links and images were let through.
struct Renderer<'a, 'md> {
    abbr: &'a Abbreviations,
    out: RenderedMarkdown,
    /// The plain text as it is collected; spaces are tidied at the end.
    plain: String,
    events: Vec<Event<'md>>,
    ids: HeadingIds,
    /// The heading being read: the index of its start event, and the heading.
    heading: Option<(usize, Heading)>,
    image_depth: usize,
    /// For each open link or image: whether its tags were emitted (refused
    /// ones are left out, their text stays).
    link_open: Vec<bool>,
    image_open: Vec<bool>,
}

impl<'md> Renderer<'_, 'md> {
    fn raw_html(&mut self, html: &str, offset: usize) {
        let trimmed = html.trim();
        if !(trimmed.is_empty() || trimmed.starts_with("<!--") && trimmed.ends_with("-->")) {
            self.out.problems.push(BodyProblem {
                offset,
                len: html.trim_end().len(),
                message: "raw HTML is not allowed in content".into(),
                hint: "write it in Markdown (**bold**, [link](url), tables); HTML could inject scripts into the site".into(),
            });
        }
    }

    fn heading_start(&mut self, level: HeadingLevel, offset: usize) {
        self.heading = Some((
            self.events.len(),
            Heading {
                level: heading_number(level),
                offset,
                ..Heading::default()
            },
        ));
        self.events.push(Event::Html(CowStr::Borrowed("")));
    }

    fn heading_end(&mut self, level: HeadingLevel) {
        // A heading's last word and the next block's first are two words.
        self.plain.push(' ');
        if let Some((start, mut h)) = self.heading.take() {
            h.text = h.text.trim().to_string();
            h.id = self.ids.id_for(&h.text);
            self.events[start] = Event::Html(format!("<h{} id=\"{}\">", h.level, h.id).into());
            self.events.push(Event::Html(
                format!("</h{}>\n", heading_number(level)).into(),
            ));
            self.out.headings.push(h);
        } else {
            self.events.push(Event::End(TagEnd::Heading(level)));
        }
    }

    /// A refused link or image target, blamed where the target is written.
    fn refuse(
        &mut self,
        span: &std::ops::Range<usize>,
        what: &str,
        dest: &str,
        refusal: crate::urls::Refusal,
    ) {
        self.out.problems.push(BodyProblem {
            offset: span.start,
            len: span.len(),
            message: format!(
                "{what} `{}` is not allowed: {}",
                dest.escape_debug(),
                refusal.reason
            ),
            hint: refusal.hint.into(),
        });
    }

    fn link_start(&mut self, link: Tag<'md>, span: std::ops::Range<usize>) {
        let Tag::Link { dest_url, .. } = &link else {
            return;
        };
        let dest = dest_url.to_string();
        let allowed = match crate::urls::classify_link(&dest) {
            Ok(_) => true,
            Err(refusal) => {
                self.refuse(&span, "link to", &dest, refusal);
                false
            }
        };
        self.link_open.push(allowed);
        if allowed {
            self.out.links.push(LinkSpan {
                dest,
                offset: span.start,
                len: span.len(),
            });
            self.events.push(Event::Start(link));
        }
    }

    fn image_start(&mut self, image: Tag<'md>, span: std::ops::Range<usize>) {
        let Tag::Image { dest_url, .. } = &image else {
            return;
        };
        let dest = dest_url.to_string();
        let allowed = match crate::urls::check_image(&dest) {
            Ok(()) => true,
            Err(refusal) => {
                self.refuse(&span, "image", &dest, refusal);
                false
            }
        };
        self.image_open.push(allowed);
        self.image_depth += 1;
        if allowed {
            // Checked by the link check like a link, and blamed here.
            self.out.links.push(LinkSpan {
                dest,
                offset: span.start,
                len: span.len(),
            });
            self.events.push(Event::Start(image));
        }
    }

    fn text(&mut self, text: &str) {
        let typeset = typographize(text);
        if let Some((_, h)) = self.heading.as_mut() {
            h.text.push_str(&typeset);
        }
        push_plain(&mut self.plain, &typeset);
        if self.image_depth > 0 || self.heading.is_some() || self.abbr.map.is_empty() {
            self.events.push(Event::Text(typeset.into()));
        } else {
            self.events
                .push(Event::Html(mark_abbreviations(&typeset, self.abbr).into()));
        }
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    level as u8
}

fn push_plain(plain: &mut String, text: &str) {
    plain.push_str(text);
}

/// «Ёлочки» for straight double quotes, … for three dots, — for a spaced hyphen.
pub fn typographize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                // Opening after start/space/bracket, closing otherwise.
                let opening = match prev {
                    None => true,
                    Some(p) => p.is_whitespace() || "([{«—".contains(p),
                };
                out.push(if opening { '«' } else { '»' });
            }
            '.' if chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') => {
                out.push('…');
                i += 2;
            }
            '-' if prev == Some(' ') && chars.get(i + 1) == Some(&' ') => out.push('—'),
            _ => out.push(c),
        }
        prev = Some(c);
        i += 1;
    }
    out
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing into a String cannot fail.
    let _ = write_escaped_html(&mut out, s);
    out
}

/// Writes `s` with the five HTML-significant characters escaped. Runs of
/// plain text are copied whole (the five are ASCII, so every cut falls on a
/// character boundary): templates print every value through this.
pub fn write_escaped_html(out: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&s[plain..i])?;
        out.write_str(entity)?;
        plain = i + 1;
    }
    out.write_str(&s[plain..])
}

fn mark_abbreviations(text: &str, abbr: &Abbreviations) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    // The text up to `plain` is written; runs without an abbreviation are
    // escaped whole (escaping goes character by character, so a run escapes
    // as its pieces would).
    let mut plain = 0;
    let mut mark = |out: &mut String, start: usize, end: usize| {
        let word = &text[start..end];
        // Only words with two capitals are in the map (`Abbreviations::insert`):
        // the others are not even looked up.
        if word.chars().filter(|c| c.is_uppercase()).nth(1).is_none() {
            return;
        }
        if let Some(expansion) = abbr.map.get(word) {
            let _ = write_escaped_html(out, &text[plain..start]);
            out.push_str("<abbr title=\"");
            let _ = write_escaped_html(out, expansion);
            out.push_str("\">");
            let _ = write_escaped_html(out, word);
            out.push_str("</abbr>");
            plain = end;
        }
    };
    let mut word_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if crate::ru::is_letter_or_digit(c) {
            word_start.get_or_insert(i);
        } else if let Some(start) = word_start.take() {
            mark(&mut out, start, i);
        }
    }
    if let Some(start) = word_start {
        mark(&mut out, start, text.len());
    }
    let _ = write_escaped_html(&mut out, &text[plain..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_replaces_exactly_the_five_significant_characters() {
        assert_eq!(
            escape_html(r#"<a href="x">'Ёж' & «ёлка» 🌲</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;Ёж&#39; &amp; «ёлка» 🌲&lt;/a&gt;"
        );
        assert_eq!(escape_html("&&"), "&amp;&amp;");
        assert_eq!(escape_html("без разметки"), "без разметки");
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html(">"), "&gt;");
    }

    fn r(md: &str) -> RenderedMarkdown {
        let mut a = Abbreviations::default();
        a.insert(
            "КДНиЗП",
            "комиссия по делам несовершеннолетних и защите их прав",
        );
        a.insert("семья", "not an abbreviation");
        render(md, &a)
    }

    #[test]
    fn headings_get_transliterated_ids() {
        let out = r("## Целевые группы\n\nтекст\n\n## Целевые группы\n");
        assert!(
            out.html
                .contains("<h2 id=\"tselevye-gruppy\">Целевые группы</h2>"),
            "{}",
            out.html
        );
        assert!(out.html.contains("id=\"tselevye-gruppy-2\""));
        assert_eq!(out.headings.len(), 2);
    }

    #[test]
    fn the_plain_text_keeps_the_words_of_headings_cells_and_nested_lists_apart() {
        // Search indexes the plain text: glued, «Актуальность» and «Семьям»
        // were one word that no query found.
        let out = r(
            "## Актуальность\n\nСемьям с малышами.\n\n| Служба | Телефон |\n|---|---|\n| Центр | 112 |\n\n- Пункт\n  - подпункт\n",
        );
        assert_eq!(
            &*out.plain,
            "Актуальность Семьям с малышами. Служба Телефон Центр 112 Пункт подпункт"
        );
    }

    #[test]
    fn headings_leave_the_layouts_ids_to_the_layout() {
        let out = r("## Site menu\n\n## Step 2\n\n## main\n");
        let ids: Vec<&str> = out.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["section-site-menu", "section-step-2", "section-main"]);
        assert!(!out.html.contains("id=\"site-menu\""), "{}", out.html);
    }

    #[test]
    fn nesting_too_deep_is_reported_once_and_left_out() {
        // The attack: a 2 MB page of a million nested lists made a 22 MB page.
        let md = "- ".repeat(200_000) + "x\n\n[ссылка](javascript:alert(1))\n";
        let out = r(&md);
        assert!(
            out.html.matches("<ul>").count() == limits::MAX_NESTING,
            "{} lists",
            out.html.matches("<ul>").count()
        );
        assert!(out.html.len() < 1000, "{} bytes", out.html.len());
        let deep: Vec<_> = out
            .problems
            .iter()
            .filter(|p| p.message.contains("nested"))
            .collect();
        assert_eq!(deep.len(), 1, "{:?}", out.problems);
        assert_eq!(deep[0].offset, 2 * limits::MAX_NESTING);
        // The rest of the text is still read and checked.
        assert!(
            out.problems
                .iter()
                .any(|p| p.message.contains("javascript"))
        );
        let quotes = "> ".repeat(100) + "x";
        assert_eq!(
            r(&quotes).html.matches("<blockquote>").count(),
            limits::MAX_NESTING
        );
    }

    #[test]
    fn tables_too_big_are_reported_and_the_text_shown_without_them() {
        let table = "|a".repeat(300) + "|\n" + &"|-".repeat(300) + "|\n" + &"x\n".repeat(300);
        let out = r(&(table + "\n<b>x</b>\n"));
        assert!(!out.html.contains("<table>"));
        assert!(
            out.problems
                .iter()
                .any(|p| p.message.contains("tables too big") && p.offset == 602)
        );
        assert!(out.problems.iter().any(|p| p.message.contains("raw HTML")));
    }

    #[test]
    fn raw_html_is_refused_and_not_emitted() {
        let out = r("Текст\n\n<script>alert(1)</script>\n\nи <b>жирный</b>");
        assert_eq!(out.problems.len(), 3, "{:?}", out.problems);
        assert!(!out.html.contains("<script"));
        assert!(!out.html.contains("<b>"));
        assert!(r("<!-- заметка редактора -->\n\nТекст").problems.is_empty());
    }

    #[test]
    fn unsafe_links_and_remote_images_are_refused() {
        assert_eq!(r("[x](javascript:alert(1))").problems.len(), 1);
        assert_eq!(r("![x](https://cdn.example/a.png)").problems.len(), 1);
        assert!(
            r("[x](https://example.org) [y](/routes/) [z](tel:+74951234567)")
                .problems
                .is_empty()
        );
        assert!(r("![схема](/images/a.png)").problems.is_empty());
    }

    #[test]
    fn renderer_never_emits_a_script_link_even_unchecked() {
        // Defence in depth: whoever ignores `problems`, the HTML stays safe.
        let cases = [
            "[x](javascript:alert(1))",
            "[x](JAVASCRIPT:alert(1))",
            "[x](java&#x09;script:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox(1))",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "![x](javascript:alert(1))",
            "![x](data:image/svg+xml,<svg/onload=alert(1)>)",
            "[x](//evil.example/)",
            "[x](/\\evil.example/)",
            "<b onclick=alert(1)>x</b> <script>alert(1)</script>",
        ];
        for md in cases {
            let out = r(md);
            assert!(!out.problems.is_empty(), "{md:?} was not reported");
            // No tag at all survives: the refused link or image is left out,
            // raw HTML is dropped; what remains is escaped text.
            let html = out.html.to_lowercase();
            for bad in ["<a ", "<img", "<script", "<b ", "href=", "src="] {
                assert!(!html.contains(bad), "{md:?} rendered {bad}: {}", out.html);
            }
        }
        // The text of a refused link stays readable.
        assert!(
            r("[позвоните](javascript:alert(1))")
                .html
                .contains("позвоните")
        );
    }

    #[test]
    fn reference_links_are_placed_at_their_definition() {
        let md = "Текст [о нас][r].\n\n[r]: /nowhere/\n";
        let out = r(md);
        assert_eq!(out.links.len(), 1);
        let def = md.find("[r]:").unwrap();
        assert_eq!(out.links[0].offset, def);
        assert_eq!(out.links[0].dest, "/nowhere/");
        let bad = r("[x][r]\n\n[r]: javascript:alert(1)\n");
        assert_eq!(bad.problems[0].offset, 8, "{:?}", bad.problems);
    }

    #[test]
    fn typography_and_abbreviations() {
        let out = r("Звоните в \"КДНиЗП\" - это важно...");
        assert!(out.html.contains("«<abbr title=\"комиссия по делам несовершеннолетних и защите их прав\">КДНиЗП</abbr>» — это важно…"), "{}", out.html);
        assert_eq!(&*out.plain, "Звоните в «КДНиЗП» — это важно…");
    }

    #[test]
    fn abbreviations_are_marked_wherever_they_stand_and_the_rest_is_escaped() {
        let mut abbr = Abbreviations::default();
        abbr.insert("КДН", "комиссия <по> делам");
        abbr.insert("ТЖС", "трудная & ситуация");
        let marked = |text: &str| mark_abbreviations(text, &abbr);
        let kdn = "<abbr title=\"комиссия &lt;по&gt; делам\">КДН</abbr>";
        let tzhs = "<abbr title=\"трудная &amp; ситуация\">ТЖС</abbr>";
        assert_eq!(marked("КДН"), kdn);
        assert_eq!(marked("КДН, ТЖС"), format!("{kdn}, {tzhs}"));
        assert_eq!(
            marked("<b>КДН&ТЖС</b>"),
            format!("&lt;b&gt;{kdn}&amp;{tzhs}&lt;/b&gt;")
        );
        // Not whole words, or not in the glossary: left as they are.
        assert_eq!(marked("КДНы ПДН кдн"), "КДНы ПДН кдн");
        assert_eq!(marked("«ёлка» & 'Ёж'"), "«ёлка» &amp; &#39;Ёж&#39;");
        assert_eq!(marked(""), "");
    }

    #[test]
    fn tables_render() {
        let out = r("| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(out.html.contains("<table>"));
    }
}
