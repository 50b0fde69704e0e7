//! What the pages of one paginated list share, made once for all of them:
//! a region's or a need's services split and grouped, a municipality's
//! services by distance, a region's counts and links. Every page of a list
//! used to make it all again — for a region of 600 services cut into 20
//! pages, 20 times — and a kept page's context is made like a rendered one's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::site::{ServiceView, Site};

/// Services cut into pages as one sequence: those a family can contact
/// first (as cards), then the rest, grouped by municipality.
pub(crate) struct ServiceList {
    pub contact: Vec<usize>,
    pub rest: Vec<usize>,
    /// For each group of `rest`: how many services it has, and where its
    /// first one stands in `rest`.
    groups: HashMap<String, (usize, usize)>,
}

impl ServiceList {
    /// The services `idx`, in that order within each part.
    pub fn new(site: &Site, idx: &[usize]) -> ServiceList {
        let (contact, rest) = super::family::contact_first(site, idx);
        let mut groups: HashMap<String, (usize, usize)> = HashMap::new();
        for (pos, &i) in rest.iter().enumerate() {
            let name = group_name(&site.services[i]);
            match groups.get_mut(name) {
                Some(group) => group.0 += 1,
                None => {
                    groups.insert(name.to_string(), (1, pos));
                }
            }
        }
        ServiceList {
            contact,
            rest,
            groups,
        }
    }

    pub fn len(&self) -> usize {
        self.contact.len() + self.rest.len()
    }

    /// The size of the group `name` of `rest`, and whether it began before
    /// position `start` of `rest` (on an earlier page).
    pub fn group(&self, name: &str, start: usize) -> (usize, bool) {
        self.groups
            .get(name)
            .map_or((0, false), |&(size, first)| (size, first < start))
    }
}

/// The group of services whose records name no municipality or district.
/// It says just that: «Весь регион» would claim each serves the whole
/// region, which their sources mostly do not say.
pub(crate) const NO_PLACE_NAMED: &str = "Город или район не указан";

/// The group a service is listed under: its municipality (its district in
/// a city), or [`NO_PLACE_NAMED`].
pub(crate) fn group_name(s: &ServiceView) -> &str {
    place_named(s.municipality.as_deref(), s.district.as_deref()).unwrap_or(NO_PLACE_NAMED)
}

/// The place a service's record names for it, which its group is named
/// after: its municipality, else its district.
pub(crate) fn place_named<'a>(
    municipality: Option<&'a str>,
    district: Option<&'a str>,
) -> Option<&'a str> {
    municipality.or(district)
}

/// What a group's heading is addressed by (its `id` on a region's pages,
/// `m-kaluga`, is made from it by the templates): two places of one region
/// whose names give the same one would share it, so `opora check` refuses
/// them (`collections::services`).
pub(crate) fn group_slug(name: &str) -> String {
    crate::ru::slugify(name)
}

/// Where a group stands among a page's groups: places in Russian
/// alphabetical order (ё with е, case ignored), then the services with no
/// place named — that is not a place name to be sorted among them.
pub(crate) fn group_order(name: &str) -> (bool, String) {
    (name == NO_PLACE_NAMED, crate::ru::fold(name))
}

/// One shared part for each of a set of lists (by number), made by the
/// first of its pages to be rendered — pages render on every core, so the
/// others wait for it rather than make it too — and let go once all its
/// pages had it, so no more than the lists being rendered are held.
pub(crate) struct PerList<T> {
    slots: Vec<Mutex<Slot<T>>>,
}

struct Slot<T> {
    part: Option<Arc<T>>,
    /// Pages that had the part so far.
    used: usize,
}

impl<T> PerList<T> {
    pub fn new(lists: usize) -> PerList<T> {
        PerList {
            slots: (0..lists)
                .map(|_| {
                    Mutex::new(Slot {
                        part: None,
                        used: 0,
                    })
                })
                .collect(),
        }
    }

    /// List `list`'s part, made by `make` unless held; `pages` says how many
    /// pages the list has. A page asked for again after the last (the dev
    /// server renders one page at a time) makes it again.
    pub fn get(
        &self,
        list: usize,
        make: impl FnOnce() -> T,
        pages: impl Fn(&T) -> usize,
    ) -> Arc<T> {
        let Some(slot) = self.slots.get(list) else {
            return Arc::new(make());
        };
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        let part = match &slot.part {
            Some(part) => part.clone(),
            None => {
                slot.used = 0;
                let part = Arc::new(make());
                slot.part = Some(part.clone());
                part
            }
        };
        slot.used += 1;
        if slot.used >= pages(&part) {
            slot.part = None;
        }
        part
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_go_in_russian_order_and_services_with_no_place_last() {
        let mut names = vec![
            NO_PLACE_NAMED,
            "Ёлкинский район",
            "Ейск",
            "Абинск",
            "Жуковка",
        ];
        names.sort_by_cached_key(|n| group_order(n));
        assert_eq!(
            names,
            [
                "Абинск",
                "Ейск",
                "Ёлкинский район",
                "Жуковка",
                NO_PLACE_NAMED
            ]
        );
    }

    #[test]
    fn a_part_is_made_once_for_all_pages_of_its_list_then_let_go() {
        let lists: PerList<String> = PerList::new(2);
        let made = std::sync::atomic::AtomicUsize::new(0);
        let make = |name: &str| {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            name.to_string()
        };
        for _ in 0..3 {
            assert_eq!(*lists.get(0, || make("a"), |_| 3), "a");
        }
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert!(lists.slots[0].lock().unwrap().part.is_none());
        assert_eq!(*lists.get(1, || make("b"), |_| 2), "b");
        assert!(lists.slots[1].lock().unwrap().part.is_some());
        // Asked again after its last page: made again.
        assert_eq!(*lists.get(0, || make("a"), |_| 3), "a");
        assert_eq!(*lists.get(5, || make("c"), |_| 1), "c");
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 4);
    }
}
