//! Opora: a static-site generator for resource-map and knowledge portals.
//!
//! Data flows one way: `content/` + `data/` + `opora.toml` → load → validate →
//! resolve (the [`site::Site`] graph) → render → staged output swapped into `public/`.

pub mod config;
pub mod content;
pub mod data;
pub mod diag;
pub mod phone;
pub mod ru;
pub mod validate;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod site;
pub mod scaffold;
pub mod serve;
