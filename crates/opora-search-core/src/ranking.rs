//! Every number that decides the order of results, in one place, so the
//! native CLI and the browser rank alike and a reader of the code can see
//! why one record comes before another.
//!
//! A record's score for a query is
//!
//! ```text
//! (Σ over query terms  weight(term) × bm25(term, record) × prior(record)
//!   + Σ over needs the query means  MEANING × prior(record) if the record has the need)
//!   × place factor(record)
//! ```
//!
//! - A long record also gets [`SECTION`] times the score of its best
//!   section, so a procedure with a section on exactly what was asked is
//!   not buried by its length.
//! - `bm25` is BM25 (k1 = 1.2, b = 0.75) summed over the title (×3), the names
//!   (short name, organization, aliases: ×2) and the body (×1), with each
//!   field's own average length.
//! - `prior` favours what a reader can act on: a service with a phone or
//!   e-mail, a family route, over explanations (the glossary, free pages);
//!   a need page with no services is a dead end and comes last among equals
//!   (and is never first, see [`crate::engine`]).
//! - A place named in the query sorts results into tiers: records of that
//!   place first (a town's and its region's, the town's own scoring
//!   [`TOWN_BONUS`] times more), then national records (no region, or the
//!   whole country: routes, helplines, the glossary), then other regions —
//!   so those still appear, after. A record joins its place's tier when it matches a word
//!   the reader typed (or a need the query means), not only a completion or
//!   a need's label. Within a tier, by score.
//! - Words that only carry the sentence («делать», «обратиться», «хочу»)
//!   are not searched for, though need phrases still see them.

pub const K1: f32 = 1.2;
pub const B: f32 = 0.75;
/// Field weights: title, names, body.
pub const FIELD_WEIGHTS: [f32; 3] = [3.0, 2.0, 1.0];

/// Weights of query terms by where they came from.
pub const WEIGHT_TYPED: f32 = 1.0;
/// A word corrected for one typo.
pub const WEIGHT_TYPO: f32 = 0.9;
/// A term added from the glossary (an abbreviation's expansion or back).
pub const WEIGHT_SYNONYM: f32 = 0.8;
/// A dictionary word the unfinished last word may become, as the reader types.
pub const WEIGHT_COMPLETION: f32 = 0.6;
/// What matching a need the query means adds (before prior and place),
/// about a good match of a word in the body.
pub const MEANING: f32 = 8.0;

/// Terms from the label of a need the query means: they lead to records
/// about it that are not tagged with it (a practice describing a social nanny).
pub const WEIGHT_NEED_LABEL: f32 = 0.6;

/// What a long record's best-matching section adds, times its score (a
/// section scored as a document among sections).
pub const SECTION: f32 = 0.5;

/// Place tiers, highest first: the place (the town and its region), national
/// records, the rest.
pub const IN_PLACE: u8 = 2;
pub const NATIONAL: u8 = 1;
pub const ELSEWHERE: u8 = 0;

/// Stems of words that carry the sentence, not its subject, in how people
/// ask: «что делать», «куда обратиться», «хочу», «нужна помощь срочно».
/// Whether a query word only carries the sentence: a filler stem, or a
/// number of one or two digits («ребёнок в 2 года»: an age, not «№ 2»).
pub fn is_filler(stem: &str) -> bool {
    FILLER_STEMS.contains(&stem) || (stem.len() <= 2 && stem.bytes().all(|b| b.is_ascii_digit()))
}

pub const FILLER_STEMS: [&str; 12] = [
    "дела",
    "обрат",
    "обраща",
    "хоч",
    "нужн",
    "нуж",
    "помог",
    "подскаж",
    "пожалуйст",
    "сдела",
    "может",
    "какие",
];

/// Words shorter than this are not typo-corrected: too many near neighbours.
pub const TYPO_MIN_CHARS: usize = 5;
/// How many dictionary words the unfinished last word may become.
pub const COMPLETIONS: usize = 6;
/// The unfinished last word is completed from this many letters on.
pub const COMPLETION_MIN_CHARS: usize = 2;

/// Results are "provably close" when any record left out could score at
/// most `1 + CLOSENESS` times the last one shown, and no shown record's score
/// is off by more than `CLOSENESS` of it: the engine then stops fetching
/// postings. 0 would demand exact top results, which on a large portal costs
/// every block of a word that is in almost every record.
pub const CLOSENESS: f32 = 0.05;

