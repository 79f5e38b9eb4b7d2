//! The teacher's quiz pages: "Mes quiz" (`/quiz`), a quiz with its questions, GIFT import
//! and export and its assignments (`/quiz/:id`), and an assignment's results
//! (`/quiz/resultats/:assignment`), plus the two downloads (`/quiz/{id}/export.gift`,
//! `/quiz/resultats/{id}/export.csv`).
//!
//! Every form is an `ActionForm` posting url-encoded fields to the wrappers at the end of
//! `api.rs`, so the pages work with JavaScript off; steps that need a second screen (editing a
//! question, confirming a deletion, choosing the type of a new question) are plain links with
//! a query parameter, rendered on the server. The form fields are read here, by pure functions
//! (`question_from_form`, `assignment_from_form`) that the server calls and the tests check.

use super::api::*;
use super::{AssignmentLine, AssignmentResults, QuestionLine, QuizDetail, QuizLine};
use crate::components::{Async, FormError, query_param};
use crate::error::AppError;
use domain::quiz::assignment::{AssignmentSettings, FeedbackPolicy, ResultStatus};
use domain::quiz::{
    AcceptedNumber, AcceptedText, Blank, Choice, NumberTarget, OPTIONS_MAX, Points, Question, QuestionKind, Segment,
    parse_number,
};
use domain::{DomainError, QuizAssignmentId, QuizId, QuizQuestionId, TeachingUnit, paris};
use leptos::form::ActionForm;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The question types the form can write. Matching, ordering and cloze questions (from GIFT,
/// or the JSON API) are shown but not edited here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    Single,
    Multiple,
    TrueFalse,
    Short,
    Numerical,
    Open,
}

impl EditKind {
    pub const ALL: [EditKind; 6] = [
        EditKind::Single,
        EditKind::Multiple,
        EditKind::TrueFalse,
        EditKind::Short,
        EditKind::Numerical,
        EditKind::Open,
    ];

    /// The value in forms and addresses (`?ajouter=unique`).
    pub fn code(self) -> &'static str {
        match self {
            EditKind::Single => "unique",
            EditKind::Multiple => "multiple",
            EditKind::TrueFalse => "vrai-faux",
            EditKind::Short => "courte",
            EditKind::Numerical => "numerique",
            EditKind::Open => "ouverte",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            EditKind::Single => "Choix unique",
            EditKind::Multiple => "Choix multiples",
            EditKind::TrueFalse => "Vrai ou faux",
            EditKind::Short => "Réponse courte",
            EditKind::Numerical => "Numérique",
            EditKind::Open => "Réponse rédigée",
        }
    }

    /// The form's type for an existing question, if the form can edit it.
    pub fn of(kind: &QuestionKind) -> Option<Self> {
        match kind {
            QuestionKind::SingleChoice { .. } => Some(EditKind::Single),
            QuestionKind::MultipleChoice { .. } => Some(EditKind::Multiple),
            QuestionKind::TrueFalse { .. } => Some(EditKind::TrueFalse),
            QuestionKind::ShortAnswer { .. } => Some(EditKind::Short),
            QuestionKind::Numerical { .. } => Some(EditKind::Numerical),
            QuestionKind::Open => Some(EditKind::Open),
            QuestionKind::Matching { .. } | QuestionKind::Ordering { .. } | QuestionKind::Cloze { .. } => None,
        }
    }
}

/// The French name of any question type.
pub fn kind_label(kind: &QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Matching { .. } => "Appariement",
        QuestionKind::Ordering { .. } => "Remise en ordre",
        QuestionKind::Cloze { .. } => "Texte à trous",
        other => EditKind::of(other).map(EditKind::label).unwrap_or(""),
    }
}

/// "2,5": a number the French way, two decimals at most.
pub fn fr_number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}").replace('.', ",")
}

fn points_label(points: f64) -> String {
    format!("{} pt{}", fr_number(points), if points > 1.0 { "s" } else { "" })
}

fn field<'a>(champs: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    champs.get(name).map(|v| v.trim()).unwrap_or("")
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A weight typed in percent ("50", "33,33", "-25", "50 %"); `empty` when left blank.
fn weight(raw: &str, row: usize, empty: f64) -> Result<f64, DomainError> {
    let cleaned = raw.trim().trim_end_matches('%');
    if cleaned.trim().is_empty() {
        return Ok(empty);
    }
    parse_number(cleaned).ok_or_else(|| {
        DomainError::new("poids", format!("Ligne {} : le pourcentage s'écrit comme 50 ou 33,33.", row + 1))
    })
}

fn number(raw: &str, row: usize, what: &str) -> Result<f64, DomainError> {
    parse_number(raw).ok_or_else(|| {
        DomainError::new("valeur", format!("Ligne {} : indiquez {what} en chiffres, par exemple 3,14.", row + 1))
    })
}

