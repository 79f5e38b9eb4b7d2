//! The pad page (`/pads/:id`): the text, edited live by everyone who may, with the others'
//! carets and names, a toolbar that inserts Markdown, and the connection's state always in
//! view.
//!
//! The server renders the pad's current text, so the page reads without JavaScript (and
//! says that editing needs it). Once hydrated, the page opens `/ws/pads/{id}` and keeps a
//! replica of the document (`domain::pad::PadDoc`). Each input is turned into the smallest
//! change of the text ([`domain::pad::TextChange`]), applied to the replica, and sent as a
//! `tracked` update, batched every [`SEND_EVERY_MS`] so that fast typing stays under the
//! server's message rate. An update is kept (in memory and in `localStorage`) until the
//! server acknowledges it, which it does only once it is stored; after a reconnect, or when
//! the page is opened again, whatever was not acknowledged is merged into one update and sent
//! again (Yjs updates are idempotent: nothing is duplicated). Without a network the page
//! goes on editing the replica and says "Hors ligne — vos modifications sont gardées".

use super::api::{SetPadAccessForm, open_pad};
use super::{PadView, policy_label};
use crate::components::{Async, BrowserValue, FormError, hydrated};
use crate::error::AppError;
use domain::pad::presence::{self, Cursor, Entry, State};
use domain::pad::wire::Message;
use domain::pad::{PadDoc, TextChange, merge_updates};
use domain::{PadEditPolicy, PadId};
use leptos::form::ActionForm;
use leptos::html::Textarea;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::cell::RefCell;
use std::rc::Rc;

/// Local edits are sent at most this often (a burst of keystrokes becomes one update).
pub const SEND_EVERY_MS: i32 = 50;
/// The caret is shown to the others at most this often.
pub const CARET_EVERY_MS: f64 = 250.0;
/// Longest wait between two reconnection attempts.
pub const RECONNECT_MAX_MS: i32 = 30_000;

/// The connection, as the status line says it.
#[derive(Debug, Clone, PartialEq)]
enum Link {
    Connecting,
    Online,
    Offline,
    /// The server closed for good (no access any more, session over, pad full): its reason.
    Closed(String),
}

/// A piece of the layer drawn behind the text: plain text (invisible, it only takes its
/// place), someone's selection, or someone's caret with their name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Piece {
    Text(String),
    Selection { text: String, colour: usize },
    Caret { name: String, colour: usize },
}

/// Someone else in the pad, from their awareness state.
#[derive(Debug, Clone, PartialEq)]
struct Peer {
    client: u64,
    name: String,
    colour: usize,
    cursor: Option<Cursor>,
}

fn colour_index(colour: &str) -> usize {
    domain::pad::authors::PALETTE.iter().position(|c| c.hex == colour).unwrap_or(0)
}

/// `pad-id` from the route.
fn pad_param() -> impl Fn() -> Option<PadId> + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).map(PadId)
}

