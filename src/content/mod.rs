//! Content: typed records, safe file reading, front matter, Markdown bodies.

pub mod control;
pub mod heading_ids;
pub mod load;
pub mod markdown;
pub mod markdown_field;
pub mod markdown_limits;
pub mod record_store;
pub mod records;
pub mod source;
pub mod toml_text;

pub use load::{Content, Data, Record};
