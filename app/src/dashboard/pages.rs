//! The dashboard page: a section for each role the person holds, what matters today first.

use super::api;
use super::model::{
    ChildCard, Dashboard, DueWork, EstablishmentLine, FollowUp, Overview, RecentGrade, StudentSection, TeacherTodo,
    TeachingCard,
};
use crate::components::Async;
use domain::UserId;
use leptos::prelude::*;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| api::load_dashboard());
    view! {
        <Async resource=data ok=|d: Dashboard| view! { <DashboardView d/> }/>
    }
}

#[component]
fn DashboardView(d: Dashboard) -> impl IntoView {
    let roles = d.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ");
    view! {
        <header class="page-head">
            <h1>"Bonjour " {d.first_name.clone()}</h1>
            <p class="muted">
                {d.establishment.clone().unwrap_or_default()}
                {(!roles.is_empty()).then(|| format!(" · {roles}"))}
            </p>
        </header>
        {d.student.map(|s| view! { <StudentPanel s/> })}
        {d.children.map(|c| view! { <ChildrenPanel children=c/> })}
        {d.todo.map(|t| view! { <TodoPanel todo=t/> })}
        {d.teaching.map(|t| view! { <TeachingPanel cards=t/> })}
        {d.overview.map(|o| view! { <OverviewPanel o/> })}
        {d.region.map(|r| view! { <RegionPanel establishments=r/> })}
    }
}