/// Within the place's tier, the named town's own records score this much
/// more than the rest of its region's.
pub const TOWN_BONUS: f32 = 1.5;

/// Overflow blocks of one term fetched together when more are needed: a
/// round trip on a slow phone network (2 s) costs more than two blocks
/// (a few kilobytes each).
pub const BLOCKS_PER_ROUND: usize = 3;

/// The largest prior; lists store priors as a fraction of it.
pub const PRIOR_MAX: f32 = 1.3;

/// What a record of a type is worth before it matches anything.
/// `contactable`: a service (or practice) with a phone or e-mail;
/// `dead_end`: a need page no service carries.
pub fn prior(doc_type: &str, contactable: bool, dead_end: bool, family: bool) -> f32 {
    match doc_type {
        "service" if contactable => 1.3,
        "route" if family => 1.25,
        "need" if dead_end => 0.7,
        t => type_prior(t).unwrap_or(1.0),
    }
}

/// A type's prior before what a record says of itself (contacts, audience):
/// `None` for a type ranking does not know, which a new collection must add
/// here (the registry test checks every registered type).
pub fn type_prior(doc_type: &str) -> Option<f32> {
    Some(match doc_type {
        "service" => 1.15,
        "route" => 1.1,
        "need" => 1.0,
        "region" => 0.9,
        // Experience for specialists: what was done, taught or held.
        "practice" | "programme" | "event" => 0.9,
        "page" => 0.8,
        "glossary" => 0.45,
        _ => return None,
    })
}

/// A prior as stored in list files (a byte).
pub fn quantize_prior(p: f32) -> u8 {
    ((p / PRIOR_MAX * 255.0).round() as i32).clamp(1, 255) as u8
}

/// An impact as a byte relative to its list's maximum: at least 1, so a
/// posting never scores zero.
pub fn quantize(v: f32, max: f32) -> u8 {
    if max <= 0.0 {
        return 1;
    }
    ((v / max * 255.0).round() as i32).clamp(1, 255) as u8
}

pub fn dequantize(q: u8, max: f32) -> f32 {
    max * f32::from(q) / 255.0
}

/// BM25 of one term in one field of one document.
pub fn bm25(idf: f32, tf: f32, len: f32, avg_len: f32) -> f32 {
    let norm = K1 * (1.0 - B + B * len / avg_len.max(1.0));
    idf * (1.0 + K1) * tf / (tf + norm)
}

pub fn idf(doc_freq: u64, doc_count: u64) -> f32 {
    let x = (doc_count.saturating_sub(doc_freq) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    (1.0 + x).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actionable_records_come_before_explanations() {
        let service = prior("service", true, false, true);
        let route = prior("route", false, false, true);
        let glossary = prior("glossary", false, false, false);
        let dead_end = prior("need", false, true, true);
        assert!(service > glossary && route > glossary);
        assert!(
            dead_end < prior("need", false, false, true),
            "a need page with no services is a dead end"
        );
        assert!(prior("service", true, false, true) > prior("service", false, false, true));
        for p in [service, route, glossary, dead_end] {
            assert!(p <= PRIOR_MAX);
        }
    }

    #[test]
    fn quantized_impacts_keep_order_and_never_vanish() {
        assert_eq!(quantize(2.0, 2.0), 255);
        assert_eq!(quantize(0.0001, 2.0), 1);
        assert!(quantize(1.0, 2.0) > quantize(0.9, 2.0));
        assert!((dequantize(255, 3.5) - 3.5).abs() < 1e-6);
    }

    #[test]
    fn place_tiers_put_the_place_first_and_keep_the_country() {
        let order = [IN_PLACE, NATIONAL, ELSEWHERE];
        assert!(order.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn filler_words_are_stems_the_analyzer_produces() {
        for w in [
            "делать",
            "обратиться",
            "хочу",
            "нужна",
            "помогите",
            "подскажите",
        ] {
            let stem = opora_analyzer::stem(&opora_analyzer::normalize(w));
            assert!(FILLER_STEMS.contains(&stem.as_str()), "«{w}» → {stem}");
        }
    }
}
