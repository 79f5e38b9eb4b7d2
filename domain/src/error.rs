//! The error every parser in `domain` returns: which field, and what to fix, in French.

use serde::{Deserialize, Serialize};

/// An input was refused. `field` names the form field; `reason` is the French sentence shown
/// to the user, saying what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field} : {reason}")]
pub struct DomainError {
    pub field: String,
    pub reason: String,
}

impl DomainError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }
}
