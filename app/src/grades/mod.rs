//! Grades: a student's or a child's grades with averages and "Voir le calcul" (`/notes`),
//! a teacher's grade books (`/carnet-de-notes`) and the grade entry grid
//! (`/carnet-de-notes/saisie`). Everything works without JavaScript (each column posts as a
//! form); once hydrated, each cell saves itself as it is typed, Enter moves down, and a
//! column pasted from a spreadsheet fills the cells below.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;

use crate::components::{
    Async, CSV_PICKER_ACCEPT, CSV_PICKER_LABEL, CSV_PICKER_TOO_BIG, FilePicker, FormError, query_param,
};
use crate::error::AppError;
use api::*;
use domain::grades::{Counting, Mark, Scale};
use domain::{EvaluationId, PeriodId, SubjectId, UserId};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// `/notes`: a student's own grades, a guardian's child's, or (for direction and vie
/// scolaire) any student's of the establishment, by period.
#[component]
pub fn GradesPage() -> impl IntoView {
    let student = query_param::<UserId>("eleve");
    let period = query_param::<PeriodId>("periode");
    let data = Resource::new(move || (student(), period()), |(s, p)| load_student_grades(s, p));
    view! { <Async resource=data ok=|g: StudentGrades| view! { <StudentGradesView g/> }/> }
}

