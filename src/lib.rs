//! Opora: a static-site generator for resource-map and knowledge portals.
//!
//! Data flows one way: `content/` + `data/` + `opora.toml` → load → validate →
//! resolve (the [`site::Site`] graph) → render → staged output swapped into `public/`.

// Diagnostics are the error type throughout; they are created once per problem
// in user content, so their size does not matter and boxing would only add noise.
#![allow(clippy::result_large_err)]

// The API: what the binary, the tests, the benchmarks and the examples use.
pub mod cms;
pub mod collections;
pub mod config;
pub mod data;
pub mod diag;
pub mod everyday_name;
pub mod freshness;
pub mod geo;
pub mod hsds;
pub mod import;
pub mod lines;
pub mod moved;
pub mod output;
pub mod pipeline;
pub mod ru;
pub mod scaffold;
pub mod schema;
pub mod search;
pub mod serve;
pub mod validate;
mod varint;

// Internal stages: reachable from the API's types, not named from outside.
pub(crate) mod content;
pub(crate) mod history;
pub(crate) mod io_threads;
pub(crate) mod linkcheck;
pub(crate) mod phone;
pub(crate) mod render;
pub(crate) mod site;
pub(crate) mod urls;
pub use render::paginate::PAGE_BYTES_BOUND;
