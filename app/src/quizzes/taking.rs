//! A student's quizzes: the list of what their class and groups were given (`/mes-quiz`) and
//! the attempt page (`/mes-quiz/tentative/:id`), where questions are answered, checked under
//! immediate feedback, handed in, and the result read.
//!
//! The attempt page is one form that works without JavaScript: "Enregistrer" and "Rendre"
//! post every answer to `answer_attempt`, which saves them all or none. Once hydrated, each
//! question also saves itself as soon as it changes (the same server function, one question
//! at a time), a line says when it was saved, and a dropped connection is retried. The fields
//! are read back into a `Response` by `read_answer`, the same code on both sides.
//!
//! Field names, inside `reponses[...]`: `v<id>` marks a question as posted; `q<id>` holds
//! the answer of a one-field question (option position, "vrai"/"faux", text, number);
//! `q<id>_<i>` the i-th part of the others (a ticked option, a matching row, a position, a
//! blank).

use super::api::{AnswerAttempt, answer_attempt, load_attempt_screen, my_quizzes};
use super::{AttemptQuestion, AttemptScreen, Correction, MyQuiz, MyQuizState};
use crate::components::{Async, FormError};
use crate::error::AppError;
use domain::quiz::assignment::FeedbackPolicy;
use domain::quiz::{BlankResponse, Response, StudentBlank, StudentKind, StudentSegment, parse_number};
use domain::{AttemptId, QuizQuestionId};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::collections::BTreeMap;

/// The hidden field that says a question is part of a post.
pub fn marker(id: QuizQuestionId) -> String {
    format!("v{id}")
}

fn one(id: QuizQuestionId) -> String {
    format!("q{id}")
}

fn part(id: QuizQuestionId, i: usize) -> String {
    format!("q{id}_{i}")
}

fn input_name(key: &str) -> String {
    format!("reponses[{key}]")
}

/// Reads one question's answer from the posted fields (names as in the module doc).
/// `Ok(None)`: left blank. An error says, in French, what to fix.
pub fn read_answer(
    id: QuizQuestionId,
    kind: &StudentKind,
    fields: &BTreeMap<String, String>,
) -> Result<Option<Response>, String> {
    let get = |key: String| fields.get(&key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let position = |raw: &str, n: usize| raw.parse::<usize>().ok().filter(|&i| i < n);
    match kind {
        StudentKind::SingleChoice { choices } => match get(one(id)) {
            None => Ok(None),
            Some(raw) => position(raw, choices.len())
                .map(|i| Some(Response::Choice(i)))
                .ok_or_else(|| "ce choix ne fait pas partie des propositions.".to_string()),
        },
        StudentKind::MultipleChoice { choices } => {
            let ticked: Vec<usize> = (0..choices.len()).filter(|&i| get(part(id, i)).is_some()).collect();
            Ok((!ticked.is_empty()).then_some(Response::Choices(ticked)))
        }
        StudentKind::TrueFalse => match get(one(id)) {
            None => Ok(None),
            Some("vrai") => Ok(Some(Response::Bool(true))),
            Some("faux") => Ok(Some(Response::Bool(false))),
            Some(_) => Err("répondez par vrai ou faux.".into()),
        },
        StudentKind::ShortAnswer => Ok(get(one(id)).map(|t| Response::Text(t.to_string()))),
        StudentKind::Numerical => match get(one(id)) {
            None => Ok(None),
            Some(raw) => parse_number(raw)
                .map(|n| Some(Response::Number(n)))
                .ok_or_else(|| format!("« {raw} » n'est pas un nombre : écrivez par exemple 3,5 ou -12.")),
        },
        StudentKind::Matching { left, right } => {
            let mut chosen = Vec::with_capacity(left.len());
            for i in 0..left.len() {
                match get(part(id, i)) {
                    None => chosen.push(None),
                    Some(raw) if right.iter().any(|r| r == raw) => chosen.push(Some(raw.to_string())),
                    Some(_) => return Err("une association ne fait pas partie des propositions.".into()),
                }
            }
            Ok(chosen.iter().any(Option::is_some).then_some(Response::Matching(chosen)))
        }
        StudentKind::Ordering { items } => {
            let n = items.len();
            let positions: Vec<Option<usize>> =
                (0..n).map(|i| get(part(id, i)).map(|raw| raw.parse::<usize>().ok())).map(Option::flatten).collect();
            if positions.iter().all(Option::is_none) {
                return Ok(None);
            }
            let mut order: Vec<Option<&String>> = vec![None; n];
            for (item, p) in items.iter().zip(&positions) {
                let slot = p.filter(|&p| (1..=n).contains(&p)).map(|p| p - 1);
                match slot {
                    Some(s) if order[s].is_none() => order[s] = Some(item),
                    _ => {
                        return Err(format!(
                            "donnez à chaque élément une position différente, de 1 à {n} (chaque position une fois)."
                        ));
                    }
                }
            }
            Ok(Some(Response::Ordering(order.into_iter().flatten().cloned().collect())))
        }
        StudentKind::Cloze { segments } => {
            let mut blanks = Vec::new();
            for blank in segments.iter().filter_map(|s| match s {
                StudentSegment::Blank(b) => Some(b),
                StudentSegment::Text(_) => None,
            }) {
                let j = blanks.len();
                let raw = get(part(id, j));
                blanks.push(match (blank, raw) {
                    (_, None) => BlankResponse::Empty,
                    (StudentBlank::Text, Some(t)) => BlankResponse::Text(t.to_string()),
                    (StudentBlank::Number, Some(t)) => BlankResponse::Number(parse_number(t).ok_or_else(|| {
                        format!("le trou {} attend un nombre : « {t} » n'en est pas un (par exemple 3,5).", j + 1)
                    })?),
                    (StudentBlank::Choice { choices }, Some(t)) => {
                        BlankResponse::Choice(position(t, choices.len()).ok_or_else(|| {
                            format!("le choix du trou {} ne fait pas partie des propositions.", j + 1)
                        })?)
                    }
                });
            }
            Ok(blanks.iter().any(|b| *b != BlankResponse::Empty).then_some(Response::Blanks(blanks)))
        }
        StudentKind::Open => Ok(get(one(id)).map(|t| Response::Essay(t.to_string()))),
    }
}

/// Points the French way: "7,5", "10", "0,25".
fn points_fr(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}").replace('.', ",")
}

