//! Préau's pure shared model, used by the browser (wasm32) and the server alike.
//!
//! Nothing here does I/O: ids, roles, the permission questions every server function asks,
//! and the parsing of user input into types that carry their rules.

pub mod error;
pub mod grade_csv;
pub mod grades;
pub mod ids;
pub mod import;
pub mod pad;
pub mod paris;
pub mod permissions;
pub mod quiz;
pub mod roles;
pub mod throttle;
pub mod validation;

pub use error::DomainError;
pub use ids::*;
pub use permissions::*;
pub use roles::*;
pub use validation::*;
