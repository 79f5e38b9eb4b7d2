//! Administration screens: classes, groups, subjects, assignments, accounts, CSV import
//! and activation letters.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;

use crate::components::{Async, CSV_PICKER_ACCEPT, CSV_PICKER_LABEL, CSV_PICKER_TOO_BIG, FilePicker, FormError};
use api::*;
use domain::import::{IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, ImportKind};
use domain::{ClassId, Role};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AdminPage() -> impl IntoView {
    let new_class = ServerAction::<CreateClass>::new();
    let new_group = ServerAction::<CreateGroup>::new();
    let new_subject = ServerAction::<CreateSubject>::new();
    let new_assignment = ServerAction::<CreateAssignment>::new();
    let new_user = ServerAction::<CreateUser>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let rename_class = ServerAction::<RenameClass>::new();
    let rename_group = ServerAction::<RenameGroup>::new();
    let rename_subject = ServerAction::<RenameSubject>::new();
    let remove_assignment = ServerAction::<RemoveAssignment>::new();
    let edit_user = ServerAction::<EditUser>::new();
    let data = Resource::new(
        move || {
            (
                (new_class.version().get(), new_group.version().get(), new_subject.version().get()),
                (new_assignment.version().get(), new_user.version().get(), set_active.version().get()),
                (rename_class.version().get(), rename_group.version().get(), rename_subject.version().get()),
                (remove_assignment.version().get(), edit_user.version().get()),
            )
        },
        |_| load_admin_data(),
    );
    let created = move || {
        new_user.value().get().and_then(|r| r.ok()).map(|u| {
            view! { <p class="notice" role="status">"Compte créé : identifiant " <strong>{u}</strong> ". Générez sa lettre d'activation depuis sa classe."</p> }
        })
    };
    // The new code comes back in the action's answer once hydrated; without JavaScript, the
    // redirect back hands it to the page's data (`AdminData::handed_code`).
    let reactivated = move |handed: Option<HandedCode>| {
        let hydrated = set_active.value().get().and_then(|r| r.ok()).flatten();
        let (whom, code) = match (hydrated, handed) {
            (Some(code), _) => ("la personne".to_string(), code),
            (None, Some(h)) => (h.name, h.code),
            (None, None) => return None,
        };
        Some(
            view! { <p class="notice" role="status">"Compte réactivé. Son ancien mot de passe est effacé ; nouveau code d'activation à remettre à " {whom} " : " <strong>{code}</strong> " (valable " {crate::auth::CODE_VALID_DAYS} " jours, à saisir sur la page Activation)."</p> },
        )
    };
    view! {
        <header class="page-head">
            <h1>"Administration"</h1>
            <p class="muted">"Structure de l'établissement et comptes. "
                <a href="/admin/import">"Importer un fichier CSV"</a>
            </p>
        </header>
        <Async resource=data ok=move |d: AdminData| {
            let classes = d.classes.clone();
            let class_options = move || classes.iter().map(|c| view! { <option value=c.id.to_string()>{c.name.clone()}</option> }).collect_view();
            let class_options2 = class_options.clone();
            let class_options3 = class_options.clone();
            let teachers: Vec<_> = d.staff.iter().filter(|u| u.is_teacher).cloned().collect();
            let units: Vec<(String, String)> = d.classes.iter().map(|c| (domain::TeachingUnit::Class(c.id).key(), c.name.clone()))
                .chain(d.groups.iter().map(|g| (domain::TeachingUnit::Group(g.id).key(), format!("{} (groupe)", g.name))))
                .collect();
            let subjects = d.subjects.clone();
            view! {
                <section class="panel" aria-labelledby="classes">
                    <h2 id="classes">"Classes"</h2>
                    <div class="table-wrap" tabindex="0"><table class="table">
                        <thead><tr><th scope="col">"Classe"</th><th scope="col">"Niveau"</th><th scope="col">"Élèves"</th><th scope="col">"Comptes à activer"</th><th scope="col">"Lettres"</th><th scope="col">"Modifier"</th></tr></thead>
                        <tbody>
                            {d.classes.clone().into_iter().map(|c| view! {
                                <tr>
                                    <td><a href=format!("/classes/{}", c.id)>{c.name.clone()}</a></td>
                                    <td>{c.level.clone()}</td>
                                    <td>{c.students}</td>
                                    <td>{c.pending}</td>
                                    <td><a href=format!("/admin/lettres/{}", c.id)>"Lettres d'activation"</a></td>
                                    <td>
                                        <details>
                                            <summary>"Renommer"</summary>
                                            <ActionForm action=rename_class>
                                                <input type="hidden" name="id" value=c.id.to_string()/>
                                                <label>"Nom" <input name="nom" required maxlength="60" value=c.name.clone()/></label>
                                                <label>"Niveau" <input name="niveau" maxlength="60" value=c.level.clone()/></label>
                                                <button type="submit" class="small-button">"Enregistrer"</button>
                                            </ActionForm>
                                        </details>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                    <ActionForm action=new_class>
                        <fieldset class="inline-form">
                            <legend>"Nouvelle classe"</legend>
                            <label>"Nom" <input name="nom" required maxlength="60" placeholder="4e C"/></label>
                            <label>"Niveau" <input name="niveau" maxlength="60" placeholder="4e"/></label>
                            <button type="submit">"Créer la classe"</button>
                        </fieldset>
                    </ActionForm>
                    <FormError action=new_class/>
                    <FormError action=rename_class/>
                </section>

                <section class="panel" aria-labelledby="groupes">
                    <h2 id="groupes">"Groupes"</h2>
                    <ul class="list">
                        {d.groups.clone().into_iter().map(|g| view! {
                            <li><a href=format!("/groupes/{}", g.id)>{g.name.clone()}</a>
                                <span class="muted">" · " {g.class.clone().unwrap_or_else(|| "transversal".into())} " · " {g.students} " élèves"</span>
                                <details>
                                    <summary>"Renommer"</summary>
                                    <ActionForm action=rename_group>
                                        <input type="hidden" name="id" value=g.id.to_string()/>
                                        <label>"Nom" <input name="nom" required maxlength="60" value=g.name.clone()/></label>
                                        <button type="submit" class="small-button">"Enregistrer"</button>
                                    </ActionForm>
                                </details>
                            </li>
                        }).collect_view()}
                    </ul>
                    <ActionForm action=new_group>
                        <fieldset class="inline-form">
                            <legend>"Nouveau groupe"</legend>
                            <label>"Nom" <input name="nom" required maxlength="60" placeholder="Latin 4e"/></label>
                            <label>"Classe" <select name="classe"><option value="">"Groupe transversal"</option>{class_options.clone()}</select></label>
                            <label class="wide">"Élèves (identifiants séparés par des virgules)" <textarea name="eleves" rows="2"></textarea></label>
                            <button type="submit">"Créer le groupe"</button>
                        </fieldset>
                    </ActionForm>
                    <FormError action=new_group/>
                    <FormError action=rename_group/>
                </section>

                <section class="panel" aria-labelledby="matieres">
                    <h2 id="matieres">"Matières"</h2>
                    <ul class="list">
                        {d.subjects.clone().into_iter().map(|(id, n)| view! {
                            <li>{n.clone()}
                                <details>
                                    <summary>"Renommer"</summary>
                                    <ActionForm action=rename_subject>
                                        <input type="hidden" name="id" value=id.to_string()/>
                                        <label>"Nom" <input name="nom" required maxlength="60" value=n.clone()/></label>
                                        <button type="submit" class="small-button">"Enregistrer"</button>
                                    </ActionForm>
                                </details>
                            </li>
                        }).collect_view()}
                    </ul>
                    <ActionForm action=new_subject>
                        <fieldset class="inline-form">
                            <legend>"Nouvelle matière"</legend>
                            <label>"Nom" <input name="nom" required maxlength="60" placeholder="Histoire-géographie"/></label>
                            <button type="submit">"Créer la matière"</button>
                        </fieldset>
                    </ActionForm>
                    <FormError action=new_subject/>
                    <FormError action=rename_subject/>
                </section>

                <section class="panel" aria-labelledby="affectations">
                    <h2 id="affectations">"Affectations"</h2>
                    <div class="table-wrap" tabindex="0"><table class="table">
                        <thead><tr><th scope="col">"Enseignant"</th><th scope="col">"Matière"</th><th scope="col">"Classe ou groupe"</th><th scope="col">"Action"</th></tr></thead>
                        <tbody>
                            {d.assignments.clone().into_iter().map(|a| view! {
                                <tr>
                                    <td>{a.teacher.clone()}</td><td>{a.subject.clone()}</td><td>{a.unit.clone()}</td>
                                    <td>
                                        <ActionForm action=remove_assignment>
                                            <input type="hidden" name="id" value=a.id.to_string()/>
                                            <button type="submit" class="small-button">"Retirer"</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                    <ActionForm action=new_assignment>
                        <fieldset class="inline-form">
                            <legend>"Nouvelle affectation"</legend>
                            <label>"Enseignant" <select name="enseignant" required>
                                {teachers.iter().map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
                            </select></label>
                            <label>"Matière" <select name="matiere" required>
                                {subjects.iter().map(|(id, n)| view! { <option value=id.to_string()>{n.clone()}</option> }).collect_view()}
                            </select></label>
                            <label>"Classe ou groupe" <select name="unite" required>
                                {units.iter().map(|(v, n)| view! { <option value=v.clone()>{n.clone()}</option> }).collect_view()}
                            </select></label>
                            <button type="submit">"Affecter"</button>
                        </fieldset>
                    </ActionForm>
                    <FormError action=new_assignment/>
                    <FormError action=remove_assignment/>
                </section>

                <section class="panel" aria-labelledby="comptes">
                    <h2 id="comptes">"Personnels"</h2>
                    <div class="table-wrap" tabindex="0"><table class="table">
                        <thead><tr><th scope="col">"Nom"</th><th scope="col">"Identifiant"</th><th scope="col">"Rôles"</th><th scope="col">"État"</th><th scope="col">"Action"</th></tr></thead>
                        <tbody>
                            {d.staff.clone().into_iter().map(|u| {
                                let state = match (u.active, u.activated) {
                                    (false, _) => "Désactivé",
                                    (true, false) => "À activer",
                                    (true, true) => "Actif",
                                };
                                view! {
                                    <tr>
                                        <td>{u.name.clone()}</td>
                                        <td>{u.username.clone()}</td>
                                        <td>{u.roles.clone()}</td>
                                        <td>{state}</td>
                                        <td>
                                            <ActionForm action=set_active>
                                                <input type="hidden" name="id" value=u.id.to_string()/>
                                                <input type="hidden" name="actif" value=(!u.active).to_string()/>
                                                <button type="submit" class="small-button">{if u.active { "Désactiver" } else { "Réactiver" }}</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                    <FormError action=set_active/>
                    {let handed = d.handed_code.clone(); move || reactivated(handed.clone())}
                    <ActionForm action=new_user>
                        <fieldset class="inline-form">
                            <legend>"Nouveau compte"</legend>
                            <label>"Nom" <input name="nom" required maxlength="80"/></label>
                            <label>"Prénom" <input name="prenom" required maxlength="80"/></label>
                            <label>"Rôle" <select name="role" required>
                                {Role::ALL.iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                            </select></label>
                            <label>"Classe (élèves)" <select name="classe"><option value="">"—"</option>{class_options2.clone()}</select></label>
                            <label>"Identifiant (facultatif)" <input name="identifiant" maxlength="64" placeholder="prenom.nom"/></label>
                            <button type="submit">"Créer le compte"</button>
                        </fieldset>
                    </ActionForm>
                    <FormError action=new_user/>
                    <ActionForm action=edit_user>
                        <fieldset class="inline-form">
                            <legend>"Corriger un compte (élève, responsable ou personnel)"</legend>
                            <label>"Identifiant" <input name="identifiant" required maxlength="64" placeholder="prenom.nom"/></label>
                            <label>"Nom" <input name="nom" required maxlength="80"/></label>
                            <label>"Prénom" <input name="prenom" required maxlength="80"/></label>
                            <label>"Nouvelle classe (élèves)" <select name="classe"><option value="">"— inchangée"</option>{class_options3.clone()}</select></label>
                            <button type="submit">"Enregistrer"</button>
                        </fieldset>
                    </ActionForm>
                    <FormError action=edit_user/>
                    {created}
                </section>
            }
        }/>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let import = ServerAction::<ImportCsv>::new();
    let outcome = move || import.value().get().and_then(|r| r.ok());
    view! {
        <header class="page-head">
            <h1>"Importer des comptes"</h1>
            <p class="muted">
                "Collez le contenu d'un fichier CSV (séparateur « ; » ou « , », première ligne = en-tête). "
                "Vérifiez d'abord : rien n'est créé tant que le fichier contient une erreur. "
                {format!("{IMPORT_MAX_ROWS} lignes au plus par fichier.")}
            </p>
        </header>
        <noscript>
            <p class="alert">"L'import affiche son aperçu et ses erreurs avec JavaScript : activez-le pour cette page."</p>
        </noscript>
        <section class="panel">
            <ul class="list small">
                {[ImportKind::Students, ImportKind::Guardians, ImportKind::Teachers].into_iter().map(|k| view! {
                    <li><strong>{k.label()}</strong> " : " <code>{k.example_header()}</code></li>
                }).collect_view()}
            </ul>
            <ActionForm action=import>
                <div class="stack">
                    <label for="type_fichier">"Type de fichier"</label>
                    <select id="type_fichier" name="type_fichier" required>
                        {[ImportKind::Students, ImportKind::Guardians, ImportKind::Teachers].into_iter().map(|k| view! {
                            <option value=k.code()>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    <label for="contenu_fichier">"Contenu du fichier"</label>
                    <textarea id="contenu_fichier" name="contenu" rows="12" required spellcheck="false"></textarea>
                    <FilePicker target="contenu_fichier" max_bytes=IMPORT_MAX_BYTES label=CSV_PICKER_LABEL accept=CSV_PICKER_ACCEPT too_big=CSV_PICKER_TOO_BIG/>
                    <div class="actions">
                        <button type="submit" name="appliquer" value="false">"Vérifier"</button>
                        <button type="submit" name="appliquer" value="true" class="primary">"Importer"</button>
                    </div>
                </div>
            </ActionForm>
            <FormError action=import/>
        </section>
        {move || outcome().map(|o| view! { <ImportResult o/> })}
    }
}

#[component]
fn ImportResult(o: ImportOutcome) -> impl IntoView {
    match o {
        ImportOutcome::Problems(problems) => view! {
            <section class="panel alert" role="alert" aria-labelledby="erreurs">
                <h2 id="erreurs">{format!("{} erreur(s) : rien n'a été importé", problems.len())}</h2>
                <div class="table-wrap" tabindex="0"><table class="table">
                    <thead><tr><th scope="col">"Ligne"</th><th scope="col">"Colonne"</th><th scope="col">"À corriger"</th></tr></thead>
                    <tbody>
                        {problems.into_iter().map(|p| view! {
                            <tr><td>{p.line}</td><td>{p.column}</td><td>{p.message}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            </section>
        }.into_any(),
        ImportOutcome::Preview(plan) => view! { <PlanView plan applied=false/> }.into_any(),
        ImportOutcome::Applied(plan) => view! { <PlanView plan applied=true/> }.into_any(),
    }
}

#[component]
fn PlanView(plan: ImportPlan, applied: bool) -> impl IntoView {
    let title = if applied { "Import terminé" } else { "Aperçu : voici ce qui sera créé" };
    view! {
        <section class="panel notice" role="status" aria-labelledby="apercu">
            <h2 id="apercu">{title}</h2>
            <p>
                {plan.accounts.len()} " compte(s), "
                {plan.new_classes.len()} " classe(s) nouvelle(s), "
                {plan.new_subjects.len()} " matière(s) nouvelle(s), "
                {plan.links} " lien(s) responsable–élève, "
                {plan.assignments} " affectation(s)."
            </p>
            {(!plan.new_classes.is_empty()).then(|| view! { <p>"Classes créées : " {plan.new_classes.join(", ")}</p> })}
            {(!plan.new_subjects.is_empty()).then(|| view! { <p>"Matières créées : " {plan.new_subjects.join(", ")}</p> })}
            <div class="table-wrap" tabindex="0"><table class="table">
                <thead><tr><th scope="col">"Ligne(s)"</th><th scope="col">"Nom"</th><th scope="col">"Identifiant"</th><th scope="col">"Détail"</th></tr></thead>
                <tbody>
                    {plan.accounts.into_iter().map(|a| view! {
                        <tr>
                            <td>{a.lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")}</td>
                            <td>{a.name}</td><td>{a.username}</td><td>{a.detail}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table></div>
            {applied.then(|| view! { <p>"Les lettres d'activation se génèrent depuis chaque classe, dans " <a href="/admin">"Administration"</a> "."</p> })}
        </section>
    }
}

/// Generates and shows a class's activation letters, one per printed page.
#[component]
pub fn LettersPage() -> impl IntoView {
    let params = use_params_map();
    let class = move || params.read().get("id").and_then(|v| v.parse::<ClassId>().ok());
    let generate = ServerAction::<GenerateLetters>::new();
    view! {
        <header class="page-head no-print">
            <h1>"Lettres d'activation"</h1>
            <p class="muted">
                "Chaque génération crée de nouveaux codes pour les élèves et responsables de la classe qui n'ont pas encore activé leur compte ; les codes imprimés auparavant ne fonctionnent plus. Les codes ne sont affichés qu'une fois : imprimez la page."
            </p>
            <noscript>
                <p class="alert">"Les lettres s'affichent avec JavaScript : activez-le pour cette page."</p>
            </noscript>
            <ActionForm action=generate>
                <input type="hidden" name="classe" value=move || class().map(|c| c.to_string()).unwrap_or_default()/>
                <button type="submit" class="primary">"Générer les lettres"</button>
            </ActionForm>
            <FormError action=generate/>
        </header>
        {move || generate.value().get().and_then(|r| r.ok()).map(|l| view! { <LettersView l/> })}
    }
}

#[component]
fn LettersView(l: Letters) -> impl IntoView {
    let count = l.letters.len();
    view! {
        <p class="no-print" role="status">{count} " lettre(s) pour la classe " {l.class.clone()} ". "
            <button type="button" class="print-button" on:click=move |_| { let _ = window().print(); }>"Imprimer"</button>
        </p>
        <div class="letters">
            {l.letters.into_iter().map(|x| {
                let est = l.establishment.clone();
                let days = l.valid_days;
                view! {
                    <article class="letter">
                        <p class="muted">{est}</p>
                        <h2>"Votre compte Préau"</h2>
                        <p>"Bonjour " {x.name.clone()} ","</p>
                        <p>{if x.about.is_empty() { format!("Voici votre accès à l'espace numérique de travail ({}).", x.role) } else { format!("Voici votre accès à l'espace numérique de travail, en tant que responsable de {}.", x.about) }}</p>
                        <dl class="codes">
                            <div><dt>"Identifiant"</dt><dd>{x.username}</dd></div>
                            <div><dt>"Code d'activation"</dt><dd class="code">{x.code}</dd></div>
                        </dl>
                        <p>"Rendez-vous sur la page « Première connexion », saisissez ces deux informations puis choisissez votre mot de passe. Ce code est valable " {days} " jours et ne sert qu'une fois."</p>
                    </article>
                }
            }).collect_view()}
        </div>
    }
}
