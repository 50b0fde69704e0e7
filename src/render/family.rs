//! What family pages put first: entries a parent can actually contact (a phone or an
//! e-mail), and for each family route, the regions where its steps can name one.

use crate::site::{RouteView, Site};

/// `idx` split into the services a family can contact and the rest, each in `idx` order.
pub fn contact_first(site: &Site, idx: &[usize]) -> (Vec<usize>, Vec<usize>) {
    idx.iter().partition(|&&i| site.services[i].contactable)
}

/// Every need a route names, on the route itself or on one of its steps.
pub fn route_needs(route: &RouteView) -> Vec<&str> {
    let mut needs: Vec<&str> = route
        .needs
        .iter()
        .chain(route.steps.iter().flat_map(|s| s.needs.iter()))
        .map(|n| &*n.id)
        .collect();
    needs.sort_unstable();
    needs.dedup();
    needs
}

/// The first `at_most` contactable services of `region` that help with any
/// of `needs`, in name order. Pages show a shortlist of them: a region has
/// ~600 services at 50,000, and each of a route's steps asked for them all.
pub fn contactable_for(site: &Site, region: &str, needs: &[&str], at_most: usize) -> Vec<usize> {
    site.services_by_region
        .get(region)
        .map(|idx| {
            idx.iter()
                .copied()
                .filter(|&i| contactable_with(site, i, needs))
                .take(at_most)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the service at `i` is contactable and helps with any of `needs`.
fn contactable_with(site: &Site, i: usize, needs: &[&str]) -> bool {
    let s = &site.services[i];
    s.contactable && s.needs.iter().any(|n| needs.contains(&&*n.id))
}

/// Regions (indexes into `site.regions`) for which a family route gets its own page
/// with local contacts at each step: those with a contactable service for one of the
/// route's needs. Specialist routes and the federation itself get none, and a
/// route that tells one region's procedure (`region`) gets that region's
/// page alone: its steps are not what happens elsewhere.
pub fn route_regions(site: &Site, route: &RouteView) -> Vec<usize> {
    if !route.family {
        return Vec::new();
    }
    let needs = route_needs(route);
    let own = route.region.as_ref().map(|r| &*r.id);
    site.regions
        .iter()
        .enumerate()
        .filter(|(_, r)| r.code != "RU" && own.is_none_or(|own| own == &*r.code))
        .filter(|(_, r)| !contactable_for(site, &r.code, &needs, 1).is_empty())
        .map(|(i, _)| i)
        .collect()
}

/// The site path of a route shown for a region: `routes/<route>/<region>/`.
pub fn route_region_url(route: &RouteView, region_slug: &str) -> String {
    format!("{}{region_slug}/", route.url)
}
