//! Préau's UI and API: Leptos pages and `#[server]` functions, one folder per feature.
//! Server-only code (SQL, sessions, hashing) sits behind the `ssr` feature.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod bulletins;
pub mod classes;
pub mod components;
pub mod dashboard;
pub mod error;
pub mod grades;
pub mod pads;
pub mod quizzes;
#[cfg(feature = "ssr")]
pub mod server;

use auth::{Me, api::whoami};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{SsrMode, path};

/// The HTML document around the app. The hydration script carries the request's nonce,
/// which the Content-Security-Policy allows (no inline script runs without it).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    let css = stylesheet_href(&options);
    view! {
        <!DOCTYPE html>
        <html lang="fr">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=css/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The stylesheet's address: named after its content in a release build (`server::assets`).
fn stylesheet_href(options: &LeptosOptions) -> String {
    #[cfg(feature = "ssr")]
    if let Some(st) = use_context::<server::AppState>() {
        return format!("/{}/{}", options.site_pkg_dir, st.assets.css);
    }
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
}

/// The page's policy: scripts only from Préau itself or carrying this response's nonce, the
/// wasm module compiled by the browser, nothing framed, forms posted only to Préau.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use http::{HeaderValue, header};
    let (Some(nonce), Some(opts)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        opts.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Préau"/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/connexion") view=auth::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/activation") view=auth::ActivationPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Shell ssr=SsrMode::Async>
                    <Route path=path!("") view=dashboard::DashboardPage/>
                    <Route path=path!("classes/:id") view=classes::ClassPage/>
                    <Route path=path!("groupes/:id") view=classes::GroupPage/>
                    <Route path=path!("eleves/:id") view=classes::StudentProfilePage/>
                    <Route path=path!("admin") view=admin::AdminPage/>
                    <Route path=path!("admin/import") view=admin::ImportPage/>
                    <Route path=path!("admin/lettres/:id") view=admin::LettersPage/>
                    <Route path=path!("journal") view=audit::AuditPage/>
                    <Route path=path!("compte") view=auth::account::AccountPage/>
                    <Route path=path!("notes") view=grades::GradesPage/>
                    <Route path=path!("carnet-de-notes") view=grades::GradeBooksPage/>
                    <Route path=path!("carnet-de-notes/saisie") view=grades::GradeBookPage/>
                    <Route path=path!("carnet-de-notes/appreciations") view=bulletins::AppreciationsPage/>
                    <Route path=path!("bulletin") view=bulletins::BulletinPage/>
                    <Route path=path!("bulletins") view=bulletins::PeriodsPage/>
                    <Route path=path!("bulletins/conseils") view=bulletins::CouncilsPage/>
                    <Route path=path!("quiz/direct") view=quizzes::live_pages::LiveQuizzesPage/>
                    <Route path=path!("quiz/direct/:code") view=quizzes::live_pages::LiveHostPage/>
                    <Route path=path!("rejoindre") view=quizzes::live_pages::JoinPage/>
                    <Route path=path!("rejoindre/:code") view=quizzes::live_pages::JoinedPage/>
                    <Route path=path!("mes-quiz") view=quizzes::MyQuizzesPage/>
                    <Route path=path!("mes-quiz/tentative/:id") view=quizzes::AttemptPage/>
                    <Route path=path!("quiz") view=quizzes::authoring::QuizListPage/>
                    <Route path=path!("quiz/resultats/:assignment") view=quizzes::results::QuizResultsPage/>
                    <Route path=path!("quiz/resultats/:assignment/corriger") view=quizzes::results::GradingPage/>
                    <Route path=path!("quiz/:id/apercu") view=quizzes::preview::QuizPreviewPage/>
                    <Route path=path!("quiz/:id") view=quizzes::authoring::QuizPage/>
                    <Route path=path!("pads") view=pads::PadsPage/>
                    <Route path=path!("pads/:id") view=pads::editor::PadPage/>
                    <Route path=path!("pads/:id/historique") view=pads::history::PadHistoryPage/>
                    <Route path=path!("pads/:id/auteurs") view=pads::authors::PadAuthorsPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The logged-in frame: header, navigation for the person's roles, and the page. Anyone not
/// logged in is sent to the login page, and comes back here after.
///
/// The page (`Outlet`) sits beside the header's `Suspense`, not inside it: on the server a
/// `Suspense` walks its children several times to find every resource they read, and a page
/// built inside it would create (and fetch, and serialise into the HTML) its data once per
/// walk.
#[component]
fn Shell() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    let location = use_location();
    view! {
        <a class="skip" href="#contenu">"Aller au contenu"</a>
        <Suspense fallback=|| view! { <header class="topbar"><a class="brand" href="/">"Préau"</a></header> }>
            {move || me.get().map(|r| match r {
                Ok(Some(me)) => view! { <TopBar me/> }.into_any(),
                Ok(None) => {
                    let next = location.pathname.get_untracked();
                    let target = if next == "/" { "/connexion".to_string() } else {
                        format!("/connexion?suivant={}", encode_query(&next))
                    };
                    view! { <Redirect path=target/> }.into_any()
                }
                Err(e) => view! { <components::ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
        <main id="contenu" class="content">
            <Outlet/>
        </main>
    }
}

fn encode_query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
fn TopBar(me: Me) -> impl IntoView {
    let establishment = me.establishment.as_ref().map(|e| e.name.clone()).unwrap_or_default();
    // Links only where the page will answer: administration and the access log work within
    // the establishment the person acts in.
    let admin = me.has(Role::Admin);
    let audit = me.has(Role::Admin) || me.has(Role::Direction);
    let grades = me.has(Role::Student) || me.has(Role::Guardian);
    let grade_books = me.has(Role::Teacher);
    let student = me.has(Role::Student);
    let periods = me.has(Role::Direction);
    let quizzes = me.has(Role::Teacher);
    let live_quizzes = me.has(Role::Teacher);
    let join_quiz = me.has(Role::Student);
    let pads = me.has(Role::Student) || me.has(Role::Teacher) || me.has(Role::Direction);
    let name = me.display_name();
    let roles = me.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ");
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Préau"</a>
            <span class="establishment">{establishment}</span>
            <nav aria-label="Navigation principale" class="mainnav">
                <ul>
                    <li><a href="/">"Accueil"</a></li>
                    {grades.then(|| view! { <li><a href="/notes">"Notes"</a></li> })}
                    {grades.then(|| view! { <li><a href="/bulletin">"Bulletins"</a></li> })}
                    {student.then(|| view! { <li><a href="/mes-quiz">"Quiz"</a></li> })}
                    {periods.then(|| view! { <li><a href="/bulletins">"Bulletins"</a></li> })}
                    {grade_books.then(|| view! { <li><a href="/carnet-de-notes">"Carnet de notes"</a></li> })}
                    {quizzes.then(|| view! { <li><a href="/quiz">"Quiz"</a></li> })}
                    {live_quizzes.then(|| view! { <li><a href="/quiz/direct">"Quiz en direct"</a></li> })}
                    {join_quiz.then(|| view! { <li><a href="/rejoindre">"Rejoindre un quiz"</a></li> })}
                    {pads.then(|| view! { <li><a href="/pads">"Pads"</a></li> })}
                    {admin.then(|| view! { <li><a href="/admin">"Administration"</a></li> })}
                    {audit.then(|| view! { <li><a href="/journal">"Journal"</a></li> })}
                </ul>
            </nav>
            <div class="who">
                <span class="who-name">{name}</span>
                <a class="who-account" href="/compte">"Mon compte"</a>
                <span class="who-roles muted">{roles}</span>
                <auth::LogoutButton/>
            </div>
        </header>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main id="contenu" class="auth-page">
            <div class="auth-card">
                <h1>"Page introuvable"</h1>
                <p>"Cette adresse ne correspond à aucune page de Préau."</p>
                <p><a href="/">"Retour à l'accueil"</a></p>
            </div>
        </main>
    }
}
