//! An assignment's results for its teachers (`/quiz/resultats/:assignment`) and their CSV
//! download (`/quiz/resultats/{id}/export.csv`).

use super::AssignmentResults;
use super::api::*;
use super::authoring::fr_number;
#[cfg(feature = "ssr")]
use super::authoring::{attachment, file_slug, text_response};
use crate::components::Async;
use crate::error::AppError;
use domain::QuizAssignmentId;
use domain::quiz::assignment::ResultStatus;
use leptos::prelude::*;

/// A result's status in French, as the table and the CSV write it.
pub fn status_label(status: ResultStatus) -> &'static str {
    match status {
        ResultStatus::NotStarted => "Non commencé",
        ResultStatus::InProgress => "En cours",
        ResultStatus::Submitted => "Rendu",
        ResultStatus::PendingGrading => "À corriger",
    }
}

/// `/quiz/resultats/:assignment`: every student's status and score, and how each question went.
#[component]
pub fn QuizResultsPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("assignment").and_then(|v| v.parse::<QuizAssignmentId>().ok());
    let data = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_assignment_results(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! { <Async resource=data ok=|r: AssignmentResults| view! { <ResultsView r/> }/> }
}

#[component]
fn ResultsView(r: AssignmentResults) -> impl IntoView {
    let out_of = fr_number(r.out_of);
    let submitted = r.students.iter().filter(|s| s.result.score.is_some()).count();
    let total = r.students.len();
    view! {
        <header class="page-head">
            <p class="muted"><a href="/quiz">"Mes quiz"</a></p>
            <h1>"Résultats — " {r.title.clone()}</h1>
            <p class="muted small">{format!("{submitted} copie(s) rendue(s) sur {total} élève(s) · noté sur {out_of}")}</p>
        </header>
        <p><a href=format!("/quiz/resultats/{}/export.csv", r.assignment) download rel="external">"Exporter en CSV"</a>
            <span class="muted small">" — une ligne par élève ; la case du score reste vide pour qui n'a rien rendu."</span></p>
        <section class="panel" aria-labelledby="eleves">
            <h2 id="eleves">"Élèves"</h2>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th scope="col">"Élève"</th><th scope="col">"Statut"</th><th scope="col">"Score"</th><th scope="col">"Tentatives"</th></tr></thead>
                    <tbody>
                        {r.students.iter().map(|s| {
                            let score = s.result.score.map(|x| format!("{} / {}", fr_number(x), fr_number(s.result.out_of)));
                            view! {
                                <tr>
                                    <th scope="row">{s.name.clone()}</th>
                                    <td>{status_label(s.result.status)}</td>
                                    <td>{match score {
                                        Some(t) => view! { <span>{t}</span> }.into_any(),
                                        None => view! { <span class="muted" aria-label="pas de score">"—"</span> }.into_any(),
                                    }}</td>
                                    <td>{s.attempts}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="panel" aria-labelledby="par-question">
            <h2 id="par-question">"Par question"</h2>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th scope="col">"Question"</th><th scope="col">"Réponses"</th><th scope="col">"Réussite"</th></tr></thead>
                    <tbody>
                        {r.questions.iter().enumerate().map(|(n, q)| view! {
                            <tr>
                                <th scope="row">{format!("{}. {}", n + 1, q.title)}</th>
                                <td>{q.answered}</td>
                                <td>{q.success_rate.map(|x| format!("{} %", (x * 100.0).round())).unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="muted small">"Réussite : part moyenne des points obtenus par les copies rendues (une question sans réponse compte 0) ; « — » pour une réponse rédigée ou sans copie."</p>
        </section>
    }
}

/// The results as CSV, `;`-separated with a BOM (as French spreadsheets expect): one line per
/// student with name, status, score and out of; the score stays empty when nothing was
/// submitted, so that it never reads as 0.
pub fn results_csv(r: &AssignmentResults) -> String {
    let cell = |raw: &str| {
        // A cell a spreadsheet would run as a formula is quoted out.
        let safe = if raw.starts_with(['=', '+', '-', '@']) { format!("'{raw}") } else { raw.to_string() };
        if safe.contains([';', '"', '\n', '\r']) { format!("\"{}\"", safe.replace('"', "\"\"")) } else { safe }
    };
    let mut out = String::from("\u{feff}Nom;Statut;Score;Sur\r\n");
    for s in &r.students {
        let score = s.result.score.map(fr_number).unwrap_or_default();
        out.push_str(&format!(
            "{};{};{};{}\r\n",
            cell(&s.name),
            cell(status_label(s.result.status)),
            score,
            fr_number(s.result.out_of)
        ));
    }
    out
}

/// `/quiz/resultats/{id}/export.csv`: an assignment's results, for whoever may read them.
#[cfg(feature = "ssr")]
pub async fn results_export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    axum::Extension(slot): axum::Extension<crate::server::session::SessionSlot>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(user) = slot.0 else {
        return axum::response::Redirect::to("/connexion?suivant=/quiz").into_response();
    };
    let Ok(assignment) = id.parse::<QuizAssignmentId>() else {
        return text_response(404, AppError::NotFound.message());
    };
    match super::api::ssr::results_for(&state, &user, assignment).await {
        Ok(results) => attachment(
            "text/csv; charset=utf-8",
            format!("resultats-{}.csv", file_slug(&results.title)),
            results_csv(&results),
        ),
        Err(e) => text_response(e.status(), e.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_results_csv_keeps_not_submitted_empty_and_apart_from_zero() {
        use domain::quiz::assignment::QuizResult;
        let student = |name: &str, score: Option<f64>, status| super::super::StudentResult {
            name: name.into(),
            attempts: u32::from(score.is_some()),
            result: QuizResult { student: domain::UserId(1), score, out_of: 4.0, status },
        };
        let r = AssignmentResults {
            assignment: QuizAssignmentId(1),
            title: "Quiz".into(),
            out_of: 4.0,
            students: vec![
                student("GARNIER Léo", Some(2.5), ResultStatus::Submitted),
                student("=MARTIN Zoé", Some(0.0), ResultStatus::Submitted),
                student("ROUX Tom", None, ResultStatus::NotStarted),
            ],
            questions: Vec::new(),
        };
        assert_eq!(
            results_csv(&r),
            "\u{feff}Nom;Statut;Score;Sur\r\nGARNIER Léo;Rendu;2,5;4\r\n'=MARTIN Zoé;Rendu;0;4\r\nROUX Tom;Non commencé;;4\r\n"
        );
    }
}
