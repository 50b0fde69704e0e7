//! The freshness report: records whose `verified` date is older than the
//! portal's limit, grouped by region, oldest first — an editor's to-do list.

use std::fmt::Write as _;

use crate::site::Site;

pub fn report(site: &Site) -> String {
    let mut out = String::new();
    let limit = site.config.stale_after_days;
    let mut total = 0;
    for region in &site.regions {
        let mut stale: Vec<_> = site
            .services_by_region
            .get(&region.code)
            .map(|idx| {
                idx.iter()
                    .map(|&i| &site.services[i])
                    .filter(|s| s.stale)
                    .collect()
            })
            .unwrap_or_default();
        if stale.is_empty() {
            continue;
        }
        stale.sort_by(|a, b| (&a.verified, &a.id).cmp(&(&b.verified, &b.id)));
        total += stale.len();
        let _ = writeln!(out, "{} ({}): {}", region.name, region.code, stale.len());
        for s in stale {
            let _ = writeln!(out, "  {}  проверено {}  {}", s.file, s.verified, s.name);
        }
    }
    if total == 0 {
        let _ = writeln!(
            out,
            "All records were verified within the last {limit} days."
        );
    } else {
        let _ = writeln!(out, "{total} record(s) not verified within {limit} days.");
    }
    out
}
