//! Each service's card (`templates/partials/service_card.html`), rendered
//! once per build and handed to every list that shows it as ready HTML.
//!
//! A service appears on many lists: its region's page, the page of each of
//! its region's municipalities (which list the whole region by distance),
//! each of its needs in the region, the routes' steps. At 100,000 services
//! that is over a million cards for 100,000 services. Rendering each card
//! once, and giving lists the HTML instead of the card's fields, saves
//! building, fingerprinting (`super::fingerprint`) and rendering the same
//! card again on every list.
//!
//! A card is rendered with `s` (the card's fields, [`super::pages::Pages::card`])
//! and the values every page shares (`base`, `site`…), never with a page's
//! own values: that is what makes one rendering right on every page.

use std::sync::OnceLock;

use minijinja::{Environment, Value, context};

use crate::diag::Diagnostic;

/// The card's template, inside `templates/`.
pub const CARD_TEMPLATE: &str = "partials/service_card.html";

pub struct Cards {
    env: Environment<'static>,
    /// The values every page shares, which a card may use too.
    shared: Value,
    /// Each service's card, by its index in `site.services`, once rendered.
    html: Vec<OnceLock<Value>>,
    /// Each service's card key (the hash of its fields' layout), once made:
    /// a service shows on every municipality page of its region.
    keys: Vec<OnceLock<u128>>,
    /// The first card that failed to render: the build fails with it.
    failure: OnceLock<Diagnostic>,
}

impl Cards {
    /// Cards for `services` services, rendered with `env` (the pages'
    /// environment) and the values every page shares.
    pub fn new(env: &Environment<'static>, shared: Value, services: usize) -> Cards {
        Cards {
            env: env.clone(),
            shared,
            html: (0..services).map(|_| OnceLock::new()).collect(),
            keys: (0..services).map(|_| OnceLock::new()).collect(),
            failure: OnceLock::new(),
        }
    }

    /// Service `i`'s card as HTML, rendered from `fields` the first time it
    /// is asked for. A card that fails to render is empty, and
    /// [`Cards::failure`] says why; `page` (the service's page) names it.
    pub fn html(&self, i: usize, page: &str, fields: impl FnOnce() -> Value) -> Value {
        self.html[i]
            .get_or_init(|| {
                let ctx =
                    minijinja::value::merge_maps([context! { s => fields() }, self.shared.clone()]);
                match self
                    .env
                    .get_template(CARD_TEMPLATE)
                    .and_then(|t| t.render(ctx))
                {
                    Ok(html) => Value::from_safe_string(html),
                    Err(e) => {
                        let what = format!("the card of {page}");
                        let _ = self
                            .failure
                            .set(super::template_error(CARD_TEMPLATE, &what, &e));
                        Value::from_safe_string(String::new())
                    }
                }
            })
            .clone()
    }

    /// Service `i`'s card key: the hash of what `fields` lays out (see
    /// `super::layout`), made the first time it is asked for.
    pub fn key<T: serde::Serialize>(&self, i: usize, fields: impl FnOnce() -> T) -> u128 {
        *self.keys[i].get_or_init(|| {
            let mut buf = Vec::new();
            super::layout::write(&fields(), &mut buf);
            xxhash_rust::xxh3::xxh3_128(&buf)
        })
    }

    /// Why a card could not be rendered, if one could not.
    pub fn failure(&self) -> Option<&Diagnostic> {
        self.failure.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn env_with_card(card: &str) -> (tempfile::TempDir, Environment<'static>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("partials")).unwrap();
        std::fs::write(dir.path().join(CARD_TEMPLATE), card).unwrap();
        let env = super::super::environment(dir.path(), Default::default());
        (dir, env)
    }

    #[test]
    fn a_card_is_rendered_once_with_its_fields_and_the_shared_values() {
        let (_dir, env) =
            env_with_card("<li><a href=\"{{ base }}{{ s.url }}\">{{ s.name }}</a></li>\n");
        let cards = Cards::new(&env, context! { base => "/p/" }, 2);
        let made = AtomicUsize::new(0);
        let fields = |url: &str, name: &str| {
            made.fetch_add(1, Ordering::Relaxed);
            context! { url => url, name => name }
        };
        let first = cards.html(1, "services/a/", || fields("services/a/", "«Аист» & Co"));
        for _ in 0..3 {
            let again = cards.html(1, "services/a/", || fields("services/a/", "другое"));
            assert_eq!(again.as_str(), first.as_str());
        }
        assert_eq!(
            made.load(Ordering::Relaxed),
            1,
            "rendered once, however often asked"
        );
        // Escaped once, and kept as markup: a list prints it as it is.
        assert_eq!(
            first.as_str(),
            Some("<li><a href=\"/p/services/a/\">«Аист» &amp; Co</a></li>")
        );
        assert!(first.is_safe());
        let other = cards.html(0, "services/b/", || fields("services/b/", "Б"));
        assert_eq!(
            other.as_str(),
            Some("<li><a href=\"/p/services/b/\">Б</a></li>")
        );
        assert_eq!(made.load(Ordering::Relaxed), 2);
        assert!(cards.failure().is_none());
    }

    #[test]
    fn a_cards_key_is_made_once_from_its_fields() {
        let (_dir, env) = env_with_card("<li>{{ s.name }}</li>\n");
        let cards = Cards::new(&env, context! { base => "/" }, 2);
        let a = cards.key(0, || ("А", 1));
        assert_eq!(
            cards.key(0, || ("другое", 2)),
            a,
            "made once, however often asked"
        );
        assert_ne!(cards.key(1, || ("А", 2)), a);
    }

    #[test]
    fn a_card_that_fails_is_empty_and_says_where_and_for_which_service() {
        let (_dir, env) = env_with_card("<li>{{ s.name }}</li>\n<p>{{ page.title }}</p>\n");
        let cards = Cards::new(&env, context! { base => "/" }, 1);
        let html = cards.html(0, "services/a/", || context! { name => "А" });
        assert_eq!(html.as_str(), Some(""));
        let d = cards.failure().expect("the failure is kept");
        assert_eq!(d.file, format!("templates/{CARD_TEMPLATE}"));
        assert_eq!(d.pos.line, 2);
        assert!(d.message.contains("template error"), "{}", d.message);
        assert!(
            d.hint
                .as_deref()
                .unwrap_or("")
                .contains("the card of services/a/"),
            "{:?}",
            d.hint
        );
    }
}
