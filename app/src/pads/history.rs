//! A pad's history (`/pads/:id/historique`): a time slider over its saved versions, the
//! chosen version's text and who edited in it, and for those who may edit the pad a
//! "Restaurer cette version" that makes it the pad's text again as a new edit.
//!
//! Without JavaScript the slider is a GET form (`?version=N`, N = 1 for the oldest version
//! kept, and a "Voir" button); once hydrated, moving it shows the version at once (the
//! address follows, without a reload). Restoring asks for a confirmation first
//! (`?version=N&restaurer=1`), then posts a plain form to the hub
//! (`POST /pads/{id}/restaurer`), which answers with a redirect back here.

use super::history_api::{get_pad_history, get_pad_version};
use super::{PadHistory, VersionLine, VersionText};
use crate::components::{Async, ErrorBox, query_param};
use crate::error::AppError;
use domain::PadId;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};

/// The links every page of a pad shares: back to the pad (from the others), its history, who
/// wrote what, the downloads. `here` is "pad", "historique" or "auteurs".
#[component]
pub fn PadSubnav(pad: PadId, here: &'static str) -> impl IntoView {
    let link = |href: String, label: &'static str, current: bool| {
        if current {
            view! { <li><a href=href aria-current="page">{label}</a></li> }.into_any()
        } else {
            view! { <li><a href=href>{label}</a></li> }.into_any()
        }
    };
    view! {
        <nav aria-label="Ce pad" class="pad-subnav">
            <ul class="tabs">
                {(here != "pad").then(|| view! { <li><a href=format!("/pads/{pad}")>"← Retour au pad"</a></li> })}
                {link(format!("/pads/{pad}/historique"), "Historique", here == "historique")}
                {link(format!("/pads/{pad}/auteurs"), "Qui a écrit quoi", here == "auteurs")}
            </ul>
            <p class="small">"Télécharger : "
                <a href=format!("/pads/{pad}/export.txt") download>"texte (.txt)"</a>" · "
                <a href=format!("/pads/{pad}/export.md") download>"Markdown (.md)"</a>" · "
                <a href=format!("/pads/{pad}/export.html") download>"page web (.html)"</a>
            </p>
        </nav>
    }
}

#[component]
pub fn PadHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let pad = move || params.read().get("id").and_then(|v| v.parse::<PadId>().ok());
    let history = Resource::new(pad, |pad| async move {
        match pad {
            Some(pad) => get_pad_history(pad).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Async resource=history ok=move |h: PadHistory| view! { <HistoryView h/> }/>
    }
}

#[component]
fn HistoryView(h: PadHistory) -> impl IntoView {
    let pad = h.pad;
    let count = h.versions.len();
    let wanted = query_param::<usize>("version");
    let confirm = query_param::<String>("restaurer");
    let restored = query_param::<i64>("restauree");
    let unchanged = query_param::<i64>("identique");
    // The version shown: the address's, else the newest.
    let position = move || wanted().unwrap_or(count).clamp(1, count.max(1));
    let shown = Resource::new(position, move |p| get_pad_version(pad, Some(p)));
    let versions = StoredValue::new(h.versions.clone());
    let line = move |p: usize| versions.with_value(|v| v.get(p.wrapping_sub(1)).cloned());
    let notice = move || {
        restored().map(|_| {
            view! { <p class="notice" role="status">"Version restaurée : son texte est redevenu celui du pad, par une nouvelle modification. L'historique garde toutes les versions, et la restauration en est une de plus."</p> }
                .into_any()
        }).or_else(|| unchanged().map(|_| {
            view! { <p class="notice" role="status">"Le pad a déjà le texte de cette version : rien n'a changé."</p> }.into_any()
        }))
    };
    view! {
        <header class="page-head">
            <h1>{format!("Historique — {}", h.title)}</h1>
            <PadSubnav pad here="historique"/>
        </header>
        {notice}
        {if count == 0 {
            view! {
                <p class="panel muted">"Ce pad n'a pas encore de version enregistrée. Une version est enregistrée après chaque minute de modifications et à la fin de chaque séance d'écriture."</p>
            }.into_any()
        } else {
            view! {
                <Slider pad count position line/>
                <Transition fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                    {move || shown.get().map(|r| match r {
                        Ok(Some(v)) => {
                            let l = line(v.position);
                            view! { <VersionPanel pad v line=l can_edit=h.can_edit confirm=confirm().is_some()/> }.into_any()
                        }
                        Ok(None) => view! { <p class="muted">"Cette version n'existe plus."</p> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    })}
                </Transition>
                <AllVersions pad versions=h.versions.clone()/>
            }.into_any()
        }}
    }
}

/// The time slider: a GET form that works without JavaScript; hydrated, it follows the
/// pointer (the address changes without a reload, and the version text with it).
#[component]
fn Slider(
    pad: PadId,
    count: usize,
    position: impl Fn() -> usize + Copy + Send + Sync + 'static,
    line: impl Fn(usize) -> Option<VersionLine> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let navigate = use_navigate();
    // Where the pointer is, until the address (which it changes) catches up; a link to
    // another version (the list below) moves the slider there.
    let moving = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        position();
        moving.set(None);
    });
    let current = move || moving.get().unwrap_or_else(position);
    let when = move || line(current()).map(|l| l.when).unwrap_or_default();
    let on_input = move |ev: leptos::ev::Event| {
        if let Ok(p) = event_target_value(&ev).parse::<usize>() {
            moving.set(Some(p));
            navigate(
                &format!("/pads/{pad}/historique?version={p}"),
                NavigateOptions { replace: true, scroll: false, ..Default::default() },
            );
        }
    };
    view! {
        <form method="get" action=format!("/pads/{pad}/historique") class="panel history-slider">
            <label for="version-curseur">
                "Version " <strong>{move || current()}</strong> {format!(" sur {count}, ")}
                <strong>{when}</strong>
            </label>
            <input id="version-curseur" type="range" name="version" min="1" max=count.to_string() step="1"
                value=move || current().to_string() prop:value=move || current().to_string()
                attr:aria-valuetext=when on:input=on_input/>
            <span class="history-ends small muted" aria-hidden="true"><span>"la plus ancienne"</span><span>"la plus récente"</span></span>
            <button type="submit">"Voir"</button>
        </form>
    }
}

