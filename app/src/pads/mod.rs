//! Collaborative pads (docs/pads.md): a text co-edited live by a class or a group. This
//! folder holds the pad list (`/pads`, here), the editor (`editor.rs`, `/pads/:id`), the
//! server functions (`api.rs`: open, list, create, set access; `history_api.rs`: history,
//! authorship, import), the SQL (`db.rs`: the pads, their access, and their durable Yjs
//! updates and snapshots; `history_db.rs`: versions and authors), the pages of a pad's
//! history (`history.rs`, `/pads/:id/historique`) and of who wrote what (`authors.rs`,
//! `/pads/:id/auteurs`), the import form (`import.rs`) and the downloads (`export.rs`). The
//! live editing runs through the server crate's hub (`server/src/pads.rs`, `GET
//! /ws/pads/{id}`).

pub mod api;
pub mod authors;
#[cfg(feature = "ssr")]
pub mod db;
pub mod editor;
#[cfg(feature = "ssr")]
pub mod export;
pub mod history;
pub mod history_api;
#[cfg(feature = "ssr")]
pub mod history_db;
pub mod import;

use crate::classes::api::PersonLine;
use crate::components::{Async, FormError};
use api::{CreatePadForm, my_pads};
use domain::pad::presence::Person;
use domain::{PadEditPolicy, PadId, UserId};
use leptos::form::ActionForm;
use leptos::prelude::*;
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
    /// Who has it open now (on this server process), by name.
    #[serde(default)]
    pub editing: Vec<String>,
}

/// A class or group and its pads, as the list page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitPads {
    /// "c:12" or "g:7".
    pub unit: String,
    pub name: String,
    /// May the viewer create pads here (and manage them)?
    pub can_create: bool,
    pub pads: Vec<PadLine>,
}

/// What the pad page needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PadView {
    pub line: PadLine,
    pub unit: String,
    pub unit_name: String,
    /// The text as stored now (what the page shows before, or without, JavaScript).
    pub text: String,
    /// May the viewer change the text now (policy, lock)?
    pub can_edit: bool,
    /// The viewer, as the others see them.
    pub me: Person,
    pub me_id: UserId,
    /// The unit's students, for the "named editors" choice (managers only).
    pub students: Vec<PersonLine>,
}

/// How the list and the access form name an edit policy.
pub fn policy_label(policy: PadEditPolicy) -> &'static str {
    match policy {
        PadEditPolicy::Class => "toute la classe modifie",
        PadEditPolicy::Teacher => "seul l'enseignant modifie",
        PadEditPolicy::Named => "des élèves nommés modifient",
    }
}

/// "Lucie est dans le pad", "Lucie et Noé…", "Lucie, Noé et 3 autres…".
pub fn present_label(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} est dans le pad")),
        [a, b] => Some(format!("{a} et {b} sont dans le pad")),
        [a, b, rest @ ..] => {
            Some(format!("{a}, {b} et {} autre{} sont dans le pad", rest.len(), if rest.len() > 1 { "s" } else { "" }))
        }
    }
}

/// `/pads`: the pads of the person's classes and groups; teachers create them here.
#[component]
pub fn PadsPage() -> impl IntoView {
    let create = ServerAction::<CreatePadForm>::new();
    let data = Resource::new(|| (), |_| my_pads());
    view! {
        <header class="page-head">
            <h1>"Pads"</h1>
            <p class="muted">"Des textes écrits à plusieurs, en direct, par la classe ou le groupe."</p>
        </header>
        <Async resource=data ok={move |units: Vec<UnitPads>| view! { <UnitList units create/> }}/>
    }
}

#[component]
fn UnitList(units: Vec<UnitPads>, create: ServerAction<CreatePadForm>) -> impl IntoView {
    if units.is_empty() {
        return view! { <p class="panel muted">"Aucun pad dans vos classes et groupes pour l'instant."</p> }.into_any();
    }
    let importable: Vec<(String, String)> =
        units.iter().filter(|u| u.can_create).map(|u| (u.unit.clone(), u.name.clone())).collect();
    let import = (!importable.is_empty()).then(|| view! { <import::ImportPadForm units=importable/> });
    let sections = units
        .into_iter()
        .map(|u| {
            let heading = format!("pads-{}", u.unit.replace(':', "-"));
            let label = heading.clone();
            let pads = if u.pads.is_empty() {
                view! { <p class="muted">"Aucun pad pour l'instant."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards pad-cards">
                        {u.pads.into_iter().map(|p| view! { <PadCard pad=p/> }).collect_view()}
                    </ul>
                }
                .into_any()
            };
            let form = u.can_create.then(|| {
                let unit = u.unit.clone();
                view! {
                    <details class="pad-new">
                        <summary>"Nouveau pad pour " {u.name.clone()}</summary>
                        <ActionForm action=create>
                            <input type="hidden" name="unite" value=unit/>
                            <div class="form-grid">
                                <label>"Titre"
                                    <input name="titre" required maxlength=TITLE_MAX_CHARS.to_string()
                                        placeholder="Compte rendu de la sortie"/>
                                </label>
                                <label>"Qui modifie ?"
                                    <select name="modification">
                                        <option value="class" selected>"Toute la classe"</option>
                                        <option value="teacher">"L'enseignant seul (les élèves lisent)"</option>
                                        <option value="named">"Des élèves que je nomme"</option>
                                    </select>
                                </label>
                            </div>
                            <button type="submit">"Créer le pad"</button>
                        </ActionForm>
                        <FormError action=create/>
                    </details>
                }
            });
            view! {
                <section class="panel" aria-labelledby=label>
                    <h2 id=heading>{u.name}</h2>
                    {pads}
                    {form}
                </section>
            }
        })
        .collect_view();
    view! { {sections} {import} }.into_any()
}

#[component]
fn PadCard(pad: PadLine) -> impl IntoView {
    let edited = match &pad.last_edit {
        Some(when) => format!("Modifié le {when}"),
        None => "Encore vide".to_string(),
    };
    view! {
        <li class="card">
            <a class="card-title" href=format!("/pads/{}", pad.id)>{pad.title.clone()}</a>
            <p class="muted small">
                {edited} " · " {policy_label(pad.policy)}
                {pad.locked.then(|| view! { " · " <span class="badge">"verrouillé"</span> })}
            </p>
            {present_label(&pad.editing).map(|l| view! { <p class="small pad-present">{l}</p> })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_is_in_a_pad_reads_as_french() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(present_label(&[]), None);
        assert_eq!(present_label(&names(&["Lucie"])).as_deref(), Some("Lucie est dans le pad"));
        assert_eq!(present_label(&names(&["Lucie", "Noé"])).as_deref(), Some("Lucie et Noé sont dans le pad"));
        assert_eq!(present_label(&names(&["A", "B", "C"])).as_deref(), Some("A, B et 1 autre sont dans le pad"));
        assert_eq!(present_label(&names(&["A", "B", "C", "D"])).as_deref(), Some("A, B et 2 autres sont dans le pad"));
    }
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
