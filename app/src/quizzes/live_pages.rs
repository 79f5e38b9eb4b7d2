//! Live quiz session pages: the teacher's list of quizzes to launch (`/quiz/direct`), the
//! projector screen of a session (`/quiz/direct/:code`), and the students' side: the code
//! form (`/rejoindre`) and the phone screen (`/rejoindre/:code`).
//!
//! What renders on the server and works without JavaScript: launching a session (a plain
//! form post that lands on the projector screen), the join code and address, typing a code
//! (a wrong one is explained in French, guessing is throttled), and the end report. Running
//! the session itself needs JavaScript: the page opens the session's WebSocket
//! (`/ws/quiz/{code}`, JSON text frames, `domain::quiz::live::{ClientMessage,
//! ServerMessage}`) once hydrated, and says so plainly when it is not. Browser-only code runs
//! in Effects and event handlers only, which never run on the server.

use super::QuizLine;
use super::api::list_quizzes;
use super::live::*;
use crate::components::{Async, BrowserValue, ErrorBox, FormError, hydrated};
use crate::error::AppError;
use domain::quiz::live::{ClientMessage, LeaderLine, Phase, ServerMessage, Tally};
use domain::quiz::{BlankResponse, Response, StudentBlank, StudentKind, StudentQuestion, StudentSegment, parse_number};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// Timers a teacher may pick for the next question, in seconds (0: none).
const TIMERS: [u32; 6] = [0, 10, 20, 30, 60, 120];
/// Longest wait between two reconnection attempts.
const RECONNECT_MAX_MS: u64 = 8_000;

/// Points in hundredths, written the French way: 150 → "1,5".
fn points_fr(hundredths: i64) -> String {
    let (whole, frac) = (hundredths / 100, (hundredths % 100).abs());
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole},{}", f / 10),
        f => format!("{whole},{f:02}"),
    }
}

/// "1 point", "1,5 point", "2 points": French puts the plural from two on.
fn points_label(hundredths: i64) -> String {
    format!("{} point{}", points_fr(hundredths), if hundredths.abs() >= 200 { "s" } else { "" })
}

fn answers_of(n: u32, seats: u32) -> String {
    format!("{n} réponse{} sur {seats}", if n > 1 { "s" } else { "" })
}

fn letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i % 26).unwrap_or(0))
}

/// The browser's clock, in milliseconds (only read in the browser).
fn browser_now() -> f64 {
    js_sys::Date::now()
}

/// The route's `:code`, as typed (the server reads it case- and space-insensitively).
fn code_param() -> impl Fn() -> String + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get("code").unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// The session's WebSocket, in the browser.

/// Opening, reading and writing the session's socket. Only called from Effects and event
/// handlers, so only in the browser.
mod socket {
    use domain::quiz::live::{ClientMessage, ServerMessage};
    use leptos::prelude::window;
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;
    use std::cell::Cell;
    use std::rc::Rc;
    use web_sys::{MessageEvent, WebSocket};

    /// Opens `/ws/quiz/{code}` on this page's host. `on_close` hears whether any message
    /// arrived: none means the upgrade was refused (the browser does not say why, so the
    /// page asks the server for the reason).
    pub fn open(
        code: &str,
        on_open: impl Fn() + 'static,
        on_message: impl Fn(ServerMessage) + 'static,
        on_close: impl Fn(bool) + 'static,
    ) -> Option<WebSocket> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
        let url = format!("{scheme}://{}/ws/quiz/{code}", location.host().ok()?);
        let ws = WebSocket::new(&url).ok()?;
        let heard = Rc::new(Cell::new(false));
        // The handlers live as long as the socket; `forget` hands them to it (one small
        // allocation per connection, and a page reconnects rarely).
        let opened = Closure::<dyn FnMut()>::new(on_open);
        ws.set_onopen(Some(opened.as_ref().unchecked_ref()));
        opened.forget();
        let got = heard.clone();
        let message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(text) = e.data().as_string() else { return };
            if let Ok(msg) = serde_json::from_str::<ServerMessage>(&text) {
                got.set(true);
                on_message(msg);
            }
        });
        ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
        message.forget();
        let closed = Closure::<dyn FnMut()>::new(move || on_close(heard.get()));
        ws.set_onclose(Some(closed.as_ref().unchecked_ref()));
        closed.forget();
        Some(ws)
    }

    /// Sends one message; false if the socket is not open.
    pub fn send(ws: &WebSocket, msg: &ClientMessage) -> bool {
        ws.ready_state() == WebSocket::OPEN
            && serde_json::to_string(msg).ok().is_some_and(|text| ws.send_with_str(&text).is_ok())
    }

    /// Closes a socket without its close handler reconnecting.
    pub fn close(ws: &WebSocket) {
        ws.set_onclose(None);
        let _ = ws.close();
    }

    /// What this device keeps about a session: the seat token of an anonymous seat (to
    /// come back to it), and the seat's points when each question opened (for the verdict
    /// after a reload). `key` is `preau-quiz-CODE…`.
    pub fn stored(key: &str) -> Option<String> {
        window().local_storage().ok().flatten()?.get_item(key).ok().flatten()
    }

    pub fn store(key: &str, value: Option<&str>) {
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = match value {
                Some(v) => storage.set_item(key, v),
                None => storage.remove_item(key),
            };
        }
    }
}

/// Where the page's connection stands.
#[derive(Debug, Clone, PartialEq)]
enum Link {
    Connecting,
    Open,
    /// Lost; the page tries again.
    Retrying,
    /// Nothing more to try: the French reason.
    Gone(String),
}

/// Shows the connection's state when it is not simply open.
#[component]
fn LinkStatus(link: RwSignal<Link>) -> impl IntoView {
    move || {
        match link.get() {
        Link::Open => None,
        Link::Connecting => Some(view! { <p class="muted" role="status">"Connexion à la session…"</p> }.into_any()),
        Link::Retrying => Some(
            view! { <p class="alert" role="status">"Connexion perdue : reconnexion en cours… Gardez cette page ouverte."</p> }
                .into_any(),
        ),
        Link::Gone(why) => Some(view! { <p class="alert" role="alert">{why}</p> }.into_any()),
    }
    }
}

/// Reconnection delays: 0.5 s, 1 s, 2 s … up to [`RECONNECT_MAX_MS`].
fn backoff(failures: u32) -> Duration {
    Duration::from_millis((500u64 << failures.min(5)).min(RECONNECT_MAX_MS))
}

/// A clock ticking four times a second while the page is open, for the timers.
fn ticking_clock() -> ReadSignal<f64> {
    let (now, set_now) = signal(0.0);
    Effect::new(move |_| {
        set_now.set(browser_now());
        if let Ok(handle) = set_interval_with_handle(move || set_now.set(browser_now()), Duration::from_millis(250)) {
            on_cleanup(move || handle.clear());
        }
    });
    now
}

