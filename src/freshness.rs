//! The freshness report, an editor's to-do list by region: services nobody
//! has confirmed with the organization yet (their facts are only as of the
//! source document), then those confirmed longer ago than the portal's limit,
//! oldest first.

use std::fmt::Write as _;

use crate::site::{ServiceView, Site};

pub fn report(site: &Site) -> String {
    let mut out = String::new();
    let limit = site.config.stale_after_days;
    let (mut never, mut stale_total) = (0, 0);
    for region in &site.regions {
        let services: Vec<&ServiceView> = site
            .services_by_region
            .get(&region.code)
            .map(|idx| idx.iter().map(|&i| &site.services[i]).collect())
            .unwrap_or_default();
        let mut unverified: Vec<_> = services.iter().filter(|s| s.verified.is_none()).collect();
        let mut stale: Vec<_> = services.iter().filter(|s| s.stale).collect();
        if unverified.is_empty() && stale.is_empty() {
            continue;
        }
        unverified.sort_by(|a, b| (a.as_of, &a.id).cmp(&(b.as_of, &b.id)));
        stale.sort_by(|a, b| (&a.verified, &a.id).cmp(&(&b.verified, &b.id)));
        never += unverified.len();
        stale_total += stale.len();
        let _ = writeln!(
            out,
            "{} ({}): {}",
            region.name,
            region.code,
            unverified.len() + stale.len()
        );
        for s in unverified {
            let as_of = s.as_of.map_or_else(
                || "год источника не указан".to_string(),
                |y| format!("по данным {y} г."),
            );
            let _ = writeln!(
                out,
                "  {}  не сверено с организацией, {as_of}  {}",
                s.file, s.name
            );
        }
        for s in stale {
            let _ = writeln!(
                out,
                "  {}  проверено {}  {}",
                s.file,
                s.verified.as_deref().unwrap_or_default(),
                s.name
            );
        }
    }
    if never + stale_total == 0 {
        let _ = writeln!(
            out,
            "All records were verified within the last {limit} days."
        );
    } else {
        let _ = writeln!(
            out,
            "{never} record(s) never verified with the organization; {stale_total} record(s) not verified within {limit} days."
        );
    }
    out
}
