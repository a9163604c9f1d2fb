//! What Contentstack itself defines, shared by every layer: its identifier formats, its
//! filename rules, its query language, the lenient way clients spell booleans and
//! numbers, and time as a stack sees it.

pub mod filename;
pub mod filter;
pub mod ids;
pub mod lenient;
pub mod literals;
pub mod page;
pub mod time;