/// Reads the question form (`champs[...]` of `save_question_form`) into a checked question.
///
/// Fields: `type` (an [`EditKind`] code), `enonce`, `points`, `titre` (optional: the start of
/// the text), `retour_general`; per row `i` of options or accepted answers `texte_i`,
/// `poids_i` (percent), `retour_i`; `bonne` (the right row of a single choice); `negatif`
/// (multiple choice); `vrai_faux`, `retour_vrai`, `retour_faux`; `exact` (short answer);
/// `mode_i` (`exacte`, `tolerance`, `intervalle`), `valeur_i`, `ecart_i`, `min_i`, `max_i`
/// (numerical). Blank rows are left out.
pub fn question_from_form(champs: &BTreeMap<String, String>) -> Result<Question, DomainError> {
    let kind = EditKind::from_code(field(champs, "type"))
        .ok_or_else(|| DomainError::new("type", "Choisissez le type de la question."))?;
    let text = field(champs, "enonce").to_string();
    if text.is_empty() {
        return Err(DomainError::new("enonce", "Écrivez l'énoncé de la question."));
    }
    let points = Points::parse(field(champs, "points"))?;
    let title = optional(field(champs, "titre")).unwrap_or_else(|| {
        let start: String = text.chars().take(60).collect();
        if start.chars().count() < text.chars().count() { format!("{start}…") } else { start }
    });
    let row = |name: &str, i: usize| field(champs, &format!("{name}_{i}"));
    let filled = |i: usize, names: &[&str]| names.iter().any(|n| !row(n, i).is_empty());
    let kind = match kind {
        EditKind::Single | EditKind::Multiple => {
            let right: Option<usize> = field(champs, "bonne").parse().ok();
            let mut choices = Vec::new();
            for i in (0..OPTIONS_MAX).filter(|i| filled(*i, &["texte"])) {
                let weight = if kind == EditKind::Single {
                    if right == Some(i) { 100.0 } else { 0.0 }
                } else {
                    weight(row("poids", i), i, 0.0)?
                };
                choices.push(Choice {
                    text: row("texte", i).to_string(),
                    weight,
                    feedback: optional(row("retour", i)),
                });
            }
            if kind == EditKind::Single {
                if let Some(r) = right
                    && !filled(r, &["texte"])
                {
                    return Err(DomainError::new("bonne", "La bonne réponse cochée n'a pas de texte : écrivez-le."));
                }
                QuestionKind::SingleChoice { choices }
            } else {
                QuestionKind::MultipleChoice { choices, negative_marks: champs.contains_key("negatif") }
            }
        }
        EditKind::TrueFalse => {
            let answer = match field(champs, "vrai_faux") {
                "vrai" => true,
                "faux" => false,
                _ => return Err(DomainError::new("vrai_faux", "Indiquez si l'affirmation est vraie ou fausse.")),
            };
            QuestionKind::TrueFalse {
                answer,
                feedback_true: optional(field(champs, "retour_vrai")),
                feedback_false: optional(field(champs, "retour_faux")),
            }
        }
        EditKind::Short => {
            let mut answers = Vec::new();
            for i in (0..OPTIONS_MAX).filter(|i| filled(*i, &["texte"])) {
                answers.push(AcceptedText {
                    text: row("texte", i).to_string(),
                    weight: weight(row("poids", i), i, 100.0)?,
                    feedback: optional(row("retour", i)),
                });
            }
            QuestionKind::ShortAnswer { answers, exact: champs.contains_key("exact") }
        }
        EditKind::Numerical => {
            let mut answers = Vec::new();
            for i in (0..OPTIONS_MAX).filter(|i| filled(*i, &["valeur", "min", "max"])) {
                let target = match row("mode", i) {
                    "tolerance" => NumberTarget::Tolerance {
                        value: number(row("valeur", i), i, "la valeur attendue")?,
                        tolerance: number(row("ecart", i), i, "l'écart accepté")?,
                    },
                    "intervalle" => NumberTarget::Range {
                        min: number(row("min", i), i, "le minimum")?,
                        max: number(row("max", i), i, "le maximum")?,
                    },
                    _ => NumberTarget::Exact(number(row("valeur", i), i, "la valeur attendue")?),
                };
                answers.push(AcceptedNumber {
                    target,
                    weight: weight(row("poids", i), i, 100.0)?,
                    feedback: optional(row("retour", i)),
                });
            }
            QuestionKind::Numerical { answers }
        }
        EditKind::Open => QuestionKind::Open,
    };
    let question = Question {
        title,
        category: None,
        text,
        points,
        kind,
        general_feedback: optional(field(champs, "retour_general")),
        image: None,
    };
    question.check()?;
    Ok(question)
}

/// "2026-12-01T08:00" (a `datetime-local` field, Paris time) → the instant.
pub fn parse_datetime_local(raw: &str, what: &str) -> Result<i64, DomainError> {
    let bad = || DomainError::new(what, format!("Indiquez la date et l'heure d'{what}, par exemple 01/12/2026 08:00."));
    let (date, time) = raw.trim().split_once(['T', ' ']).ok_or_else(bad)?;
    let date = paris::parse_date(date).map_err(|_| bad())?;
    let (hour, minute) = paris::parse_time(time).map_err(|_| bad())?;
    Ok(paris::instant_at(date, hour, minute))
}

/// The instant as a `datetime-local` field shows it, Paris time.
pub fn datetime_local(utc_ms: i64) -> String {
    let (y, m, d, h, min) = paris::local_parts(utc_ms);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}")
}

/// Reads the assignment form into the class or group and its checked-by-the-server settings.
pub fn assignment_from_form(form: &AssignForm) -> Result<(TeachingUnit, AssignmentSettings), DomainError> {
    let unit = TeachingUnit::from_key(&form.unite)
        .ok_or_else(|| DomainError::new("unite", "Choisissez la classe ou le groupe."))?;
    let opens_at = parse_datetime_local(&form.ouverture, "ouverture")?;
    let closes_at = parse_datetime_local(&form.fermeture, "fermeture")?;
    let time_limit_minutes = match form.duree.trim() {
        "" => None,
        raw => Some(raw.parse::<u32>().map_err(|_| {
            DomainError::new("duree", "La durée s'écrit en minutes, par exemple 20, ou reste vide pour ne pas limiter.")
        })?),
    };
    let max_attempts = form
        .tentatives
        .trim()
        .parse::<u32>()
        .map_err(|_| DomainError::new("tentatives", "Indiquez le nombre de tentatives permises, par exemple 1."))?;
    let feedback = FeedbackPolicy::from_code(form.retour.trim())
        .ok_or_else(|| DomainError::new("retour", "Choisissez quand les élèves voient la correction."))?;
    Ok((
        unit,
        AssignmentSettings {
            opens_at,
            closes_at,
            time_limit_minutes,
            max_attempts,
            shuffle_questions: form.melanger_questions.is_some(),
            shuffle_options: form.melanger_options.is_some(),
            feedback,
        },
    ))
}

/// Now, in milliseconds: the browser's clock once hydrated, the server's while rendering.
fn now_ms() -> i64 {
    #[cfg(feature = "ssr")]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos::web_sys::js_sys::Date::now() as i64
    }
}

