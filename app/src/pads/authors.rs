//! Who wrote what (`/pads/:id/auteurs`): the pad's current text, each run of it on its
//! author's colour with their name in a `title`, a legend (name and colour swatch) and, so
//! that colour is never the only way to tell, "Anne Martin a écrit 120 caractères" per
//! person. Server-rendered: it works the same without JavaScript.
//!
//! Colours come from `domain::pad::authors` (one per person, from their id, over twelve
//! pastel backgrounds readable behind dark text), as stylesheet classes: the pages'
//! Content-Security-Policy refuses inline styles.

use super::PadAuthorship;
use super::history::PadSubnav;
use super::history_api::get_pad_authorship;
use crate::components::Async;
use crate::error::AppError;
use domain::PadId;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PadAuthorsPage() -> impl IntoView {
    let params = use_params_map();
    let pad = move || params.read().get("id").and_then(|v| v.parse::<PadId>().ok());
    let data = Resource::new(pad, |pad| async move {
        match pad {
            Some(pad) => get_pad_authorship(pad).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Async resource=data ok=move |a: PadAuthorship| view! { <AuthorsView a/> }/>
    }
}

fn characters(n: usize) -> String {
    format!("{n} caractère{}", if n > 1 { "s" } else { "" })
}

#[component]
fn AuthorsView(a: PadAuthorship) -> impl IntoView {
    let pad = a.pad;
    let legend = a
        .authors
        .iter()
        .map(|l| {
            view! {
                <li>
                    <span class=format!("swatch {}", l.colour_class) aria-hidden="true"></span>
                    {l.name.clone()}
                    <span class="visually-hidden">{format!(" (couleur {})", l.colour_name)}</span>
                </li>
            }
        })
        .collect_view();
    let counts = a
        .authors
        .iter()
        .map(|l| view! { <li>{format!("{} a écrit {}.", l.name, characters(l.chars))}</li> })
        .collect_view();
    let unknown = (a.unknown_chars > 0).then(|| {
        view! { <li>{format!("{} écrits avant l'enregistrement des auteurs (auteur inconnu).", characters(a.unknown_chars))}</li> }
    });
    let runs = a
        .runs
        .iter()
        .map(|r| match r.author.and_then(|k| a.authors.get(k)) {
            Some(l) => {
                view! { <span class=l.colour_class.clone() title=l.name.clone()>{r.text.clone()}</span> }.into_any()
            }
            None => {
                view! { <span class="pad-author-unknown" title="Auteur inconnu">{r.text.clone()}</span> }.into_any()
            }
        })
        .collect_view();
    let empty = a.runs.is_empty();
    view! {
        <header class="page-head">
            <h1>{format!("Qui a écrit quoi — {}", a.title)}</h1>
            <PadSubnav pad here="auteurs"/>
        </header>
        {if empty {
            view! { <p class="panel muted">"Ce pad est vide : personne n'y a encore écrit."</p> }.into_any()
        } else {
            view! {
                <section class="panel" aria-labelledby="auteurs-legende">
                    <h2 id="auteurs-legende">"Auteurs"</h2>
                    <ul class="legend">{legend}</ul>
                    <ul class="list">{counts}{unknown}</ul>
                </section>
                <section class="panel" aria-labelledby="auteurs-texte">
                    <h2 id="auteurs-texte">"Le texte, coloré par auteur"</h2>
                    <p class="muted small">"Survolez un passage pour voir qui l'a écrit."</p>
                    <div class="pad-version-text pad-authored" tabindex="0" aria-label="Texte du pad">{runs}</div>
                </section>
            }.into_any()
        }}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stylesheet_has_one_class_per_palette_colour_with_its_value() {
        let css = include_str!("../../../style/main.css");
        for (i, c) in domain::pad::authors::PALETTE.iter().enumerate() {
            let rule = format!(".pad-author-{i} {{ background: {}; }}", c.hex);
            assert!(css.contains(&rule), "missing in style/main.css: {rule}");
        }
    }
}