/// `/pads/:id`.
#[component]
pub fn PadPage() -> impl IntoView {
    let id = pad_param();
    let access = ServerAction::<SetPadAccessForm>::new();
    let data = Resource::new(
        move || (id(), access.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => open_pad(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! { <Async resource=data ok={move |v: PadView| view! { <PadScreen view=v access/> }}/> }
}

#[component]
fn PadScreen(view: PadView, access: ServerAction<SetPadAccessForm>) -> impl IntoView {
    let on = hydrated();
    let link = RwSignal::new(Link::Connecting);
    let unacked = RwSignal::new(0usize);
    let peers = RwSignal::new(Vec::<Peer>::new());
    let layer = RwSignal::new(Vec::<Piece>::new());
    let editable = RwSignal::new(false);
    let shown = RwSignal::new(view.text.clone());
    let area = NodeRef::<Textarea>::new();
    let client = BrowserValue::<Rc<RefCell<client::Client>>>::new();
    let can_edit = view.can_edit;
    let pad = view.line.id;

    let signals = client::Signals { link, unacked, peers, layer, editable, shown };
    let me = view.me.clone();
    let me_id = view.me_id;
    Effect::new(move |_| {
        if client.is_set() {
            return;
        }
        let Some(el) = area.get() else { return };
        let c = client::Client::start(pad, me_id, me.clone(), can_edit, el, signals);
        client.set(Some(c));
    });
    on_cleanup(move || {
        if let Some(c) = client.with(Rc::clone) {
            c.borrow_mut().stop();
        }
    });

    let with_client = move |f: &dyn Fn(&mut client::Client)| {
        if let Some(c) = client.with(Rc::clone) {
            f(&mut c.borrow_mut());
        }
    };
    let on_input = move |_| with_client(&|c| c.local_input());
    let caret = move || with_client(&|c| c.caret_moved());
    let on_compose_start = move |_| with_client(&|c| c.composing(true));
    let on_compose_end = move |_| with_client(&|c| c.composing(false));
    let markup = move |m: Markup| with_client(&|c| c.markup(m));

    let status = move || {
        if !on.get() {
            return ("pad-status", "La modification de ce pad nécessite JavaScript ; le texte ci-dessous est à jour au chargement de la page.".to_string());
        }
        match link.get() {
            Link::Connecting => ("pad-status", "Connexion…".to_string()),
            Link::Closed(reason) => ("pad-status bad", reason),
            Link::Offline => (
                "pad-status warn",
                "Hors ligne — vos modifications sont gardées et seront envoyées au retour du réseau.".to_string(),
            ),
            Link::Online if !can_edit => {
                ("pad-status", "Lecture seule : vous voyez les modifications des autres en direct.".to_string())
            }
            Link::Online if unacked.get() > 0 => ("pad-status", "Enregistrement…".to_string()),
            Link::Online => ("pad-status ok", "Enregistré".to_string()),
        }
    };
    let line = view.line.clone();
    let title = line.title.clone();
    let locked_note = line.locked.then(|| {
        view! { <p class="notice">"Ce pad est verrouillé : personne ne le modifie, tous ses membres le lisent."</p> }
    });
    let read_only_note = (!line.locked && !can_edit).then(|| {
        view! { <p class="notice">"Vous pouvez lire ce pad ; " {policy_label(line.policy)} "."</p> }
    });
    let toolbar = move || (on.get() && can_edit && editable.get()).then(|| view! { <Toolbar markup/> });
    let me_name = view.me.name.clone();
    let me_colour = colour_index(&view.me.colour);
    let rows = view.text.lines().count().clamp(12, 400);
    view! {
        <header class="page-head">
            <p class="muted small"><a href="/pads">"Pads"</a> " · " {view.unit_name.clone()}</p>
            <h1>{title}</h1>
        </header>
        <super::history::PadSubnav pad here="pad"/>
        {locked_note}
        {read_only_note}
        <div class="pad-bar">
            <p class=move || status().0 role="status" aria-live="polite">{move || status().1}</p>
            <ul class="pad-people" aria-label="Dans le pad">
                <li class=format!("pad-person pc-{me_colour}")>{me_name} " (vous)"</li>
                <For each=move || peers.get() key=|p| (p.client, p.name.clone(), p.colour) let:p>
                    <li class=format!("pad-person pc-{}", p.colour)>{p.name.clone()}</li>
                </For>
            </ul>
        </div>
        {toolbar}
        <div class="pad-paper">
            <div class="pad-layer" aria-hidden="true">
                <For each=move || layer.get().into_iter().enumerate() key=|(i, p)| (*i, p.clone()) let:item>
                    {match item.1 {
                        Piece::Text(t) => view! { <span>{t}</span> }.into_any(),
                        Piece::Selection { text, colour } => view! { <mark class=format!("pc-{colour}")>{text}</mark> }.into_any(),
                        Piece::Caret { name, colour } => view! {
                            <span class=format!("pad-caret pc-{colour}")><span class="pad-caret-name">{name}</span></span>
                        }.into_any(),
                    }}
                </For>
            </div>
            <textarea
                id="pad-texte"
                class="pad-text"
                node_ref=area
                aria-label="Texte du pad"
                rows=rows.to_string()
                spellcheck="true"
                readonly=move || !editable.get()
                on:input=on_input
                on:select=move |_| caret()
                on:keyup=move |_| caret()
                on:click=move |_| caret()
                on:compositionstart=on_compose_start
                on:compositionend=on_compose_end
            >{view.text.clone()}</textarea>
        </div>
        <details class="panel pad-preview" open>
            <summary>"Aperçu mis en forme"</summary>
            <div class="pad-rendered">{move || shown.with(|t| preview(t))}</div>
        </details>
        {line.can_manage.then(|| view! { <AccessPanel view=view.clone() access/> })}
    }
}

/// The text as its Markdown reads (`domain::pad::markdown`): headings, lists, quotes, bold,
/// italic, code; everything else as written, escaped by the view.
fn preview(text: &str) -> AnyView {
    use domain::pad::markdown::{Block, parse};
    parse(text)
        .into_iter()
        .map(|b| match b {
            Block::Heading { level: 1, inlines } => view! { <h2>{inlines_view(inlines)}</h2> }.into_any(),
            Block::Heading { level: 2, inlines } => view! { <h3>{inlines_view(inlines)}</h3> }.into_any(),
            Block::Heading { inlines, .. } => view! { <h4>{inlines_view(inlines)}</h4> }.into_any(),
            Block::Paragraph(inlines) => view! { <p>{inlines_view(inlines)}</p> }.into_any(),
            Block::List { ordered: true, items } => {
                view! { <ol>{items.into_iter().map(|i| view! { <li>{inlines_view(i)}</li> }).collect_view()}</ol> }
                    .into_any()
            }
            Block::List { ordered: false, items } => {
                view! { <ul>{items.into_iter().map(|i| view! { <li>{inlines_view(i)}</li> }).collect_view()}</ul> }
                    .into_any()
            }
            Block::Quote(inlines) => view! { <blockquote>{inlines_view(inlines)}</blockquote> }.into_any(),
            Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
        })
        .collect_view()
        .into_any()
}

fn inlines_view(inlines: Vec<domain::pad::markdown::Inline>) -> AnyView {
    use domain::pad::markdown::Inline;
    inlines
        .into_iter()
        .map(|i| match i {
            Inline::Text(t) => t.into_any(),
            Inline::Bold(inner) => view! { <strong>{inlines_view(inner)}</strong> }.into_any(),
            Inline::Italic(inner) => view! { <em>{inlines_view(inner)}</em> }.into_any(),
            Inline::Code(c) => view! { <code>{c}</code> }.into_any(),
            Inline::LineBreak => view! { <br/> }.into_any(),
        })
        .collect_view()
        .into_any()
}

/// What a toolbar button inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    Heading,
    Subheading,
    Bold,
    Italic,
    Bullets,
    Numbers,
    Quote,
}

#[component]
fn Toolbar(markup: impl Fn(Markup) + Copy + 'static) -> impl IntoView {
    let button = move |m: Markup, label: &'static str, text: &'static str| {
        view! {
            // Named by its hidden label, the symbol shown hidden from screen readers: an
            // aria-label would hide the visible "T1" from voice control (RGAA 7.1).
            <button type="button" class="tool" title=label
                on:mousedown=|ev| ev.prevent_default()
                on:click=move |_| markup(m)>
                <span aria-hidden="true">{text}</span><span class="visually-hidden">{label}</span>
            </button>
        }
    };
    view! {
        <div class="pad-tools" role="toolbar" aria-label="Mise en forme" aria-controls="pad-texte">
            {button(Markup::Heading, "Titre", "T1")}
            {button(Markup::Subheading, "Sous-titre", "T2")}
            {button(Markup::Bold, "Gras", "G")}
            {button(Markup::Italic, "Italique", "I")}
            {button(Markup::Bullets, "Liste à puces", "• Liste")}
            {button(Markup::Numbers, "Liste numérotée", "1. Liste")}
            {button(Markup::Quote, "Citation", "« »")}
        </div>
    }
}

/// The text with `m` applied to the selection `start..end` (UTF-16 units), and the new
/// selection: bold and italic wrap it (or a placeholder, selected), the others prefix each
/// line it touches (a heading replaces the line's own heading marks).
pub fn apply_markup(text: &str, start: u32, end: u32, m: Markup) -> (String, u32, u32) {
    let units: Vec<u16> = text.encode_utf16().collect();
    let len = units.len() as u32;
    let (start, end) = (start.min(len), end.min(len).max(start.min(len)));
    let piece = |a: u32, b: u32| String::from_utf16_lossy(&units[a as usize..b as usize]);
    let n = |s: &str| s.encode_utf16().count() as u32;
    match m {
        Markup::Bold | Markup::Italic => {
            let (mark, placeholder) =
                if m == Markup::Bold { ("**", "texte en gras") } else { ("*", "texte en italique") };
            let inner = if start == end { placeholder.to_string() } else { piece(start, end) };
            let out = format!("{}{mark}{inner}{mark}{}", piece(0, start), piece(end, len));
            let s = start + n(mark);
            (out, s, s + n(&inner))
        }
        _ => {
            let line_start =
                units[..start as usize].iter().rposition(|&u| u == u16::from(b'\n')).map_or(0, |i| i as u32 + 1);
            let block = piece(line_start, end);
            let mut lines: Vec<String> = block.split('\n').map(str::to_string).collect();
            for (i, l) in lines.iter_mut().enumerate() {
                let prefix = match m {
                    Markup::Heading => "# ".to_string(),
                    Markup::Subheading => "## ".to_string(),
                    Markup::Bullets => "- ".to_string(),
                    Markup::Numbers => format!("{}. ", i + 1),
                    _ => "> ".to_string(),
                };
                let body = if matches!(m, Markup::Heading | Markup::Subheading) {
                    l.trim_start_matches('#').trim_start().to_string()
                } else {
                    l.clone()
                };
                *l = format!("{prefix}{body}");
            }
            let replaced = lines.join("\n");
            let out = format!("{}{replaced}{}", piece(0, line_start), piece(end, len));
            let caret = line_start + n(&replaced);
            (out, caret, caret)
        }
    }
}

/// "Qui modifie ?" and the lock, for the pad's teachers.
#[component]
fn AccessPanel(view: PadView, access: ServerAction<SetPadAccessForm>) -> impl IntoView {
    let line = view.line;
    let policy = line.policy;
    let option = move |p: PadEditPolicy, label: &'static str| {
        view! { <option value=p.code() selected={policy == p}>{label}</option> }
    };
    let students = view.students;
    let named = line.editors.clone();
    view! {
        <section class="panel" aria-labelledby="pad-acces">
            <h2 id="pad-acces">"Accès"</h2>
            <ActionForm action=access>
                <input type="hidden" name="pad" value=line.id.to_string()/>
                <label>"Qui modifie ?"
                    <select name="modification">
                        {option(PadEditPolicy::Class, "Toute la classe")}
                        {option(PadEditPolicy::Teacher, "L'enseignant seul (les élèves lisent)")}
                        {option(PadEditPolicy::Named, "Les élèves cochés ci-dessous")}
                    </select>
                </label>
                {(!students.is_empty()).then(|| view! {
                    <fieldset class="pad-editors">
                        <legend>"Élèves qui modifient (avec « Les élèves cochés »)"</legend>
                        {students.into_iter().map(|s| {
                            let checked = named.contains(&s.id);
                            view! {
                                <label class="check">
                                    <input type="checkbox" name=format!("eleves[{}]", s.id) value="on" checked=checked/>
                                    {format!("{} {}", s.last_name, s.first_name)}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                })}
                <label class="check">
                    <input type="checkbox" name="verrouille" value="on" checked=line.locked/>
                    "Verrouiller le pad (plus personne ne le modifie)"
                </label>
                <button type="submit">"Enregistrer l'accès"</button>
            </ActionForm>
            <FormError action=access/>
        </section>
    }
}

/// The pieces of the layer behind the text: each peer's selection or caret at its place.
fn layer_of(text: &str, peers: &[Peer]) -> Vec<Piece> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let len = units.len() as u32;
    let mut marks: Vec<(u32, u32, &Peer)> = peers
        .iter()
        .filter_map(|p| p.cursor.map(|c| (c.anchor.min(c.head).min(len), c.anchor.max(c.head).min(len), p)))
        .collect();
    marks.sort_by_key(|(a, b, _)| (*a, *b));
    let piece = |a: u32, b: u32| String::from_utf16_lossy(&units[a as usize..b as usize]);
    let mut out = Vec::new();
    let mut at = 0u32;
    for (a, b, p) in marks {
        // Overlapping selections: the later one starts where the earlier ended.
        let a = a.max(at);
        let b = b.max(a);
        if a > at {
            out.push(Piece::Text(piece(at, a)));
        }
        if b > a {
            out.push(Piece::Selection { text: piece(a, b), colour: p.colour });
        }
        out.push(Piece::Caret { name: p.name.clone(), colour: p.colour });
        at = b;
    }
    if at < len {
        out.push(Piece::Text(piece(at, len)));
    }
    // A final newline takes a line in a textarea but not in a block: keep its place.
    out.push(Piece::Text("\u{200b}".into()));
    out
}

/// The replica, the socket and what is not acknowledged yet. Browser only: created by the
/// page's Effect, driven by its event handlers and the socket's.
mod client {
    use super::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;
    use web_sys::{BinaryType, CloseEvent, HtmlTextAreaElement, MessageEvent, WebSocket};

    #[derive(Clone, Copy)]
    pub struct Signals {
        pub link: RwSignal<Link>,
        pub unacked: RwSignal<usize>,
        pub peers: RwSignal<Vec<Peer>>,
        pub layer: RwSignal<Vec<Piece>>,
        pub editable: RwSignal<bool>,
        /// The text shown, for the rendered preview.
        pub shown: RwSignal<String>,
    }

    pub struct Client {
        pad: PadId,
        key: String,
        me: presence::Person,
        can_edit: bool,
        area: HtmlTextAreaElement,
        signals: Signals,
        doc: PadDoc,
        client_id: u64,
        /// The text the textarea shows, equal to the replica's whenever no composition runs.
        shown: String,
        ws: Option<WebSocket>,
        /// This connection has received the server's document (sync step 2): it may send.
        synced: bool,
        /// The replica holds the server's document (from this connection or an earlier
        /// one): edits may be made, offline too.
        has_state: bool,
        next_seq: u64,
        /// Sent, not acknowledged yet.
        in_flight: Vec<(u64, Vec<u8>)>,
        /// Made locally, not sent yet (offline, or waiting for the next batch).
        unsent: Vec<Vec<u8>>,
        send_timer: Option<i32>,
        composing: bool,
        held_remote: Vec<Vec<u8>>,
        peers: Vec<Peer>,
        awareness_clock: u64,
        last_caret_sent: f64,
        caret_timer: Option<i32>,
        retry_ms: i32,
        stopped: bool,
        this: std::rc::Weak<RefCell<Client>>,
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(s: &str) -> Option<Vec<u8>> {
        (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
    }

    fn storage() -> Option<web_sys::Storage> {
        window().local_storage().ok().flatten()
    }

    fn random_id() -> u64 {
        (js_sys::Math::random() * presence_max()) as u64
    }

    fn presence_max() -> f64 {
        domain::pad::MAX_CLIENT_ID as f64
    }

    fn set_timeout(f: impl FnOnce() + 'static, ms: i32) -> Option<i32> {
        let cb = Closure::once_into_js(f);
        window().set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), ms).ok()
    }

    impl Client {
        pub fn start(
            pad: PadId,
            me_id: domain::UserId,
            me: presence::Person,
            can_edit: bool,
            area: HtmlTextAreaElement,
            signals: Signals,
        ) -> Rc<RefCell<Client>> {
            let client_id = random_id().max(1);
            let c = Rc::new(RefCell::new(Client {
                pad,
                key: format!("preau-pad-{pad}-{me_id}"),
                me,
                can_edit,
                area,
                signals,
                doc: PadDoc::new(client_id),
                client_id,
                shown: String::new(),
                ws: None,
                synced: false,
                has_state: false,
                next_seq: 1,
                in_flight: Vec::new(),
                unsent: Vec::new(),
                send_timer: None,
                composing: false,
                held_remote: Vec::new(),
                peers: Vec::new(),
                awareness_clock: 0,
                last_caret_sent: 0.0,
                caret_timer: None,
                retry_ms: 1000,
                stopped: false,
                this: std::rc::Weak::new(),
            }));
            {
                let mut me = c.borrow_mut();
                me.this = Rc::downgrade(&c);
                // Edits a closed tab never got acknowledged: sent again once synced.
                if let Some(kept) = storage().and_then(|s| s.get_item(&me.key).ok().flatten()).and_then(|h| unhex(&h)) {
                    me.unsent.push(kept);
                }
            }
            Self::watch_network(&c);
            c.borrow_mut().connect();
            c
        }

        fn with_self(weak: &std::rc::Weak<RefCell<Client>>, f: impl FnOnce(&mut Client)) {
            if let Some(c) = weak.upgrade()
                && let Ok(mut c) = c.try_borrow_mut()
            {
                f(&mut c);
            }
        }

        /// The browser's own idea of the network: going offline closes the socket at once
        /// (instead of waiting for a ping to fail), coming back reconnects at once.
        fn watch_network(c: &Rc<RefCell<Client>>) {
            let weak = Rc::downgrade(c);
            let offline = Closure::<dyn FnMut()>::new(move || {
                Self::with_self(&weak, |c| {
                    if let Some(ws) = c.ws.take() {
                        ws.set_onclose(None);
                        let _ = ws.close();
                    }
                    c.synced = false;
                    c.signals.link.set(Link::Offline);
                });
            });
            let _ = window().add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
            offline.forget();
            let weak = Rc::downgrade(c);
            let online = Closure::<dyn FnMut()>::new(move || {
                Self::with_self(&weak, |c| {
                    if c.ws.is_none() && !c.stopped && !matches!(c.signals.link.get_untracked(), Link::Closed(_)) {
                        c.retry_ms = 1000;
                        c.connect();
                    }
                });
            });
            let _ = window().add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
            online.forget();
        }

        pub fn stop(&mut self) {
            self.stopped = true;
            if let Some(ws) = self.ws.take() {
                ws.set_onclose(None);
                let _ = ws.close();
            }
        }

        fn connect(&mut self) {
            if self.stopped {
                return;
            }
            let location = window().location();
            let scheme = if location.protocol().ok().as_deref() == Some("https:") { "wss" } else { "ws" };
            let Ok(host) = location.host() else { return };
            let Ok(ws) = WebSocket::new(&format!("{scheme}://{host}/ws/pads/{}", self.pad)) else {
                self.retry_later();
                return;
            };
            ws.set_binary_type(BinaryType::Arraybuffer);
            let weak = self.this.clone();
            let message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let Ok(buffer) = e.data().dyn_into::<js_sys::ArrayBuffer>() else { return };
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                Self::with_self(&weak, |c| c.received(&bytes));
            });
            ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
            message.forget();
            let weak = self.this.clone();
            let closed = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
                Self::with_self(&weak, |c| c.closed(e.code(), e.reason()));
            });
            ws.set_onclose(Some(closed.as_ref().unchecked_ref()));
            closed.forget();
            self.ws = Some(ws);
            self.synced = false;
            if !matches!(self.signals.link.get_untracked(), Link::Offline) {
                self.signals.link.set(Link::Connecting);
            }
        }

        fn retry_later(&mut self) {
            let weak = self.this.clone();
            let wait = self.retry_ms;
            self.retry_ms = (self.retry_ms * 2).min(RECONNECT_MAX_MS);
            set_timeout(
                move || {
                    Self::with_self(&weak, |c| {
                        if c.ws.is_none() {
                            c.connect()
                        }
                    })
                },
                wait,
            );
        }

        fn closed(&mut self, code: u16, reason: String) {
            self.ws = None;
            self.synced = false;
            self.peers.clear();
            self.refresh_peers();
            // 4001 session over, 4003 no access (or no right to edit), 4013 pad full: trying
            // again would be refused the same way. The rest (network, server restart, too
            // slow, 1011) is retried; edits stay kept meanwhile.
            let fatal = match code {
                4001 => Some("Votre session est terminée : reconnectez-vous pour continuer.".to_string()),
                4003 | 4013 => Some(format!(
                    "Le pad n'accepte plus vos modifications ({reason}). Rechargez la page pour voir le texte à jour."
                )),
                _ => None,
            };
            match fatal {
                Some(text) => {
                    self.editable(false);
                    self.signals.link.set(Link::Closed(text));
                }
                None => {
                    self.signals.link.set(Link::Offline);
                    self.retry_later();
                }
            }
        }

        fn send(&self, message: &Message) -> bool {
            match &self.ws {
                Some(ws) if ws.ready_state() == WebSocket::OPEN => ws.send_with_u8_array(&message.encode()).is_ok(),
                _ => false,
            }
        }

        fn received(&mut self, frame: &[u8]) {
            let Ok(message) = Message::decode(frame) else { return };
            match message {
                Message::SyncStep2(update) => {
                    let _ = self.doc.apply_update(&update);
                    self.synced = true;
                    self.has_state = true;
                    self.retry_ms = 1000;
                    self.signals.link.set(Link::Online);
                    // Everything not acknowledged, in one update: the server may have stored
                    // some of it already, which changes nothing.
                    let mut all: Vec<Vec<u8>> = self.in_flight.drain(..).map(|(_, u)| u).collect();
                    all.append(&mut self.unsent);
                    for u in &all {
                        let _ = self.doc.apply_update(u);
                    }
                    if self.can_edit {
                        self.unsent = all;
                        self.send_now();
                    } else {
                        // Kept for when this person may edit again.
                        self.unsent = all;
                    }
                    self.show_remote();
                    self.editable(self.can_edit);
                    self.send_caret();
                }
                Message::Update(update) | Message::Tracked { update, .. } => {
                    if self.composing {
                        self.held_remote.push(update);
                    } else if self.doc.apply_update(&update).is_ok() {
                        self.show_remote();
                    }
                }
                Message::Ack { seq } => {
                    self.in_flight.retain(|(s, _)| *s > seq);
                    self.keep();
                }
                Message::Awareness(update) => {
                    if let Ok(entries) = presence::decode(&update) {
                        self.heard(entries);
                    }
                }
                Message::SyncStep1(_) => {}
            }
        }

        fn editable(&self, on: bool) {
            self.signals.editable.set(on);
        }

        /// What the person typed (or pasted, or cut): one change, applied and queued.
        pub fn local_input(&mut self) {
            if !self.has_state || !self.can_edit {
                return;
            }
            let value = self.area.value();
            if self.composing {
                // The composed word is taken at its end, in one change.
                return;
            }
            self.take_local(value);
        }

        fn take_local(&mut self, value: String) {
            let Some(change) = TextChange::between(&self.shown, &value) else { return };
            if let Some(update) = self.doc.replace_text(&value) {
                self.unsent.push(update);
            }
            for p in &mut self.peers {
                if let Some(c) = &mut p.cursor {
                    c.anchor = change.map(c.anchor);
                    c.head = change.map(c.head);
                }
            }
            self.shown = value;
            self.grow();
            self.refresh_layer();
            self.schedule_send();
            self.caret_moved();
        }

        pub fn composing(&mut self, on: bool) {
            self.composing = on;
            if !on {
                let value = self.area.value();
                if self.has_state && self.can_edit {
                    self.take_local(value);
                }
                let held: Vec<Vec<u8>> = self.held_remote.drain(..).collect();
                for u in held {
                    let _ = self.doc.apply_update(&u);
                }
                self.show_remote();
            }
        }

        fn schedule_send(&mut self) {
            self.keep();
            if self.send_timer.is_some() {
                return;
            }
            let weak = self.this.clone();
            self.send_timer = set_timeout(
                move || {
                    Self::with_self(&weak, |c| {
                        c.send_timer = None;
                        c.send_now();
                    })
                },
                SEND_EVERY_MS,
            );
        }

        /// Sends what is unsent as one tracked update (kept until its ack).
        fn send_now(&mut self) {
            if self.unsent.is_empty() || !self.synced {
                self.keep();
                return;
            }
            let update = if self.unsent.len() == 1 {
                self.unsent.pop().unwrap_or_default()
            } else {
                match merge_updates(&self.unsent) {
                    Ok(u) => {
                        self.unsent.clear();
                        u
                    }
                    Err(_) => return,
                }
            };
            let seq = self.next_seq;
            self.next_seq += 1;
            if self.send(&Message::Tracked { seq, update: update.clone() }) {
                self.in_flight.push((seq, update));
            } else {
                self.unsent.push(update);
            }
            self.keep();
        }

        /// Writes what is not acknowledged to `localStorage` (or clears it), and says how much.
        fn keep(&self) {
            let pending: Vec<&Vec<u8>> = self.in_flight.iter().map(|(_, u)| u).chain(self.unsent.iter()).collect();
            self.signals.unacked.set(pending.len());
            let Some(store) = storage() else { return };
            if pending.is_empty() {
                let _ = store.remove_item(&self.key);
            } else if let Ok(merged) = merge_updates(&pending) {
                let _ = store.set_item(&self.key, &hex(&merged));
            }
        }

        /// Shows the replica's text, keeping the person's caret and selection where they were
        /// relative to the text around them.
        fn show_remote(&mut self) {
            let text = self.doc.text();
            let Some(change) = TextChange::between(&self.shown, &text) else {
                if self.area.value() != text {
                    self.area.set_value(&text);
                }
                self.refresh_layer();
                return;
            };
            let area: &web_sys::Element = self.area.as_ref();
            let focused = document().active_element().is_some_and(|e| &e == area);
            let (start, end) = (self.area.selection_start().ok().flatten(), self.area.selection_end().ok().flatten());
            self.area.set_value(&text);
            if let (true, Some(s), Some(e)) = (focused, start, end) {
                let _ = self.area.set_selection_range(change.map(s), change.map(e));
            }
            for p in &mut self.peers {
                if let Some(c) = &mut p.cursor {
                    c.anchor = change.map(c.anchor);
                    c.head = change.map(c.head);
                }
            }
            self.shown = text;
            self.grow();
            self.refresh_layer();
        }

        /// The textarea grows with its text (the page scrolls, not the box), so the layer
        /// behind it wraps its lines the same way.
        fn grow(&self) {
            let style = web_sys::HtmlElement::style(&self.area);
            let _ = style.set_property("height", "auto");
            let _ = style.set_property("height", &format!("{}px", self.area.scroll_height() + 4));
        }

        fn refresh_layer(&self) {
            self.signals.layer.set(layer_of(&self.shown, &self.peers));
            self.signals.shown.set(self.shown.clone());
        }

        fn refresh_peers(&self) {
            self.signals.peers.set(self.peers.clone());
            self.refresh_layer();
        }

        fn heard(&mut self, entries: Vec<Entry>) {
            let mut newcomer = false;
            for e in entries {
                if e.client == self.client_id {
                    continue;
                }
                let known = self.peers.iter().any(|p| p.client == e.client);
                newcomer |= !known && e.state.is_some();
                self.peers.retain(|p| p.client != e.client);
                if let Some(state) = e.state {
                    self.peers.push(Peer {
                        client: e.client,
                        name: state.user.name,
                        colour: colour_index(&state.user.colour),
                        cursor: state.cursor,
                    });
                }
            }
            self.peers.sort_by(|a, b| a.name.cmp(&b.name));
            self.refresh_peers();
            // The server keeps no awareness: someone who just arrived learns of us when we
            // speak again.
            if newcomer {
                self.caret_moved();
            }
        }

        /// Tells the others where the caret is, at most every [`CARET_EVERY_MS`].
        pub fn caret_moved(&mut self) {
            let now = js_sys::Date::now();
            if now - self.last_caret_sent >= CARET_EVERY_MS {
                self.send_caret();
            } else if self.caret_timer.is_none() {
                let weak = self.this.clone();
                let wait = (CARET_EVERY_MS - (now - self.last_caret_sent)) as i32;
                self.caret_timer = set_timeout(
                    move || {
                        Self::with_self(&weak, |c| {
                            c.caret_timer = None;
                            c.send_caret();
                        })
                    },
                    wait.max(1),
                );
            }
        }

        fn send_caret(&mut self) {
            if !self.synced {
                return;
            }
            self.last_caret_sent = js_sys::Date::now();
            let cursor = match (self.area.selection_start().ok().flatten(), self.area.selection_end().ok().flatten()) {
                (Some(a), Some(h)) if self.can_edit => Some(Cursor { anchor: a, head: h }),
                _ => None,
            };
            self.awareness_clock += 1;
            let entry = Entry {
                client: self.client_id,
                clock: self.awareness_clock,
                state: Some(State { user: self.me.clone(), cursor }),
            };
            self.send(&Message::Awareness(presence::encode(&[entry])));
        }

        /// A toolbar button: the markup applied to the selection, then taken like typing.
        pub fn markup(&mut self, m: Markup) {
            if !self.has_state || !self.can_edit {
                return;
            }
            let value = self.area.value();
            let start = self.area.selection_start().ok().flatten().unwrap_or(0);
            let end = self.area.selection_end().ok().flatten().unwrap_or(start);
            let (text, s, e) = apply_markup(&value, start, end, m);
            self.area.set_value(&text);
            let _ = self.area.focus();
            let _ = self.area.set_selection_range(s, e);
            self.take_local(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_wraps_the_selection_or_a_selected_placeholder() {
        assert_eq!(apply_markup("Le Rhin", 3, 7, Markup::Bold), ("Le **Rhin**".into(), 5, 9));
        let (text, s, e) = apply_markup("Vu : ", 5, 5, Markup::Italic);
        assert_eq!(text, "Vu : *texte en italique*");
        assert_eq!((s, e), (6, 23));
    }

    #[test]
    fn line_markup_prefixes_every_line_the_selection_touches() {
        assert_eq!(apply_markup("a\nbé\nc", 2, 4, Markup::Bullets).0, "a\n- bé\nc");
        assert_eq!(apply_markup("un\ndeux", 0, 7, Markup::Numbers).0, "1. un\n2. deux");
        assert_eq!(apply_markup("## Vieux titre", 4, 4, Markup::Heading).0, "# Vieux titre");
        // Emoji count two UTF-16 units: the selection after one stays on its line.
        assert_eq!(apply_markup("🎒x\ny", 2, 3, Markup::Quote).0, "> 🎒x\ny");
    }

    #[test]
    fn the_layer_puts_each_caret_and_selection_at_its_place() {
        let peer = |client, anchor, head| Peer {
            client,
            name: format!("P{client}"),
            colour: client as usize,
            cursor: Some(Cursor { anchor, head }),
        };
        let layer = layer_of("Bonjour 🎒 classe", &[peer(1, 8, 10), peer(2, 3, 3)]);
        assert_eq!(
            layer,
            vec![
                Piece::Text("Bon".into()),
                Piece::Caret { name: "P2".into(), colour: 2 },
                Piece::Text("jour ".into()),
                Piece::Selection { text: "🎒".into(), colour: 1 },
                Piece::Caret { name: "P1".into(), colour: 1 },
                Piece::Text(" classe".into()),
                Piece::Text("\u{200b}".into()),
            ]
        );
        // A caret past the end (a stale position) stays at the end.
        assert_eq!(layer_of("ab", &[peer(3, 9, 9)])[1], Piece::Caret { name: "P3".into(), colour: 3 });
    }
}