/// Seconds left before `deadline` (browser clock), rounded up.
fn seconds_left(deadline: f64, now: f64) -> u64 {
    ((deadline - now).max(0.0) / 1000.0).ceil() as u64
}

// ---------------------------------------------------------------------------------------
// Teachers: the quizzes to launch.

/// `/quiz/direct`: the teacher's quizzes (and those colleagues share), each with its
/// "Lancer en direct" form.
#[component]
pub fn LiveQuizzesPage() -> impl IntoView {
    let launch = ServerAction::<LaunchLiveSession>::new();
    let quizzes = Resource::new(|| (), |_| list_quizzes());
    view! {
        <header class="page-head">
            <h1>"Quiz en direct"</h1>
            <p class="muted">"Lancez un quiz en classe : les élèves le rejoignent avec un code sur "
                <strong>"/rejoindre"</strong> " et répondent depuis leur téléphone ou leur ordinateur."</p>
        </header>
        <FormError action=launch/>
        <Async resource=quizzes ok={move |list: Vec<QuizLine>| view! { <LaunchList list launch/> }}/>
    }
}

#[component]
fn LaunchList(list: Vec<QuizLine>, launch: ServerAction<LaunchLiveSession>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <p class="panel muted">"Vous n'avez encore aucun quiz. Créez-en un, ou demandez à un collègue de partager le sien."</p>
        }
        .into_any();
    }
    let items = list
        .into_iter()
        .map(|q| {
            let id = q.id.to_string();
            let heading = format!("quiz-{id}");
            let labelled_by = heading.clone();
            let owner = (!q.mine).then(|| format!(" · partagé par {}", q.owner_name));
            let count = format!("{} question{}", q.questions, if q.questions > 1 { "s" } else { "" });
            let form = if q.questions == 0 {
                view! { <p class="muted small">"Ajoutez au moins une question pour pouvoir le lancer."</p> }.into_any()
            } else {
                // Its name says which quiz: "Lancer « … » en direct", the title hidden
                // on screen, where the card shows it already.
                let named = format!("« {} » ", q.title);
                view! {
                    <ActionForm action=launch attr:class="launch-form">
                        <input type="hidden" name="quiz" value=id.clone()/>
                        <fieldset class="launch-options">
                            <legend>"Options"</legend>
                            <label class="check"><input type="checkbox" name="anonyme" value="on"/>" Anonyme (pseudos)"</label>
                            <label class="check"><input type="checkbox" name="classement" value="on" checked/>" Classement"</label>
                            <label class="check"><input type="checkbox" name="bonus" value="on"/>" Bonus de rapidité"</label>
                        </fieldset>
                        <button type="submit" class="primary">"Lancer "<span class="visually-hidden">{named}</span>"en direct"</button>
                    </ActionForm>
                }
                .into_any()
            };
            view! {
                <li class="card launch-card" aria-labelledby=labelled_by>
                    <p class="card-title" id=heading>{q.title.clone()}</p>
                    <p class="muted small">{count}{owner}</p>
                    {form}
                </li>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <ul class="cards launch-list">{items}</ul>
        <p class="muted small">"Anonyme : les élèves choisissent un pseudo et le bilan ne nomme personne. Bonus de rapidité : une bonne réponse rapide à une question minutée rapporte jusqu'à moitié plus de points."</p>
    }
    .into_any()
}

// ---------------------------------------------------------------------------------------
// Teachers: the projector screen.

/// `/quiz/direct/:code`: the session's projector screen for the teacher who started it.
#[component]
pub fn LiveHostPage() -> impl IntoView {
    let code = code_param();
    let data = Resource::new(code, load_live_host);
    view! { <Async resource=data ok=|h: LiveHost| view! { <HostView h/> }/> }
}

#[component]
fn HostView(h: LiveHost) -> impl IntoView {
    let on = hydrated();
    let ended = h.report.ended;
    let join = h.join_address.clone();
    let code = h.report.code.clone();
    let report = h.report.clone();
    // Set by the console when the session ends, so that the join panel gives way to the report.
    let over = RwSignal::new(false);
    view! {
        <header class="page-head">
            <p class="muted"><a href="/quiz/direct">"Quiz en direct"</a></p>
            <h1>{h.report.title.clone()}</h1>
        </header>
        {if ended {
            view! {
                <p class="notice panel" role="status">"Cette session est terminée. Voici son bilan."</p>
                <ReportView r=report/>
            }
            .into_any()
        } else {
            view! {
                {move || (!over.get()).then(|| view! {
                    <section class="panel join-panel" aria-labelledby="rejoindre-titre">
                        <h2 id="rejoindre-titre">"Pour rejoindre"</h2>
                        <p class="join-where">"Allez sur " <strong class="join-address">{join.clone()}</strong> " et saisissez le code :"</p>
                        <p class="join-code" aria-label=format!("Code de la session : {}", spelled(&code))>{code.clone()}</p>
                    </section>
                    <p class="alert nojs-only" role="alert">"Animer la session demande JavaScript : activez-le dans votre navigateur puis rechargez la page. Le code ci-dessus reste valable."</p>
                })}
                {move || on.get().then(|| view! { <HostConsole h=h.clone() over/> })}
            }
            .into_any()
        }}
    }
    .into_any()
}

/// A code read out letter by letter ("K 7 Q W 2 M"), for screen readers.
fn spelled(code: &str) -> String {
    code.chars().map(String::from).collect::<Vec<_>>().join(" ")
}

/// The live part of the projector screen, once hydrated. It sets `over` when the session ends.
#[component]
fn HostConsole(h: LiveHost, over: RwSignal<bool>) -> impl IntoView {
    let code = h.report.code.clone();
    let session = h.report.session;
    let questions = StoredValue::new(h.report.questions.clone());
    let count = h.report.questions.len();
    // The server's clock, as far as this page knows (for a timer already running).
    let skew = h.server_now as f64 - browser_now();
    let deadline_of = move |phase: Phase| match phase {
        Phase::Open { deadline: Some(d), .. } => Some(d as f64 - skew),
        _ => None,
    };
    let phase = RwSignal::new(h.phase);
    Effect::new(move |_| {
        if phase.get() == Phase::Ended {
            over.set(true);
        }
    });
    let seats = RwSignal::new(u32::try_from(h.report.seats.len()).unwrap_or(u32::MAX));
    let names = RwSignal::new(h.report.seats.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
    let start_tally = h.phase.index().and_then(|i| h.report.questions.get(i)).map(|q| q.tally.clone());
    let tally = RwSignal::new(start_tally.unwrap_or_default());
    let deadline = RwSignal::new(deadline_of(h.phase));
    let leaders = RwSignal::new(Vec::<LeaderLine>::new());
    let report = RwSignal::new(None::<LiveReport>);
    let problem = RwSignal::new(None::<String>);
    let timer = RwSignal::new(30u32);
    let link = RwSignal::new(Link::Connecting);
    let attempt = RwSignal::new(0u32);
    let failures = StoredValue::new(0u32);
    let refreshing = StoredValue::new(false);
    let ws = BrowserValue::<web_sys::WebSocket>::new();
    let now = ticking_clock();
    let leaderboard_on = h.options.leaderboard;

    // The names of the seats, read again when their count changes (one request at a time).
    let refresh_names = move || {
        if refreshing.get_value() {
            return;
        }
        refreshing.set_value(true);
        leptos::task::spawn_local(async move {
            // Seats taken while a request was out are read by the next one.
            while let Ok(r) = get_live_report(session).await {
                names.set(r.seats.iter().map(|s| s.name.clone()).collect());
                if usize::try_from(seats.get_untracked()).unwrap_or(usize::MAX) <= r.seats.len() {
                    break;
                }
            }
            refreshing.set_value(false);
        });
    };

    let fetch_report = move || {
        leptos::task::spawn_local(async move {
            match get_live_report(session).await {
                Ok(r) => report.set(Some(r)),
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };

    let on_message = move |msg: ServerMessage| match msg {
        ServerMessage::Hosting { seats: n, phase: p, .. } => {
            seats.set(n);
            deadline.set(deadline_of(p));
            phase.set(p);
        }
        ServerMessage::Question { index, remaining_ms, .. } => {
            let local = remaining_ms.map(|ms| browser_now() + ms as f64);
            deadline.set(local);
            leaders.set(Vec::new());
            phase.set(Phase::Open { index, opened_at: 0, deadline: local.map(|d| d as i64) });
        }
        ServerMessage::Tally { question, tally: t } => {
            if phase.get_untracked().index() == Some(question) {
                tally.set(t);
            }
        }
        ServerMessage::Closed { question } => {
            deadline.set(None);
            phase.set(Phase::Closed { index: question, opened_at: 0, deadline: None });
        }
        ServerMessage::Revealed { question, tally: t, leaderboard, .. } => {
            tally.set(t);
            leaders.set(leaderboard);
            deadline.set(None);
            phase.set(Phase::Revealed { index: question });
        }
        ServerMessage::Seats { count: n } => {
            seats.set(n);
            refresh_names();
        }
        ServerMessage::Ended { .. } => {
            phase.set(Phase::Ended);
            if report.get_untracked().is_none() {
                fetch_report();
            }
        }
        ServerMessage::Refused { message } => problem.set(Some(message)),
        ServerMessage::Joined { .. } | ServerMessage::Accepted { .. } | ServerMessage::Pong => {}
    };

    let code_for_socket = code.clone();
    Effect::new(move |_| {
        attempt.get();
        if phase.get_untracked() == Phase::Ended {
            return;
        }
        link.set(Link::Connecting);
        let opened = move || {
            failures.set_value(0);
            link.set(Link::Open);
        };
        let closed = move |heard: bool| {
            if phase.get_untracked() == Phase::Ended {
                return;
            }
            if !heard && failures.get_value() >= 3 {
                link.set(Link::Gone(
                    "La connexion à la session est refusée : rechargez la page ; si cela persiste, reconnectez-vous."
                        .into(),
                ));
                return;
            }
            link.set(Link::Retrying);
            let n = failures.get_value();
            failures.set_value(n + 1);
            set_timeout(move || attempt.update(|a| *a += 1), backoff(n));
        };
        let socket = socket::open(&code_for_socket, opened, on_message, closed);
        if socket.is_none() {
            link.set(Link::Gone("Votre navigateur ne permet pas d'ouvrir la session en direct.".into()));
        }
        ws.set(socket);
    });
    on_cleanup(move || {
        ws.with(socket::close);
    });

    let send = move |msg: ClientMessage| {
        problem.set(None);
        let sent = ws.with(|s| socket::send(s, &msg)).unwrap_or(false);
        if !sent {
            problem
                .set(Some("La connexion est coupée : la commande n'est pas partie. Réessayez dans un instant.".into()));
        }
    };
    let open_next = move |_| send(ClientMessage::Open { timer_secs: Some(timer.get_untracked()).filter(|t| *t > 0) });
    let close_now = move |_| send(ClientMessage::Close);
    let reveal = move |_| send(ClientMessage::Reveal);
    let end = move |_| {
        let sure = window()
            .confirm_with_message("Terminer la session ? Les élèves ne pourront plus répondre.")
            .unwrap_or(false);
        if !sure {
            return;
        }
        problem.set(None);
        leptos::task::spawn_local(async move {
            match end_live_session(session).await {
                Ok(r) => {
                    phase.set(Phase::Ended);
                    report.set(Some(r));
                    ws.with(socket::close);
                }
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };

    let seats_line = move || {
        let n = seats.get();
        if n == 0 {
            "Aucun élève n'a encore rejoint la session.".to_string()
        } else {
            format!("{n} élève{} {} rejoint la session", if n > 1 { "s" } else { "" }, if n > 1 { "ont" } else { "a" })
        }
    };
    let names_list = move || {
        let list = names.get();
        (!list.is_empty() && list.len() <= 60).then(|| {
            view! { <ul class="seat-names">{list.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul> }
        })
    };

    let question_view = move || {
        let p = phase.get();
        let index = p.index()?;
        let q = questions.with_value(|qs| qs.get(index).cloned())?;
        let revealed = matches!(p, Phase::Revealed { .. });
        let state = match p {
            Phase::Open { .. } => match deadline.get() {
                Some(d) => {
                    let left = seconds_left(d, now.get());
                    if left == 0 { "Temps écoulé".to_string() } else { format!("Temps restant : {left} s") }
                }
                None => "Réponses ouvertes".to_string(),
            },
            Phase::Closed { .. } => "Réponses fermées".to_string(),
            _ => "Réponse révélée".to_string(),
        };
        let t = tally.get();
        let right = if revealed { q.right_answers.clone() } else { Vec::new() };
        Some(view! {
            <section class="panel live-question" aria-labelledby="question-en-cours">
                <p class="muted">{format!("Question {} sur {count}", index + 1)}</p>
                <h2 id="question-en-cours" class="live-question-text">{q.text.clone()}</h2>
                <p class="live-timer" role="timer" aria-live="off">{state}</p>
                <Histogram options=q.options.clone() tally=t seats=seats.get() right/>
                {(revealed && q.options.is_empty()).then(|| view! {
                    <p class="notice">"Bonne réponse : " {q.right_answers.join(" ; ")}</p>
                })}
            </section>
        })
    };

    let controls = move || {
        let p = phase.get();
        if p == Phase::Ended {
            return None;
        }
        let next_index = match p {
            Phase::Lobby => Some(0),
            Phase::Closed { index, .. } | Phase::Revealed { index } => Some(index + 1).filter(|i| *i < count),
            _ => None,
        };
        let can_open =
            matches!(p, Phase::Lobby | Phase::Closed { .. } | Phase::Revealed { .. }) && next_index.is_some();
        let last_done = matches!(p, Phase::Closed { .. } | Phase::Revealed { .. }) && next_index.is_none();
        let open_label = if p == Phase::Lobby { "Lancer la première question" } else { "Question suivante" };
        Some(view! {
            <section class="panel live-controls" aria-label="Commandes de la session">
                {can_open.then(|| view! {
                    <label class="timer-pick">"Minuteur "
                        <select on:change=move |ev| timer.set(event_target_value(&ev).parse().unwrap_or(0))>
                            {TIMERS.iter().map(|t| {
                                let label = if *t == 0 { "sans minuteur".to_string() } else { format!("{t} secondes") };
                                view! { <option value=t.to_string() selected=move || timer.get() == *t>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <button type="button" class="primary" on:click=open_next>{open_label}</button>
                })}
                {matches!(p, Phase::Open { .. }).then(|| view! {
                    <button type="button" class="button secondary" on:click=close_now>"Fermer les réponses"</button>
                })}
                {matches!(p, Phase::Open { .. } | Phase::Closed { .. }).then(|| view! {
                    <button type="button" class="primary" on:click=reveal>"Révéler la réponse"</button>
                })}
                <button type="button" class="button secondary" on:click=end>"Terminer la session"</button>
                {last_done.then(|| view! { <p class="muted small">"C'était la dernière question : terminez la session pour voir le bilan."</p> })}
            </section>
        })
    };

    let board = move || {
        let lines = leaders.get();
        (leaderboard_on && !lines.is_empty()).then(|| view! { <Leaderboard lines/> })
    };

    view! {
        <LinkStatus link/>
        {move || problem.get().map(|p| view! { <p class="alert" role="alert">{p}</p> })}
        {move || (phase.get() != Phase::Ended).then(|| view! {
            <section class="panel" aria-labelledby="eleves-titre">
                <h2 id="eleves-titre" class="visually-hidden">"Élèves"</h2>
                <p class="seat-count" aria-live="polite">{seats_line}</p>
                {names_list}
            </section>
        })}
        {question_view}
        {board}
        {controls}
        {move || match (phase.get(), report.get()) {
            (Phase::Ended, Some(r)) => Some(view! {
                <p class="notice panel" role="status">"La session est terminée. Voici son bilan."</p>
                <ReportView r/>
            }.into_any()),
            (Phase::Ended, None) => Some(view! { <p class="muted" role="status">"Session terminée : chargement du bilan…"</p> }.into_any()),
            _ => None,
        }}
    }
    .into_any()
}

/// `n` of `total` in whole percent (0 of nothing).
pub(super) fn percent(n: u32, total: u32) -> u32 {
    if total == 0 { 0 } else { (f64::from(n) * 100.0 / f64::from(total)).round() as u32 }
}

/// One bar of a histogram: its label (`children`), "✓ bonne réponse" when `right`, a bar
/// `pct` percent long (SVG, so that it draws without inline styles, which the page's policy
/// forbids; hidden from screen readers) and `count`, the same figure in words. Also drawn by
/// the results page of an assignment.
#[component]
pub(super) fn HistoRow(pct: u32, right: bool, count: String, children: Children) -> impl IntoView {
    view! {
        <li class=if right { "histo-row right" } else { "histo-row" }>
            <span class="histo-label">
                {children()}
                {right.then(|| view! { <strong class="histo-ok">" ✓ bonne réponse"</strong> })}
            </span>
            <svg class="histo-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
                <rect x="0" y="0" height="10" width=pct.min(100).to_string()></rect>
            </svg>
            <span class="histo-n">{count}</span>
        </li>
    }
}

/// The histogram of a question's answers: one [`HistoRow`] per option, each with its count
/// in words.
#[component]
fn Histogram(options: Vec<String>, tally: Tally, seats: u32, right: Vec<String>) -> impl IntoView {
    let total = tally.answers;
    let bars = options
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let n = tally.options.get(i).copied().unwrap_or(0);
            let pct = percent(n, total);
            let (letter, text, is_right) = (letter(i).to_string(), text.clone(), right.contains(text));
            view! {
                <HistoRow pct right=is_right count=format!("{n} ({pct} %)")>
                    <span class="histo-letter">{letter}</span>" "{text}
                </HistoRow>
            }
            .into_any()
        })
        .collect_view();
    let correct =
        (total > 0).then(|| format!(" · {} juste{}", tally.correct, if tally.correct > 1 { "s" } else { "" }));
    view! {
        <p class="histo-count" aria-live="polite"><strong>{answers_of(total, seats)}</strong>{correct}</p>
        {(!options.is_empty()).then(|| view! { <ul class="histogram" aria-label="Répartition des réponses">{bars}</ul> })}
    }
    .into_any()
}

#[component]
fn Leaderboard(lines: Vec<LeaderLine>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="classement-titre">
            <h2 id="classement-titre">"Classement"</h2>
            <ol class="leaderboard">
                {lines.into_iter().map(|l| view! {
                    <li><span class="rank">{format!("{}.", l.rank)}</span>" "<span class="name">{l.name}</span>
                        <span class="points">{points_label(l.points)}</span></li>
                }).collect_view()}
            </ol>
        </section>
    }
    .into_any()
}

/// The end report: how each question went, then each student's result (best first).
#[component]
fn ReportView(r: LiveReport) -> impl IntoView {
    let seat_count = u32::try_from(r.seats.len()).unwrap_or(u32::MAX);
    let questions = r
        .questions
        .iter()
        .map(|q| {
            let heading = format!("bilan-q{}", q.index);
            let labelled_by = heading.clone();
            let rate = format!("{} % de réussite", (q.success_rate * 100.0).round());
            view! {
                <li class="report-question" aria-labelledby=labelled_by>
                    <h3 id=heading>{format!("Question {} : ", q.index + 1)}{q.text.clone()}</h3>
                    <Histogram options=q.options.clone() tally=q.tally.clone() seats=seat_count right=q.right_answers.clone()/>
                    <p class="muted small">{rate}
                        {(q.options.is_empty() && !q.right_answers.is_empty())
                            .then(|| format!(" · bonne réponse : {}", q.right_answers.join(" ; ")))}</p>
                </li>
            }
            .into_any()
        })
        .collect_view();
    let who = if r.anonymous { "Pseudo" } else { "Élève" };
    let rows = r
        .seats
        .iter()
        .map(|s| {
            view! {
                <tr>
                    <th scope="row">{s.name.clone()}</th>
                    <td class="num">{points_fr(s.points)}</td>
                    <td class="num">{s.answered}</td>
                    <td class="num">{s.correct}</td>
                </tr>
            }
        })
        .collect_view();
    let no_seat = r.seats.is_empty();
    view! {
        <section class="panel" aria-labelledby="bilan-questions">
            <h2 id="bilan-questions">"Bilan par question"</h2>
            <ol class="report-questions">{questions}</ol>
        </section>
        <section class="panel" aria-labelledby="bilan-eleves">
            <h2 id="bilan-eleves">{if r.anonymous { "Bilan par participant" } else { "Bilan par élève" }}</h2>
            {if no_seat {
                view! { <p class="muted">"Personne n'a rejoint cette session."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="table">
                            <thead><tr><th scope="col">{who}</th><th scope="col">"Points"</th>
                                <th scope="col">"Réponses"</th><th scope="col">"Justes"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

// ---------------------------------------------------------------------------------------
// Students.

/// `/rejoindre`: the code form.
#[component]
pub fn JoinPage() -> impl IntoView {
    let join = ServerAction::<JoinLiveCode>::new();
    view! {
        <div class="join-page">
            <header class="page-head">
                <h1>"Rejoindre un quiz en direct"</h1>
                <p class="muted">"Saisissez le code affiché au tableau par votre enseignant."</p>
            </header>
            <section class="panel">
                <ActionForm action=join attr:class="stack join-form">
                    <label for="code-session">"Code de la session"</label>
                    <input id="code-session" name="code" class="code-input" required autocomplete="off"
                        autocapitalize="characters" spellcheck="false" maxlength="12" placeholder="K7QW2M"/>
                    <button type="submit" class="primary big-button">"Rejoindre"</button>
                </ActionForm>
                <FormError action=join/>
            </section>
        </div>
    }
}

/// `/rejoindre/:code`: the phone screen of a session.
#[component]
pub fn JoinedPage() -> impl IntoView {
    let code = code_param();
    let data = Resource::new(code, find_live_session);
    view! {
        <div class="join-page">
            <Suspense fallback=crate::components::Loading>
                {move || data.get().map(|r| match r {
                    Ok(join) => view! { <PhoneView join/> }.into_any(),
                    Err(error) => view! {
                        <header class="page-head"><h1>"Rejoindre un quiz en direct"</h1></header>
                        <ErrorBox error/>
                        <p><a class="button" href="/rejoindre">"Saisir un autre code"</a></p>
                    }.into_any(),
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn PhoneView(join: LiveJoin) -> impl IntoView {
    let on = hydrated();
    let title = join.title.clone();
    view! {
        <header class="page-head">
            <p class="muted">{format!("Quiz en direct · code {}", join.code)}</p>
            <h1>{title}</h1>
        </header>
        <p class="alert nojs-only" role="alert">"Pour répondre au quiz, activez JavaScript dans votre navigateur puis rechargez la page."</p>
        {move || on.get().then(|| view! { <PhoneConsole join=join.clone()/> })}
    }
    .into_any()
}

/// The question on a student's screen.
#[derive(Debug, Clone, PartialEq)]
struct Asked {
    index: usize,
    count: usize,
    question: StudentQuestion,
    /// Browser clock.
    deadline: Option<f64>,
    answered: bool,
    closed: bool,
    /// The seat's points when the question opened (for the verdict at the reveal).
    points_before: Option<i64>,
}

/// The reveal on a student's screen.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    right_answers: Vec<String>,
    /// Points this answer earned, when known.
    earned: Option<i64>,
    answered: bool,
    open_question: bool,
    full_points: i64,
    leaderboard: Vec<LeaderLine>,
}

#[component]
fn PhoneConsole(join: LiveJoin) -> impl IntoView {
    let code = StoredValue::new(join.code.clone());
    let anonymous = join.anonymous;
    let link = RwSignal::new(Link::Connecting);
    let seat = RwSignal::new(None::<String>);
    let points = RwSignal::new(0i64);
    let need_pseudo = RwSignal::new(false);
    let join_problem = RwSignal::new(None::<String>);
    let pseudo = RwSignal::new(String::new());
    let asked = RwSignal::new(None::<Asked>);
    let shown = RwSignal::new(None::<Shown>);
    let sending = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let ended = RwSignal::new(false);
    let final_board = RwSignal::new(Vec::<LeaderLine>::new());
    let attempt = RwSignal::new(0u32);
    let failures = StoredValue::new(0u32);
    let ws = BrowserValue::<web_sys::WebSocket>::new();
    let now = ticking_clock();
    let token_key = move || code.with_value(|c| format!("preau-quiz-{c}"));
    let before_key = move |index: usize| code.with_value(|c| format!("preau-quiz-{c}-avant-{index}"));
    // Answered a question whose answer was not revealed yet (its points are not shown).
    let unrevealed = RwSignal::new(false);

    let send = move |msg: ClientMessage| -> bool { ws.with(|s| socket::send(s, &msg)).unwrap_or(false) };
    // Takes (or takes back) the seat: by the session cookie, by this device's token in
    // anonymous mode, or with the pseudonym just typed.
    let take_seat = move || {
        let token = if anonymous { socket::stored(&token_key()) } else { None };
        let typed = pseudo.get_untracked();
        if anonymous && token.is_none() && typed.trim().is_empty() {
            need_pseudo.set(true);
            return;
        }
        let pseudonym = (anonymous && token.is_none()).then_some(typed);
        send(ClientMessage::Join { pseudonym, seat_token: token });
    };

    let on_message = move |msg: ServerMessage| match msg {
        ServerMessage::Joined { name, seat_token, points: p, .. } => {
            if let Some(t) = seat_token {
                socket::store(&token_key(), Some(&t));
            }
            seat.set(Some(name));
            points.set(p);
            need_pseudo.set(false);
            join_problem.set(None);
        }
        ServerMessage::Question { index, count, question, remaining_ms, answered } => {
            let deadline = remaining_ms.map(|ms| browser_now() + ms as f64);
            let closed = remaining_ms == Some(0);
            let points_before = if answered {
                // Answered before a reload: the points it opened with, if this device kept them.
                socket::stored(&before_key(index)).and_then(|p| p.parse().ok())
            } else {
                let p = points.get_untracked();
                socket::store(&before_key(index), Some(&p.to_string()));
                Some(p)
            };
            unrevealed.set(answered);
            // The same question again (after a reconnection) keeps what the page knew.
            let kept = asked.get_untracked().filter(|a| a.index == index).and_then(|a| a.points_before);
            asked.set(Some(Asked {
                index,
                count,
                question,
                deadline,
                answered,
                closed,
                points_before: kept.or(points_before),
            }));
            shown.set(None);
            sending.set(false);
            notice.set(None);
        }
        ServerMessage::Accepted { question } => {
            asked.update(|a| {
                if let Some(a) = a.as_mut().filter(|a| a.index == question) {
                    a.answered = true;
                }
            });
            unrevealed.set(true);
            sending.set(false);
            notice.set(None);
        }
        ServerMessage::Refused { message } => {
            sending.set(false);
            if seat.get_untracked().is_none() {
                // A seat token that is no seat's any more: forget it and ask for a pseudonym.
                if anonymous && socket::stored(&token_key()).is_some() {
                    socket::store(&token_key(), None);
                }
                if anonymous {
                    need_pseudo.set(true);
                }
                join_problem.set(Some(message));
            } else {
                // The answer was not counted (too late, already answered): say so.
                notice.set(Some(message));
            }
        }
        ServerMessage::Closed { question } => {
            asked.update(|a| {
                if let Some(a) = a.as_mut().filter(|a| a.index == question) {
                    a.closed = true;
                }
            });
            sending.set(false);
        }
        ServerMessage::Revealed { question, right_answers, points: total, leaderboard, .. } => {
            let a = asked.get_untracked().filter(|a| a.index == question);
            let earned = match (a.as_ref().and_then(|a| a.points_before), total) {
                (Some(before), Some(after)) => Some(after - before),
                _ => None,
            };
            if let Some(t) = total {
                points.set(t);
            }
            unrevealed.set(false);
            let full_points = a.as_ref().map(|a| (a.question.points * 100.0).round() as i64).unwrap_or(0);
            shown.set(Some(Shown {
                right_answers,
                earned,
                answered: a.as_ref().is_some_and(|a| a.answered),
                open_question: a.as_ref().is_some_and(|a| matches!(a.question.kind, StudentKind::Open)),
                full_points,
                leaderboard,
            }));
            asked.update(|a| {
                if let Some(a) = a.as_mut() {
                    a.closed = true;
                }
            });
        }
        ServerMessage::Ended { points: total, leaderboard } => {
            if let Some(t) = total {
                points.set(t);
                unrevealed.set(false);
            }
            final_board.set(leaderboard);
            ended.set(true);
            asked.set(None);
        }
        ServerMessage::Hosting { .. }
        | ServerMessage::Tally { .. }
        | ServerMessage::Seats { .. }
        | ServerMessage::Pong => {}
    };

    Effect::new(move |_| {
        attempt.get();
        if ended.get_untracked() {
            return;
        }
        link.set(Link::Connecting);
        let opened = move || {
            failures.set_value(0);
            link.set(Link::Open);
            take_seat();
        };
        let closed = move |heard: bool| {
            if ended.get_untracked() {
                return;
            }
            seat.set(None);
            link.set(Link::Retrying);
            let n = failures.get_value();
            failures.set_value(n + 1);
            if heard {
                set_timeout(move || attempt.update(|a| *a += 1), backoff(n));
                return;
            }
            // Refused at the upgrade: ask the server why (a session that ended, a code
            // guessed too often) before trying again.
            let typed = code.get_value();
            leptos::task::spawn_local(async move {
                match find_live_session(typed).await {
                    Ok(_) => set_timeout(move || attempt.update(|a| *a += 1), backoff(n)),
                    Err(AppError::Throttled(secs)) => {
                        link.set(Link::Gone(AppError::Throttled(secs).message()));
                        set_timeout(move || attempt.update(|a| *a += 1), Duration::from_secs(secs.max(1)));
                    }
                    Err(AppError::Request(_)) => set_timeout(move || attempt.update(|a| *a += 1), backoff(n)),
                    Err(e) => {
                        ended.set(true);
                        link.set(Link::Gone(e.message()));
                    }
                }
            });
        };
        let socket = code.with_value(|c| socket::open(c, opened, on_message, closed));
        if socket.is_none() {
            link.set(Link::Gone("Votre navigateur ne permet pas de rejoindre la session en direct.".into()));
        }
        ws.set(socket);
    });
    on_cleanup(move || {
        ws.with(socket::close);
    });

    let answer = move |response: Response| {
        let Some(a) = asked.get_untracked() else { return };
        if a.answered || a.closed || sending.get_untracked() {
            return;
        }
        notice.set(None);
        if send(ClientMessage::Answer { question: a.index, response }) {
            sending.set(true);
        } else {
            notice.set(Some(
                "La connexion est coupée : votre réponse n'est pas partie. Réessayez dans un instant.".into(),
            ));
        }
    };
    let submit_pseudo = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        join_problem.set(None);
        take_seat();
    };

    let pseudo_form = move || {
        (need_pseudo.get() && seat.get().is_none()).then(|| {
            view! {
                <section class="panel">
                    <form class="stack" on:submit=submit_pseudo>
                        <label for="pseudo">"Votre pseudo"</label>
                        <p class="muted small" id="pseudo-aide">"Cette session est anonyme : choisissez un pseudo de 2 à 24 caractères. Votre enseignant ne verra que lui."</p>
                        <input id="pseudo" name="pseudo" required maxlength="24" autocomplete="off" aria-describedby="pseudo-aide"
                            prop:value=move || pseudo.get() on:input=move |ev| pseudo.set(event_target_value(&ev))/>
                        <button type="submit" class="primary big-button">"Entrer dans la session"</button>
                    </form>
                </section>
            }
        })
    };

    let screen = move || {
        if ended.get() {
            // The end message carries the final points. A page that only learnt of the end
            // after losing its connection knows the points of the last reveal, and says so.
            let total = points_label(points.get());
            let missing = unrevealed.get().then(|| {
                view! { <p class="muted small">"Sans la dernière question : la session s'est terminée pendant que vous étiez déconnecté."</p> }
            });
            let lines = final_board.get();
            let board = (!lines.is_empty()).then(|| view! { <Leaderboard lines/> });
            return view! {
                <section class="panel phone-card" role="status">
                    <h2>"La session est terminée"</h2>
                    <p class="big">{format!("Votre score : {total}")}</p>
                    {missing}
                    <p class="muted">"Merci d'avoir participé !"</p>
                </section>
                {board}
            }
            .into_any();
        }
        let Some(name) = seat.get() else { return ().into_any() };
        let header = view! {
            <p class="phone-who">{format!("Vous jouez en tant que {name}")}
                <span class="phone-points">{format!(" · {}", points_label(points.get()))}</span></p>
        };
        match (asked.get(), shown.get()) {
            (_, Some(s)) => view! { {header} <RevealCard s/> }.into_any(),
            (Some(a), None) => view! { {header} <QuestionCard a now sending notice answer/> }.into_any(),
            (None, None) => view! {
                {header}
                <section class="panel phone-card" role="status">
                    <h2>"Vous êtes dans la session"</h2>
                    <p>"Attendez que votre enseignant lance la première question."</p>
                </section>
            }
            .into_any(),
        }
    };

    view! {
        <LinkStatus link/>
        {move || join_problem.get().map(|p| view! { <p class="alert" role="alert">{p}</p> })}
        {pseudo_form}
        {screen}
    }
    .into_any()
}

#[component]
fn RevealCard(s: Shown) -> impl IntoView {
    let (verdict, class) = if !s.answered {
        ("Vous n'avez pas répondu à cette question.".to_string(), "verdict")
    } else if s.open_question {
        ("Réponse enregistrée : votre enseignant la lira.".to_string(), "verdict")
    } else {
        match s.earned {
            Some(e) if e >= s.full_points && e > 0 => (format!("Bonne réponse ! +{}", points_label(e)), "verdict good"),
            Some(e) if e > 0 => (format!("Réponse en partie juste : +{}", points_label(e)), "verdict partial"),
            Some(_) => ("Ce n'est pas la bonne réponse.".to_string(), "verdict bad"),
            None => ("Voici la correction.".to_string(), "verdict"),
        }
    };
    let right = (!s.right_answers.is_empty()).then(|| {
        let label = if s.right_answers.len() > 1 { "Bonnes réponses : " } else { "Bonne réponse : " };
        view! { <p>{label}<strong>{s.right_answers.join(" ; ")}</strong></p> }
    });
    let board = (!s.leaderboard.is_empty()).then(|| view! { <Leaderboard lines=s.leaderboard.clone()/> });
    view! {
        <section class="panel phone-card" role="status" aria-live="polite">
            <p class=class>{verdict}</p>
            {right}
            <p class="muted small">"Attendez la question suivante."</p>
        </section>
        {board}
    }
    .into_any()
}

#[component]
fn QuestionCard(
    a: Asked,
    now: ReadSignal<f64>,
    sending: RwSignal<bool>,
    notice: RwSignal<Option<String>>,
    answer: impl Fn(Response) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let deadline = a.deadline;
    let closed = a.closed;
    let timer = move || match deadline {
        _ if closed => Some("Temps écoulé".to_string()),
        Some(d) => {
            let left = seconds_left(d, now.get());
            Some(if left == 0 { "Temps écoulé".to_string() } else { format!("{left} s") })
        }
        None => None,
    };
    let status = if a.answered {
        view! { <p class="notice sent" role="status">"Réponse envoyée"</p> }.into_any()
    } else if a.closed {
        view! { <p class="alert" role="status">"Cette question est fermée : attendez la suivante."</p> }.into_any()
    } else {
        view! { <AnswerInput q=a.question.clone() sending answer/> }.into_any()
    };
    view! {
        <section class="panel phone-card" aria-labelledby="question-eleve">
            <div class="phone-question-head">
                <p class="muted">{format!("Question {} sur {}", a.index + 1, a.count)}</p>
                <p class="phone-timer" role="timer" aria-live="off">{timer}</p>
            </div>
            <h2 id="question-eleve" class="phone-question">{a.question.text.clone()}</h2>
            {status}
            {move || notice.get().map(|n| view! { <p class="alert" role="alert">{n}</p> })}
        </section>
    }
    .into_any()
}

/// What a student answers with, by kind of question: big buttons for a single choice and for
/// true/false (one touch answers), a small form for the rest.
#[component]
fn AnswerInput(
    q: StudentQuestion,
    sending: RwSignal<bool>,
    answer: impl Fn(Response) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let busy = move || sending.get();
    let form = match q.kind {
        StudentKind::SingleChoice { choices } => view! {
            <div class="choices" role="group" aria-label="Réponses possibles">
                {choices.into_iter().enumerate().map(|(i, c)| view! {
                    <button type="button" class="choice-button" disabled=busy on:click=move |_| answer(Response::Choice(i))>
                        <span class="choice-letter" aria-hidden="true">{letter(i).to_string()}</span>{c}
                    </button>
                }).collect_view()}
            </div>
        }
        .into_any(),
        StudentKind::TrueFalse => view! {
            <div class="choices" role="group" aria-label="Réponses possibles">
                <button type="button" class="choice-button" disabled=busy on:click=move |_| answer(Response::Bool(true))>"Vrai"</button>
                <button type="button" class="choice-button" disabled=busy on:click=move |_| answer(Response::Bool(false))>"Faux"</button>
            </div>
        }
        .into_any(),
        StudentKind::MultipleChoice { choices } => {
            let checked = RwSignal::new(vec![false; choices.len()]);
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let chosen: Vec<usize> =
                    checked.get_untracked().iter().enumerate().filter(|(_, c)| **c).map(|(i, _)| i).collect();
                if chosen.is_empty() {
                    problem.set(Some("Cochez au moins une réponse.".into()));
                } else {
                    problem.set(None);
                    answer(Response::Choices(chosen));
                }
            };
            view! {
                <form on:submit=submit>
                    <fieldset class="choices">
                        <legend class="muted small">"Plusieurs réponses possibles"</legend>
                        {choices.into_iter().enumerate().map(|(i, c)| view! {
                            <label class="choice-check">
                                <input type="checkbox" on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    checked.update(|v| if let Some(x) = v.get_mut(i) { *x = on });
                                }/>
                                <span class="choice-letter" aria-hidden="true">{letter(i).to_string()}</span>{c}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" class="primary big-button" disabled=busy>"Envoyer"</button>
                </form>
            }
            .into_any()
        }
        StudentKind::ShortAnswer | StudentKind::Numerical | StudentKind::Open => {
            let numeric = matches!(q.kind, StudentKind::Numerical);
            let essay = matches!(q.kind, StudentKind::Open);
            let text = RwSignal::new(String::new());
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let typed = text.get_untracked();
                if typed.trim().is_empty() {
                    problem.set(Some("Écrivez votre réponse avant de l'envoyer.".into()));
                    return;
                }
                let response = if numeric {
                    match parse_number(&typed) {
                        Some(n) => Response::Number(n),
                        None => {
                            problem.set(Some("Saisissez un nombre, par exemple 3,5 ou -2.".into()));
                            return;
                        }
                    }
                } else if essay {
                    Response::Essay(typed)
                } else {
                    Response::Text(typed)
                };
                problem.set(None);
                answer(response);
            };
            let field = if essay {
                view! { <textarea id="reponse" rows="4" on:input=move |ev| text.set(event_target_value(&ev))></textarea> }
                    .into_any()
            } else {
                view! {
                    <input id="reponse" autocomplete="off" inputmode=if numeric { "decimal" } else { "text" }
                        on:input=move |ev| text.set(event_target_value(&ev))/>
                }
                .into_any()
            };
            view! {
                <form class="stack" on:submit=submit>
                    <label for="reponse">"Votre réponse"</label>
                    {field}
                    <button type="submit" class="primary big-button" disabled=busy>"Envoyer"</button>
                </form>
            }
            .into_any()
        }
        StudentKind::Matching { left, right } => {
            let picks = RwSignal::new(vec![None::<String>; left.len()]);
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                problem.set(None);
                answer(Response::Matching(picks.get_untracked()));
            };
            view! {
                <form class="stack" on:submit=submit>
                    {left.into_iter().enumerate().map(|(i, l)| {
                        let id = format!("assoc-{i}");
                        let options = right.clone();
                        view! {
                            <label for=id.clone()>{l}</label>
                            <select id=id on:change=move |ev| {
                                let v = event_target_value(&ev);
                                picks.update(|p| if let Some(x) = p.get_mut(i) { *x = (!v.is_empty()).then_some(v) });
                            }>
                                <option value="">"— choisir —"</option>
                                {options.into_iter().map(|r| view! { <option value=r.clone()>{r.clone()}</option> }).collect_view()}
                            </select>
                        }
                    }).collect_view()}
                    <button type="submit" class="primary big-button" disabled=busy>"Envoyer"</button>
                </form>
            }
            .into_any()
        }
        StudentKind::Ordering { items } => {
            let order = RwSignal::new(items);
            let step = move |i: usize, up: bool| {
                order.update(|o| {
                    let j = if up { i.checked_sub(1) } else { Some(i + 1).filter(|j| *j < o.len()) };
                    if let Some(j) = j {
                        o.swap(i, j);
                    }
                })
            };
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                problem.set(None);
                answer(Response::Ordering(order.get_untracked()));
            };
            view! {
                <form on:submit=submit>
                    <p class="muted small">"Rangez les éléments dans le bon ordre avec les flèches."</p>
                    <ol class="ordering">
                        {move || order.get().into_iter().enumerate().map(|(i, item)| view! {
                            <li>
                                <span>{item.clone()}</span>
                                <button type="button" class="small-button" aria-label=format!("Monter « {item} »") on:click=move |_| step(i, true)>"↑"</button>
                                <button type="button" class="small-button" aria-label=format!("Descendre « {item} »") on:click=move |_| step(i, false)>"↓"</button>
                            </li>
                        }).collect_view()}
                    </ol>
                    <button type="submit" class="primary big-button" disabled=busy>"Envoyer"</button>
                </form>
            }
            .into_any()
        }
        StudentKind::Cloze { segments } => {
            let blanks = segments.iter().filter(|s| matches!(s, StudentSegment::Blank(_))).count();
            let values = RwSignal::new(vec![String::new(); blanks]);
            let kinds: Vec<StudentBlank> = segments
                .iter()
                .filter_map(|s| match s {
                    StudentSegment::Blank(b) => Some(b.clone()),
                    StudentSegment::Text(_) => None,
                })
                .collect();
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let typed = values.get_untracked();
                let mut out = Vec::with_capacity(typed.len());
                for (v, kind) in typed.iter().zip(&kinds) {
                    out.push(match kind {
                        _ if v.trim().is_empty() => BlankResponse::Empty,
                        StudentBlank::Text => BlankResponse::Text(v.clone()),
                        StudentBlank::Number => match parse_number(v) {
                            Some(n) => BlankResponse::Number(n),
                            None => {
                                problem.set(Some(format!("« {v} » n'est pas un nombre : écrivez par exemple 3,5.")));
                                return;
                            }
                        },
                        StudentBlank::Choice { .. } => v.parse().map(BlankResponse::Choice).unwrap_or(BlankResponse::Empty),
                    });
                }
                problem.set(None);
                answer(Response::Blanks(out));
            };
            let mut k = 0usize;
            let parts = segments
                .into_iter()
                .map(|s| match s {
                    StudentSegment::Text(t) => view! { <span>{t}</span> }.into_any(),
                    StudentSegment::Blank(b) => {
                        let i = k;
                        k += 1;
                        let label = format!("Trou {}", i + 1);
                        let set = move |ev: leptos::ev::Event| {
                            let v = event_target_value(&ev);
                            values.update(|vs| if let Some(x) = vs.get_mut(i) { *x = v });
                        };
                        match b {
                            StudentBlank::Choice { choices } => view! {
                                <select aria-label=label on:change=set>
                                    <option value="">"—"</option>
                                    {choices.into_iter().enumerate().map(|(j, c)| view! { <option value=j.to_string()>{c}</option> }).collect_view()}
                                </select>
                            }
                            .into_any(),
                            StudentBlank::Number => view! { <input class="blank" inputmode="decimal" aria-label=label on:input=set/> }.into_any(),
                            StudentBlank::Text => view! { <input class="blank" autocomplete="off" aria-label=label on:input=set/> }.into_any(),
                        }
                    }
                })
                .collect_view();
            view! {
                <form on:submit=submit>
                    <p class="cloze">{parts}</p>
                    <button type="submit" class="primary big-button" disabled=busy>"Envoyer"</button>
                </form>
            }
            .into_any()
        }
    };
    view! {
        {form}
        {move || sending.get().then(|| view! { <p class="muted" role="status">"Envoi…"</p> })}
        {move || problem.get().map(|p| view! { <p class="alert" role="alert">{p}</p> })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_written_with_a_french_comma() {
        assert_eq!(points_fr(0), "0");
        assert_eq!(points_fr(100), "1");
        assert_eq!(points_fr(150), "1,5");
        assert_eq!(points_fr(1234), "12,34");
        assert_eq!(points_fr(305), "3,05");
        assert_eq!(points_label(100), "1 point");
        assert_eq!(points_label(150), "1,5 point");
        assert_eq!(points_label(200), "2 points");
    }

    #[test]
    fn answer_counts_agree_in_number() {
        assert_eq!(answers_of(0, 3), "0 réponse sur 3");
        assert_eq!(answers_of(1, 3), "1 réponse sur 3");
        assert_eq!(answers_of(12, 25), "12 réponses sur 25");
    }

    #[test]
    fn reconnection_waits_grow_and_stop_growing() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(1), Duration::from_millis(1000));
        assert_eq!(backoff(10), Duration::from_millis(RECONNECT_MAX_MS));
    }

    #[test]
    fn a_code_is_spelled_out_for_screen_readers() {
        assert_eq!(spelled("K7QW2M"), "K 7 Q W 2 M");
    }
}
