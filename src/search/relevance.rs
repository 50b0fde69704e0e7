//! The relevance set (`tests/search/relevance.toml`): queries as people type
//! them, with the records that should come first, and the two figures that
//! say how well search serves them: found@5 (the share of queries with an
//! expected record in the top 5) and MRR@10 (the mean of 1/rank of the first
//! expected record in the top 10, 0 when none is there).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{QueryOptions, SearchError};

#[derive(Debug, Clone, Deserialize)]
pub struct RelevanceSet {
    #[serde(rename = "query")]
    pub queries: Vec<Judged>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Judged {
    pub q: String,
    /// URLs; one ending in `*` matches any URL it begins.
    pub expect: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    pub q: String,
    /// 1-based rank of the first expected record in the top 10.
    pub rank: Option<usize>,
    pub top: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub queries: usize,
    pub found_at_5: f64,
    pub mrr_at_10: f64,
    pub judgements: Vec<Judgement>,
}

pub fn load(path: &Path) -> Result<RelevanceSet, SearchError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SearchError(format!("{}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| SearchError(format!("{}: {e}", path.display())))
}

pub fn matches(expected: &str, url: &str) -> bool {
    match expected.strip_suffix('*') {
        Some(prefix) => url.starts_with(prefix),
        None => url == expected,
    }
}

/// found@5 and MRR@10 from each query's top 10 URLs.
pub fn judge(set: &RelevanceSet, tops: &[Vec<String>]) -> Report {
    let judgements: Vec<Judgement> = set
        .queries
        .iter()
        .zip(tops)
        .map(|(j, top)| Judgement {
            q: j.q.clone(),
            rank: top
                .iter()
                .take(10)
                .position(|u| j.expect.iter().any(|e| matches(e, u)))
                .map(|i| i + 1),
            top: top.clone(),
        })
        .collect();
    let n = judgements.len().max(1) as f64;
    Report {
        queries: judgements.len(),
        found_at_5: judgements
            .iter()
            .filter(|j| j.rank.is_some_and(|r| r <= 5))
            .count() as f64
            / n,
        mrr_at_10: judgements
            .iter()
            .map(|j| j.rank.map_or(0.0, |r| 1.0 / r as f64))
            .sum::<f64>()
            / n,
        judgements,
    }
}

/// Runs the whole set natively against the index in `index_dir`.
pub fn evaluate(index_dir: &Path, set: &RelevanceSet) -> Result<Report, SearchError> {
    let mut store = super::query::open(index_dir)?;
    let opts = QueryOptions {
        limit: 10,
        ..Default::default()
    };
    let mut tops = Vec::new();
    for j in &set.queries {
        let found = super::query::run(&mut store, index_dir, &opts.request(&j.q))?;
        tops.push(found.hits.into_iter().map(|h| h.url).collect());
    }
    Ok(judge(set, &tops))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_and_mrr_count_the_first_expected_record() {
        let set: RelevanceSet = toml::from_str(
            "[[query]]\nq = \"a\"\nexpect = [\"x/\"]\n[[query]]\nq = \"b\"\nexpect = [\"services/ru-klu/*\"]\n[[query]]\nq = \"c\"\nexpect = [\"z/\"]\n",
        )
        .unwrap();
        let r = judge(
            &set,
            &[
                vec!["x/".into()],
                ["a/", "b/", "c/", "d/", "e/", "services/ru-klu/k/"]
                    .map(String::from)
                    .to_vec(),
                vec!["y/".into()],
            ],
        );
        assert_eq!(r.judgements[0].rank, Some(1));
        assert_eq!(r.judgements[1].rank, Some(6));
        assert_eq!(r.judgements[2].rank, None);
        assert!((r.found_at_5 - 1.0 / 3.0).abs() < 1e-9);
        assert!((r.mrr_at_10 - (1.0 + 1.0 / 6.0) / 3.0).abs() < 1e-9);
    }
}
