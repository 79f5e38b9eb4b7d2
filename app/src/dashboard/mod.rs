//! The personal dashboard: one page, with a section for each role the person holds.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod model;
mod pages;

pub use pages::DashboardPage;
