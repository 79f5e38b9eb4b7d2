//! Bulletins: a student's report card for a period (`/bulletin`, with its PDF at
//! `/bulletin.pdf` and a chart of averages across periods), the appréciation sheets teachers
//! and professeurs principaux fill in (`/carnet-de-notes/appreciations`), and closing periods
//! (`/bulletins`, direction). Every page renders on the server and every form posts without
//! JavaScript.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod pdf;

use crate::components::{Async, FormError, query_param};
use crate::error::AppError;
use api::*;
use domain::{PeriodId, SubjectId, UserId};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// `/bulletin[?eleve=ID][&periode=ID]`.
#[component]
pub fn BulletinPage() -> impl IntoView {
    let student = query_param::<UserId>("eleve");
    let period = query_param::<PeriodId>("periode");
    let general = ServerAction::<SaveAppreciations>::new();
    let data = Resource::new(move || (student(), period(), general.version().get()), |(s, p, _)| load_bulletin(s, p));
    view! { <Async resource=data ok=move |page: BulletinPage| view! { <BulletinView page general/> }/> }
}

#[component]
fn BulletinView(page: BulletinPage, general: ServerAction<SaveAppreciations>) -> impl IntoView {
    let student = page.student;
    let period_id = page.period.as_ref().map(|p| p.id);
    let children = (page.children.len() > 1).then(|| {
        view! {
            <nav aria-label="Enfants" class="tabs">
                {page.children.iter().map(|(id, name)| view! {
                    <a href=format!("/bulletin?eleve={id}") aria-current=(*id == student).then_some("page")>{name.clone()}</a>
                }).collect_view()}
            </nav>
        }
    });
    let periods = (!page.periods.is_empty()).then(|| {
        view! {
            <form method="get" action="/bulletin" class="period-picker noprint">
                <input type="hidden" name="eleve" value=student.to_string()/>
                <label>"Période "
                    <select name="periode">
                        {page.periods.iter().map(|p| view! {
                            <option value=p.id.to_string() selected=Some(p.id) == period_id>
                                {p.label.clone()} {p.closed.then_some(" (bulletin publié)")}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="small-button">"Afficher"</button>
            </form>
        }
    });
    let chart = (!page.chart_periods.is_empty())
        .then(|| view! { <Chart periods=page.chart_periods.clone() series=page.chart.clone()/> });
    let body = match (page.bulletin.clone(), page.absent_reason.clone()) {
        (Some(b), _) => {
            let general_form = (page.can_write_general && b.issued_on.is_none()).then(|| {
                view! { <GeneralAppreciationForm b=b.clone() period=period_id general/> }
            });
            view! {
                <BulletinCard b=b.clone() period=period_id/>
                {general_form}
            }
            .into_any()
        }
        (None, reason) => view! { <p class="panel muted">{reason.unwrap_or_default()}</p> }.into_any(),
    };
    view! {
        <header class="page-head noprint">
            <p class="muted">"Bulletins"</p>
            <h1>{page.student_name.clone()}</h1>
        </header>
        {children}
        {periods}
        {body}
        {chart}
    }
    .into_any()
}

fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

#[component]
fn BulletinCard(b: Bulletin, period: Option<PeriodId>) -> impl IntoView {
    let query = format!("eleve={}{}", b.student, period.map(|p| format!("&periode={p}")).unwrap_or_default());
    let status = match &b.issued_on {
        Some(d) => format!("Bulletin publié le {d}"),
        None => "Bulletin provisoire : la période n'est pas clôturée, les moyennes peuvent encore changer.".into(),
    };
    let head = b.head_teacher.clone().map(|h| format!(" · Professeur principal : {h}"));
    view! {
        <article class="panel bulletin" aria-labelledby="bulletin-titre">
            <header class="bulletin-head">
                <div>
                    <p class="bulletin-school">{b.establishment.clone()}</p>
                    <p class="muted small">"UAI " {b.uai.clone()} " · Année scolaire " {b.school_year.clone()}</p>
                </div>
                <div class="bulletin-who">
                    <h2 id="bulletin-titre">"Bulletin · " {b.period.clone()}</h2>
                    <p><strong>{b.student_name.clone()}</strong></p>
                    <p class="muted small">"Classe " {b.class_name.clone()} {head}</p>
                </div>
            </header>
            <p class=if b.issued_on.is_some() { "muted small" } else { "notice" }>{status}</p>
            <div class="table-wrap" tabindex="0">
                <table class="bulletin-table">
                    <caption class="visually-hidden">"Moyennes et appréciations par matière"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Matière"</th>
                            <th scope="col" class="num">"Élève"</th>
                            <th scope="col" class="num">"Classe"</th>
                            <th scope="col" class="num">"Min."</th>
                            <th scope="col" class="num">"Max."</th>
                            <th scope="col">"Appréciation"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {b.subjects.iter().map(|s| view! {
                            <tr>
                                <th scope="row">
                                    <span class="subject-name">{s.name.clone()}</span>
                                    <span class="muted small">{s.teachers.clone()}
                                        {(s.coefficient != "1").then(|| format!(" · coef. {}", s.coefficient))}</span>
                                </th>
                                <td class="num" data-label="Élève"><strong>{dash(&s.average)}</strong></td>
                                <td class="num" data-label="Classe">{dash(&s.class_average)}</td>
                                <td class="num" data-label="Min.">{dash(&s.class_min)}</td>
                                <td class="num" data-label="Max.">{dash(&s.class_max)}</td>
                                <td class="appreciation">{s.appreciation.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot>
                        <tr>
                            <th scope="row">"Moyenne générale"</th>
                            <td class="num" data-label="Élève"><strong>{dash(&b.general_average)}</strong></td>
                            <td class="num" data-label="Classe">{dash(&b.class_general_average)}</td>
                            <td class="num" data-label="Min.">{dash(&b.class_general_min)}</td>
                            <td class="num" data-label="Max.">{dash(&b.class_general_max)}</td>
                            <td></td>
                        </tr>
                    </tfoot>
                </table>
            </div>
            <section aria-labelledby="appreciation-generale">
                <h3 id="appreciation-generale">"Appréciation générale du conseil de classe"</h3>
                <p class="general-appreciation">{b.general_appreciation.clone().unwrap_or_else(|| "Pas d'appréciation générale.".into())}</p>
            </section>
            <p class="small">"Absences : " {b.absences} " demi-journée(s) · Retards : " {b.lateness}
                <span class="muted">" (le décompte de la vie scolaire n'est pas encore relié à Préau)"</span></p>
            <p class="noprint actions">
                <a class="button" href=format!("/bulletin.pdf?{query}") download>"Télécharger le PDF"</a>
                " "
                <a href=format!("/notes?{query}")>"Détail des notes et des calculs"</a>
            </p>
        </article>
    }
    .into_any()
}

#[component]
fn GeneralAppreciationForm(
    b: Bulletin,
    period: Option<PeriodId>,
    general: ServerAction<SaveAppreciations>,
) -> impl IntoView {
    let period = period.map(|p| p.to_string()).unwrap_or_default();
    view! {
        <section class="panel noprint" aria-labelledby="ecrire-generale">
            <h2 id="ecrire-generale">"Appréciation générale"</h2>
            <ActionForm action=general>
                <input type="hidden" name="unite" value=format!("c:{}", b.class)/>
                <input type="hidden" name="matiere" value="0"/>
                <input type="hidden" name="periode" value=period/>
                <label for="generale">"Appréciation du conseil de classe pour " {b.student_name.clone()}</label>
                <textarea id="generale" name=format!("appreciations[{}]", b.student) rows="4"
                    maxlength=APPRECIATION_MAX_CHARS.to_string()>{b.general_appreciation.clone().unwrap_or_default()}</textarea>
                <p class="muted small">{APPRECIATION_MAX_CHARS} " caractères au plus. Toute la classe : "
                    <a href=format!("/carnet-de-notes/appreciations?unite=c:{}&matiere=0", b.class)>"appréciations générales"</a></p>
                <button type="submit">"Enregistrer"</button>
            </ActionForm>
            <FormError action=general/>
        </section>
    }
    .into_any()
}

/// Averages per subject across issued bulletins, as an SVG bar chart (no script), with the
/// same figures in a table for screen readers and for printing.
#[component]
fn Chart(periods: Vec<String>, series: Vec<(String, Vec<Option<f64>>)>) -> impl IntoView {
    // Sized so that labels stay readable when the chart shrinks to a phone's width.
    const ROW: f64 = 26.0;
    const LABEL: f64 = 170.0;
    const PLOT: f64 = 200.0;
    let bar = (ROW - 6.0) / periods.len().max(1) as f64;
    let height = series.len() as f64 * ROW + 24.0;
    let width = LABEL + PLOT + 20.0;
    let shades = ["#1d4ed8", "#0f766e", "#b45309"];
    let rows = series
        .iter()
        .enumerate()
        .map(|(i, (name, values))| {
            let y0 = i as f64 * ROW;
            let bars = values
                .iter()
                .enumerate()
                .filter_map(|(j, v)| {
                    let v = (*v)?;
                    let y = y0 + 3.0 + j as f64 * bar;
                    Some(view! {
                        <rect x=LABEL y=y width=(v / 20.0 * PLOT).max(1.0) height=(bar - 1.0).max(1.0)
                            fill=shades[j % shades.len()]/>
                    })
                })
                .collect_view();
            view! {
                <g>
                    <text x=LABEL - 6.0 y=y0 + ROW / 2.0 + 5.0 text-anchor="end" font-size="14">{name.clone()}</text>
                    {bars}
                </g>
            }
        })
        .collect_view();
    let ticks = [0.0, 5.0, 10.0, 15.0, 20.0]
        .into_iter()
        .map(|t| {
            let x = LABEL + t / 20.0 * PLOT;
            view! {
                <line x1=x x2=x y1=0.0 y2=height - 20.0 stroke="#d4d4d8"/>
                <text x=x y=height - 6.0 text-anchor="middle" font-size="13">{t.to_string()}</text>
            }
        })
        .collect_view();
    let legend = periods
        .iter()
        .enumerate()
        .map(|(j, p)| {
            view! {
                <li>
                    <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" fill=shades[j % shades.len()]/></svg>
                    {p.clone()}
                </li>
            }
        })
        .collect_view();
    let table_head = periods.iter().map(|p| view! { <th scope="col" class="num">{p.clone()}</th> }).collect_view();
    let table_rows = series
        .iter()
        .map(|(name, values)| {
            view! {
                <tr>
                    <th scope="row">{name.clone()}</th>
                    {values.iter().map(|v| view! { <td class="num">{v.map(domain::grades::format_fr).unwrap_or_else(|| "—".into())}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel chart" aria-labelledby="evolution">
            <h2 id="evolution">"Évolution des moyennes"</h2>
            <p class="muted small">"Moyennes de l'élève par matière, sur 20, d'un bulletin publié à l'autre."</p>
            <ul class="legend">{legend}</ul>
            <svg viewBox=format!("0 0 {width} {height}") role="img" aria-hidden="true" class="chart-svg">
                {ticks}
                {rows}
            </svg>
            <details>
                <summary>"Voir les valeurs"</summary>
                <table class="data">
                    <thead><tr><th scope="col">"Matière"</th>{table_head}</tr></thead>
                    <tbody>{table_rows}</tbody>
                </table>
            </details>
        </section>
    }
    .into_any()
}

/// `/carnet-de-notes/appreciations?unite=c:ID&matiere=ID[&periode=ID]`: every student of a
/// class or group with their average and a box for the appréciation; `matiere=0` is the
/// general appréciation of a class (its professeur principal, or direction).
#[component]
pub fn AppreciationsPage() -> impl IntoView {
    let unit = query_param::<String>("unite");
    let subject = query_param::<SubjectId>("matiere");
    let period = query_param::<PeriodId>("periode");
    let save = ServerAction::<SaveAppreciations>::new();
    let data = Resource::new(
        move || (unit(), subject(), period(), save.version().get()),
        |(u, s, p, _)| async move {
            match (u, s) {
                (Some(u), Some(s)) => load_appreciations(u, s, p).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    view! { <Async resource=data ok=move |sheet: AppreciationSheet| view! { <SheetView sheet save/> }/> }
}

#[component]
fn SheetView(sheet: AppreciationSheet, save: ServerAction<SaveAppreciations>) -> impl IntoView {
    let base = format!("/carnet-de-notes/appreciations?unite={}&matiere={}", sheet.unit_key, sheet.subject);
    let period = sheet.period.clone();
    let tabs = sheet
        .periods
        .iter()
        .map(|p| {
            let current = p.id == period.id;
            view! { <a href=format!("{base}&periode={}", p.id) aria-current=current.then_some("page")>{p.label.clone()}</a> }
        })
        .collect_view();
    let closed = period.closed;
    let saved = move || {
        save.value().get().and_then(|r| r.ok()).map(|n| {
            let text = match n {
                0 => "Aucune modification à enregistrer.".to_string(),
                1 => "1 appréciation enregistrée.".to_string(),
                n => format!("{n} appréciations enregistrées."),
            };
            view! { <p class="notice" role="status">{text}</p> }
        })
    };
    let rows = sheet
        .rows
        .iter()
        .map(|r| {
            let id = format!("app-{}", r.student);
            let average = r.average.clone().unwrap_or_else(|| "—".into());
            let field = if closed {
                view! { <p>{if r.text.is_empty() { "—".to_string() } else { r.text.clone() }}</p> }.into_any()
            } else {
                view! {
                    <textarea id=id.clone() name=format!("appreciations[{}]", r.student) rows="3"
                        maxlength=APPRECIATION_MAX_CHARS.to_string()>{r.text.clone()}</textarea>
                }
                .into_any()
            };
            view! {
                <li class="appreciation-row">
                    <label for=id>
                        <span class="student-name">{r.name.clone()}</span>
                        <span class="muted small">" Moyenne : " {average}</span>
                    </label>
                    {field}
                </li>
            }
        })
        .collect_view();
    let form_body = view! {
        <input type="hidden" name="unite" value=sheet.unit_key.clone()/>
        <input type="hidden" name="matiere" value=sheet.subject.to_string()/>
        <input type="hidden" name="periode" value=period.id.to_string()/>
        <ol class="appreciation-list">{rows}</ol>
    };
    view! {
        <header class="page-head">
            <p class="muted"><a href="/carnet-de-notes">"Carnet de notes"</a></p>
            <h1>{sheet.unit_name.clone()} " — " {sheet.subject_name.clone()}</h1>
            <p class="muted small">"Appréciations du bulletin, " {APPRECIATION_MAX_CHARS} " caractères au plus chacune."</p>
        </header>
        <nav aria-label="Périodes" class="tabs">{tabs}</nav>
        {if closed {
            view! {
                <p class="notice">"Cette période est clôturée : les bulletins sont publiés et les appréciations ne peuvent plus être modifiées."</p>
                {form_body}
            }.into_any()
        } else {
            view! {
                <ActionForm action=save>
                    {form_body}
                    <button type="submit">"Enregistrer les appréciations"</button>
                </ActionForm>
                <FormError action=save/>
                {saved}
            }.into_any()
        }}
    }
    .into_any()
}

/// `/bulletins` (direction): the periods of the year, closing one (grades frozen, bulletins
/// published to families) or reopening it for a correction.
#[component]
pub fn PeriodsPage() -> impl IntoView {
    let toggle = ServerAction::<SetPeriodClosed>::new();
    let data = Resource::new(move || toggle.version().get(), |_| load_period_statuses());
    let done = move || {
        toggle.value().get().and_then(|r| r.ok()).map(|n| {
            view! { <p class="notice" role="status">{format!("C'est fait : {n} bulletin(s) concerné(s).")}</p> }
        })
    };
    view! {
        <header class="page-head">
            <h1>"Bulletins et clôture des périodes"</h1>
            <p class="muted">"Clôturer une période fige ses notes et ses appréciations, édite les bulletins et les rend visibles aux élèves et aux familles. Le bulletin d'un élève se consulte depuis sa fiche (classe, puis élève)."</p>
        </header>
        <FormError action=toggle/>
        {done}
        <Async resource=data ok={move |periods: Vec<PeriodStatus>| period_cards(periods, toggle)}/>
    }
}

fn period_cards(periods: Vec<PeriodStatus>, toggle: ServerAction<SetPeriodClosed>) -> impl IntoView {
    view! {
            <ul class="cards">
                {periods.into_iter().map(|p| {
                    let closed = p.closed_label.is_some();
                    view! {
                        <li class="card">
                            <h2 class="card-title">{p.period.label.clone()}</h2>
                            <p class="muted small">"Du " {domain::paris::format_date(&p.period.starts_on)} " au " {domain::paris::format_date(&p.period.ends_on)}</p>
                            <p>{match p.closed_label.clone() {
                                Some(l) => format!("{l} · {} bulletins publiés", p.bulletins),
                                None => "Ouverte : les professeurs saisissent notes et appréciations.".into(),
                            }}</p>
                            {(!closed).then(|| view! {
                                <p class="small"><a href=format!("/bulletins/conseils?periode={}", p.period.id)>"Conseils de classe"</a>
                                    <span class="muted">" — aucune note n'est publiée pendant qu'ils siègent"</span></p>
                            })}
                            <ActionForm action=toggle>
                                <input type="hidden" name="periode" value=p.period.id.to_string()/>
                                <input type="hidden" name="cloturer" value=if closed { "0" } else { "1" }/>
                                <button type="submit" class=if closed { "secondary" } else { "" }>
                                    {if closed { "Rouvrir la période (retire les bulletins)" } else { "Clôturer et publier les bulletins" }}
                                </button>
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
    }
    .into_any()
}

/// `/bulletins/conseils?periode=ID` (direction): when each class council sits. Grades that
/// would reach families during a council wait for its end.
#[component]
pub fn CouncilsPage() -> impl IntoView {
    let period = query_param::<PeriodId>("periode");
    let save = ServerAction::<SaveCouncils>::new();
    let data = Resource::new(
        move || (period(), save.version().get()),
        |(p, _)| async move {
            match p {
                Some(p) => load_councils(p).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let saved = move || {
        save.value().get().and_then(|r| r.ok()).map(|n| {
            view! { <p class="notice" role="status">{format!("Enregistré : {n} conseil(s) programmé(s).")}</p> }
        })
    };
    view! {
        <Async resource=data ok=move |sheet: CouncilSheet| view! {
            <header class="page-head">
                <p class="muted"><a href="/bulletins">"Bulletins"</a></p>
                <h1>"Conseils de classe · " {sheet.period.label.clone()}</h1>
                <p class="muted">"Pendant un conseil, aucune note des élèves de la classe n'est publiée : celles prévues à ce moment paraissent à la fin du conseil. "
                    {COUNCIL_MAX_HOURS} " heures au plus par conseil ; laissez une ligne vide s'il n'y en a pas."</p>
            </header>
            <CouncilForm sheet save/>
        }/>
        <FormError action=save/>
        {saved}
    }
}

#[component]
fn CouncilForm(sheet: CouncilSheet, save: ServerAction<SaveCouncils>) -> impl IntoView {
    view! {
        <ActionForm action=save>
            <input type="hidden" name="periode" value=sheet.period.id.to_string()/>
            <div class="table-wrap" tabindex="0">
                <table class="data">
                    <thead><tr>
                        <th scope="col">"Classe"</th><th scope="col">"Date"</th>
                        <th scope="col">"Début"</th><th scope="col">"Fin"</th>
                    </tr></thead>
                    <tbody>
                        {sheet.rows.into_iter().map(|r| {
                            let id = r.class.to_string();
                            view! {
                                <tr>
                                    <th scope="row">{r.class_name.clone()}</th>
                                    <td><input type="date" name=format!("date[{id}]") value=r.date
                                        aria-label=format!("Date du conseil de {}", r.class_name)/></td>
                                    <td><input type="time" name=format!("debut[{id}]") value=r.start
                                        aria-label=format!("Début du conseil de {}", r.class_name)/></td>
                                    <td><input type="time" name=format!("fin[{id}]") value=r.end
                                        aria-label=format!("Fin du conseil de {}", r.class_name)/></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <button type="submit">"Enregistrer les conseils"</button>
        </ActionForm>
    }
    .into_any()
}

/// `/bulletin.pdf?eleve=ID&periode=ID`: the bulletin as a PDF download, under the same rules
/// as the page.
#[cfg(feature = "ssr")]
pub async fn pdf_download(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    axum::Extension(slot): axum::Extension<crate::server::session::SessionSlot>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    use crate::server::download::{self, Download};
    let Some(user) = slot.0 else { return download::to_login("/bulletin") };
    let student = q.get("eleve").and_then(|v| v.parse().ok());
    let period = q.get("periode").and_then(|v| v.parse().ok());
    let page = match api::ssr::bulletin_page_for(&state, &user, student, period).await {
        Ok(page) => page,
        Err(e) => return download::respond(Err(e)),
    };
    let Some(b) = page.bulletin else {
        return download::text_response(404, page.absent_reason.unwrap_or_else(|| "Aucun bulletin.".into()));
    };
    match pdf::render(&b) {
        Ok(body) => download::respond(Ok(Download {
            content_type: "application/pdf",
            file: format!("bulletin-{}-{}.pdf", crate::grades::slug(&b.period), crate::grades::slug(&b.student_name)),
            body,
        })),
        Err(e) => {
            tracing::error!(error = %e, "could not make a bulletin PDF");
            download::text_response(
                500,
                "Le bulletin n'a pas pu être mis en PDF. Consultez-le à l'écran ; si cela persiste, prévenez le \
                 référent numérique."
                    .into(),
            )
        }
    }
}
