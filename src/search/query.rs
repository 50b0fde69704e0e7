//! Native queries: the same engine the browser runs (`opora-search-core`),
//! reading the static export saved beside the tantivy index.

use std::path::Path;

use opora_search_core::{Request, Results, Store};

use super::SearchError;
use super::index::MANIFEST_POINTER;

#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    pub limit: usize,
    pub doc_type: Option<String>,
    pub region: Option<String>,
    /// Taxonomy need id, e.g. `crisis`.
    pub need: Option<String>,
    /// `family` or `specialist`.
    pub audience: Option<String>,
    /// Taxonomy kind id (services) or programme kind.
    pub kind: Option<String>,
    /// Ignore a place named in the query (the reader dropped it).
    pub no_place: bool,
    /// As the reader types: complete the last word.
    pub live: bool,
    /// Fetch postings until the results are exact, not just provably close.
    pub exact: bool,
}

impl QueryOptions {
    pub fn request(&self, q: &str) -> Request {
        let mut req = Request::new(q, if self.limit == 0 { 10 } else { self.limit });
        req.use_place = !self.no_place;
        req.live = self.live;
        if self.exact {
            req.closeness = 0.0;
        }
        for (facet, value) in [
            ("type", &self.doc_type),
            ("region", &self.region),
            ("need", &self.need),
            ("audience", &self.audience),
            ("kind", &self.kind),
        ] {
            if let Some(v) = value {
                req.filter(facet, v);
            }
        }
        req
    }
}

/// Opens the engine over the export saved in `index_dir`.
pub fn open(index_dir: &Path) -> Result<Store, SearchError> {
    let manifest = std::fs::read_to_string(index_dir.join(MANIFEST_POINTER)).map_err(|_| {
        SearchError(format!(
            "no search index in {}; run `opora build` first",
            index_dir.display()
        ))
    })?;
    let bytes = std::fs::read(index_dir.join(manifest.trim()))?;
    Store::open(&bytes).ok_or_else(|| {
        SearchError(format!(
            "the search index in {} is damaged or from another version; run `opora build`",
            index_dir.display()
        ))
    })
}

/// Runs a query on an open engine, loading files from `index_dir` as asked.
pub fn run(store: &mut Store, index_dir: &Path, req: &Request) -> Result<Results, SearchError> {
    opora_search_core::run(store, req, &mut |name| {
        std::fs::read(index_dir.join(name)).ok()
    })
    .map_err(|e| SearchError(format!("search index in {}: {e}", index_dir.display())))
}

pub fn search(index_dir: &Path, q: &str, opts: &QueryOptions) -> Result<Results, SearchError> {
    let mut store = open(index_dir)?;
    run(&mut store, index_dir, &opts.request(q))
}
