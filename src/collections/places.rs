//! How the services of a region write their places. Each group of a
//! region's list pages is headed by a place a service names (`municipality`,
//! else `district`) and addressed by its slug (`render::lists::group_slug`):
//! two spellings with one slug in one region («Калуга» and «Калуга!») would
//! head two groups with one anchor, and a link to the second would open the
//! first. So every record of one slug must write the place as the town is
//! written: as the region's own `[[municipalities]]` write it, else as most
//! of its records do — an error at each record that does not. One spelling
//! with ё and one with е («Ёлкино», «Елкино») are one town: Russian writing
//! often leaves ё out. The site lists it under the ё spelling, and a warning
//! names each record written with е, so the records can say what the site
//! shows.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use crate::content::records::*;
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::lists;
use crate::ru;
use crate::site::ServiceView;

/// Checks how every service writes its place (see the module's text).
pub(super) fn check(content: &Content, out: &mut Vec<Diagnostic>) {
    let listed = listed_towns(content);
    // (region folder, slug, file) of each service that names a place, on
    // every core, then sorted: one region's places of one slug are
    // neighbours, in the order of their files.
    let services = &content.services;
    let mut keyed: Vec<((&str, String, &str), usize)> = services
        .par_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let place = place_of(&s.meta)?;
            let folder = s.folder.as_deref().unwrap_or("");
            Some(((folder, lists::group_slug(place), s.file.rel.as_str()), i))
        })
        .collect();
    keyed.par_sort_unstable();
    let same_group = |a: &(_, usize), b: &(_, usize)| {
        let ((fa, sa, _), (fb, sb, _)) = (&a.0, &b.0);
        fa == fb && sa == sb
    };
    for group in keyed.chunk_by(same_group) {
        let (folder, slug, _) = &group[0].0;
        let records: Vec<&Record<ServiceMeta>> = group.iter().map(|(_, i)| &services[*i]).collect();
        let town = listed.get(&(*folder, slug.clone())).copied();
        check_one_slug(&records, town, slug, out);
    }
}

/// A town a region lists (`[[municipalities]]`): its record and its name.
type Listed<'a> = (&'a Record<RegionMeta>, &'a S<String>);

/// The towns each region lists, by (region folder, slug): how the region
/// writes them.
fn listed_towns(content: &Content) -> HashMap<(&str, String), Listed<'_>> {
    let mut out = HashMap::new();
    for r in &content.regions {
        for m in &r.meta.municipalities {
            let name = &m.get_ref().name;
            // A region that lists one slug twice is refused by its own check.
            out.entry((r.slug.as_str(), lists::group_slug(name.as_str())))
                .or_insert((r, name));
        }
    }
    out
}

/// The records of one region whose places have the slug `slug`, in the
/// order of their files, and the town of that slug the region lists.
fn check_one_slug(
    records: &[&Record<ServiceMeta>],
    town: Option<Listed>,
    slug: &str,
    out: &mut Vec<Diagnostic>,
) {
    fn name(r: &Record<ServiceMeta>) -> &str {
        place_of(&r.meta).unwrap_or("")
    }
    let Some(&first) = records.first() else {
        return;
    };
    let listed = town.map(|(_, n)| n.as_str());
    if listed
        .into_iter()
        .chain(records.iter().map(|r| name(r)))
        .all(|n| n == name(first))
    {
        return;
    }
    let yo = yo_spellings(listed.into_iter().chain(records.iter().map(|r| name(r))));
    let shown = |n| yo.get(n).copied().unwrap_or(n);
    // Where a spelling is written: the region's file, else its first record.
    let written_at = |spelling: &str| match town {
        Some((region, n)) if n.as_str() == spelling => {
            let line = region.file.line_at(region.front_offset + n.span().start);
            format!("{}:{line}", region.file.rel)
        }
        _ => records
            .iter()
            .find(|r| name(r) == spelling)
            .map_or_else(String::new, |r| place_at(r)),
    };
    let town = match listed {
        Some(n) => shown(n),
        None => most_used(records.iter().map(|r| shown(name(r)))),
    };
    for &r in records {
        let here = shown(name(r));
        if here != name(r) {
            out.push(written_with_ye(r, here, &written_at(here)));
        }
        if here != town {
            out.push(one_slug_two_places(r, town, &written_at(town), slug));
        }
    }
}

/// The spelling most of `spellings` have; of equals, the first.
fn most_used<'a>(spellings: impl Iterator<Item = &'a str>) -> &'a str {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for s in spellings {
        match counts.iter_mut().find(|(c, _)| *c == s) {
            Some((_, n)) => *n += 1,
            None => counts.push((s, 1)),
        }
    }
    // `max_by_key` keeps the last of equals: the reversed list's last is the first.
    counts
        .into_iter()
        .rev()
        .max_by_key(|&(_, n)| n)
        .map_or("", |(s, _)| s)
}