#[component]
fn StudentPanel(s: StudentSection) -> impl IntoView {
    let follow = s.follow.map(|f| {
        view! {
            <section class="panel" aria-labelledby="a-faire">
                <h2 id="a-faire">"À faire"</h2>
                <DueList due=f.due mine=true/>
            </section>
            <section class="panel" aria-labelledby="dernieres-notes">
                <h2 id="dernieres-notes">"Dernières notes" <PeriodLabel period=f.period.clone()/></h2>
                <RecentList grades=f.recent_grades period=f.period.is_some()/>
                <p class="actions">
                    <a href="/notes">"Toutes mes notes"</a>
                    {f.latest_bulletin.map(|b| view! {
                        <a href=format!("/bulletin?periode={}", b.period)>"Bulletin du " {lowercase_first(&b.label)}</a>
                    })}
                </p>
            </section>
        }
    });
    view! {
        {follow}
        <section class="panel" aria-labelledby="ma-classe">
            <h2 id="ma-classe">"Ma classe"</h2>
            {match s.class {
                Some((id, name)) => view! {
                    <p class="big"><a href=format!("/classes/{id}")>{name}</a></p>
                }.into_any(),
                None => view! { <p class="muted">"Vous n'êtes inscrit dans aucune classe pour l'instant."</p> }.into_any(),
            }}
            {(!s.groups.is_empty()).then(|| view! {
                <p>"Groupes : " {s.groups.join(", ")}</p>
            })}
            <h3>"Mes professeurs"</h3>
            {if s.teachers.is_empty() {
                view! { <p class="muted">"Aucun professeur n'est encore affecté à votre classe."</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {s.teachers.into_iter().map(|t| view! {
                            <li><strong>{t.subject}</strong> " — " {t.teacher} <span class="muted">" (" {t.unit} ")"</span></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ChildrenPanel(children: Vec<ChildCard>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="mes-enfants">
            <h2 id="mes-enfants">"Mes enfants"</h2>
            {if children.is_empty() {
                view! { <p class="muted">"Aucun enfant n'est rattaché à votre compte. Contactez le secrétariat de l'établissement."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards children">
                        {children.into_iter().map(|c| view! {
                            <li class="card child">
                                <h3 class="card-title"><a href=format!("/eleves/{}", c.id)>{c.name}</a></h3>
                                <p>{c.class.unwrap_or_else(|| "Sans classe".into())} " · " {c.establishment}</p>
                                <p class="small muted">
                                    {if c.relationship.is_empty() { String::new() } else { format!("{} · ", c.relationship) }}
                                    {if c.legal_guardian { "Responsable légal" } else { "Contact (non responsable légal)" }}
                                </p>
                                {c.follow.map(|f| view! { <ChildFollowUp child=c.id f/> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// "(Trimestre 2)" after a heading, when a period is under way.
#[component]
fn PeriodLabel(period: Option<String>) -> impl IntoView {
    period.map(|p| view! { <span class="muted small">" (" {p} ")"</span> })
}

/// "Trimestre 1" → "trimestre 1", to follow "Bulletin du".
fn lowercase_first(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One child's day on their card in a family's dashboard.
#[component]
fn ChildFollowUp(child: UserId, f: FollowUp) -> impl IntoView {
    view! {
        <h4>"À faire"</h4>
        <DueList due=f.due mine=false/>
        <h4>"Dernières notes" <PeriodLabel period=f.period.clone()/></h4>
        <RecentList grades=f.recent_grades period=f.period.is_some()/>
        <p class="actions">
            <a href=format!("/notes?eleve={child}")>"Toutes les notes"</a>
            {f.latest_bulletin.map(|b| view! {
                <a href=format!("/bulletin?eleve={child}&periode={}", b.period)>"Bulletin du " {lowercase_first(&b.label)}</a>
            })}
        </p>
    }
}

/// Work due. `mine`: the student's own list, whose titles open their quiz list.
#[component]
fn DueList(due: Vec<DueWork>, mine: bool) -> impl IntoView {
    if due.is_empty() {
        return view! { <p class="muted">"Rien à rendre pour le moment."</p> }.into_any();
    }
    view! {
        <ul class="list">
            {due.into_iter().map(|d| {
                let title = match mine {
                    true => view! { <a href="/mes-quiz">{d.title}</a> }.into_any(),
                    false => view! { <strong>{d.title}</strong> }.into_any(),
                };
                view! {
                    <li>
                        {title} <span class="muted">" · " {d.unit}</span>
                        <br/><span class="small">"À rendre avant le " {d.due}</span>
                        {d.started.then(|| view! { <span class="small muted">" · commencé"</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The latest marks. `period`: a period is under way (otherwise there is nothing to list).
#[component]
fn RecentList(grades: Vec<RecentGrade>, period: bool) -> impl IntoView {
    if grades.is_empty() {
        let empty = match period {
            true => "Aucune note publiée pour cette période.",
            false => "Aucune période n'est en cours.",
        };
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="list">
            {grades.into_iter().map(|g| view! {
                <li>
                    <strong>{g.subject}</strong> " : " <span class="mark">{g.mark}</span>
                    <br/><span class="small muted">{g.title} " · " {g.held_on}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A teacher's work waiting: marks to enter, copies to correct.
#[component]
fn TodoPanel(todo: TeacherTodo) -> impl IntoView {
    let more = |n: usize| {
        (n > 0)
            .then(|| view! { <p class="small muted">{format!("… et {n} autre{}.", if n > 1 { "s" } else { "" })}</p> })
    };
    view! {
        <section class="panel" aria-labelledby="travail-en-attente">
            <h2 id="travail-en-attente">"À faire"</h2>
            <h3>"Notes à saisir" <PeriodLabel period=todo.period.clone()/></h3>
            {if todo.to_enter.is_empty() {
                view! { <p class="muted">"Toutes les notes des évaluations passées sont saisies."</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {todo.to_enter.into_iter().map(|e| view! {
                            <li>
                                <a href=e.href>{e.title}</a> <span class="muted">" · " {e.unit} " · " {e.subject}</span>
                                <br/><span class="small">
                                    {format!("{} note{} manquante{}", e.missing, plural(e.missing), plural(e.missing))}
                                    " · évaluation du " {e.held_on}
                                </span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {more(todo.more_to_enter)}
            <h3>"Copies à corriger"</h3>
            {if todo.to_correct.is_empty() {
                view! { <p class="muted">"Aucune copie n'attend de correction."</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {todo.to_correct.into_iter().map(|a| view! {
                            <li>
                                <a href=format!("/quiz/resultats/{}/corriger", a.assignment)>{a.title}</a>
                                <span class="muted">" · " {a.unit}</span>
                                <br/><span class="small">{format!("{} copie{} à corriger", a.copies, plural(a.copies))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {more(todo.more_to_correct)}
        </section>
    }
}

fn plural(n: i64) -> &'static str {
    if n > 1 { "s" } else { "" }
}

#[component]
fn TeachingPanel(cards: Vec<TeachingCard>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="mes-classes">
            <h2 id="mes-classes">"Mes classes"</h2>
            {if cards.is_empty() {
                view! { <p class="muted">"Aucun service ne vous est encore affecté. Le référent numérique saisit les affectations."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards">
                        {cards.into_iter().map(|c| {
                            let href = match (c.class, c.group) {
                                (Some(id), _) => format!("/classes/{id}"),
                                (None, Some(id)) => format!("/groupes/{id}"),
                                _ => "/".into(),
                            };
                            view! {
                                <li class="card">
                                    <a class="card-title" href=href>{c.name}</a>
                                    <p>{c.subjects.join(", ")}</p>
                                    <p class="small muted">{c.students} " élèves"</p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn OverviewPanel(o: Overview) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="mon-etablissement">
            <h2 id="mon-etablissement">"Mon établissement"</h2>
            <p>{o.name} <span class="muted">" · UAI " {o.uai}</span></p>
            <dl class="stats">
                <div><dt>"Élèves"</dt><dd>{o.students}</dd></div>
                <div><dt>"Responsables"</dt><dd>{o.guardians}</dd></div>
                <div><dt>"Enseignants"</dt><dd>{o.teachers}</dd></div>
                <div><dt>"Personnels"</dt><dd>{o.staff}</dd></div>
            </dl>
            <h3>"Classes"</h3>
            {if o.classes.is_empty() {
                view! { <p class="muted">"Aucune classe n'est encore créée."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards compact">
                        {o.classes.into_iter().map(|c| view! {
                            <li class="card">
                                <a class="card-title" href=format!("/classes/{}", c.id)>{c.name}</a>
                                <p class="small muted">{c.level} " · " {c.students} " élèves"</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p class="actions">
                {o.can_administer.then(|| view! { <a class="button" href="/admin">"Administration"</a> })}
                {o.can_read_audit.then(|| view! { <a class="button secondary" href="/journal">"Journal des accès"</a> })}
            </p>
        </section>
    }
}

#[component]
fn RegionPanel(establishments: Vec<EstablishmentLine>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="etablissements">
            <h2 id="etablissements">"Établissements de la région"</h2>
            <p class="muted small">
                "Les établissements et leurs administrateurs se créent avec la commande « preau » (voir la documentation d'exploitation). Les dossiers des élèves restent visibles des seuls personnels de leur établissement."
            </p>
            {if establishments.is_empty() {
                view! { <p class="muted">"Aucun établissement n'est encore créé."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0"><table class="table">
                        <thead><tr>
                            <th scope="col">"Établissement"</th><th scope="col">"UAI"</th><th scope="col">"Ville"</th>
                            <th scope="col">"Élèves"</th><th scope="col">"Personnels"</th><th scope="col">"Administrateurs"</th>
                        </tr></thead>
                        <tbody>
                            {establishments.into_iter().map(|e| view! {
                                <tr>
                                    <td>{e.name}</td><td>{e.uai}</td><td>{e.city}</td>
                                    <td>{e.students}</td><td>{e.staff}</td><td>{e.administrators}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
}
