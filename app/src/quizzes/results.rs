//! An assignment's results for its teachers (`/quiz/resultats/:assignment`: every student,
//! and per question the distribution of the answers counted), their CSV download
//! (`/quiz/resultats/{id}/export.csv`), and the grading of open answers by hand
//! (`/quiz/resultats/:assignment/corriger`, one form posting to `results_api`).

use super::api::*;
use super::authoring::fr_number;
#[cfg(feature = "ssr")]
use super::authoring::{attachment, file_slug, text_response};
use super::live_pages::{HistoRow, percent};
use super::results_api::{GradeOpenAnswers, load_grading_sheet};
use super::{AssignmentResults, GradingSheet, OpenQuestion, QuestionStat};
use crate::components::{Async, FormError, query_param};
use crate::error::AppError;
use domain::QuizAssignmentId;
use domain::quiz::assignment::ResultStatus;
use domain::quiz::distribution::{Distribution, FREQUENT_ANSWERS_SHOWN};
use leptos::form::ActionForm;
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
    let waiting: u32 = r
        .questions
        .iter()
        .map(|q| match q.distribution.detail {
            Distribution::Open { waiting, .. } => waiting,
            _ => 0,
        })
        .sum();
    let has_open = r.questions.iter().any(|q| matches!(q.distribution.detail, Distribution::Open { .. }));
    let grading = has_open.then(|| {
        let what = match waiting {
            0 => "aucune en attente".to_string(),
            1 => "1 en attente".to_string(),
            n => format!("{n} en attente"),
        };
        view! {
            <p class="results-grading"><a class="button" href=format!("/quiz/resultats/{}/corriger", r.assignment)>"Corriger les réponses rédigées"</a>
                <span class="muted small">{format!(" — {what} parmi les copies comptées")}</span></p>
        }
    });
    view! {
        <header class="page-head">
            <p class="muted"><a href="/quiz">"Mes quiz"</a></p>
            <h1>"Résultats — " {r.title.clone()}</h1>
            <p class="muted small">{format!("{submitted} copie(s) rendue(s) sur {total} élève(s) · noté sur {out_of}")}</p>
        </header>
        <super::manage::AssignmentManagement assignment=r.assignment/>
        <super::handoff::GradebookHandoff assignment=r.assignment/>
        <p><a href=format!("/quiz/resultats/{}/export.csv", r.assignment) download rel="external">"Exporter en CSV"</a>
            <span class="muted small">" — une ligne par élève ; la case du score reste vide pour qui n'a rien rendu."</span></p>
        {grading}
        <section class="panel" aria-labelledby="eleves">
            <h2 id="eleves">"Élèves"</h2>
            <table class="table results-table">
                <thead><tr><th scope="col">"Élève"</th><th scope="col">"Statut"</th><th scope="col">"Score"</th><th scope="col">"Tentatives"</th></tr></thead>
                <tbody>
                    {r.students.iter().map(|s| {
                        let score = s.result.score.map(|x| format!("{} / {}", fr_number(x), fr_number(s.result.out_of)));
                        view! {
                            <tr>
                                <th scope="row">{s.name.clone()}</th>
                                <td data-label="Statut">{status_label(s.result.status)}</td>
                                <td data-label="Score">{match score {
                                    Some(t) => view! { <span>{t}</span> }.into_any(),
                                    None => view! { <span class="muted" aria-label="pas de score">"—"</span> }.into_any(),
                                }}</td>
                                <td data-label="Tentatives">{s.attempts}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="panel" aria-labelledby="par-question">
            <h2 id="par-question">"Par question"</h2>
            <p class="muted small">"Calculé sur la copie comptée de chaque élève (sa meilleure tentative rendue). Réussite : part moyenne des points obtenus (une question sans réponse compte 0)."</p>
            <ol class="results-questions">
                {r.questions.iter().enumerate().map(|(n, q)| view! { <QuestionResults n q=q.clone() assignment=r.assignment/> }).collect_view()}
            </ol>
        </section>
    }
}

/// "3 sur 12 (25 %)".
fn share_of(n: u32, of: u32) -> String {
    format!("{n} sur {of} ({} %)", percent(n, of))
}

/// One question's line of results: answered, success rate, and the distribution of answers.
#[component]
fn QuestionResults(n: usize, q: QuestionStat, assignment: QuizAssignmentId) -> impl IntoView {
    let d = q.distribution;
    let rate = q.success_rate.map(|x| format!(" · réussite {} %", (x * 100.0).round())).unwrap_or_default();
    let heading = format!("results-q-{}", q.question);
    let unanswered = d.attempts.saturating_sub(d.answered);
    let detail = match d.detail {
        Distribution::Options(options) => view! {
            <ul class="histogram" aria-label="Répartition des réponses">
                {options.into_iter().map(|o| view! {
                    <HistoRow pct=percent(o.count, d.attempts) right=o.right count=share_of(o.count, d.attempts)>{o.text}</HistoRow>
                }).collect_view()}
            </ul>
        }
        .into_any(),
        Distribution::Frequent { answers, others } => view! {
            <ul class="histogram" aria-label="Réponses les plus fréquentes">
                {answers.into_iter().map(|a| {
                    let right = a.earns >= 1.0 - 1e-9;
                    let partial = (a.earns > 0.0 && !right)
                        .then(|| format!(" (en partie juste : {} %)", (a.earns * 100.0).round()));
                    view! {
                        <HistoRow pct=percent(a.count, d.attempts) right count=share_of(a.count, d.attempts)>
                            <q>{a.answer}</q>{partial}
                        </HistoRow>
                    }
                }).collect_view()}
                {(others > 0).then(|| view! {
                    <HistoRow pct=percent(others, d.attempts) right=false count=share_of(others, d.attempts)>"autres réponses"</HistoRow>
                })}
            </ul>
            <p class="muted small">{format!(
                "Les {FREQUENT_ANSWERS_SHOWN} réponses les plus fréquentes, écrites comme la correction les compare (sans majuscules, accents ni espaces en trop, sauf si le texte exact est demandé) ; les autres sont additionnées."
            )}</p>
        }
        .into_any(),
        Distribution::Parts(parts) => view! {
            <ul class="histogram" aria-label="Réussite par élément">
                {parts.into_iter().map(|p| {
                    let pct = (p.rate * 100.0).round() as u32;
                    view! {
                        <HistoRow pct right=false count=format!("{pct} % · {} juste(s) sur {}", p.right, d.attempts)>{p.label}</HistoRow>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
        Distribution::Open { graded, waiting } => view! {
            <p>{format!("{graded} corrigée(s), {waiting} en attente de correction")}
                {(graded + waiting > 0).then(|| view! {
                    " · " <a href=format!("/quiz/resultats/{assignment}/corriger#q-{}", q.question)>"Corriger"<span class="visually-hidden">{format!(" la question {}", n + 1)}</span></a>
                })}</p>
        }
        .into_any(),
    };
    view! {
        <li class="results-question">
            <h3 id=heading>{format!("{}. {}", n + 1, q.title)}</h3>
            <p class="muted small">{format!("Répondu : {}{rate}", share_of(d.answered, d.attempts))}
                {(unanswered > 0).then(|| format!(" · sans réponse : {unanswered}"))}</p>
            {(d.attempts > 0).then_some(detail)}
        </li>
    }
}

/// `/quiz/resultats/:assignment/corriger`: the written answers of every open question, each
/// with its points and comment, in one form.
#[component]
pub fn GradingPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("assignment").and_then(|v| v.parse::<QuizAssignmentId>().ok());
    let grade = ServerAction::<GradeOpenAnswers>::new();
    let data = Resource::new(
        move || (id(), grade.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_grading_sheet(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! { <Async resource=data ok=move |s: GradingSheet| view! { <GradingView s grade/> }/> }
}

#[component]
fn GradingView(s: GradingSheet, grade: ServerAction<GradeOpenAnswers>) -> impl IntoView {
    let saved = query_param::<usize>("enregistrees");
    let count: usize = s.questions.iter().map(|q| q.answers.len()).sum();
    let waiting = s.questions.iter().flat_map(|q| &q.answers).filter(|a| a.earned.is_none()).count();
    let back = format!("/quiz/resultats/{}", s.assignment);
    let body = if count == 0 {
        view! { <p class="panel muted">"Aucune réponse rédigée n'a été rendue pour l'instant."</p> }.into_any()
    } else if !s.may_grade {
        // Another teacher of the class reads the answers; the points go to the grade book of
        // the teacher who gave the assignment, so only they (or direction) grade.
        view! {
            <p class="notice" role="status">"Seul le professeur qui a donné ce devoir, ou la direction, peut corriger ces réponses : vous pouvez les lire."</p>
            <fieldset disabled class="results-grading-form">
                <legend class="visually-hidden">"Réponses rédigées (lecture seule)"</legend>
                {s.questions.into_iter().map(|q| view! { <OpenQuestionGrades q/> }).collect_view()}
            </fieldset>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=grade attr:class="results-grading-form">
                <input type="hidden" name="devoir" value=s.assignment.to_string()/>
                {s.questions.into_iter().map(|q| view! { <OpenQuestionGrades q/> }).collect_view()}
                <FormError action=grade/>
                <div class="actions results-grading-actions">
                    <button type="submit" class="primary">"Enregistrer les notes"</button>
                </div>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <header class="page-head">
            <p class="muted"><a href=back>"Résultats"</a></p>
            <h1>"Corriger — " {s.title}</h1>
            <p class="muted small">{format!("{count} réponse(s) rédigée(s), dont {waiting} en attente. Points de 0 au barème de la question, deux décimales au plus (1,5) ; une case de points vide laisse la réponse telle quelle. Une copie sans réponse en attente reçoit sa note définitive.")}</p>
        </header>
        {move || saved().map(|n| view! { <p class="notice" role="status">{format!("{n} note(s) enregistrée(s).")}</p> })}
        {body}
    }
}

#[component]
fn OpenQuestionGrades(q: OpenQuestion) -> impl IntoView {
    let max = fr_number(q.points);
    let question = q.question;
    view! {
        <section class="panel results-open" id=format!("q-{question}") aria-labelledby=format!("q-{question}-titre")>
            <h2 id=format!("q-{question}-titre")>{format!("Question {} · {}", q.number, q.title)}
                <span class="muted small">{format!(" · sur {max}")}</span></h2>
            <p class="question-text">{q.text}</p>
            {q.answers.is_empty().then(|| view! { <p class="muted">"Aucune réponse rendue à cette question."</p> })}
            <ul class="results-essays">
                {q.answers.into_iter().map(|a| {
                    let key = a.key(question);
                    let status = match a.earned {
                        Some(e) => format!("Corrigée : {} / {max}", fr_number(e)),
                        None => "À corriger".to_string(),
                    };
                    let who = if a.attempt_number > 1 {
                        format!("{} (tentative {})", a.student_name, a.attempt_number)
                    } else {
                        a.student_name.clone()
                    };
                    let points_id = format!("notes-{key}");
                    let comment_id = format!("commentaire-{key}");
                    view! {
                        <li class="results-essay">
                            <h3>{who.clone()} <span class=if a.earned.is_some() { "tag tag-done" } else { "tag" }>{status}</span></h3>
                            <p class="results-essay-text">{a.text}</p>
                            <div class="results-essay-grade">
                                <label for=points_id.clone()>{format!("Points (sur {max})")}<span class="visually-hidden">{format!(" — {who}")}</span></label>
                                <input id=points_id type="text" inputmode="decimal" autocomplete="off" name=format!("notes[{key}]")
                                    value=a.earned.map(fr_number).unwrap_or_default()/>
                                <label for=comment_id.clone()>"Commentaire (facultatif)"<span class="visually-hidden">{format!(" — {who}")}</span></label>
                                <textarea id=comment_id name=format!("commentaires[{key}]") rows="2">{a.comment.unwrap_or_default()}</textarea>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
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
    let Some(user) = slot.0 else { return crate::server::download::to_login("/quiz") };
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
