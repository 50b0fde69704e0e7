//! The search itself, identical natively and in the browser: given the files
//! loaded so far, either name the files still needed (all that can be known
//! at this point, so they are fetched together in one round trip) or answer.
//! The caller loads what is asked for and calls again; natively that is a
//! file read, in the browser a `fetch`.

use crate::format::{self, Entry, Fragment, Manifest};
use crate::passage::{self, Segment};
use crate::query::{Understood, understand};
use crate::ranking::{self as rk, dequantize};

/// Files by key, in the order they arrived. Plain vectors rather than maps:
/// a query loads a few dozen files, and every map type adds kilobytes to the
/// wasm module a family downloads.
struct Loaded<K, V>(Vec<(K, V)>);

impl<K: PartialEq, V> Loaded<K, V> {
    fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.0
            .iter()
            .find(|(k, _)| k.borrow() == key)
            .map(|(_, v)| v)
    }

    fn contains<Q>(&self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.get(key).is_some()
    }

    fn insert(&mut self, key: K, value: V) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

/// The manifest and every file fed so far, parsed.
pub struct Store {
    pub manifest: Manifest,
    dicts: Loaded<String, Vec<(String, u32)>>,
    /// Entries sorted by term, as the file keeps them.
    postings: Loaded<String, Vec<(String, Entry)>>,
    blocks: Loaded<u32, Vec<(u32, u8)>>,
    lists: Loaded<String, Vec<(u32, u8)>>,
    /// Chunk files of fragments, by chunk number.
    fragments: Loaded<u32, Vec<Fragment>>,
}

