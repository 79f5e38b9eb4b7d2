//! Class, group and student pages.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;

use crate::components::Async;
use api::{StudentPage, UnitPage};
use domain::{ClassId, GroupId, UserId};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn param<T: std::str::FromStr>(name: &'static str) -> impl Fn() -> Option<T> + Copy {
    let params = use_params_map();
    move || params.read().get(name).and_then(|v| v.parse().ok())
}

#[component]
pub fn ClassPage() -> impl IntoView {
    let id = param::<ClassId>("id");
    let data = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::class_page(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! { <Async resource=data ok=|p: UnitPage| view! { <UnitView p/> }/> }
}

#[component]
pub fn GroupPage() -> impl IntoView {
    let id = param::<GroupId>("id");
    let data = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::group_page(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! { <Async resource=data ok=|p: UnitPage| view! { <UnitView p/> }/> }
}

#[component]
fn UnitView(p: UnitPage) -> impl IntoView {
    let count = p.students.len();
    let open = p.can_open_students;
    view! {
        <header class="page-head">
            <p class="muted">{p.kind.clone()}</p>
            <h1>{p.name.clone()}</h1>
            <p class="muted">{p.detail.clone()} " · " {count} " élèves"</p>
        </header>
        <div class="two-col">
            <section class="panel" aria-labelledby="eleves">
                <h2 id="eleves">"Élèves"</h2>
                {if p.students.is_empty() {
                    view! { <p class="muted">"Aucun élève inscrit."</p> }.into_any()
                } else {
                    view! {
                        <ol class="list roster">
                            {p.students.into_iter().map(|s| {
                                let name = format!("{} {}", s.last_name.to_uppercase(), s.first_name);
                                if open {
                                    view! { <li><a href=format!("/eleves/{}", s.id)>{name}</a></li> }.into_any()
                                } else {
                                    view! { <li>{name}</li> }.into_any()
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </section>
            <section class="panel" aria-labelledby="equipe">
                <h2 id="equipe">"Équipe pédagogique"</h2>
                {if p.teachers.is_empty() {
                    view! { <p class="muted">"Aucun enseignant affecté."</p> }.into_any()
                } else {
                    view! {
                        <ul class="list">
                            {p.teachers.into_iter().map(|(subject, name)| view! {
                                <li><strong>{subject}</strong> " — " {name}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
    }
}

#[component]
pub fn StudentProfilePage() -> impl IntoView {
    let id = param::<UserId>("id");
    let data = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::load_student_page(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! { <Async resource=data ok=|p: StudentPage| view! { <StudentView p/> }/> }
}

#[component]
fn StudentView(p: StudentPage) -> impl IntoView {
    view! {
        <header class="page-head">
            <p class="muted">"Élève"</p>
            <h1>{p.name.clone()}</h1>
            <p class="muted">
                {p.class.as_ref().map(|(_, n)| n.clone()).unwrap_or_else(|| "Sans classe".into())}
                {(!p.groups.is_empty()).then(|| format!(" · {}", p.groups.join(", ")))}
                " · identifiant " {p.username.clone()}
            </p>
            {p.can_view_grades.then(|| view! { <p><a href=format!("/notes?eleve={}", p.id)>"Notes et moyennes"</a></p> })}
            {p.can_view_bulletin.then(|| view! { <p><a href=format!("/bulletin?eleve={}", p.id)>"Bulletins"</a></p> })}
        </header>
        <div class="two-col">
            <section class="panel" aria-labelledby="responsables">
                <h2 id="responsables">"Responsables"</h2>
                {if p.guardians.is_empty() {
                    view! { <p class="muted">"Aucun responsable enregistré."</p> }.into_any()
                } else {
                    view! {
                        <ul class="list">
                            {p.guardians.into_iter().map(|g| view! {
                                <li>
                                    {g.name}
                                    <span class="muted">
                                        {if g.relationship.is_empty() { String::new() } else { format!(" · {}", g.relationship) }}
                                        {if g.legal_guardian { " · responsable légal" } else { "" }}
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="panel" aria-labelledby="professeurs">
                <h2 id="professeurs">"Professeurs"</h2>
                {if p.teachers.is_empty() {
                    view! { <p class="muted">"Aucun enseignant affecté."</p> }.into_any()
                } else {
                    view! {
                        <ul class="list">
                            {p.teachers.into_iter().map(|(subject, name)| view! {
                                <li><strong>{subject}</strong> " — " {name}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
    }
}
