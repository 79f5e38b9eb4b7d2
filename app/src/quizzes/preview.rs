//! "Aperçu élève" (`/quiz/:id/apercu`): a quiz as a student sees it, for the teachers who may
//! read it (its author, and colleagues when it is shared). The questions are the key-free
//! student view, rendered by the attempt page's own components (`taking::QuestionBlock`);
//! "Vérifier ma réponse" gives the correction a student would get, scored on the server with
//! `domain::quiz::score`. Nothing is stored: no attempt, no answer, nothing in the results.
//!
//! The check is a url-encoded form posted to `check_preview_form`, which redirects to this page
//! with the answers typed and the question checked in the address; the page is rendered from
//! that address (`load_quiz_preview`), on the server without JavaScript and in the browser once
//! hydrated, so both show the same thing.

use super::QuizPreview;
use super::api::{CheckPreviewForm, load_quiz_preview};
use super::taking::QuestionBlock;
use crate::components::{Async, FormError};
use crate::error::AppError;
use domain::QuizId;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

/// The answers carried in the page's address: `reponses[q7]=Paris` → `q7` → `Paris`.
fn answers_in(query: &leptos_router::params::ParamsMap) -> BTreeMap<String, String> {
    query
        .into_iter()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix("reponses[")?.strip_suffix(']')?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

/// `/quiz/:id/apercu`.
#[component]
pub fn QuizPreviewPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let check = ServerAction::<CheckPreviewForm>::new();
    let data = Resource::new(
        move || (params.read().get("id").and_then(|v| v.parse::<QuizId>().ok()), query.get()),
        |(id, query)| async move {
            let Some(id) = id else { return Err(AppError::NotFound) };
            let verifier = query.get("verifier").and_then(|v| v.parse().ok());
            load_quiz_preview(id, answers_in(&query), verifier).await
        },
    );
    view! { <Async resource=data ok=move |p: QuizPreview| view! { <PreviewView p check/> }/> }
}

#[component]
fn PreviewView(p: QuizPreview, check: ServerAction<CheckPreviewForm>) -> impl IntoView {
    let quiz = p.quiz;
    let total = p.questions.len();
    let questions = p
        .questions
        .into_iter()
        .enumerate()
        .map(|(n, q)| {
            let anchor = format!("q-{}", q.id);
            view! {
                <div id=anchor>
                    <QuestionBlock n total q immediate=true state=None read_only=false/>
                </div>
            }
        })
        .collect_view();
    view! {
        <header class="page-head">
            <p class="muted"><a href=format!("/quiz/{quiz}")>{p.title.clone()}</a></p>
            <h1>"Aperçu élève"</h1>
            <p class="muted small">"Les questions telles qu'un élève les voit. Répondez et vérifiez : vous lisez la correction \
                qu'il recevrait. Rien n'est enregistré, et rien ne compte dans les résultats."</p>
            <p class="muted small">"Les propositions sont dans l'ordre où vous les avez écrites ; si vous les faites mélanger en \
                donnant le quiz, chaque élève les voit dans un ordre à lui."</p>
        </header>
        {(total == 0).then(|| view! {
            <p class="panel muted">"Ce quiz n'a pas encore de question : ajoutez-en pour le voir comme un élève."</p>
        })}
        <ActionForm action=check attr:class="attempt preview">
            <input type="hidden" name="quiz" value=quiz.to_string()/>
            <FormError action=check/>
            {questions}
        </ActionForm>
        <div class="actions">
            <a class="button secondary" href=format!("/quiz/{quiz}/apercu")>"Tout effacer"</a>
            <a class="button secondary" href=format!("/quiz/{quiz}")>"Retour au quiz"</a>
        </div>
    }
}
