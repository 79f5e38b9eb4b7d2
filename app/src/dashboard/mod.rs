//! The personal dashboard: one page, with a section for each role the person holds.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;

use crate::components::Async;
use api::{ChildCard, Dashboard, EstablishmentLine, Overview, StudentSection, TeachingCard};
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
        {d.teaching.map(|t| view! { <TeachingPanel cards=t/> })}
        {d.overview.map(|o| view! { <OverviewPanel o/> })}
        {d.region.map(|r| view! { <RegionPanel establishments=r/> })}
    }
}

#[component]
fn StudentPanel(s: StudentSection) -> impl IntoView {
    view! {
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
                    <ul class="cards">
                        {children.into_iter().map(|c| view! {
                            <li class="card">
                                <a class="card-title" href=format!("/eleves/{}", c.id)>{c.name}</a>
                                <p>{c.class.unwrap_or_else(|| "Sans classe".into())} " · " {c.establishment}</p>
                                <p class="small muted">
                                    {if c.relationship.is_empty() { String::new() } else { format!("{} · ", c.relationship) }}
                                    {if c.legal_guardian { "Responsable légal" } else { "Contact (non responsable légal)" }}
                                </p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
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