fn unhex(s: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

impl Store {
    pub fn open(manifest: &[u8]) -> Option<Store> {
        Some(Store {
            manifest: Manifest::decode(manifest)?,
            dicts: Loaded(Vec::new()),
            postings: Loaded(Vec::new()),
            blocks: Loaded(Vec::new()),
            lists: Loaded(Vec::new()),
            fragments: Loaded(Vec::new()),
        })
    }

    /// Takes a file the engine asked for; false if the name or the bytes are
    /// not what the engine expects (the file is then asked for again).
    pub fn feed(&mut self, name: &str, bytes: &[u8]) -> bool {
        let Some((kind, key)) = name
            .strip_prefix("search/")
            .and_then(|n| n.split_once('-'))
            .and_then(|(kind, rest)| Some((kind, unhex(rest.split('.').next()?)?)))
        else {
            return false;
        };
        match kind {
            "d" => format::decode_dict(bytes)
                .map(|d| self.dicts.insert(key, d))
                .is_some(),
            "p" => format::decode_postings(bytes)
                .map(|p| self.postings.insert(key, p))
                .is_some(),
            "o" => match (key.parse(), format::decode_block(bytes)) {
                (Ok(n), Some(b)) => {
                    self.blocks.insert(n, b);
                    true
                }
                _ => false,
            },
            "l" => format::decode_block(bytes)
                .map(|l| self.lists.insert(key, l))
                .is_some(),
            "f" => match (key.parse(), format::decode_fragment_chunk(bytes)) {
                // A chunk must hold exactly the records the manifest puts in it.
                (Ok(n), Some(f)) if f.len() == self.manifest.fragment_chunk_len(n) => {
                    self.fragments.insert(n, f);
                    true
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// A record's fragment, if its chunk file is loaded.
    fn fragment(&self, doc: u32) -> Option<&Fragment> {
        let (chunk, at) = self.manifest.fragment_chunk(doc)?;
        self.fragments.get(&chunk)?.get(at)
    }

    fn file(&self, kind: &str, key: &str) -> String {
        self.manifest.file_name(kind, key)
    }

    fn entry(&self, term: &str) -> Option<&Entry> {
        let shard = self.postings.get(format::postings_key(term).as_str())?;
        let i = shard.binary_search_by(|(t, _)| t.as_str().cmp(term)).ok()?;
        Some(&shard[i].1)
    }
}

/// What the reader asked.
#[derive(Debug, Clone)]
pub struct Request {
    pub query: String,
    pub limit: usize,
    /// As the reader types: the last word may be unfinished.
    pub live: bool,
    /// False when the reader dropped the place the engine understood.
    pub use_place: bool,
    /// Facet filters as list keys: `t:service`, `r:RU-KLU`, `n:crisis`,
    /// `a:family`, `k:ngo`.
    pub filters: Vec<String>,
    pub closeness: f32,
}

impl Request {
    pub fn new(query: &str, limit: usize) -> Request {
        Request {
            query: query.to_string(),
            limit: limit.max(1),
            live: false,
            use_place: true,
            filters: Vec::new(),
            closeness: rk::CLOSENESS,
        }
    }

    /// Adds a facet filter: `facet` is type, region, need, audience or kind.
    pub fn filter(&mut self, facet: &str, value: &str) {
        let prefix = match facet {
            "type" => "t",
            "region" => "r",
            "need" => "n",
            "audience" => "a",
            "kind" => "k",
            _ => return,
        };
        self.filters.push(format!("{prefix}:{value}"));
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubHit {
    pub title: String,
    pub url: String,
    pub excerpt: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: u32,
    pub score: f32,
    pub url: String,
    pub title: String,
    pub doc_type: String,
    pub type_label: String,
    pub region: String,
    pub excerpt: Vec<Segment>,
    pub sections: Vec<SubHit>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlaceHit {
    pub label: String,
    pub region: String,
    pub town: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    /// The terms searched, with where each came from.
    pub terms: Vec<(String, f32)>,
    pub place: Option<PlaceHit>,
    /// Needs the query was understood to mean: id, label.
    pub needs: Vec<(String, String)>,
    pub hits: Vec<Hit>,
    /// False when the engine stopped early: then any record left out scores
    /// at most `1 + closeness` times the last one shown.
    pub exact: bool,
}

pub enum Outcome {
    /// Load these files (all together), feed them, and search again.
    Need(Vec<String>),
    Done(Results),
}

struct Missing(Vec<String>);

impl Missing {
    fn add(&mut self, name: String) {
        if !self.0.contains(&name) {
            self.0.push(name);
        }
    }
}

/// One posting list in play: a term's loaded documents, in impact order.
struct List<'a> {
    weight: f32,
    /// A word the reader typed (or its correction or synonym), as opposed to
    /// a guess: a completion of the last word or a need's label.
    direct: bool,
    max: f32,
    first: &'a [(u32, u8)],
    more: Vec<&'a [(u32, u8)]>,
    pending: Vec<u32>,
}

impl List<'_> {
    fn items(&self) -> impl Iterator<Item = &(u32, u8)> {
        self.first
            .iter()
            .chain(self.more.iter().flat_map(|b| b.iter()))
    }

    /// The most a document not loaded yet can get from this list.
    fn bound(&self) -> f32 {
        if self.pending.is_empty() {
            return 0.0;
        }
        let last = self
            .more
            .last()
            .and_then(|b| b.last())
            .or(self.first.last());
        last.map_or(self.max, |&(_, q)| dequantize(q, self.max)) * self.weight
    }
}

/// The `k` best items, best first, by one pass that keeps a short sorted
/// buffer: results need only the top, and the standard sorts add tens of
/// kilobytes of code per use to the wasm module.
fn top_k<T: Copy>(
    items: impl Iterator<Item = T>,
    k: usize,
    better: impl Fn(&T, &T) -> bool,
) -> Vec<T> {
    let mut top: Vec<T> = Vec::with_capacity(k + 1);
    for item in items {
        if top.len() == k && !top.last().is_some_and(|last| better(&item, last)) {
            continue;
        }
        let at = top
            .iter()
            .position(|x| better(&item, x))
            .unwrap_or(top.len());
        top.insert(at, item);
        top.truncate(k);
    }
    top
}

pub fn search(store: &Store, req: &Request) -> Outcome {
    let m = &store.manifest;
    let lx = &m.lexicon;
    let u = understand(&req.query, lx, req.use_place);
    let mut missing = Missing(Vec::new());
    let has = |keys: &[String], k: &str| keys.binary_search_by(|x| x.as_str().cmp(k)).is_ok();

    // Round one: everything the words themselves point at.
    let place = u.place.map(|i| &lx.places[i]);
    let mut list_keys: Vec<String> = Vec::new();
    if let Some(p) = place {
        list_keys.push(format!("r:{}", p.region));
        list_keys.push("r:".into());
        if !p.town.is_empty() {
            list_keys.push(format!("m:{}", p.town));
        }
    }
    for &n in &u.needs {
        list_keys.push(format!("n:{}", lx.needs[n].id));
    }
    list_keys.extend(req.filters.iter().cloned());
    for k in &list_keys {
        if has(&m.list_keys, k) && !store.lists.contains(k.as_str()) {
            missing.add(store.file("l", k));
        }
    }
    let want_postings = |t: &str, missing: &mut Missing| {
        let key = format::postings_key(t);
        if has(&m.postings_keys, &key) && !store.postings.contains(key.as_str()) {
            missing.add(store.file("p", &key));
        }
    };
    let want_dict = |t: &str, missing: &mut Missing| {
        let key = format::dict_key(t);
        if has(&m.dict_keys, &key) && !store.dicts.contains(key.as_str()) {
            missing.add(store.file("d", &key));
        }
    };
    // What the words will most likely expand to (no typos): synonyms and
    // the labels of needs meant, fetched in the same round trip.
    for t in &u.terms {
        want_postings(t, &mut missing);
    }
    for group in &lx.synonyms {
        let hit = group
            .iter()
            .any(|member| !member.is_empty() && member.iter().all(|t| u.terms.contains(t)));
        if hit {
            for t in group.iter().flatten() {
                want_postings(t, &mut missing);
            }
        }
    }
    for &n in &u.needs {
        for t in &lx.needs[n].label_terms {
            want_postings(t, &mut missing);
        }
    }
    let last = u.words.last().filter(|w| {
        req.live && !w.stop && w.normalized.chars().count() >= rk::COMPLETION_MIN_CHARS
    });
    if let Some(w) = last {
        want_dict(&w.normalized, &mut missing);
    }
    if !missing.0.is_empty() {
        return Outcome::Need(missing.0);
    }

    // Round two: typos, completions, synonyms.
    let mut terms: Vec<(String, f32)> = Vec::new();
    let push = |terms: &mut Vec<(String, f32)>, t: &str, w: f32| {
        if !terms.iter().any(|(x, _)| x == t) {
            terms.push((t.to_string(), w));
        }
    };
    let completions: Vec<String> = match last {
        Some(w) => {
            let dict = store
                .dicts
                .get(format::dict_key(&w.normalized).as_str())
                .map_or(&[][..], |d| &d[..]);
            let matching = dict
                .iter()
                .filter(|(t, _)| t.starts_with(&w.normalized) && *t != w.stem);
            top_k(matching, rk::COMPLETIONS, |a, b| {
                a.1 > b.1 || (a.1 == b.1 && a.0 < b.0)
            })
            .into_iter()
            .map(|(t, _)| t.clone())
            .collect()
        }
        None => Vec::new(),
    };
    // Words that only carry the sentence are not searched for (unless they
    // are all there is).
    let base: Vec<&String> = {
        let kept: Vec<&String> = u.terms.iter().filter(|t| !rk::is_filler(t)).collect();
        if kept.is_empty() {
            u.terms.iter().collect()
        } else {
            kept
        }
    };
    for (i, t) in base.iter().enumerate() {
        let t: &str = t;
        let is_last = last.is_some_and(|w| w.stem == t) && i + 1 == base.len();
        if store.entry(t).is_some() || t.chars().count() < rk::TYPO_MIN_CHARS {
            push(&mut terms, t, rk::WEIGHT_TYPED);
            continue;
        }
        if is_last && !completions.is_empty() {
            continue;
        }
        want_dict(t, &mut missing);
        let Some(dict) = store.dicts.get(format::dict_key(t).as_str()) else {
            continue;
        };
        let best = dict
            .iter()
            .filter(|(cand, _)| opora_analyzer::edit_distance_within(cand, t, 1) == 1)
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((cand, _)) => push(&mut terms, cand, rk::WEIGHT_TYPO),
            None => push(&mut terms, t, rk::WEIGHT_TYPED),
        }
    }
    let present: Vec<String> = terms.iter().map(|(t, _)| t.clone()).collect();
    for group in &lx.synonyms {
        let hit = group
            .iter()
            .any(|member| !member.is_empty() && member.iter().all(|t| present.contains(t)));
        if hit {
            for t in group.iter().flatten() {
                push(&mut terms, t, rk::WEIGHT_SYNONYM);
            }
        }
    }
    for c in &completions {
        push(&mut terms, c, rk::WEIGHT_COMPLETION);
    }
    for &n in &u.needs {
        for t in &lx.needs[n].label_terms {
            push(&mut terms, t, rk::WEIGHT_NEED_LABEL);
        }
    }
    for (t, _) in &terms {
        want_postings(t, &mut missing);
    }
    if !missing.0.is_empty() {
        return Outcome::Need(missing.0);
    }

    // Filters and place: complete membership lists, as flags per document.
    let docs = m.docs as usize;
    let flags = |k: &str| -> Vec<bool> {
        let mut f = vec![false; docs];
        for &(d, _) in store.lists.get(k).map_or(&[][..], |l| &l[..]) {
            if let Some(x) = f.get_mut(d as usize) {
                *x = true;
            }
        }
        f
    };
    let filters: Vec<Vec<bool>> = req.filters.iter().map(|k| flags(k)).collect();
    let allowed = |d: u32| filters.iter().all(|f| f.get(d as usize) == Some(&true));
    let empty = Vec::new();
    let (town, region, national) = match place {
        Some(p) => (
            if p.town.is_empty() {
                empty.clone()
            } else {
                flags(&format!("m:{}", p.town))
            },
            flags(&format!("r:{}", p.region)),
            flags("r:"),
        ),
        None => (empty.clone(), empty.clone(), empty),
    };
    let is = |f: &Vec<bool>, d: u32| f.get(d as usize) == Some(&true);
    // The town's own records score a little more within the place's tier.
    let bonus = |d: u32| if is(&town, d) { rk::TOWN_BONUS } else { 1.0 };
    let max_bonus = if town.is_empty() { 1.0 } else { rk::TOWN_BONUS };
    // The place tier a record would join (if it matches what was typed).
    let class = |d: u32| -> u8 {
        if place.is_none() {
            rk::ELSEWHERE
        } else if is(&town, d) || is(&region, d) {
            rk::IN_PLACE
        } else if is(&national, d) {
            rk::NATIONAL
        } else {
            rk::ELSEWHERE
        }
    };
    // Round three and on: postings blocks while the top could still change.
    let mut lists: Vec<List> = Vec::new();
    for (t, w) in &terms {
        let Some(e) = store.entry(t) else { continue };
        // A need's label leads to records about it only through its rarer
        // words («няня», not «ребёнок»).
        if *w == rk::WEIGHT_NEED_LABEL && e.df > m.docs / 20 {
            continue;
        }
        let mut l = List {
            weight: *w,
            direct: *w >= rk::WEIGHT_SYNONYM,
            max: e.max,
            first: &e.first,
            more: Vec::new(),
            pending: Vec::new(),
        };
        for o in &e.overflow {
            match store.blocks.get(o) {
                Some(b) if l.pending.is_empty() => l.more.push(b),
                _ => l.pending.push(*o),
            }
        }
        lists.push(l);
    }
    // Dense sums: the order of additions per document is the order of the
    // lists, the same natively and in wasm, so scores agree to the bit.
    let mut sums = vec![0f32; docs];
    let mut touched = vec![false; docs];
    let mut candidates: Vec<u32> = Vec::new();
    let mut direct = vec![false; docs];
    let mut add = |d: u32, v: f32, is_direct: bool| {
        if is_direct && let Some(x) = direct.get_mut(d as usize) {
            *x = true;
        }
        if let Some(s) = sums.get_mut(d as usize) {
            *s += v;
            if !touched[d as usize] {
                touched[d as usize] = true;
                candidates.push(d);
            }
        }
    };
    for l in &lists {
        for &(d, q) in l.items() {
            add(d, l.weight * dequantize(q, l.max), l.direct);
        }
    }
    for &n in &u.needs {
        if let Some(list) = store.lists.get(format!("n:{}", lx.needs[n].id).as_str()) {
            for &(d, q) in list {
                add(d, rk::MEANING * dequantize(q, rk::PRIOR_MAX), true);
            }
        }
    }
    // A long record whose one section answers the query well: its best
    // section adds to it (section postings are never split into blocks, so
    // this is known for every record).
    let mut section_scores: Vec<(u32, u32, f32, bool)> = Vec::new();
    for (t, w) in &terms {
        let Some(e) = store.entry(t) else { continue };
        for &(d, idx, q) in &e.sections {
            let v = w * dequantize(q, e.section_max);
            match section_scores.iter_mut().find(|x| x.0 == d && x.1 == idx) {
                Some(x) => {
                    x.2 += v;
                    x.3 |= *w >= rk::WEIGHT_SYNONYM;
                }
                None => section_scores.push((d, idx, v, *w >= rk::WEIGHT_SYNONYM)),
            }
        }
    }
    let mut best_section: Vec<(u32, f32, bool)> = Vec::new();
    for &(d, _, v, dir) in &section_scores {
        match best_section.iter_mut().find(|x| x.0 == d) {
            Some(x) if x.1 < v => *x = (d, v, dir),
            Some(_) => {}
            None => best_section.push((d, v, dir)),
        }
    }
    for &(d, v, dir) in &best_section {
        add(d, rk::SECTION * v, dir);
    }
    // A record joins its place's tier when it matches what the reader
    // typed (or a need the query means), not merely a guess.
    let tier = |d: u32, _score: f32| {
        if direct[d as usize] {
            class(d)
        } else {
            rk::ELSEWHERE
        }
    };
    // (doc, tier, score)
    let scored = candidates
        .iter()
        .filter(|&&d| allowed(d))
        .map(|&d| (d, tier(d, sums[d as usize]), sums[d as usize] * bonus(d)));
    let better = |a: &(u32, u8, f32), b: &(u32, u8, f32)| {
        a.1 > b.1 || (a.1 == b.1 && (a.2 > b.2 || (a.2 == b.2 && a.0 < b.0)))
    };
    // The top, in order, then every other candidate (unordered).
    let mut ranked = top_k(scored.clone(), req.limit, better);
    let mut shown = vec![false; docs];
    for &(d, _, _) in &ranked {
        shown[d as usize] = true;
    }
    ranked.extend(scored.filter(|(d, _, _)| !shown[*d as usize]));
    let pending: Vec<&List> = lists.iter().filter(|l| !l.pending.is_empty()).collect();
    let mut exact = true;
    if !pending.is_empty() {
        let loaded: Vec<Vec<bool>> = pending
            .iter()
            .map(|l| {
                let mut f = vec![false; docs];
                for &(d, _) in l.items() {
                    if let Some(x) = f.get_mut(d as usize) {
                        *x = true;
                    }
                }
                f
            })
            .collect();
        let missing_mass = |d: u32| -> f32 {
            pending
                .iter()
                .zip(&loaded)
                .filter(|(_, seen)| !is(seen, d))
                .map(|(l, _)| l.bound())
                .sum::<f32>()
                * bonus(d)
        };
        let full = ranked.len() >= req.limit;
        let (kth_tier, kth) = if full {
            (ranked[req.limit - 1].1, ranked[req.limit - 1].2)
        } else {
            (rk::ELSEWHERE, 0.0)
        };
        // Whether a record that could reach `tier` and score `upper` might
        // still come before the last one shown, allowing `slack`.
        let could_pass =
            |t: u8, upper: f32, slack: f32| t > kth_tier || (t == kth_tier && upper > kth + slack);
        let direct_pending: Vec<&Vec<bool>> = pending
            .iter()
            .zip(&loaded)
            .filter(|(l, _)| l.direct)
            .map(|(_, seen)| seen)
            .collect();
        // The best tier a record could still reach.
        let reach = |d: u32| -> u8 {
            if direct[d as usize] || direct_pending.iter().any(|seen| !is(seen, d)) {
                class(d)
            } else {
                rk::ELSEWHERE
            }
        };
        // Records no loaded list holds: the best tier any of them is in.
        let unseen_tier = if direct_pending.is_empty() {
            rk::ELSEWHERE
        } else {
            (0..m.docs)
                .filter(|&d| !touched[d as usize])
                .map(class)
                .max()
                .unwrap_or(rk::ELSEWHERE)
        };
        let unseen: f32 = pending.iter().map(|l| l.bound()).sum::<f32>() * max_bonus;
        let close_within = |slack: f32| {
            full && !could_pass(unseen_tier, unseen, slack)
                && ranked[..req.limit]
                    .iter()
                    .all(|&(d, t, _)| missing_mass(d) <= slack && reach(d) == t)
                && ranked[req.limit..]
                    .iter()
                    .all(|&(d, _, s)| !could_pass(reach(d), s + missing_mass(d), slack))
        };
        let slack = kth * req.closeness;
        if !close_within(slack) {
            let top = pending.iter().map(|l| l.bound()).fold(0.0f32, f32::max);
            // Several blocks per list at a time: on a slow network a round
            // trip costs far more than a block's few kilobytes.
            for l in &pending {
                if !full || l.bound() > slack || l.bound() >= top {
                    for o in l.pending.iter().take(rk::BLOCKS_PER_ROUND) {
                        missing.add(store.file("o", &o.to_string()));
                    }
                }
            }
            return Outcome::Need(missing.0);
        }
        exact = close_within(0.0);
    }
    let mut ranked: Vec<(u32, f32)> = ranked.into_iter().map(|(d, _, s)| (d, s)).collect();
    ranked.truncate(req.limit);
    // A need page no service carries is never the first answer.
    let dead_end = |d: u32| {
        lx.needs
            .iter()
            .any(|n| n.services == 0 && n.page == Some(d))
    };
    if ranked.len() > 1 && dead_end(ranked[0].0) {
        let next = ranked.iter().position(|&(d, _)| !dead_end(d)).unwrap_or(0);
        let first = ranked.remove(0);
        ranked.insert(next, first);
    }

    // Last round: what the shown records need to be drawn (records next to
    // each other in the index share a chunk file, asked for once).
    for &(d, _) in &ranked {
        if let Some((chunk, _)) = m.fragment_chunk(d)
            && !store.fragments.contains(&chunk)
        {
            missing.add(store.file("f", &chunk.to_string()));
        }
    }
    if !missing.0.is_empty() {
        return Outcome::Need(missing.0);
    }
    let marked: Vec<&str> = terms
        .iter()
        .map(|(t, _)| t.as_str())
        .chain(u.place_stems.iter().map(String::as_str))
        .collect();
    let wanted = |t: &str| marked.contains(&t);
    let hits = ranked
        .iter()
        .filter_map(|&(d, score)| {
            let f = store.fragment(d)?;
            Some(hit(store, &terms, &wanted, d, score, f))
        })
        .collect();
    Outcome::Done(Results {
        terms,
        place: place.map(|p| PlaceHit {
            label: p.label.clone(),
            region: p.region.clone(),
            town: p.town.clone(),
        }),
        needs: u
            .needs
            .iter()
            .map(|&i| (lx.needs[i].id.clone(), lx.needs[i].label.clone()))
            .collect(),
        hits,
        exact,
    })
}

/// Best sections of a long record shown as sub-results.
const SUB_RESULTS: usize = 3;

fn hit(
    store: &Store,
    terms: &[(String, f32)],
    wanted: &dyn Fn(&str) -> bool,
    doc: u32,
    score: f32,
    f: &Fragment,
) -> Hit {
    let mut scores: Vec<(u32, f32)> = Vec::new();
    for (t, w) in terms {
        let Some(e) = store.entry(t) else { continue };
        for &(_, idx, q) in e.sections.iter().filter(|s| s.0 == doc) {
            let v = w * dequantize(q, e.section_max);
            match scores.iter_mut().find(|(i, _)| *i == idx) {
                Some(slot) => slot.1 += v,
                None => scores.push((idx, v)),
            }
        }
    }
    let best = top_k(scores.into_iter(), SUB_RESULTS, |a, b| {
        a.1 > b.1 || (a.1 == b.1 && a.0 < b.0)
    });
    let sections: Vec<SubHit> = best
        .iter()
        .filter_map(|&(i, _)| f.sections.get(i as usize))
        .take(SUB_RESULTS)
        .map(|(heading, anchor, text)| SubHit {
            title: heading.clone(),
            url: format!("{}#{}", f.url, anchor),
            excerpt: passage::excerpt(text, wanted),
        })
        .collect();
    let mut excerpt = passage::excerpt(&f.text, wanted);
    if !excerpt.iter().any(|s| s.mark)
        && let Some(first) = sections.first()
    {
        excerpt = first.excerpt.clone();
    }
    Hit {
        doc,
        score,
        url: f.url.clone(),
        title: f.title.clone(),
        doc_type: f.doc_type.clone(),
        type_label: f.type_label.clone(),
        region: f.region.clone(),
        excerpt,
        sections,
    }
}

/// Runs a search to the end with a synchronous loader (the native CLI and
/// tests): `load(name)` returns a file's bytes.
pub fn run(
    store: &mut Store,
    req: &Request,
    load: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
) -> Result<Results, String> {
    // Each round loads at least one new file, so this ends; the bound only
    // guards against a loader that hands back files the engine cannot read.
    for _ in 0..10_000 {
        match search(store, req) {
            Outcome::Done(r) => return Ok(r),
            Outcome::Need(files) => {
                for name in files {
                    let bytes = load(&name).ok_or_else(|| format!("{name} is missing"))?;
                    if !store.feed(&name, &bytes) {
                        return Err(format!("{name} is damaged; rebuild the site"));
                    }
                }
            }
        }
    }
    Err("the search did not finish".into())
}

/// The engine's notion of what was understood, for tests.
pub fn understood(store: &Store, query: &str) -> Understood {
    understand(query, &store.manifest.lexicon, true)
}
