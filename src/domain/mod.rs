//! The rules of the service and its transactions: what an upload, a move, a delete or
//! a restore may do and what it changes. No HTTP here (routes parse and render), and no
//! SQL (the database layer stores).

pub mod asset_extras;
pub mod assets;
pub mod branches;
pub mod bulk;
pub mod clock;
pub mod delivery;
pub mod environments;
pub mod export;
pub mod faults;
pub mod folders;
pub mod grants;
pub mod images;
pub mod journal;
pub mod limits;
pub mod locales;
pub mod management_tokens;
pub mod publishing;
pub mod purge;
pub mod rate_limits;
pub mod registry;
pub mod seed;
pub mod seed_read;
pub mod snapshots;
pub mod stack_details;
pub mod stacks;
pub mod tokens;
pub mod trash;