/// Shows a failed action whose French message holds one problem per line (a refused GIFT
/// import) as a list; a one-line message as a paragraph.
#[component]
fn ProblemsError<S>(action: ServerAction<S>) -> impl IntoView
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || {
        action.value().get().and_then(|r| r.err()).map(|e| {
            let message = e.message();
            let mut lines = message.lines();
            let head = lines.next().unwrap_or_default().to_string();
            let rest: Vec<String> = lines.map(str::to_string).collect();
            view! {
                <div class="alert" role="alert">
                    <p>{head}</p>
                    {(!rest.is_empty()).then(|| view! {
                        <ul class="problems">{rest.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    })}
                </div>
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// /quiz

/// `/quiz`: the teacher's quizzes and those colleagues share, and "Nouveau quiz".
#[component]
pub fn QuizListPage() -> impl IntoView {
    let create = ServerAction::<CreateQuizForm>::new();
    let data = Resource::new(move || create.version().get(), |_| list_quizzes());
    view! {
        <header class="page-head">
            <h1>"Mes quiz"</h1>
            <p class="muted">"Vos quiz et ceux que vos collègues partagent. Ouvrez-en un pour l'éditer ou le donner à une classe."</p>
        </header>
        <Async resource=data ok={move |quizzes: Vec<QuizLine>| view! { <QuizList quizzes create/> }}/>
    }
}

#[component]
fn QuizList(quizzes: Vec<QuizLine>, create: ServerAction<CreateQuizForm>) -> impl IntoView {
    let list = if quizzes.is_empty() {
        view! { <p class="panel muted">"Aucun quiz pour l'instant : créez le premier ci-dessous."</p> }.into_any()
    } else {
        view! {
            <ul class="cards quiz-cards">
                {quizzes.into_iter().map(|q| {
                    let author = if q.mine { "vous".to_string() } else { q.owner_name.clone() };
                    let sharing = if q.mine && q.shared { " · partagé" } else { "" };
                    view! {
                        <li class="card">
                            <a class="card-title" href=format!("/quiz/{}", q.id)>{q.title.clone()}</a>
                            <p class="muted small">
                                {format!("{} question{}", q.questions, if q.questions > 1 { "s" } else { "" })}
                                " · modifié le " {paris::format_datetime(q.updated_at)}
                            </p>
                            <p class="muted small">"Auteur : " {author} {sharing}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        {list}
        <section class="panel" aria-labelledby="nouveau-quiz">
            <h2 id="nouveau-quiz">"Nouveau quiz"</h2>
            <ActionForm action=create>
                <div class="form-grid">
                    <label>"Titre" <input name="titre" required maxlength=super::QUIZ_TITLE_MAX_CHARS.to_string()
                        placeholder="Révisions chapitre 3"/></label>
                </div>
                <label class="block">"Description (facultative)"
                    <textarea name="description" rows="2" maxlength=super::QUIZ_DESCRIPTION_MAX_CHARS.to_string()></textarea>
                </label>
                <button type="submit">"Créer le quiz"</button>
            </ActionForm>
            <FormError action=create/>
        </section>
    }
}

// ---------------------------------------------------------------------------------------
// /quiz/:id

/// Every action of the quiz page: the page reloads its data after any of them.
#[derive(Clone, Copy)]
struct QuizActions {
    update: ServerAction<UpdateQuizForm>,
    save: ServerAction<SaveQuestionForm>,
    delete: ServerAction<DeleteQuestionForm>,
    duplicate: ServerAction<DuplicateQuestionForm>,
    moves: ServerAction<MoveQuestionForm>,
    import: ServerAction<ImportGiftForm>,
    assign: ServerAction<AssignQuizForm>,
}

impl QuizActions {
    fn versions(&self) -> [usize; 7] {
        [
            self.update.version().get(),
            self.save.version().get(),
            self.delete.version().get(),
            self.duplicate.version().get(),
            self.moves.version().get(),
            self.import.version().get(),
            self.assign.version().get(),
        ]
    }
}

/// The page's query: which question is being edited or deleted, which type is being added.
#[derive(Clone, Copy)]
struct Mode {
    edit: Option<QuizQuestionId>,
    delete: Option<QuizQuestionId>,
    add: Option<EditKind>,
}

/// `/quiz/:id`: the quiz for its author (colleagues it is shared with read, export and assign).
#[component]
pub fn QuizPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<QuizId>().ok());
    let edit = query_param::<QuizQuestionId>("modifier");
    let delete = query_param::<QuizQuestionId>("supprimer");
    let add = query_param::<String>("ajouter");
    let imported = query_param::<usize>("importees");
    let actions = QuizActions {
        update: ServerAction::new(),
        save: ServerAction::new(),
        delete: ServerAction::new(),
        duplicate: ServerAction::new(),
        moves: ServerAction::new(),
        import: ServerAction::new(),
        assign: ServerAction::new(),
    };
    let data = Resource::new(
        move || (id(), actions.versions()),
        |(id, _)| async move {
            match id {
                Some(id) => {
                    let quiz = get_quiz(id).await?;
                    let gift = export_gift(id).await?;
                    let given = list_quiz_assignments(id).await?;
                    // A colleague who teaches nothing here still reads the quiz.
                    let units = crate::grades::api::load_services().await.unwrap_or_default();
                    Ok(QuizPageData { quiz, skipped: gift.skipped, given, units: own_units(units) })
                }
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Async resource=data ok={move |d: QuizPageData| {
            let mode = Mode { edit: edit(), delete: delete(), add: add().as_deref().and_then(EditKind::from_code) };
            view! { <QuizView d mode actions imported=imported()/> }
        }}/>
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct QuizPageData {
    quiz: QuizDetail,
    /// Questions GIFT cannot express, with the reason.
    skipped: Vec<String>,
    given: Vec<AssignmentLine>,
    /// The classes and groups the person teaches: (key, name).
    units: Vec<(String, String)>,
}

/// One entry per class or group (a teacher may teach two subjects to one class).
fn own_units(services: Vec<crate::grades::api::ServiceLine>) -> Vec<(String, String)> {
    let mut units: Vec<(String, String)> = Vec::new();
    for s in services {
        if !units.iter().any(|(key, _)| *key == s.unit_key) {
            units.push((s.unit_key, s.unit_name));
        }
    }
    units
}

#[component]
fn QuizView(d: QuizPageData, mode: Mode, actions: QuizActions, imported: Option<usize>) -> impl IntoView {
    let q = d.quiz.clone();
    let quiz = q.id;
    let mine = q.mine;
    let count = q.questions.len();
    let questions = q
        .questions
        .clone()
        .into_iter()
        .enumerate()
        .map(|(n, line)| {
            view! { <QuestionItem quiz line n count mine mode actions/> }
        })
        .collect_view();
    let owner = if mine {
        "Vous êtes l'auteur de ce quiz.".to_string()
    } else {
        format!("Quiz de {}, partagé avec vous.", q.owner_name)
    };
    view! {
        <header class="page-head">
            <p class="muted"><a href="/quiz">"Mes quiz"</a></p>
            <h1>{q.title.clone()}</h1>
            <p class="muted small">{owner}
                {(mine && q.shared).then_some(" Vos collègues le voient, peuvent l'exporter et le donner à leurs classes.")}</p>
            {(!q.description.is_empty()).then(|| view! { <p>{q.description.clone()}</p> })}
        </header>
        {imported.map(|n| view! {
            <p class="notice" role="status">{format!("Import terminé : {n} question{} ajoutée{}.", if n > 1 { "s" } else { "" }, if n > 1 { "s" } else { "" })}</p>
        })}
        {mine.then(|| view! { <QuizSettings q=q.clone() action=actions.update/> })}
        <section class="panel" id="questions" aria-labelledby="questions-titre">
            <h2 id="questions-titre">{format!("Questions ({count})")}</h2>
            {(count == 0).then(|| view! {
                <p class="muted">"Ce quiz n'a pas encore de question : ajoutez-en une ou importez un texte GIFT."</p>
            })}
            <ol class="question-list">{questions}</ol>
            <FormError action=actions.duplicate/>
            <FormError action=actions.moves/>
        </section>
        {(mine && mode.edit.is_none()).then(|| view! { <AddQuestion quiz add=mode.add action=actions.save/> })}
        {mine.then(|| view! { <GiftImportPanel quiz action=actions.import/> })}
        <GiftExportPanel quiz skipped=d.skipped.clone() empty=count == 0/>
        <AssignPanel quiz units=d.units.clone() action=actions.assign empty=count == 0/>
        <GivenPanel given=d.given.clone()/>
    }
}

#[component]
fn QuizSettings(q: QuizDetail, action: ServerAction<UpdateQuizForm>) -> impl IntoView {
    view! {
        <details class="panel">
            <summary>"Titre, description et partage"</summary>
            <ActionForm action>
                <input type="hidden" name="quiz" value=q.id.to_string()/>
                <div class="form-grid">
                    <label>"Titre" <input name="titre" required value=q.title.clone()
                        maxlength=super::QUIZ_TITLE_MAX_CHARS.to_string()/></label>
                </div>
                <label class="block">"Description"
                    <textarea name="description" rows="2" maxlength=super::QUIZ_DESCRIPTION_MAX_CHARS.to_string()>{q.description.clone()}</textarea>
                </label>
                <label class="check"><input type="checkbox" name="partage" value="1" checked=q.shared/>
                    " Partagé avec mes collègues (ils le lisent, l'exportent et le donnent, sans le modifier)"</label>
                <button type="submit">"Enregistrer"</button>
            </ActionForm>
            <FormError action/>
        </details>
    }
}

#[component]
fn QuestionItem(
    quiz: QuizId,
    line: QuestionLine,
    n: usize,
    count: usize,
    mine: bool,
    mode: Mode,
    actions: QuizActions,
) -> impl IntoView {
    let id = line.id;
    let editing = mine && mode.edit == Some(id);
    let deleting = mine && mode.delete == Some(id);
    let number = n + 1;
    let base = format!("/quiz/{quiz}");
    let q = line.question.clone();
    let editable = EditKind::of(&q.kind).is_some();
    if editing && let Some(kind) = EditKind::of(&q.kind) {
        return view! {
            <li class="question editing" id=format!("q-{id}")>
                <h3>{format!("Modifier la question {number}")}</h3>
                <QuestionForm quiz kind existing=Some(line.clone()) action=actions.save/>
                <p><a href=base.clone()>"Annuler"</a></p>
            </li>
        }
        .into_any();
    }
    let tools = mine.then(|| {
        let id_s = id.to_string();
        let (up_id, down_id) = (id_s.clone(), id_s.clone());
        view! {
            <div class="question-tools">
                {editable.then(|| view! {
                    <a class="small-button" href=format!("{base}?modifier={id}#q-{id}")
                        aria-label=format!("Modifier la question {number}")>"Modifier"</a>
                })}
                <ActionForm action=actions.duplicate>
                    <input type="hidden" name="question" value=id_s/>
                    <button type="submit" class="small-button" aria-label=format!("Dupliquer la question {number}")>"Dupliquer"</button>
                </ActionForm>
                {(n > 0).then(|| view! {
                    <ActionForm action=actions.moves>
                        <input type="hidden" name="question" value=up_id/>
                        <input type="hidden" name="sens" value="haut"/>
                        <button type="submit" class="small-button" aria-label=format!("Monter la question {number}")>"Monter"</button>
                    </ActionForm>
                })}
                {(n + 1 < count).then(|| view! {
                    <ActionForm action=actions.moves>
                        <input type="hidden" name="question" value=down_id/>
                        <input type="hidden" name="sens" value="bas"/>
                        <button type="submit" class="small-button" aria-label=format!("Descendre la question {number}")>"Descendre"</button>
                    </ActionForm>
                })}
                <a class="small-button danger" href=format!("{base}?supprimer={id}#q-{id}")
                    aria-label=format!("Supprimer la question {number}")>"Supprimer"</a>
            </div>
        }
    });
    let confirm = deleting.then(|| {
        view! {
            <div class="confirm" role="alertdialog" aria-labelledby=format!("conf-{id}")>
                <p id=format!("conf-{id}")><strong>{format!("Supprimer la question {number} ?")}</strong>
                    " Elle disparaît du quiz ; les devoirs déjà donnés gardent leurs questions."</p>
                <ActionForm action=actions.delete>
                    <input type="hidden" name="question" value=id.to_string()/>
                    <button type="submit" class="danger">"Confirmer la suppression"</button>
                    " " <a href=base.clone()>"Annuler"</a>
                </ActionForm>
                <FormError action=actions.delete/>
            </div>
        }
    });
    view! {
        <li class="question" id=format!("q-{id}")>
            <div class="question-head">
                <h3>{format!("Question {number}")}</h3>
                <span class="tag">{kind_label(&q.kind)}</span>
                <span class="muted small">{points_label(q.points.value())}</span>
            </div>
            {(q.title != q.text && !q.text.starts_with(q.title.trim_end_matches('…'))).then(|| view! {
                <p class="muted small">"Titre : " {q.title.clone()}</p>
            })}
            <p class="question-text">{q.text.clone()}</p>
            <Answers kind=q.kind.clone()/>
            {q.general_feedback.clone().map(|f| view! { <p class="small feedback">"Retour général : " {f}</p> })}
            {confirm}
            {tools}
        </li>
    }
    .into_any()
}

fn target_label(target: NumberTarget) -> String {
    match target {
        NumberTarget::Exact(v) => fr_number(v),
        NumberTarget::Tolerance { value, tolerance } => format!("{} ± {}", fr_number(value), fr_number(tolerance)),
        NumberTarget::Range { min, max } => format!("de {} à {}", fr_number(min), fr_number(max)),
    }
}

/// One option or accepted answer: right ones marked in words, not only by colour.
fn answer_row(text: String, weight: f64, show_weight: bool, feedback: Option<String>) -> impl IntoView {
    let right = weight >= 100.0 - 1e-9 || (show_weight && weight > 0.0);
    let class = if right { "answer right" } else { "answer" };
    view! {
        <li class=class>
            {right.then(|| view! { <span class="mark" aria-hidden="true">"✓ "</span> })}
            {text}
            {right.then(|| view! { <span class="visually-hidden">" (bonne réponse)"</span> })}
            {show_weight.then(|| view! { <span class="muted small">{format!(" · {} %", fr_number(weight))}</span> })}
            {feedback.map(|f| view! { <span class="muted small feedback">" — retour : " {f}</span> })}
        </li>
    }
}

#[component]
fn Answers(kind: QuestionKind) -> impl IntoView {
    match kind {
        QuestionKind::SingleChoice { choices } => view! {
            <ul class="answers">{choices.into_iter().map(|c| answer_row(c.text, c.weight, false, c.feedback)).collect_view()}</ul>
        }
        .into_any(),
        QuestionKind::MultipleChoice { choices, negative_marks } => view! {
            <ul class="answers">{choices.into_iter().map(|c| answer_row(c.text, c.weight, true, c.feedback)).collect_view()}</ul>
            {negative_marks.then(|| view! { <p class="muted small">"Points négatifs comptés."</p> })}
        }
        .into_any(),
        QuestionKind::TrueFalse { answer, feedback_true, feedback_false } => view! {
            <ul class="answers">
                {answer_row("Vrai".into(), if answer { 100.0 } else { 0.0 }, false, feedback_true)}
                {answer_row("Faux".into(), if answer { 0.0 } else { 100.0 }, false, feedback_false)}
            </ul>
        }
        .into_any(),
        QuestionKind::ShortAnswer { answers, exact } => view! {
            <p class="muted small">"Réponses acceptées"
                {if exact { " (texte exact exigé)" } else { " (majuscules, accents et espaces ignorés)" }}</p>
            <ul class="answers">{answers.into_iter().map(|a| answer_row(a.text, a.weight, a.weight < 100.0, a.feedback)).collect_view()}</ul>
        }
        .into_any(),
        QuestionKind::Numerical { answers } => view! {
            <p class="muted small">"Valeurs acceptées"</p>
            <ul class="answers">{answers.into_iter().map(|a| answer_row(target_label(a.target), a.weight, a.weight < 100.0, a.feedback)).collect_view()}</ul>
        }
        .into_any(),
        QuestionKind::Matching { pairs } => view! {
            <ul class="answers">{pairs.into_iter().map(|(l, r)| view! { <li>{l} " → " {r}</li> }).collect_view()}</ul>
        }
        .into_any(),
        QuestionKind::Ordering { items } => view! {
            <p class="muted small">"Dans le bon ordre :"</p>
            <ol class="answers">{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ol>
        }
        .into_any(),
        QuestionKind::Cloze { segments } => {
            let mut blank = 0;
            let text: String = segments
                .iter()
                .map(|s| match s {
                    Segment::Text(t) => t.clone(),
                    Segment::Blank(_) => {
                        blank += 1;
                        format!("[trou {blank}]")
                    }
                })
                .collect();
            let keys: Vec<String> = segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Blank(Blank::Text { answers, .. }) => Some(
                        answers.iter().filter(|a| a.weight >= 100.0 - 1e-9).map(|a| a.text.clone()).collect::<Vec<_>>().join(" / "),
                    ),
                    Segment::Blank(Blank::Number { answers }) => Some(
                        answers.iter().filter(|a| a.weight >= 100.0 - 1e-9).map(|a| target_label(a.target)).collect::<Vec<_>>().join(" / "),
                    ),
                    Segment::Blank(Blank::Choice { choices }) => Some(
                        choices.iter().filter(|c| c.weight >= 100.0 - 1e-9).map(|c| c.text.clone()).collect::<Vec<_>>().join(" / "),
                    ),
                    Segment::Text(_) => None,
                })
                .collect();
            view! {
                <p class="small">{text}</p>
                <ol class="answers">{keys.into_iter().map(|k| view! { <li class="answer right">{k}</li> }).collect_view()}</ol>
            }
            .into_any()
        }
        QuestionKind::Open => view! { <p class="muted small">"Réponse rédigée, corrigée par l'enseignant."</p> }.into_any(),
    }
}

#[component]
fn AddQuestion(quiz: QuizId, add: Option<EditKind>, action: ServerAction<SaveQuestionForm>) -> impl IntoView {
    let base = format!("/quiz/{quiz}");
    view! {
        <section class="panel" id="ajout" aria-labelledby="ajout-titre">
            <h2 id="ajout-titre">"Ajouter une question"</h2>
            <nav aria-label="Type de la nouvelle question" class="tabs">
                {EditKind::ALL.into_iter().map(|k| view! {
                    <a href=format!("{base}?ajouter={}#ajout", k.code()) aria-current=(add == Some(k)).then_some("page")>{k.label()}</a>
                }).collect_view()}
            </nav>
            {match add {
                Some(kind) => view! {
                    <h3>{format!("Nouvelle question : {}", kind.label())}</h3>
                    <QuestionForm quiz kind existing=None action/>
                }.into_any(),
                None => view! { <p class="muted small">"Choisissez le type de la question à écrire."</p> }.into_any(),
            }}
        </section>
    }
}

/// The values of one row of the form (an option, an accepted text or number).
#[derive(Clone, Default)]
struct RowValues {
    text: String,
    weight: String,
    feedback: String,
    right: bool,
    mode: &'static str,
    value: String,
    margin: String,
    min: String,
    max: String,
}

fn rows_of(kind: &QuestionKind) -> Vec<RowValues> {
    let weight = |w: f64| fr_number(w);
    match kind {
        QuestionKind::SingleChoice { choices } | QuestionKind::MultipleChoice { choices, .. } => choices
            .iter()
            .map(|c| RowValues {
                text: c.text.clone(),
                weight: weight(c.weight),
                feedback: c.feedback.clone().unwrap_or_default(),
                right: c.weight >= 100.0 - 1e-9,
                ..Default::default()
            })
            .collect(),
        QuestionKind::ShortAnswer { answers, .. } => answers
            .iter()
            .map(|a| RowValues {
                text: a.text.clone(),
                weight: weight(a.weight),
                feedback: a.feedback.clone().unwrap_or_default(),
                ..Default::default()
            })
            .collect(),
        QuestionKind::Numerical { answers } => answers
            .iter()
            .map(|a| {
                let mut row = RowValues {
                    weight: weight(a.weight),
                    feedback: a.feedback.clone().unwrap_or_default(),
                    ..Default::default()
                };
                match a.target {
                    NumberTarget::Exact(v) => {
                        row.mode = "exacte";
                        row.value = fr_number_exact(v);
                    }
                    NumberTarget::Tolerance { value, tolerance } => {
                        row.mode = "tolerance";
                        row.value = fr_number_exact(value);
                        row.margin = fr_number_exact(tolerance);
                    }
                    NumberTarget::Range { min, max } => {
                        row.mode = "intervalle";
                        row.min = fr_number_exact(min);
                        row.max = fr_number_exact(max);
                    }
                }
                row
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A number as typed back into a form: every decimal kept.
fn fr_number_exact(value: f64) -> String {
    format!("{value}").replace('.', ",")
}

/// The question form, for a new question of `kind` or to edit `existing`. Offers two blank
/// rows more than the question has (four at least), since without JavaScript rows cannot be
/// added on the page.
#[component]
fn QuestionForm(
    quiz: QuizId,
    kind: EditKind,
    existing: Option<QuestionLine>,
    action: ServerAction<SaveQuestionForm>,
) -> impl IntoView {
    let question = existing.as_ref().map(|l| l.question.clone());
    let text = question.as_ref().map(|q| q.text.clone()).unwrap_or_default();
    let title = question.as_ref().filter(|q| q.title != q.text).map(|q| q.title.clone()).unwrap_or_default();
    let points = question.as_ref().map(|q| fr_number(q.points.value())).unwrap_or_else(|| "1".into());
    let general = question.as_ref().and_then(|q| q.general_feedback.clone()).unwrap_or_default();
    let mut rows = question.as_ref().map(|q| rows_of(&q.kind)).unwrap_or_default();
    let wanted = (rows.len() + 2).clamp(4, OPTIONS_MAX);
    rows.resize_with(wanted, || RowValues { mode: "exacte", ..Default::default() });
    let prefix = existing.as_ref().map(|l| format!("q{}", l.id)).unwrap_or_else(|| "nq".into());
    let fid = move |name: &str| format!("{prefix}-{name}");
    let body = match kind {
        EditKind::Single => view! {
            <fieldset>
                <legend>"Propositions (cochez la bonne réponse ; les lignes vides sont ignorées)"</legend>
                {rows.iter().enumerate().map(|(i, r)| view! {
                    <div class="option-row">
                        <label class="check"><input type="radio" name="champs[bonne]" value=i.to_string() checked=r.right/>
                            <span class="visually-hidden">{format!("Bonne réponse : proposition {}", i + 1)}</span></label>
                        <label>{format!("Proposition {}", i + 1)} <input name=format!("champs[texte_{i}]") value=r.text.clone()/></label>
                        <label>"Retour" <input name=format!("champs[retour_{i}]") value=r.feedback.clone()/></label>
                    </div>
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
        EditKind::Multiple => {
            let negative = matches!(question.as_ref().map(|q| &q.kind), Some(QuestionKind::MultipleChoice { negative_marks: true, .. }));
            view! {
                <fieldset>
                    <legend>"Propositions et leur poids en % (les bonnes totalisent 100 %, les autres 0 ou un poids négatif)"</legend>
                    {rows.iter().enumerate().map(|(i, r)| view! {
                        <div class="option-row">
                            <label>{format!("Proposition {}", i + 1)} <input name=format!("champs[texte_{i}]") value=r.text.clone()/></label>
                            <label>"Poids (%)" <input name=format!("champs[poids_{i}]") value=r.weight.clone() inputmode="decimal" size="6"/></label>
                            <label>"Retour" <input name=format!("champs[retour_{i}]") value=r.feedback.clone()/></label>
                        </div>
                    }).collect_view()}
                    <label class="check"><input type="checkbox" name="champs[negatif]" value="1" checked=negative/>
                        " Compter les poids négatifs (une mauvaise réponse fait perdre des points, jamais sous 0)"</label>
                </fieldset>
            }
            .into_any()
        }
        EditKind::TrueFalse => {
            let (answer, ft, ff) = match question.as_ref().map(|q| q.kind.clone()) {
                Some(QuestionKind::TrueFalse { answer, feedback_true, feedback_false }) => {
                    (Some(answer), feedback_true.unwrap_or_default(), feedback_false.unwrap_or_default())
                }
                _ => (None, String::new(), String::new()),
            };
            view! {
                <fieldset>
                    <legend>"L'affirmation est"</legend>
                    <label class="check"><input type="radio" name="champs[vrai_faux]" value="vrai" checked=answer == Some(true)/>" Vraie"</label>
                    <label class="check"><input type="radio" name="champs[vrai_faux]" value="faux" checked=answer == Some(false)/>" Fausse"</label>
                </fieldset>
                <div class="form-grid">
                    <label>"Retour si l'élève répond Vrai" <input name="champs[retour_vrai]" value=ft/></label>
                    <label>"Retour si l'élève répond Faux" <input name="champs[retour_faux]" value=ff/></label>
                </div>
            }
            .into_any()
        }
        EditKind::Short => {
            let exact = matches!(question.as_ref().map(|q| &q.kind), Some(QuestionKind::ShortAnswer { exact: true, .. }));
            view! {
                <fieldset>
                    <legend>"Réponses acceptées (poids 100 % si vide)"</legend>
                    {rows.iter().enumerate().map(|(i, r)| view! {
                        <div class="option-row">
                            <label>{format!("Réponse {}", i + 1)} <input name=format!("champs[texte_{i}]") value=r.text.clone()/></label>
                            <label>"Poids (%)" <input name=format!("champs[poids_{i}]") value=r.weight.clone() inputmode="decimal" size="6"/></label>
                            <label>"Retour" <input name=format!("champs[retour_{i}]") value=r.feedback.clone()/></label>
                        </div>
                    }).collect_view()}
                    <label class="check"><input type="checkbox" name="champs[exact]" value="1" checked=exact/>
                        " Exiger le texte exact (sinon majuscules, accents et espaces sont ignorés)"</label>
                </fieldset>
            }
            .into_any()
        }
        EditKind::Numerical => view! {
            <fieldset>
                <legend>"Valeurs acceptées (virgule décimale ; poids 100 % si vide)"</legend>
                {rows.iter().enumerate().map(|(i, r)| {
                    let mode = r.mode;
                    view! {
                        <div class="option-row">
                            <label>{format!("Réponse {}", i + 1)}
                                <select name=format!("champs[mode_{i}]")>
                                    <option value="exacte" selected=mode == "exacte">"Valeur exacte"</option>
                                    <option value="tolerance" selected=mode == "tolerance">"Valeur ± écart"</option>
                                    <option value="intervalle" selected=mode == "intervalle">"Intervalle"</option>
                                </select>
                            </label>
                            <label>"Valeur" <input name=format!("champs[valeur_{i}]") value=r.value.clone() inputmode="decimal" size="8"/></label>
                            <label>"Écart" <input name=format!("champs[ecart_{i}]") value=r.margin.clone() inputmode="decimal" size="6"/></label>
                            <label>"De" <input name=format!("champs[min_{i}]") value=r.min.clone() inputmode="decimal" size="6"/></label>
                            <label>"à" <input name=format!("champs[max_{i}]") value=r.max.clone() inputmode="decimal" size="6"/></label>
                            <label>"Poids (%)" <input name=format!("champs[poids_{i}]") value=r.weight.clone() inputmode="decimal" size="6"/></label>
                            <label>"Retour" <input name=format!("champs[retour_{i}]") value=r.feedback.clone()/></label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
        EditKind::Open => view! {
            <p class="muted small">"L'élève rédige sa réponse ; vous la corrigez ensuite."</p>
        }
        .into_any(),
    };
    view! {
        <ActionForm action attr:class="question-form">
            <input type="hidden" name="quiz" value=quiz.to_string()/>
            {existing.as_ref().map(|l| view! { <input type="hidden" name="question" value=l.id.to_string()/> })}
            <input type="hidden" name="champs[type]" value=kind.code()/>
            <label class="block" for=fid("enonce")>"Énoncé"</label>
            <textarea id=fid("enonce") name="champs[enonce]" rows="3" required>{text}</textarea>
            <div class="form-grid">
                <label>"Points" <input name="champs[points]" value=points inputmode="decimal" size="5"/></label>
                <label>"Titre (facultatif, pour vous retrouver)" <input name="champs[titre]" value=title/></label>
            </div>
            {body}
            <label class="block">"Retour général (montré avec la correction)"
                <textarea name="champs[retour_general]" rows="2">{general}</textarea>
            </label>
            <button type="submit">"Enregistrer la question"</button>
        </ActionForm>
        <FormError action/>
    }
}

/// "Ou choisir un fichier" for GIFT text: fills the textarea `target` with the chosen file's
/// text (UTF-8, or the Windows-1252 some editors write). Appears once hydrated; without
/// JavaScript, pasting does the same. Files over the GIFT limit are refused before reading.
#[component]
fn GiftFilePicker(target: &'static str) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let problem = RwSignal::new(None::<String>);
    let max_bytes = domain::quiz::gift::GIFT_MAX_BYTES;
    let picker_id = format!("{target}-fichier");
    let on_change = move |ev: leptos::ev::Event| {
        use leptos::wasm_bindgen::JsCast;
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        if file.size() > max_bytes as f64 {
            problem.set(Some(format!(
                "« {} » dépasse {} Ko : partagez les questions entre plusieurs fichiers.",
                file.name(),
                max_bytes / 1024
            )));
            input.set_value("");
            return;
        }
        leptos::task::spawn_local(async move {
            let read = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
            let area =
                document().get_element_by_id(target).and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
            match (read, area) {
                (Ok(buffer), Some(area)) => {
                    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                    area.set_value(&domain::import::decode_spreadsheet_text(&bytes));
                    problem.set(None);
                }
                _ => problem.set(Some("Le fichier n'a pas pu être lu : réessayez, ou collez son contenu.".into())),
            }
        });
    };
    move || {
        hydrated.get().then(|| {
            view! {
                <p class="file-pick">
                    <label for=picker_id.clone()>"Ou choisissez un fichier GIFT (il remplit la zone ci-dessus) : "</label>
                    <input id=picker_id.clone() type="file" accept=".gift,.txt,text/plain" on:change=on_change/>
                </p>
                {move || problem.get().map(|p| view! { <p class="alert" role="alert">{p}</p> })}
            }
        })
    }
}

#[component]
fn GiftImportPanel(quiz: QuizId, action: ServerAction<ImportGiftForm>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="gift-import">
            <h2 id="gift-import">"Importer du GIFT"</h2>
            <ActionForm action>
                <input type="hidden" name="quiz" value=quiz.to_string()/>
                <label class="block" for="gift_texte">"Collez des questions au format GIFT (Moodle) ; elles s'ajoutent à la fin du quiz :"</label>
                <textarea id="gift_texte" name="texte" rows="6" required placeholder="::Capitale:: Quelle est la capitale de la France ? {=Paris ~Lyon ~Marseille}"></textarea>
                <GiftFilePicker target="gift_texte"/>
                <p class="muted small">"Au moindre problème, rien n'est importé et chaque ligne à corriger est indiquée. Chaque question importée vaut 1 point."</p>
                <button type="submit">"Importer"</button>
            </ActionForm>
            <ProblemsError action/>
        </section>
    }
}

#[component]
fn GiftExportPanel(quiz: QuizId, skipped: Vec<String>, empty: bool) -> impl IntoView {
    (!empty).then(|| {
        view! {
            <section class="panel" aria-labelledby="gift-export">
                <h2 id="gift-export">"Exporter en GIFT"</h2>
                <p><a href=format!("/quiz/{quiz}/export.gift") download rel="external">"Télécharger le quiz (GIFT)"</a>
                    <span class="muted small">" — pour Moodle ou un autre quiz de Préau."</span></p>
                {(!skipped.is_empty()).then(|| view! {
                    <p class="notice">"Ces questions ne sont pas dans le fichier, car GIFT ne sait pas les écrire :"</p>
                    <ul class="problems">{skipped.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                })}
            </section>
        }
    })
}

#[component]
fn AssignPanel(
    quiz: QuizId,
    units: Vec<(String, String)>,
    action: ServerAction<AssignQuizForm>,
    empty: bool,
) -> impl IntoView {
    if empty || units.is_empty() {
        // Nothing to give yet, or nobody to give it to: no form that can only fail.
        return ().into_any();
    }
    let now = now_ms();
    // From the start of the current hour (open at once), for a week.
    let opens = now - now.rem_euclid(3_600_000);
    let closes = opens + 7 * 24 * 3_600_000;
    let done = move || {
        action.value().get().and_then(|r| r.ok()).map(|_| {
            view! { <p class="notice" role="status">"Quiz donné : il apparaît dans la liste des devoirs ci-dessous."</p> }
        })
    };
    view! {
        <section class="panel" id="donner" aria-labelledby="donner-titre">
            <h2 id="donner-titre">"Donner à une classe"</h2>
            <ActionForm action>
                <input type="hidden" name="quiz" value=quiz.to_string()/>
                <super::manage::AssignmentFields values=AssignForm {
                    unite: String::new(),
                    ouverture: datetime_local(opens),
                    fermeture: datetime_local(closes),
                    duree: String::new(),
                    tentatives: "1".into(),
                    melanger_questions: None,
                    melanger_options: None,
                    retour: FeedbackPolicy::AtSubmission.code().into(),
                }>
                    <label>"Classe ou groupe"
                        <select name="reglages[unite]">
                            {units.into_iter().map(|(key, name)| view! { <option value=key>{name}</option> }).collect_view()}
                        </select>
                    </label>
                </super::manage::AssignmentFields>
                <p class="muted small">"Heures de Paris. Les élèves répondent à une copie du quiz tel qu'il est maintenant."</p>
                <button type="submit">"Donner le quiz"</button>
            </ActionForm>
            <FormError action/>
            {done}
        </section>
    }
    .into_any()
}

#[component]
fn GivenPanel(given: Vec<AssignmentLine>) -> impl IntoView {
    (!given.is_empty()).then(|| {
        view! {
            <section class="panel" id="devoirs" aria-labelledby="devoirs-titre">
                <h2 id="devoirs-titre">"Devoirs donnés"</h2>
                <ul class="given">
                    {given.into_iter().map(|a| view! {
                        <li>
                            <strong>{a.unit_name.clone()}</strong>
                            <span class="muted small">" · du " {paris::format_datetime(a.opens_at)} " au " {paris::format_datetime(a.closes_at)}</span>
                            <span class="small">{format!(" · {} rendu{} sur {} élève{}", a.submitted, if a.submitted > 1 { "s" } else { "" }, a.students, if a.students > 1 { "s" } else { "" })}</span>
                            " · " <a href=format!("/quiz/resultats/{}", a.id)>"Résultats"<span class="visually-hidden">{format!(" de {}", a.unit_name)}</span></a>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

// ---------------------------------------------------------------------------------------
// /quiz/resultats/:assignment

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
        <super::manage::AssignmentManagement assignment=r.assignment/>
        <super::handoff::GradebookHandoff assignment=r.assignment/>
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

/// "Révisions chapitre 3" → "revisions-chapitre-3".
#[cfg(feature = "ssr")]
fn file_slug(title: &str) -> String {
    let slug = crate::grades::slug(title);
    if slug.is_empty() { "quiz".into() } else { slug }
}

#[cfg(feature = "ssr")]
fn text_response(code: u16, message: String) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::FORBIDDEN),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

#[cfg(feature = "ssr")]
fn attachment(content_type: &str, file: String, body: String) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// `/quiz/{id}/export.gift`: the quiz as GIFT, for whoever may read it.
#[cfg(feature = "ssr")]
pub async fn gift_export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    axum::Extension(slot): axum::Extension<crate::server::session::SessionSlot>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(user) = slot.0 else {
        return axum::response::Redirect::to("/connexion?suivant=/quiz").into_response();
    };
    let Ok(quiz) = id.parse::<QuizId>() else {
        return text_response(404, AppError::NotFound.message());
    };
    match super::api::ssr::gift_for(&state, &user, quiz).await {
        Ok((row, export)) => {
            attachment("text/plain; charset=utf-8", format!("{}.gift", file_slug(&row.title)), export.text)
        }
        Err(e) => text_response(e.status(), e.message()),
    }
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

    fn form(fields: &[(&str, &str)]) -> BTreeMap<String, String> {
        fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_single_choice_form_becomes_a_question_with_its_right_option_and_blank_rows_left_out() {
        let q = question_from_form(&form(&[
            ("type", "unique"),
            ("enonce", "Quelle est la capitale de la France ?"),
            ("points", "2,5"),
            ("texte_0", "Lyon"),
            ("texte_1", ""),
            ("texte_2", "Paris"),
            ("retour_2", "Bravo"),
            ("bonne", "2"),
        ]))
        .map_err(|e| e.reason);
        let Ok(q) = q else { panic!("{q:?}") };
        assert_eq!(q.points.value(), 2.5);
        assert_eq!(q.title, "Quelle est la capitale de la France ?");
        let QuestionKind::SingleChoice { choices } = q.kind else { panic!("single choice") };
        assert_eq!(
            choices.iter().map(|c| (c.text.as_str(), c.weight)).collect::<Vec<_>>(),
            [("Lyon", 0.0), ("Paris", 100.0)]
        );
        assert_eq!(choices[1].feedback.as_deref(), Some("Bravo"));
    }

    #[test]
    fn a_form_without_a_right_answer_or_with_bad_points_is_refused_in_french() {
        let no_right = question_from_form(&form(&[
            ("type", "unique"),
            ("enonce", "?"),
            ("points", "1"),
            ("texte_0", "a"),
            ("texte_1", "b"),
        ]));
        assert_eq!(
            no_right.map_err(|e| e.reason).err().as_deref(),
            Some("Indiquez la bonne proposition (celle qui vaut 100 %).")
        );
        let points = question_from_form(&form(&[("type", "ouverte"), ("enonce", "?"), ("points", "0")]));
        assert!(points.is_err());
        let weights = question_from_form(&form(&[
            ("type", "multiple"),
            ("enonce", "?"),
            ("points", "1"),
            ("texte_0", "a"),
            ("poids_0", "50"),
            ("texte_1", "b"),
            ("poids_1", "40"),
        ]));
        assert!(weights.map_err(|e| e.reason).err().is_some_and(|r| r.contains("100 %")));
        assert!(question_from_form(&form(&[("type", "vrai-faux"), ("enonce", "?"), ("points", "1")])).is_err());
        assert!(question_from_form(&form(&[("type", "appariement"), ("enonce", "?"), ("points", "1")])).is_err());
    }

    #[test]
    fn numerical_rows_read_exact_values_tolerances_and_ranges_the_french_way() {
        let q = question_from_form(&form(&[
            ("type", "numerique"),
            ("enonce", "g ?"),
            ("points", "1"),
            ("mode_0", "tolerance"),
            ("valeur_0", "9,81"),
            ("ecart_0", "0,1"),
            ("mode_1", "intervalle"),
            ("min_1", "9"),
            ("max_1", "10"),
            ("poids_1", "50"),
            ("mode_2", "exacte"),
            ("valeur_2", ""),
        ]))
        .map_err(|e| e.reason);
        let Ok(Question { kind: QuestionKind::Numerical { answers }, .. }) = q else { panic!("{q:?}") };
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0].target, NumberTarget::Tolerance { value: 9.81, tolerance: 0.1 });
        assert_eq!((answers[1].target, answers[1].weight), (NumberTarget::Range { min: 9.0, max: 10.0 }, 50.0));
        let upside_down = question_from_form(&form(&[
            ("type", "numerique"),
            ("enonce", "?"),
            ("points", "1"),
            ("mode_0", "intervalle"),
            ("min_0", "10"),
            ("max_0", "9"),
        ]));
        assert!(upside_down.is_err());
    }

    #[test]
    fn an_edited_question_comes_back_through_its_form_unchanged() {
        let original = question_from_form(&form(&[
            ("type", "courte"),
            ("enonce", "Qui a écrit Les Misérables ?"),
            ("points", "1"),
            ("texte_0", "Victor Hugo"),
            ("texte_1", "Hugo"),
            ("poids_1", "50"),
            ("exact", "1"),
        ]));
        let Ok(original) = original else { panic!("{original:?}") };
        let mut fields = form(&[("type", "courte"), ("enonce", "Qui a écrit Les Misérables ?"), ("points", "1")]);
        for (i, r) in rows_of(&original.kind).iter().enumerate() {
            fields.insert(format!("texte_{i}"), r.text.clone());
            fields.insert(format!("poids_{i}"), r.weight.clone());
        }
        fields.insert("exact".into(), "1".into());
        assert_eq!(question_from_form(&fields).ok(), Some(original));
    }

    #[test]
    fn assignment_dates_are_paris_wall_clock_times() {
        let f = AssignForm {
            unite: "c:12".into(),
            ouverture: "2026-12-01T08:00".into(),
            fermeture: "2026-12-08T18:30".into(),
            duree: "".into(),
            tentatives: "2".into(),
            melanger_questions: Some("1".into()),
            melanger_options: None,
            retour: "after_closing".into(),
        };
        let Ok((unit, s)) = assignment_from_form(&f) else { panic!("a valid form") };
        assert_eq!(unit, TeachingUnit::Class(domain::ClassId(12)));
        assert_eq!(s.opens_at, paris::instant_at((2026, 12, 1), 8, 0));
        assert_eq!(datetime_local(s.closes_at), "2026-12-08T18:30");
        assert_eq!(
            (s.time_limit_minutes, s.max_attempts, s.shuffle_questions, s.shuffle_options),
            (None, 2, true, false)
        );
        assert_eq!(s.feedback, FeedbackPolicy::AfterClosing);
        for bad in [
            AssignForm { ouverture: "demain".into(), ..f.clone() },
            AssignForm { duree: "vingt".into(), ..f.clone() },
            AssignForm { unite: "x".into(), ..f.clone() },
            AssignForm { retour: "jamais".into(), ..f.clone() },
        ] {
            assert!(assignment_from_form(&bad).is_err(), "{bad:?}");
        }
    }

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
