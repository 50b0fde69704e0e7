//! Opora's search engine, one implementation for the native CLI
//! (`opora search`) and the browser (compiled to wasm in
//! `crates/opora-search-wasm`): query analysis with the shared Russian
//! analyzer, places and need phrases from the lexicon, typo correction,
//! completion of the last word, glossary synonyms, scoring with priors and
//! place factors, early stopping with a proven bound, passages and
//! section sub-results. The exporter (`src/search/export.rs`) writes the
//! files this engine reads, with the encoders of [`format`].

pub mod codec;
pub mod engine;
pub mod format;
pub mod json;
pub mod passage;
pub mod query;
pub mod ranking;

pub use engine::{Hit, Outcome, PlaceHit, Request, Results, Store, SubHit, run, search};

fn segments_json(out: &mut String, segs: &[passage::Segment]) {
    out.push('[');
    for (i, s) in segs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        json::string(out, &s.text);
        out.push_str(if s.mark { ",1]" } else { ",0]" });
    }
    out.push(']');
}

impl Results {
    /// The answer as the browser script reads it.
    pub fn to_json(&self) -> String {
        let mut o = String::new();
        o.push_str("{\"terms\":[");
        for (i, (t, w)) in self.terms.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            json::string(&mut o, t);
            o.push(',');
            json::number(&mut o, *w);
            o.push(']');
        }
        o.push_str("],\"place\":");
        match &self.place {
            Some(p) => {
                o.push_str("{\"label\":");
                json::string(&mut o, &p.label);
                o.push_str(",\"region\":");
                json::string(&mut o, &p.region);
                o.push_str(",\"town\":");
                json::string(&mut o, &p.town);
                o.push('}');
            }
            None => o.push_str("null"),
        }
        o.push_str(",\"needs\":[");
        for (i, (id, label)) in self.needs.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"id\":");
            json::string(&mut o, id);
            o.push_str(",\"label\":");
            json::string(&mut o, label);
            o.push('}');
        }
        o.push_str("],\"exact\":");
        o.push_str(if self.exact { "true" } else { "false" });
        o.push_str(",\"results\":[");
        for (i, h) in self.hits.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"doc\":");
            o.push_str(&h.doc.to_string());
            o.push_str(",\"score\":");
            json::number(&mut o, h.score);
            for (k, v) in [
                ("url", &h.url),
                ("title", &h.title),
                ("type", &h.doc_type),
                ("typeLabel", &h.type_label),
                ("region", &h.region),
            ] {
                o.push_str(",\"");
                o.push_str(k);
                o.push_str("\":");
                json::string(&mut o, v);
            }
            o.push_str(",\"excerpt\":");
            segments_json(&mut o, &h.excerpt);
            o.push_str(",\"sections\":[");
            for (j, s) in h.sections.iter().enumerate() {
                if j > 0 {
                    o.push(',');
                }
                o.push_str("{\"title\":");
                json::string(&mut o, &s.title);
                o.push_str(",\"url\":");
                json::string(&mut o, &s.url);
                o.push_str(",\"excerpt\":");
                segments_json(&mut o, &s.excerpt);
                o.push('}');
            }
            o.push_str("]}");
        }
        o.push_str("]}");
        o
    }
}