/// The spelled place of a service's record: its municipality, else district.
fn place_of(m: &ServiceMeta) -> Option<&str> {
    lists::place_named(text_of(&m.municipality), text_of(&m.district))
}

/// Its place, spanned, to point a finding at.
fn place_value(m: &ServiceMeta) -> Option<&S<String>> {
    m.municipality.as_ref().or(m.district.as_ref())
}

/// Where `r` names its place, as `file:line`.
fn place_at(r: &Record<ServiceMeta>) -> String {
    let line = place_value(&r.meta).map_or(1, |v| r.file.line_at(r.front_offset + v.span().start));
    format!("{}:{line}", r.file.rel)
}

/// A finding at `r`'s place, or at the record when it has none.
fn at_place(r: &Record<ServiceMeta>, message: String) -> Diagnostic {
    match place_value(&r.meta) {
        Some(v) => r.error_at(v, message),
        None => r.error(message),
    }
}

fn written_with_ye(r: &Record<ServiceMeta>, shown: &str, written_at: &str) -> Diagnostic {
    let mut d = at_place(
        r,
        format!(
            "«{}» is written «{shown}» in {written_at}: the site takes them as one town and shows «{shown}»",
            place_of(&r.meta).unwrap_or(""),
        ),
    )
    .hint(format!(
        "write «{shown}» here too, so that the record says what the site shows"
    ));
    d.severity = crate::diag::Severity::Warning;
    d
}

fn one_slug_two_places(
    r: &Record<ServiceMeta>,
    town: &str,
    written_at: &str,
    slug: &str,
) -> Diagnostic {
    at_place(
        r,
        format!(
            "«{}» is written «{town}» in {written_at}: the two would head two lists of the region's services with one anchor (`{slug}`), and a link to one would open the other",
            place_of(&r.meta).unwrap_or(""),
        ),
    )
    .hint("one town? write it the same way in every record, as the region lists it; two places? tell them apart in letters or digits, not in punctuation or case")
}

/// For each place name written with е that `names` also has written with ё
/// («Елкино» beside «Ёлкино»), the ё spelling (the first, if several): how
/// the region's pages show it. Russian writing often leaves ё out, so the
/// two are one town; the spelling with ё is the full one.
fn yo_spellings<'a>(names: impl IntoIterator<Item = &'a str>) -> HashMap<String, &'a str> {
    let mut out = HashMap::new();
    for name in names {
        let plain = ru::without_yo(name);
        if let std::borrow::Cow::Owned(plain) = plain {
            out.entry(plain).or_insert(name);
        }
    }
    out
}

/// Writes the places of `services` (indexed by region code in `by_region`)
/// as the region's pages show them: a name written with е where the region
/// or another of its services writes it with ё takes the ё.
pub(super) fn spell_alike(
    content: &Content,
    services: &mut [ServiceView],
    by_region: &BTreeMap<String, Vec<usize>>,
) {
    // How each region writes its towns (its `[[municipalities]]`).
    let towns: HashMap<&str, Vec<&str>> = content
        .regions
        .iter()
        .filter_map(|r| {
            let names = r.meta.municipalities.iter();
            let code = r.meta.code.as_ref()?.get_ref().as_str();
            Some((code, names.map(|m| m.get_ref().name.as_str()).collect()))
        })
        .collect();
    for (code, idx) in by_region {
        let listed = towns.get(code.as_str()).map_or(&[][..], Vec::as_slice);
        spell_region_alike(services, idx, listed);
    }
}

/// [`spell_alike`] for the services `idx` of one region, which lists the
/// towns `listed` ([`yo_spellings`]).
fn spell_region_alike(services: &mut [ServiceView], idx: &[usize], listed: &[&str]) {
    fn place(s: &ServiceView) -> Option<&str> {
        lists::place_named(s.municipality.as_deref(), s.district.as_deref())
    }
    let places = idx.iter().filter_map(|&i| place(&services[i]));
    let yo = yo_spellings(listed.iter().copied().chain(places));
    if yo.is_empty() {
        return;
    }
    let respelled: Vec<(usize, String)> = idx
        .iter()
        .filter_map(|&i| {
            let shown = yo.get(place(&services[i])?)?;
            Some((i, shown.to_string()))
        })
        .collect();
    for (i, shown) in respelled {
        let s = &mut services[i];
        match &mut s.municipality {
            Some(m) => *m = shown,
            None => s.district = Some(shown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_town_written_with_e_is_spelled_with_yo_when_another_record_has_it() {
        let yo = yo_spellings(["Елкино", "Ёлкино", "Калуга", "Берёзовка", "Ёлкино"]);
        assert_eq!(yo.get("Елкино"), Some(&"Ёлкино"));
        assert_eq!(yo.get("Березовка"), Some(&"Берёзовка"));
        assert_eq!(yo.get("Калуга"), None);
        // Only е is taken for ё: case and other letters are other spellings.
        assert_eq!(yo.get("елкино"), None);
        assert_eq!(yo.len(), 2);
    }
}
