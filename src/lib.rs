//! Opora: a static-site generator for resource-map and knowledge portals.
//!
//! Data flows one way: `content/` + `data/` + `opora.toml` → load → validate →
//! resolve (the [`site::Site`] graph) → render → staged output swapped into `public/`.

// Diagnostics are the error type throughout; they are created once per problem
// in user content, so their size does not matter and boxing would only add noise.
#![allow(clippy::result_large_err)]

pub mod config;
pub mod content;
pub mod data;
pub mod diag;
pub mod everyday_name;
pub mod freshness;
pub mod geo;
pub mod history;
pub mod import;
pub mod lines;
pub mod linkcheck;
pub mod output;
pub mod phone;
pub mod pipeline;
pub mod render;
pub mod ru;
pub mod scaffold;
pub mod schema;
pub mod search;
pub mod serve;
pub mod site;
pub mod validate;