fn number_fr(value: f64) -> String {
    format!("{}", (value * 1e6).round() / 1e6).replace('.', ",")
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n > 1 { format!("{n} {many}") } else { format!("{n} {one}") }
}

/// `/mes-quiz`: the quizzes given to the student's class and groups.
#[component]
pub fn MyQuizzesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_quizzes());
    view! {
        <header class="page-head">
            <p class="muted">"Quiz"</p>
            <h1>"Mes quiz"</h1>
        </header>
        <Async resource=data ok=|list| view! { <MyQuizList list/> }/>
    }
}

#[component]
fn MyQuizList(list: Vec<MyQuiz>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="panel muted">"Aucun quiz ne vous a été donné pour l'instant."</p> }.into_any();
    }
    view! {
        <ul class="quiz-list">
            {list.into_iter().map(|q| view! { <li><MyQuizCard q/></li> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn MyQuizCard(q: MyQuiz) -> impl IntoView {
    let open_attempt = ServerAction::<super::api::OpenAttempt>::new();
    let (tag, tag_class) = match q.state {
        MyQuizState::Open if q.in_progress.is_some() => ("En cours", "tag tag-open"),
        MyQuizState::Open if q.submitted > 0 => ("Rendu", "tag tag-done"),
        MyQuizState::Open => ("À faire", "tag tag-open"),
        MyQuizState::Upcoming => ("À venir", "tag"),
        MyQuizState::Closed => ("Fermé", "tag"),
    };
    let when = match q.state {
        MyQuizState::Upcoming => format!("Ouvre le {}", domain::paris::format_datetime(q.opens_at)),
        MyQuizState::Open => format!("À rendre avant le {}", domain::paris::format_datetime(q.closes_at)),
        MyQuizState::Closed => format!("Fermé le {}", domain::paris::format_datetime(q.closes_at)),
    };
    let mut facts = vec![plural(q.questions, "question", "questions"), format!("sur {}", points_fr(q.out_of))];
    if let Some(m) = q.time_limit_minutes {
        facts.push(format!("{m} min"));
    }
    facts.push(format!("tentatives : {} / {}", q.submitted, q.max_attempts));
    let score = q.best_score.map(|s| format!("Meilleur score : {} / {}", points_fr(s), points_fr(q.out_of)));
    let button = if q.in_progress.is_some() { "Reprendre" } else { "Commencer" };
    let can_start = q.can_start();
    let heading = format!("quiz-{}", q.assignment);
    let labelled_by = heading.clone();
    view! {
        <article class="panel quiz-card" aria-labelledby=labelled_by>
            <div class="quiz-card-head">
                <h2 id=heading>{q.title.clone()}</h2>
                <span class=tag_class>{tag}</span>
            </div>
            <p class="muted small">{q.unit_name.clone()} " · " {q.teacher_name.clone()}</p>
            <p>{when}</p>
            <p class="muted small">{facts.join(" · ")}</p>
            {score.map(|s| view! { <p><strong>{s}</strong></p> })}
            <div class="actions">
                {can_start.then(|| view! {
                    <ActionForm action=open_attempt>
                        <input type="hidden" name="devoir" value=q.assignment.to_string()/>
                        <button type="submit" class="primary">{button}</button>
                    </ActionForm>
                })}
                {q.latest_submitted.map(|id| view! {
                    <a class="button secondary" href=format!("/mes-quiz/tentative/{id}")>"Voir ma dernière tentative"</a>
                })}
            </div>
            <FormError action=open_attempt/>
        </article>
    }
}

/// `/mes-quiz/tentative/:id`: an attempt, to answer or to read once handed in.
#[component]
pub fn AttemptPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<AttemptId>().ok());
    let answer = ServerAction::<AnswerAttempt>::new();
    // Read the attempt again after a successful post only: after a refusal the fields keep
    // what the student typed, beside the message saying what to fix.
    let saved = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = answer.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    let data = Resource::new(
        move || (id(), saved.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_attempt_screen(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Async resource=data ok=move |s: AttemptScreen| view! { <AttemptScreenView s answer/> }/>
    }
}

#[component]
fn AttemptScreenView(s: AttemptScreen, answer: ServerAction<AnswerAttempt>) -> impl IntoView {
    let v = s.view.clone();
    let head = view! {
        <header class="page-head">
            <p class="muted"><a href="/mes-quiz">"Mes quiz"</a></p>
            <h1>{v.title.clone()}</h1>
            <p class="muted small">{format!("Tentative {} sur {}", v.number, v.max_attempts)}</p>
        </header>
    };
    if v.submitted {
        return view! { {head} <ResultView s/> }.into_any();
    }
    view! { {head} <AnswerForm s answer/> }.into_any()
}

/// Saving state of one question, once hydrated.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    Idle,
    Saving,
    Saved(i64),
    /// Will be sent again.
    Retrying,
    Refused(String),
}

/// How long a dropped autosave waits before trying again.
const RETRY_MS: u64 = 3_000;

#[component]
fn AnswerForm(s: AttemptScreen, answer: ServerAction<AnswerAttempt>) -> impl IntoView {
    let v = s.view;
    let attempt = v.attempt;
    let immediate = v.feedback == FeedbackPolicy::Immediate;
    let deadline = v.deadline_at;
    let total = v.questions.len();
    let states: Vec<(QuizQuestionId, RwSignal<SaveState>)> =
        v.questions.iter().map(|q| (q.id, RwSignal::new(SaveState::Idle))).collect();
    let states = StoredValue::new(states);
    let flights = StoredValue::new(BTreeMap::<QuizQuestionId, Flight>::new());
    let form_id = format!("tentative-{attempt}");
    let on_change = {
        let form_id = form_id.clone();
        move |ev: leptos::ev::Event| autosave(&ev, &form_id, attempt, states, flights)
    };
    let policy = match v.feedback {
        FeedbackPolicy::Immediate => "Vous pouvez vérifier chaque réponse : une réponse vérifiée est définitive.",
        FeedbackPolicy::AtSubmission => "La correction s'affiche dès que vous rendez le quiz.",
        FeedbackPolicy::AfterClosing => "La correction sera visible après la fermeture du quiz.",
    };
    let questions = v
        .questions
        .into_iter()
        .enumerate()
        .map(|(n, q)| {
            let state = states.with_value(|s| s.iter().find(|(id, _)| *id == q.id).map(|(_, st)| *st));
            view! { <QuestionBlock n total q immediate state read_only=false/> }
        })
        .collect_view();
    view! {
        <section class="panel attempt-info">
            <p>{format!("À rendre avant le {}.", domain::paris::format_datetime(deadline))}
                <Countdown deadline now=s.now/></p>
            <p class="muted small">{policy} " Vos réponses sont enregistrées sur le serveur : si la connexion coupe ou si vous fermez la page, vous reprendrez où vous en étiez."</p>
        </section>
        <ActionForm action=answer attr:id=form_id attr:class="attempt" on:change=on_change>
            <input type="hidden" name="tentative" value=attempt.to_string()/>
            {questions}
            <FormError action=answer/>
            <div class="actions attempt-actions">
                <button type="submit">"Enregistrer mes réponses"</button>
                <button type="submit" class="primary" name="rendre" value="1">"Rendre le quiz"</button>
            </div>
            <p class="muted small">"Une fois rendu, le quiz ne peut plus être modifié."</p>
        </ActionForm>
    }
}

/// Time left before the deadline, ticking once hydrated, in its last day (the deadline is
/// also written out, for everyone).
#[component]
fn Countdown(deadline: i64, now: i64) -> impl IntoView {
    let left = RwSignal::new(None::<i64>);
    let handle = StoredValue::new(None::<IntervalHandle>);
    on_cleanup(move || {
        if let Some(h) = handle.get_value() {
            h.clear();
        }
    });
    Effect::new(move |_| {
        // The server's clock at render time, carried forward by the browser's.
        let started = js_sys::Date::now() as i64;
        let tick = move || {
            let elapsed = js_sys::Date::now() as i64 - started;
            left.set(Some((deadline - now - elapsed).max(0)));
        };
        tick();
        if let Ok(h) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            handle.set_value(Some(h));
        }
    });
    move || {
        // A day or more ahead, the date written out says enough.
        left.get().filter(|ms| *ms < 86_400_000).map(|ms| {
            let s = ms / 1000;
            let text = if s >= 3600 {
                format!(" Temps restant : {} h {:02} min.", s / 3600, (s % 3600) / 60)
            } else {
                format!(" Temps restant : {} min {:02} s.", s / 60, s % 60)
            };
            // Announced to screen readers only in the last minute, not every second.
            view! { <strong class="countdown" aria-live=if s <= 60 { "polite" } else { "off" }>{text}</strong> }
        })
    }
}

/// Saves the question whose field just changed: its fields, read from the form, posted
/// through `answer_attempt` like the whole form is.
fn autosave(
    ev: &leptos::ev::Event,
    form_id: &str,
    attempt: AttemptId,
    states: StoredValue<Vec<(QuizQuestionId, RwSignal<SaveState>)>>,
    flights: StoredValue<BTreeMap<QuizQuestionId, Flight>>,
) {
    use leptos::wasm_bindgen::JsCast;
    let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return;
    };
    let Some(id) = target
        .closest("fieldset[data-question]")
        .ok()
        .flatten()
        .and_then(|f| f.get_attribute("data-question"))
        .and_then(|v| v.parse::<QuizQuestionId>().ok())
    else {
        return;
    };
    save_question(form_id.to_string(), attempt, id, states, flights);
}

fn question_fields(form_id: &str, id: QuizQuestionId) -> Option<BTreeMap<String, String>> {
    use leptos::wasm_bindgen::JsCast;
    let form = document().get_element_by_id(form_id)?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let own = format!("q{id}");
    let mut fields = BTreeMap::new();
    for entry in js_sys::try_iter(&data).ok()??.flatten() {
        let pair = js_sys::Array::from(&entry);
        let (Some(key), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) else { continue };
        let Some(key) = key.strip_prefix("reponses[").and_then(|k| k.strip_suffix(']')) else { continue };
        let ours = key == marker(id) || key == own || key.strip_prefix(&own).is_some_and(|rest| rest.starts_with('_'));
        if ours {
            fields.insert(key.to_string(), value);
        }
    }
    Some(fields)
}

fn save_question(
    form_id: String,
    attempt: AttemptId,
    id: QuizQuestionId,
    states: StoredValue<Vec<(QuizQuestionId, RwSignal<SaveState>)>>,
    flights: StoredValue<BTreeMap<QuizQuestionId, Flight>>,
) {
    let Some(state) = states.with_value(|s| s.iter().find(|(q, _)| *q == id).map(|(_, st)| *st)) else {
        return;
    };
    // One save per question at a time: a change made while one is on its way is sent after
    // it, read afresh from the form, so an older answer can never land last.
    let mut start = false;
    flights.update_value(|f| {
        let flight = f.entry(id).or_default();
        if flight.in_flight {
            flight.again = true;
        } else {
            flight.in_flight = true;
            start = true;
        }
    });
    state.set(SaveState::Saving);
    if !start {
        return;
    }
    let Some(fields) = question_fields(&form_id, id) else {
        flights.update_value(|f| {
            f.remove(&id);
        });
        return;
    };
    leptos::task::spawn_local(async move {
        let result = answer_attempt(attempt, Some(fields), None, None).await;
        let mut again = false;
        flights.update_value(|f| {
            let flight = f.entry(id).or_default();
            flight.in_flight = false;
            again = std::mem::take(&mut flight.again);
        });
        match result {
            Err(AppError::Request(_)) | Err(AppError::Busy) => {
                state.set(SaveState::Retrying);
                set_timeout(
                    move || {
                        if state.get_untracked() == SaveState::Retrying {
                            save_question(form_id, attempt, id, states, flights);
                        }
                    },
                    std::time::Duration::from_millis(RETRY_MS),
                );
            }
            // The answer changed meanwhile: what the form holds now goes next.
            _ if again => save_question(form_id, attempt, id, states, flights),
            Ok(saved) => state.set(SaveState::Saved(saved.saved_at)),
            Err(e) => state.set(SaveState::Refused(e.message())),
        }
    });
}

/// Whether a question's save is on its way, and whether it changed since it left.
#[derive(Debug, Default, Clone, Copy)]
struct Flight {
    in_flight: bool,
    again: bool,
}

/// One question of the attempt form, as a student sees it: its inputs, its correction once
/// shown, "Vérifier ma réponse" under immediate feedback. Also the teacher's preview
/// (`preview.rs`), which shows exactly this.
#[component]
pub fn QuestionBlock(
    n: usize,
    total: usize,
    q: AttemptQuestion,
    immediate: bool,
    state: Option<RwSignal<SaveState>>,
    /// Shown after the attempt was handed in: nothing to answer.
    read_only: bool,
) -> impl IntoView {
    let id = q.id;
    let legend = format!("Question {} sur {total}", n + 1);
    let points = format!("{} pt", points_fr(q.question.points));
    let locked = q.locked || read_only;
    let status = state.map(|state| {
        move || match state.get() {
            SaveState::Idle => None,
            SaveState::Saving => Some(view! { <p class="save-state muted small">"Enregistrement…"</p> }.into_any()),
            SaveState::Saved(at) => Some(
                view! { <p class="save-state small saved">{format!("Enregistré à {}", domain::paris::format_time(at))}</p> }
                    .into_any(),
            ),
            SaveState::Retrying => Some(
                view! { <p class="save-state small pending">"Hors ligne : votre réponse est gardée et sera renvoyée."</p> }
                    .into_any(),
            ),
            SaveState::Refused(why) => Some(view! { <p class="save-state alert small">{why}</p> }.into_any()),
        }
    });
    let check = (immediate && !locked).then(|| {
        view! {
            <button type="submit" class="small-button" name="verifier" value=id.to_string()>"Vérifier ma réponse"</button>
        }
    });
    view! {
        <fieldset class="panel question" data-question=id.to_string() disabled=locked>
            <legend>{legend} <span class="muted small">" · " {points}</span></legend>
            <p class="question-text">{q.question.text.clone()}</p>
            {q.question.image.clone().map(|src| view! { <img class="question-image" src=src alt=""/> })}
            // A question already checked is final: it is not posted again.
            {(!locked).then(|| view! { <input type="hidden" name=input_name(&marker(id)) value="1"/> })}
            <AnswerInputs id kind=q.question.kind.clone() answer=q.answer.clone()/>
            {q.correction.map(|c| view! { <CorrectionView c/> })}
            {check}
            {status}
        </fieldset>
    }
}

#[component]
fn AnswerInputs(id: QuizQuestionId, kind: StudentKind, answer: Option<Response>) -> impl IntoView {
    let name1 = input_name(&one(id));
    let name_i = move |i: usize| input_name(&part(id, i));
    let dom = move |i: usize| format!("q{id}-{i}");
    match kind {
        StudentKind::SingleChoice { choices } => {
            let chosen = match answer {
                Some(Response::Choice(i)) => Some(i),
                _ => None,
            };
            view! {
                <div class="options">
                    {choices.into_iter().enumerate().map(|(i, c)| view! {
                        <label class="option"><input type="radio" name=name1.clone() value=i.to_string() checked=chosen == Some(i)/> <span>{c}</span></label>
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        StudentKind::MultipleChoice { choices } => {
            let ticked = match answer {
                Some(Response::Choices(t)) => t,
                _ => Vec::new(),
            };
            view! {
                <p class="muted small">"Plusieurs réponses possibles."</p>
                <div class="options">
                    {choices.into_iter().enumerate().map(|(i, c)| view! {
                        <label class="option"><input type="checkbox" name=name_i(i) value="1" checked=ticked.contains(&i)/> <span>{c}</span></label>
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        StudentKind::TrueFalse => {
            let chosen = match answer {
                Some(Response::Bool(b)) => Some(b),
                _ => None,
            };
            view! {
                <div class="options">
                    <label class="option"><input type="radio" name=name1.clone() value="vrai" checked=chosen == Some(true)/> <span>"Vrai"</span></label>
                    <label class="option"><input type="radio" name=name1.clone() value="faux" checked=chosen == Some(false)/> <span>"Faux"</span></label>
                </div>
            }
            .into_any()
        }
        StudentKind::ShortAnswer => {
            let text = match answer {
                Some(Response::Text(t)) => t,
                _ => String::new(),
            };
            view! {
                <label class="answer">"Votre réponse" <input type="text" name=name1 value=text autocomplete="off"/></label>
            }
            .into_any()
        }
        StudentKind::Numerical => {
            let text = match answer {
                Some(Response::Number(x)) => number_fr(x),
                _ => String::new(),
            };
            view! {
                <label class="answer">"Votre réponse (un nombre)" <input type="text" inputmode="decimal" name=name1 value=text autocomplete="off"/></label>
            }
            .into_any()
        }
        StudentKind::Matching { left, right } => {
            let chosen = match answer {
                Some(Response::Matching(m)) => m,
                _ => Vec::new(),
            };
            view! {
                <div class="matching">
                    {left.into_iter().enumerate().map(|(i, l)| {
                        let current = chosen.get(i).cloned().flatten();
                        view! {
                            <label class="match-row" for=dom(i)><span>{l}</span></label>
                            <select id=dom(i) name=name_i(i)>
                                <option value="" selected=current.is_none()>"— choisir —"</option>
                                {right.iter().map(|r| view! {
                                    <option value=r.clone() selected=current.as_deref() == Some(r.as_str())>{r.clone()}</option>
                                }).collect_view()}
                            </select>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        StudentKind::Ordering { items } => {
            let order = match answer {
                Some(Response::Ordering(o)) => o,
                _ => Vec::new(),
            };
            let n = items.len();
            view! {
                <p class="muted small">{format!("Donnez à chaque élément sa position, de 1 à {n}.")}</p>
                <div class="matching">
                    {items.into_iter().enumerate().map(|(i, item)| {
                        let current = order.iter().position(|o| *o == item).map(|p| p + 1);
                        view! {
                            <label class="match-row" for=dom(i)><span>{item}</span></label>
                            <select id=dom(i) name=name_i(i)>
                                <option value="" selected=current.is_none()>"— position —"</option>
                                {(1..=n).map(|p| view! {
                                    <option value=p.to_string() selected=current == Some(p)>{p.to_string()}</option>
                                }).collect_view()}
                            </select>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        StudentKind::Cloze { segments } => {
            let filled = match answer {
                Some(Response::Blanks(b)) => b,
                _ => Vec::new(),
            };
            let mut j = 0;
            let parts = segments
                .into_iter()
                .map(|seg| match seg {
                    StudentSegment::Text(t) => view! { <span>{t}</span> }.into_any(),
                    StudentSegment::Blank(b) => {
                        let k = j;
                        j += 1;
                        let label = format!("Trou {}", k + 1);
                        let current = filled.get(k).cloned().unwrap_or(BlankResponse::Empty);
                        match b {
                            StudentBlank::Choice { choices } => {
                                let chosen = match current {
                                    BlankResponse::Choice(c) => Some(c),
                                    _ => None,
                                };
                                view! {
                                    <select name=name_i(k) aria-label=label>
                                        <option value="" selected=chosen.is_none()>"—"</option>
                                        {choices.into_iter().enumerate().map(|(c, text)| view! {
                                            <option value=c.to_string() selected=chosen == Some(c)>{text}</option>
                                        }).collect_view()}
                                    </select>
                                }
                                .into_any()
                            }
                            StudentBlank::Text | StudentBlank::Number => {
                                let value = match current {
                                    BlankResponse::Text(t) => t,
                                    BlankResponse::Number(x) => number_fr(x),
                                    _ => String::new(),
                                };
                                let numeric = matches!(b, StudentBlank::Number);
                                view! {
                                    <input class="blank" type="text" name=name_i(k) value=value aria-label=label
                                        inputmode=numeric.then_some("decimal") autocomplete="off" size="10"/>
                                }
                                .into_any()
                            }
                        }
                    }
                })
                .collect_view();
            view! { <p class="cloze">{parts}</p> }.into_any()
        }
        StudentKind::Open => {
            let text = match answer {
                Some(Response::Essay(t)) => t,
                _ => String::new(),
            };
            view! {
                <label class="answer">"Votre réponse (corrigée par votre professeur)"
                    <textarea name=name1 rows="6">{text}</textarea></label>
            }
            .into_any()
        }
    }
}

#[component]
fn CorrectionView(c: Correction) -> impl IntoView {
    let (verdict, class) = match (c.earned, c.correct) {
        (None, _) => ("À corriger par votre professeur".to_string(), "correction pending"),
        (Some(_), true) => ("Bonne réponse".to_string(), "correction right"),
        (Some(e), false) if e > 0.0 => ("Réponse en partie juste".to_string(), "correction partial"),
        (Some(_), false) => ("Réponse incorrecte".to_string(), "correction wrong"),
    };
    let points = c.earned.map(|e| format!(" · {} / {} pt", points_fr(e), points_fr(c.out_of)));
    let expected = (!c.correct && !c.right_answers.is_empty()).then(|| {
        view! { <p class="small">"Réponse attendue : " {c.right_answers.join(" ; ")}</p> }
    });
    view! {
        <div class=class role="status">
            <p><strong>{verdict}</strong>{points}</p>
            {expected}
            {c.teacher_comment.map(|t| view! { <p class="small teacher-comment">{format!("Commentaire de votre professeur : {t}")}</p> })}
            {c.feedback.into_iter().map(|f| view! { <p class="small feedback">{f}</p> }).collect_view()}
        </div>
    }
}

#[component]
fn ResultView(s: AttemptScreen) -> impl IntoView {
    let v = s.view;
    let result = s.result;
    let summary = result.as_ref().map(|r| {
        let handed = if r.auto_submitted {
            format!(
                "Le temps était écoulé le {} : les réponses enregistrées à temps ont été comptées.",
                domain::paris::format_datetime(r.submitted_at)
            )
        } else {
            format!("Rendu le {}.", domain::paris::format_datetime(r.submitted_at))
        };
        let score = match (r.score, r.feedback_from) {
            (Some(score), _) => {
                let pending = r
                    .pending_grading
                    .then_some(" (provisoire : des réponses attendent la correction de votre professeur)");
                Some(format!("Score : {} / {}{}", points_fr(score), points_fr(r.out_of), pending.unwrap_or("")))
            }
            (None, Some(from)) => Some(format!(
                "Votre score et la correction seront visibles à partir du {}.",
                domain::paris::format_datetime(from)
            )),
            (None, None) => None,
        };
        view! {
            <section class="panel result" aria-labelledby="resultat">
                <h2 id="resultat">"Quiz rendu"</h2>
                <p>{handed}</p>
                {score.map(|t| view! { <p class="score"><strong>{t}</strong></p> })}
            </section>
        }
    });
    let retry = s.can_retry.then(|| {
        let open_attempt = ServerAction::<super::api::OpenAttempt>::new();
        view! {
            <ActionForm action=open_attempt>
                <input type="hidden" name="devoir" value=v.assignment.to_string()/>
                <button type="submit" class="primary">"Faire une nouvelle tentative"</button>
            </ActionForm>
            <FormError action=open_attempt/>
        }
    });
    let total = v.questions.len();
    let corrections = v.questions.iter().any(|q| q.correction.is_some()).then(|| {
        v.questions
            .clone()
            .into_iter()
            .enumerate()
            .map(|(n, q)| view! { <QuestionBlock n total q immediate=false state=None read_only=true/> })
            .collect_view()
    });
    view! {
        {summary}
        <div class="actions">{retry} <a class="button secondary" href="/mes-quiz">"Retour à mes quiz"</a></div>
        {corrections.map(|c| view! { <div class="attempt attempt-done">{c}</div> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const Q: QuizQuestionId = QuizQuestionId(7);

    #[test]
    fn a_chosen_option_is_read_as_its_position_and_a_stranger_is_refused() {
        let kind = StudentKind::SingleChoice { choices: vec!["a".into(), "b".into()] };
        assert_eq!(read_answer(Q, &kind, &fields(&[("q7", "1")])), Ok(Some(Response::Choice(1))));
        assert_eq!(read_answer(Q, &kind, &fields(&[("v7", "1")])), Ok(None));
        assert!(read_answer(Q, &kind, &fields(&[("q7", "2")])).is_err());
        assert!(read_answer(Q, &kind, &fields(&[("q7", "x")])).is_err());
    }

    #[test]
    fn ticked_boxes_make_a_multiple_choice_and_none_ticked_is_blank() {
        let kind = StudentKind::MultipleChoice { choices: vec!["a".into(), "b".into(), "c".into()] };
        assert_eq!(
            read_answer(Q, &kind, &fields(&[("q7_0", "1"), ("q7_2", "1")])),
            Ok(Some(Response::Choices(vec![0, 2])))
        );
        assert_eq!(read_answer(Q, &kind, &fields(&[("v7", "1")])), Ok(None));
    }

    #[test]
    fn numbers_are_read_the_french_way_and_words_are_refused_with_the_text() {
        let kind = StudentKind::Numerical;
        assert_eq!(read_answer(Q, &kind, &fields(&[("q7", " 3,5 ")])), Ok(Some(Response::Number(3.5))));
        let refused = read_answer(Q, &kind, &fields(&[("q7", "trois")]));
        assert!(refused.is_err_and(|e| e.contains("« trois »")));
    }

    #[test]
    fn true_false_short_and_open_answers() {
        assert_eq!(
            read_answer(Q, &StudentKind::TrueFalse, &fields(&[("q7", "faux")])),
            Ok(Some(Response::Bool(false)))
        );
        assert!(read_answer(Q, &StudentKind::TrueFalse, &fields(&[("q7", "peut-être")])).is_err());
        assert_eq!(
            read_answer(Q, &StudentKind::ShortAnswer, &fields(&[("q7", "  Paris ")])),
            Ok(Some(Response::Text("Paris".into())))
        );
        assert_eq!(read_answer(Q, &StudentKind::ShortAnswer, &fields(&[("q7", "   ")])), Ok(None));
        assert_eq!(
            read_answer(Q, &StudentKind::Open, &fields(&[("q7", "Je pense que…")])),
            Ok(Some(Response::Essay("Je pense que…".into())))
        );
    }

    #[test]
    fn matching_keeps_unanswered_rows_and_refuses_an_unknown_item() {
        let kind = StudentKind::Matching {
            left: vec!["chat".into(), "chien".into()],
            right: vec!["miaule".into(), "aboie".into()],
        };
        assert_eq!(
            read_answer(Q, &kind, &fields(&[("q7_1", "aboie")])),
            Ok(Some(Response::Matching(vec![None, Some("aboie".into())])))
        );
        assert!(read_answer(Q, &kind, &fields(&[("q7_0", "rugit")])).is_err());
        assert_eq!(read_answer(Q, &kind, &fields(&[])), Ok(None));
    }

    #[test]
    fn positions_become_an_order_and_a_position_used_twice_is_refused() {
        let kind = StudentKind::Ordering { items: vec!["b".into(), "c".into(), "a".into()] };
        assert_eq!(
            read_answer(Q, &kind, &fields(&[("q7_0", "2"), ("q7_1", "3"), ("q7_2", "1")])),
            Ok(Some(Response::Ordering(vec!["a".into(), "b".into(), "c".into()])))
        );
        assert!(read_answer(Q, &kind, &fields(&[("q7_0", "1"), ("q7_1", "1"), ("q7_2", "2")])).is_err());
        assert!(read_answer(Q, &kind, &fields(&[("q7_0", "1")])).is_err());
        assert!(read_answer(Q, &kind, &fields(&[("q7_0", "4"), ("q7_1", "1"), ("q7_2", "2")])).is_err());
        assert_eq!(read_answer(Q, &kind, &fields(&[])), Ok(None));
    }

    #[test]
    fn blanks_are_read_by_their_kind_and_all_empty_is_blank() {
        let kind = StudentKind::Cloze {
            segments: vec![
                StudentSegment::Text("Il y a ".into()),
                StudentSegment::Blank(StudentBlank::Number),
                StudentSegment::Text(" jours, en ".into()),
                StudentSegment::Blank(StudentBlank::Choice { choices: vec!["hiver".into(), "été".into()] }),
                StudentSegment::Blank(StudentBlank::Text),
            ],
        };
        assert_eq!(
            read_answer(Q, &kind, &fields(&[("q7_0", "365"), ("q7_1", "1")])),
            Ok(Some(Response::Blanks(vec![
                BlankResponse::Number(365.0),
                BlankResponse::Choice(1),
                BlankResponse::Empty
            ])))
        );
        assert!(read_answer(Q, &kind, &fields(&[("q7_0", "beaucoup")])).is_err_and(|e| e.contains("trou 1")));
        assert_eq!(read_answer(Q, &kind, &fields(&[("v7", "1")])), Ok(None));
    }

    #[test]
    fn points_are_written_with_a_comma() {
        assert_eq!(points_fr(7.5), "7,5");
        assert_eq!(points_fr(10.0), "10");
        assert_eq!(points_fr(1.0 / 3.0), "0,33");
    }
}