#[component]
fn VersionPanel(pad: PadId, v: VersionText, line: Option<VersionLine>, can_edit: bool, confirm: bool) -> impl IntoView {
    let when = line.as_ref().map(|l| l.when.clone()).unwrap_or_default();
    let editors = line.map(|l| l.editors).unwrap_or_default();
    let who = if editors.is_empty() {
        "Aucune personne connue n'a modifié le pad depuis la version précédente.".to_string()
    } else {
        format!("Modifiée par {} depuis la version précédente.", editors.join(", "))
    };
    let empty = v.text.is_empty();
    let restore = can_edit.then(|| {
        if confirm {
            view! {
                <div class="panel confirm" role="group" aria-labelledby="restaurer-titre">
                    <h3 id="restaurer-titre">"Restaurer cette version ?"</h3>
                    <p>{format!("Le texte du pad redeviendra celui du {when}. C'est une nouvelle modification : les personnes qui écrivent en ce moment la voient arriver, et le texte actuel reste dans l'historique.")}</p>
                    <form method="post" action=format!("/pads/{pad}/restaurer") class="actions">
                        <input type="hidden" name="version" value=v.number.to_string()/>
                        <button type="submit">"Confirmer la restauration"</button>
                        <a href=format!("/pads/{pad}/historique?version={}", v.position)>"Annuler"</a>
                    </form>
                </div>
            }
            .into_any()
        } else {
            view! {
                <p><a class="button secondary" href=format!("/pads/{pad}/historique?version={}&restaurer=1", v.position)>"Restaurer cette version"</a></p>
            }
            .into_any()
        }
    });
    view! {
        <section class="panel" aria-labelledby="version-titre">
            <h2 id="version-titre">{format!("Version du {when}")}</h2>
            <p class="muted small">{who}</p>
            {if empty {
                view! { <p class="muted">"(Le pad était vide.)"</p> }.into_any()
            } else {
                view! { <div class="pad-version-text" tabindex="0" aria-label="Texte de cette version">{v.text.clone()}</div> }.into_any()
            }}
            {restore}
        </section>
    }
}

/// Every version as a link: the slider's list, for reading them all at once.
#[component]
fn AllVersions(pad: PadId, versions: Vec<VersionLine>) -> impl IntoView {
    let items = versions
        .into_iter()
        .enumerate()
        .rev()
        .map(|(k, l)| {
            let who = if l.editors.is_empty() { String::new() } else { format!(" — {}", l.editors.join(", ")) };
            view! {
                <li><a href=format!("/pads/{pad}/historique?version={}", k + 1)>{l.when}</a>{who}</li>
            }
        })
        .collect_view();
    view! {
        <details class="panel">
            <summary>"Toutes les versions, de la plus récente à la plus ancienne"</summary>
            <ol class="list" reversed>{items}</ol>
        </details>
    }
}
