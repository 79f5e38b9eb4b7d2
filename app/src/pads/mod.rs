//! Collaborative pads (docs/pads.md): a text co-edited live by a class or a group. This
//! folder holds what the server side needs so far: the types its server functions return,
//! the server functions (`api.rs`: create, list, set access) and the SQL (`db.rs`: the pads,
//! their access, and their durable Yjs updates and snapshots). The live editing itself runs
//! in the server crate's hub (`server/src/pads.rs`); the pages come with the browser editor.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;

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
