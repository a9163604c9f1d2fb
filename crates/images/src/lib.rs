//! The Image Delivery API's transforms for contentstack-mock, as a library of its own: read the query
//! ([`params`]), work out the geometry from the source's header ([`plan`]), decode only
//! what is needed ([`decode`]), process ([`resize`], [`effects`], [`pixels`]) and encode
//! ([`encode`]); [`render`] runs it all. Blocking, CPU-bound code with no I/O beyond the
//! bytes it is given: callers run it off the async threads (`domain::images`).

pub mod decode;
pub mod effects;
pub mod encode;
pub mod orientation;
pub mod params;
pub mod pixels;
pub mod plan;
pub mod render;
pub mod resize;
