//! Collaborative pads (docs/pads.md): a text co-edited live by a class or a group. This
//! folder holds the types its server functions return, the server functions (`api.rs`:
//! create, list, set access; `history_api.rs`: history, authorship, import), the SQL
//! (`db.rs`: the pads, their access, and their durable Yjs updates and snapshots;
//! `history_db.rs`: versions and authors), the pages of a pad's history (`history.rs`,
//! `/pads/:id/historique`) and of who wrote what (`authors.rs`, `/pads/:id/auteurs`), the
//! import form (`import.rs`) and the downloads (`export.rs`). The live editing itself runs in
//! the server crate's hub (`server/src/pads.rs`).

pub mod api;
pub mod authors;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
pub mod history;
pub mod history_api;
#[cfg(feature = "ssr")]
pub mod history_db;
pub mod import;

use domain::{PadEditPolicy, PadId, UserId};
use serde::{Deserialize, Serialize};

/// Longest pad title.
pub const TITLE_MAX_CHARS: usize = 80;
/// Most pads in one class or group.
pub const PADS_PER_UNIT_MAX: usize = 200;

/// One pad of a class or group, as the pad list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PadLine {
    pub id: PadId,
    pub title: String,
    pub policy: PadEditPolicy,
    /// The students who may edit when the policy is `Named`.
    pub editors: Vec<UserId>,
    pub locked: bool,
    /// When the last edit was stored (Unix milliseconds); `None` while nobody has written.
    pub last_edit_at: Option<i64>,
    /// The same, in words ("23/11/2026 à 12:10", Paris time).
    pub last_edit: Option<String>,
    /// May the viewer change its access and lock it?
    pub can_manage: bool,
}

/// Longest text an import takes, in characters (and its encoded state must fit in a pad,
/// `domain::pad::MAX_PAD_BYTES`).
pub const IMPORT_MAX_CHARS: usize = 500_000;

/// One saved version of a pad, as its history lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionLine {
    /// Its number (`pad_versions.version`): stable, what a restore names.
    pub number: i64,
    pub created_at: i64,
    /// "mardi 1 décembre 2026 à 14:05", Paris time.
    pub when: String,
    /// Who edited since the previous version ("Prénom Nom").
    pub editors: Vec<String>,
}

/// A pad's history page: its versions, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PadHistory {
    pub pad: PadId,
    pub title: String,
    pub versions: Vec<VersionLine>,
    /// May the viewer restore a version (edit the pad now)?
    pub can_edit: bool,
}

/// The text of one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionText {
    pub number: i64,
    /// Its place in the history, 1 = the oldest kept (what `?version=` names).
    pub position: usize,
    pub text: String,
}

/// A run of the current text written by one person (`author`: an index in
/// [`PadAuthorship::authors`]; `None` when the writer is not known, as for text written before
/// authors were recorded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthoredRun {
    pub text: String,
    pub author: Option<usize>,
}

/// One author of a pad, for the legend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorLine {
    pub name: String,
    /// The CSS class of their colour (`domain::pad::authors::colour_class`).
    pub colour_class: String,
    /// Its French name ("lavande").
    pub colour_name: String,
    /// Characters of the current text they wrote.
    pub chars: usize,
}

/// Who wrote what in a pad's current text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PadAuthorship {
    pub pad: PadId,
    pub title: String,
    pub runs: Vec<AuthoredRun>,
    /// Most characters first.
    pub authors: Vec<AuthorLine>,
    /// Characters whose writer is not known.
    pub unknown_chars: usize,
}