#[component]
fn StudentGradesView(g: StudentGrades) -> impl IntoView {
    let student = g.student;
    let title = match &g.class_name {
        Some(c) => format!("{} · {}", g.student_name, c),
        None => g.student_name.clone(),
    };
    let children = (g.children.len() > 1).then(|| {
        view! {
            <nav aria-label="Enfants" class="tabs">
                {g.children.iter().map(|(id, name)| {
                    let current = *id == student;
                    view! {
                        <a href=format!("/notes?eleve={id}") aria-current=current.then_some("page")>{name.clone()}</a>
                    }
                }).collect_view()}
            </nav>
        }
    });
    let period_id = g.period.as_ref().map(|p| p.id);
    let periods = (!g.periods.is_empty()).then(|| {
        view! {
            <form method="get" action="/notes" class="period-picker">
                <input type="hidden" name="eleve" value=student.to_string()/>
                <label>"Période "
                    <select name="periode">
                        {g.periods.iter().map(|p| view! {
                            <option value=p.id.to_string() selected=Some(p.id) == period_id>{p.label.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="small-button">"Afficher"</button>
            </form>
        }
    });
    let general = g.general_average.clone().map(|avg| {
        let lines = g.general_calculation.clone();
        view! {
            <section class="panel general" aria-labelledby="moyenne-generale">
                <h2 id="moyenne-generale">"Moyenne générale : " <strong>{avg}</strong></h2>
                <details class="calc">
                    <summary>"Voir le calcul"</summary>
                    <ol>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ol>
                </details>
            </section>
        }
    });
    let empty = g.subjects.is_empty().then(|| {
        view! { <p class="panel muted">"Aucune note pour cette période."</p> }
    });
    view! {
        <header class="page-head">
            <p class="muted">"Notes"</p>
            <h1>{title}</h1>
            {g.period.as_ref().map(|p| view! { <p class="muted">{p.label.clone()}</p> })}
        </header>
        {children}
        {periods}
        {g.pending.clone().map(|p| view! { <p class="notice" role="status">{p}</p> })}
        {general}
        {empty}
        <div class="subjects">
            {g.subjects.into_iter().map(|s| view! { <SubjectCard s/> }).collect_view()}
        </div>
    }
}

#[component]
fn SubjectCard(s: SubjectGrades) -> impl IntoView {
    let average = s.average.clone().unwrap_or_else(|| "—".into());
    let class_line = s.class_average.clone().map(|avg| {
        format!(
            "Classe : moyenne {avg}, de {} à {}",
            s.class_min.clone().unwrap_or_default(),
            s.class_max.clone().unwrap_or_default()
        )
    });
    view! {
        <section class="panel subject" aria-label=s.name.clone()>
            <div class="subject-head">
                <div>
                    <h2>{s.name.clone()}</h2>
                    <p class="muted small">{s.teachers.clone()} " · coefficient " {s.coefficient.clone()}</p>
                </div>
                <p class="subject-average"><span class="muted small">"Moyenne"</span><strong>{average}</strong></p>
            </div>
            <ul class="grade-list">
                {s.grades.into_iter().map(|l| view! {
                    <li>
                        <span class="grade-title">{l.title}<span class="muted small">" · " {l.held_on} " · coef. " {l.coefficient}
                            {l.note.map(|n| format!(" · {n}"))}</span></span>
                        <span class="grade-mark">{l.mark}
                            {l.class_average.map(|c| view! { <span class="muted small">" (classe " {c} ")"</span> })}
                        </span>
                        {(!l.history.is_empty()).then(|| {
                            let n = l.history.len();
                            view! {
                                <details class="history">
                                    <summary>{format!("Historique ({n})")}</summary>
                                    <ol>{l.history.into_iter().map(|h| view! { <li>{h}</li> }).collect_view()}</ol>
                                </details>
                            }
                        })}
                    </li>
                }).collect_view()}
            </ul>
            {class_line.map(|c| view! { <p class="muted small">{c}</p> })}
            <details class="calc">
                <summary>"Voir le calcul"</summary>
                <ol>{s.calculation.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ol>
            </details>
        </section>
    }
}

/// `/carnet-de-notes`: the teacher's grade books, one per subject and class or group.
#[component]
pub fn GradeBooksPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_services());
    let heads = Resource::new(|| (), |_| crate::bulletins::api::load_head_classes());
    view! {
        <header class="page-head">
            <h1>"Carnet de notes"</h1>
            <p class="muted">"Choisissez une classe ou un groupe pour saisir les notes de la période en cours."</p>
        </header>
        <Async resource=data ok=service_list/>
        <Async resource=heads ok=head_classes/>
    }
}

/// Links to the general appréciations of the classes the teacher is professeur principal of.
fn head_classes(classes: Vec<crate::bulletins::api::HeadClass>) -> impl IntoView {
    (!classes.is_empty()).then(|| {
        view! {
            <section class="panel" aria-labelledby="principal">
                <h2 id="principal">"Professeur principal"</h2>
                <ul>
                    {classes.into_iter().map(|c| view! {
                        <li><a href=format!("/carnet-de-notes/appreciations?unite=c:{}&matiere=0", c.id)>
                            "Appréciations générales — " {c.name}</a></li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

fn service_list(services: Vec<ServiceLine>) -> AnyView {
    if services.is_empty() {
        return view! { <p class="panel muted">"Aucun enseignement ne vous est affecté dans cet établissement."</p> }
            .into_any();
    }
    view! {
        <ul class="cards">
            {services.into_iter().map(|s| view! {
                <li class="card">
                    <a class="card-title" href=format!("/carnet-de-notes/saisie?unite={}&matiere={}", s.unit_key, s.subject)>
                        {s.unit_name.clone()} " — " {s.subject_name.clone()}
                    </a>
                    <p class="muted small">{s.students} " élèves · " {s.evaluations} " évaluation(s) cette période"</p>
                    <p class="small"><a href=format!("/carnet-de-notes/appreciations?unite={}&matiere={}", s.unit_key, s.subject)>
                        "Appréciations du bulletin"</a></p>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The address of the grade book's grid for one subject, class or group, and period.
pub fn grade_book_href(unit: domain::TeachingUnit, subject: SubjectId, period: PeriodId) -> String {
    format!("/carnet-de-notes/saisie?unite={}&matiere={subject}&periode={period}", unit.key())
}

/// `/carnet-de-notes/saisie?unite=c:ID&matiere=ID[&periode=ID]`: the grid.
#[component]
pub fn GradeBookPage() -> impl IntoView {
    let unit = query_param::<String>("unite");
    let subject = query_param::<SubjectId>("matiere");
    let period = query_param::<PeriodId>("periode");
    let create = ServerAction::<CreateEvaluation>::new();
    let column = ServerAction::<SaveColumn>::new();
    let import = ServerAction::<ImportGrades>::new();
    let data = Resource::new(
        move || (unit(), subject(), period(), create.version().get(), column.version().get(), import.version().get()),
        |(u, s, p, _, _, _)| async move {
            match (u, s) {
                (Some(u), Some(s)) => load_grade_book(u, s, p).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Async resource=data ok=move |b: GradeBook| view! { <GradeBookView b create column import/> }/>
    }
}

#[component]
fn GradeBookView(
    b: GradeBook,
    create: ServerAction<CreateEvaluation>,
    column: ServerAction<SaveColumn>,
    import: ServerAction<ImportGrades>,
) -> impl IntoView {
    let base = format!("/carnet-de-notes/saisie?unite={}&matiere={}", b.unit_key, b.subject);
    let period = b.period.clone();
    let default_date = {
        let today = domain::paris::today_iso(js_now());
        today.clamp(period.starts_on.clone(), period.ends_on.clone())
    };
    let period_links = b
        .periods
        .iter()
        .map(|p| {
            let current = p.id == period.id;
            view! { <a href=format!("{base}&periode={}", p.id) aria-current=current.then_some("page")>{p.label.clone()}</a> }
        })
        .collect_view();
    let empty = b.evaluations.is_empty();
    let closed = b.period.closed;
    view! {
        <header class="page-head">
            <p class="muted"><a href="/carnet-de-notes">"Carnet de notes"</a></p>
            <h1>{b.unit_name.clone()} " — " {b.subject_name.clone()}</h1>
            <p class="muted small">{b.publication.clone()}
                {b.not_returned_counts_zero.then_some(" « NR » (non rendu) compte 0 dans cet établissement.")}</p>
        </header>
        <nav aria-label="Périodes" class="tabs">{period_links}</nav>
        {if empty {
            view! { <p class="panel muted">"Aucune évaluation sur cette période. Créez la première ci-dessous."</p> }.into_any()
        } else {
            view! { <Grid b=b.clone() column/> }.into_any()
        }}
        <CsvPanel b=b.clone() import/>
        {closed.then(|| view! {
            <p class="notice">"Cette période est clôturée : les notes sont figées et les bulletins publiés."</p>
        })}
        <section class="panel" aria-labelledby="nouvelle-eval" hidden=closed>
            <h2 id="nouvelle-eval">"Nouvelle évaluation"</h2>
            <ActionForm action=create>
                <input type="hidden" name="unite" value=b.unit_key.clone()/>
                <input type="hidden" name="matiere" value=b.subject.to_string()/>
                <input type="hidden" name="periode" value=period.id.to_string()/>
                <div class="form-grid">
                    <label>"Titre" <input name="titre" required maxlength=TITLE_MAX_CHARS.to_string() placeholder="Contrôle chapitre 3"/></label>
                    <label>"Date" <input name="date" type="date" required value=default_date
                        min=period.starts_on.clone() max=period.ends_on.clone()/></label>
                    <label>"Noté sur" <input name="bareme" inputmode="numeric" value="20" size="4"/></label>
                    <label>"Coefficient" <input name="coefficient" inputmode="decimal" value="1" size="4"/></label>
                    <label>"Prise en compte"
                        <select name="prise_en_compte">
                            {[Counting::Normal, Counting::Bonus, Counting::Excluded].into_iter().map(|c| view! {
                                <option value=c.code()>{c.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <button type="submit">"Créer l'évaluation"</button>
            </ActionForm>
            <FormError action=create/>
        </section>
    }
}

/// Export of the grade book, and import of one evaluation's marks from a spreadsheet.
#[component]
fn CsvPanel(b: GradeBook, import: ServerAction<ImportGrades>) -> impl IntoView {
    let export =
        format!("/carnet-de-notes/export.csv?unite={}&matiere={}&periode={}", b.unit_key, b.subject, b.period.id);
    let imported = move || {
        import.value().get().and_then(|r| r.ok()).map(|n| {
            view! { <p class="notice" role="status">{format!("Import terminé : {n} note(s) enregistrée(s).")}</p> }
        })
    };
    let can_import = !b.period.closed && !b.evaluations.is_empty();
    view! {
        <section class="panel" aria-labelledby="tableur">
            <h2 id="tableur">"Tableur"</h2>
            <p><a href=export download>"Exporter le carnet (CSV)"</a>
                <span class="muted small">" — s'ouvre dans un tableur ; les notes gardent la virgule décimale."</span></p>
            {can_import.then(|| view! {
                <details>
                    <summary>"Importer les notes d'une évaluation"</summary>
                    <ActionForm action=import>
                        <label>"Évaluation "
                            <select name="evaluation">
                                {b.evaluations.iter().map(|e| view! {
                                    <option value=e.id.to_string()>{format!("{} ({}, /{})", e.title, e.held_on, e.scale)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label for="notes_csv">"Collez les colonnes Nom, Prénom et Note (avec leur ligne d'en-tête) copiées d'un tableur, ou le contenu d'un fichier CSV :"</label>
                        <textarea id="notes_csv" name="contenu" rows="6" placeholder="Nom;Prénom;Note
GARNIER;Léo;15,5"></textarea>
                        <FilePicker target="notes_csv" max_bytes=domain::grade_csv::GRADE_IMPORT_MAX_BYTES label=CSV_PICKER_LABEL accept=CSV_PICKER_ACCEPT too_big=CSV_PICKER_TOO_BIG/>
                        <p class="muted small">"Les élèves sont reconnus par leur nom et leur prénom. Au moindre problème, rien n'est importé et chaque ligne à corriger est indiquée."</p>
                        <button type="submit">"Importer"</button>
                    </ActionForm>
                    <FormError action=import/>
                    {imported}
                </details>
            })}
        </section>
    }
    .into_any()
}

/// `/carnet-de-notes/export.csv?unite=&matiere=&periode=`: the grade book as CSV, for the
/// teacher who may open it.
#[cfg(feature = "ssr")]
pub async fn csv_export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    axum::Extension(slot): axum::Extension<crate::server::session::SessionSlot>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    use crate::server::download::{self, Download};
    use domain::grade_csv::{ExportRow, export_grade_book};
    let Some(user) = slot.0 else { return download::to_login("/carnet-de-notes") };
    let (Some(unit), Some(subject)) =
        (q.get("unite").cloned(), q.get("matiere").and_then(|v| v.parse::<SubjectId>().ok()))
    else {
        return download::respond(Err(AppError::NotFound));
    };
    let period = q.get("periode").and_then(|v| v.parse::<PeriodId>().ok());
    let book = match api::ssr::grade_book_for(&state, &user, unit, subject, period).await {
        Ok(book) => book,
        Err(e) => return download::respond(Err(e)),
    };
    let Some(unit) = domain::TeachingUnit::from_key(&book.unit_key) else {
        return download::respond(Err(AppError::NotFound));
    };
    let roster = match db::roster(&state.db, unit).await {
        Ok(r) => r,
        Err(e) => return download::respond(Err(AppError::from(e))),
    };
    let headers: Vec<String> = book
        .evaluations
        .iter()
        .map(|e| format!("{} ({}, /{}, coef. {})", e.title, e.held_on, e.scale, e.coefficient))
        .collect();
    let rows: Vec<ExportRow<'_>> = book
        .rows
        .iter()
        .filter_map(|r| {
            let p = roster.iter().find(|p| p.id == r.student)?;
            Some(ExportRow {
                last_name: &p.last_name,
                first_name: &p.first_name,
                cells: &r.cells,
                average: r.average.as_deref(),
            })
        })
        .collect();
    download::respond(Ok(Download {
        content_type: "text/csv; charset=utf-8",
        file: format!("notes-{}-{}-{}.csv", slug(&book.unit_name), slug(&book.subject_name), slug(&book.period.label)),
        body: export_grade_book(&headers, &rows).into_bytes(),
    }))
}

/// "4e C" → "4e-c", "Français" → "francais": a file name any system accepts.
pub fn slug(s: &str) -> String {
    let folded = domain::fold_accents(s).to_lowercase();
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Now, in milliseconds: the browser's clock once hydrated, the server's while rendering.
fn js_now() -> i64 {
    #[cfg(feature = "ssr")]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos::web_sys::js_sys::Date::now() as i64
    }
}

/// Where a cell stands.
#[derive(Debug, Clone, PartialEq)]
enum CellState {
    Idle,
    Saving,
    Saved,
    /// Refused; the French reason.
    Invalid(String),
    /// The connection dropped: kept in the cell and retried.
    Retrying,
}

#[derive(Clone, Copy)]
struct GridModel {
    evaluations: StoredValue<Vec<(EvaluationId, Scale, String)>>,
    students: StoredValue<Vec<(UserId, String)>>,
    states: StoredValue<Vec<Vec<RwSignal<CellState>>>>,
    averages: StoredValue<Vec<RwSignal<Option<String>>>>,
    status: RwSignal<String>,
}

fn cell_id(col: usize, row: usize) -> String {
    format!("n-{col}-{row}")
}

/// How long a dropped save waits before trying again.
const RETRY_MS: u64 = 3_000;

impl GridModel {
    fn input(&self, col: usize, row: usize) -> Option<leptos::web_sys::HtmlInputElement> {
        use leptos::wasm_bindgen::JsCast;
        document().get_element_by_id(&cell_id(col, row))?.dyn_into().ok()
    }

    fn state(&self, col: usize, row: usize) -> Option<RwSignal<CellState>> {
        self.states.with_value(|s| s.get(row).and_then(|r| r.get(col).copied()))
    }

    /// Checks the cell in the browser (same rules as the server), then saves it.
    fn save(self, col: usize, row: usize) {
        let (Some(input), Some(state)) = (self.input(col, row), self.state(col, row)) else {
            return;
        };
        let Some((evaluation, scale, title)) = self.evaluations.with_value(|e| e.get(col).cloned()) else {
            return;
        };
        let Some((student, name)) = self.students.with_value(|s| s.get(row).cloned()) else {
            return;
        };
        let raw = input.value();
        if !raw.trim().is_empty()
            && let Err(e) = Mark::parse(&raw, scale)
        {
            state.set(CellState::Invalid(e.reason.clone()));
            self.status.set(format!("{name}, « {title} » : {} Rien n'a été enregistré pour cette case.", e.reason));
            return;
        }
        state.set(CellState::Saving);
        leptos::task::spawn_local(async move {
            match save_grade(evaluation, student, raw.clone()).await {
                Ok(saved) => {
                    // Only show the normalised value if the cell was not typed into meanwhile.
                    if let Some(input) = self.input(col, row)
                        && input.value() == raw
                    {
                        input.set_value(&saved.display);
                        state.set(CellState::Saved);
                    }
                    if let Some(avg) = self.averages.with_value(|a| a.get(row).copied()) {
                        avg.set(saved.average);
                    }
                }
                Err(AppError::Request(_)) | Err(AppError::Busy) => {
                    state.set(CellState::Retrying);
                    self.status.set(
                        "Connexion perdue : les notes non enregistrées sont gardées et renvoyées automatiquement."
                            .into(),
                    );
                    set_timeout(
                        move || {
                            if self.state(col, row).map(|s| s.get_untracked()) == Some(CellState::Retrying) {
                                self.save(col, row);
                            }
                        },
                        std::time::Duration::from_millis(RETRY_MS),
                    );
                }
                Err(e) => {
                    self.status.set(format!("{name}, « {title} » : {}", e.message()));
                    state.set(CellState::Invalid(e.message()));
                }
            }
        });
    }

    fn focus(&self, col: usize, row: usize) {
        if let Some(input) = self.input(col, row) {
            let _ = input.focus();
            input.select();
        }
    }

    /// A column pasted from a spreadsheet: one value per line, from this cell down.
    fn paste(self, col: usize, row: usize, text: &str) -> bool {
        let lines: Vec<&str> = text.trim_end_matches(['\n', '\r']).lines().collect();
        if lines.len() < 2 {
            return false;
        }
        let rows = self.students.with_value(Vec::len);
        for (i, line) in lines.iter().enumerate().take(rows.saturating_sub(row)) {
            // A row copied with several columns: its first cell goes here.
            let value = line.split('\t').next().unwrap_or("").trim();
            if let Some(input) = self.input(col, row + i) {
                input.set_value(value);
                self.save(col, row + i);
            }
        }
        true
    }
}

#[component]
fn Grid(b: GradeBook, column: ServerAction<SaveColumn>) -> impl IntoView {
    let rows = b.rows.len();
    let cols = b.evaluations.len();
    let closed = b.period.closed;
    let model = GridModel {
        evaluations: StoredValue::new(
            b.evaluations
                .iter()
                .map(|e| (e.id, Scale::new(e.scale).unwrap_or(Scale::TWENTY), e.title.clone()))
                .collect(),
        ),
        students: StoredValue::new(b.rows.iter().map(|r| (r.student, r.name.clone())).collect()),
        states: StoredValue::new(
            (0..rows).map(|_| (0..cols).map(|_| RwSignal::new(CellState::Idle)).collect()).collect(),
        ),
        averages: StoredValue::new(b.rows.iter().map(|r| RwSignal::new(r.average.clone())).collect()),
        status: RwSignal::new(String::new()),
    };
    let headers = b
        .evaluations
        .clone()
        .into_iter()
        .map(|e| {
            let form_id = format!("col-{}", e.id);
            let id = e.id.to_string();
            view! {
                <th scope="col" class="eval-head">
                    <span class="eval-title">{e.title.clone()}</span>
                    <span class="muted small">{e.held_on.clone()} " · /" {e.scale} " · coef. " {e.coefficient.clone()}</span>
                    {e.counting.clone().map(|c| view! { <span class="tag">{c}</span> })}
                    <span class=if e.published { "muted small" } else { "small pending" }>{e.publish_label.clone()}</span>
                    <ActionForm action=column attr:id=form_id attr:class="nojs-only">
                        <input type="hidden" name="evaluation" value=id.clone()/>
                        <button type="submit" class="small-button">"Enregistrer la colonne"</button>
                    </ActionForm>
                </th>
            }
        })
        .collect_view();
    let body = b
        .rows
        .iter()
        .enumerate()
        .map(|(row, r)| {
            let cells = r
                .cells
                .iter()
                .enumerate()
                .map(|(col, value)| {
                    let e = &b.evaluations[col];
                    let state = model.state(col, row).unwrap_or_else(|| RwSignal::new(CellState::Idle));
                    let label = format!("{}, {} (sur {})", r.name, e.title, e.scale);
                    let form_id = format!("col-{}", e.id);
                    view! {
                        <td class=move || match state.get() {
                            CellState::Idle => "cell",
                            CellState::Saving => "cell saving",
                            CellState::Saved => "cell saved",
                            CellState::Invalid(_) => "cell invalid",
                            CellState::Retrying => "cell retrying",
                        }>
                            <input
                                id=cell_id(col, row)
                                name=format!("notes[{}]", r.student)
                                form=form_id
                                value=value.clone()
                                aria-label=label
                                aria-invalid=move || matches!(state.get(), CellState::Invalid(_)).then_some("true")
                                title=move || match state.get() {
                                    CellState::Invalid(m) => m,
                                    CellState::Retrying => "Non enregistrée : nouvel essai automatique".into(),
                                    _ => String::new(),
                                }
                                autocomplete="off"
                                readonly=closed
                                size="5"
                                on:change=move |_| model.save(col, row)
                                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                    let target = match ev.key().as_str() {
                                        "Enter" if ev.shift_key() => row.checked_sub(1),
                                        "Enter" | "ArrowDown" => Some(row + 1).filter(|r| *r < rows),
                                        "ArrowUp" => row.checked_sub(1),
                                        _ => return,
                                    };
                                    ev.prevent_default();
                                    if let Some(next) = target {
                                        model.focus(col, next);
                                    }
                                }
                                on:paste=move |ev: leptos::ev::ClipboardEvent| {
                                    let text = ev.clipboard_data().and_then(|d| d.get_data("text").ok()).unwrap_or_default();
                                    if model.paste(col, row, &text) {
                                        ev.prevent_default();
                                    }
                                }
                            />
                        </td>
                    }
                })
                .collect_view();
            let average = model.averages.with_value(|a| a.get(row).copied()).unwrap_or_else(|| RwSignal::new(None));
            view! {
                <tr>
                    <th scope="row">{r.name.clone()}</th>
                    {cells}
                    <td class="average">{move || average.get().unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="grille">
            <h2 id="grille">"Notes de la période " {b.period.label.clone()}</h2>
            <p class="muted small">
                "Tapez une note (virgule ou point) ou Abs, Disp, NN, NR ; Entrée passe à l'élève suivant. "
                "Vous pouvez coller une colonne copiée d'un tableur."
            </p>
            <p class="grid-status" role="status" aria-live="polite">{move || model.status.get()}</p>
            <FormError action=column/>
            <div class="table-wrap grid-wrap">
                <table class="table grade-grid">
                    <thead>
                        <tr>
                            <th scope="col">"Élève"</th>
                            {headers}
                            <th scope="col">"Moyenne"</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                    <tfoot>
                        <tr>
                            <th scope="row">"Moyenne de la classe"</th>
                            {(0..cols).map(|_| view! { <td></td> }).collect_view()}
                            <td class="average">{b.class_average.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    </tfoot>
                </table>
            </div>
        </section>
    }
}
