//! A class co-editing one pad, on 127.0.0.1 only: N authors in ONE pad, each typing 5
//! one-character edits per second (the load profile of Etherpad's scaling study). Measures
//! the delivery latency (from an author's send to the moment each OTHER author holds the
//! edit), the ack latency (send to `ack`: the edit is stored), the frames, and the server's
//! CPU time and the process's RSS.
//!
//! cargo run --release -p server --example pad_load -- [--authors 100] [--seconds 20]
//!     [--observers 50] [--awareness] [--nodes 2 --database postgres://postgres@127.0.0.1:5432/test]
//!     [--flood 5000]
//!     [--url http://127.0.0.1:3000 --password <demo password> --unit <class id> --pid <preau's pid>]
//!
//! `--awareness`: each author also sends its caret (a y-protocols awareness update) with each
//! keystroke, and counts the awareness frames and entries it receives (the server coalesces a
//! tick's awareness into one frame per recipient).
//!
//! `--nodes N --database URL`: N Préau servers in this process on one fresh PostgreSQL
//! database (made on that server, dropped at the end), the authors spread over them in turn;
//! deliveries are reported apart for authors on the same node and on another node (through
//! the node bus: LISTEN/NOTIFY, then the rows read back).
//!
//! `--flood N`: while the class types, N login attempts with a wrong password for one account
//! (nearly all of them throttled, the hostile 8:00 of issue 14) are posted from one address
//! by 16 clients at once, as fast as the server answers; their statuses and pace are reported,
//! to compare the pad's latencies with and without them.
//!
//! Without `--url`, it starts Préau in this process on a fresh SQLite database with the demo
//! school, on a runtime of its own (threads `preau-server`) so that the server's CPU time can
//! be told from the load generator's (threads `load-client`) in /proc/self/task; the RSS is
//! then the two together. With `--url`, it targets a `preau` already running with the demo
//! school and `PREAU_PAD_MAX_PARTICIPANTS` at least `--authors`, creates the pad in the class
//! `--unit`, and reads the server's CPU and RSS in /proc/<pid>/. It stops by itself.
//!
//! Each author is a `PadDoc` replica that appends to its own run of text (a student writing
//! their own paragraph) and sends each keystroke as a tracked update. It does not integrate
//! the others' edits: it only reads which edits a frame holds (`domain::pad::update_clocks`),
//! so that the load generator's CPU goes to the sockets, not to 1,000 copies of the document.
//! Even reading that costs the load generator far more than the server costs (it decodes
//! every frame once per reader, the server merges once per tick), so only `--observers`
//! authors (default 50, spread over the join order) time deliveries; the others receive
//! and count every frame and time their acks, like everyone.

use domain::pad::awareness::{self, AwarenessEntry};
use domain::pad::wire::Message as PadMessage;
use domain::pad::{PadDoc, update_clocks};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

mod common;
use common::{Histogram, PASSWORD, arg, cpu_seconds, create_pad, login, number, rss_kib};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EDITS_PER_SECOND: u32 = 5;
/// Client ids of the authors start here (the server's replica is client 1).
const FIRST_CLIENT: u64 = 1000;
/// After the last keystroke, how long the authors keep reading for late deliveries.
const DRAIN: Duration = Duration::from_secs(3);

/// When each author sent each edit: `sent[author][clock]`, in ns since the start (0: not yet).
struct Sent {
    start: Instant,
    at: Vec<Vec<AtomicU64>>,
}

/// What one author saw.
struct Seen {
    edits: u64,
    delivery: Histogram,
    /// Deliveries of edits made by authors on another node.
    delivery_cross: Histogram,
    awareness_frames: u64,
    awareness_entries: u64,
    ack: Histogram,
    frames_in: u64,
    bytes_in: u64,
    closed_by_server: Option<u16>,
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How authors are laid out: over how many nodes (author `i` on node `i % nodes`), and
/// whether they send their caret.
#[derive(Clone, Copy)]
struct Layout {
    nodes: usize,
    awareness: bool,
    /// Wrong-password logins posted while the class types.
    flood: usize,
}

/// Clients posting the flood at once.
const FLOOD_CLIENTS: usize = 16;

/// Posts `total` logins with a wrong password to `base`, from `FLOOD_CLIENTS` clients at once
/// starting at `begin`; returns how many got each status, and the seconds it took.
async fn flood(
    base: String,
    total: usize,
    begin: tokio::time::Instant,
) -> (std::collections::BTreeMap<u16, usize>, f64) {
    tokio::time::sleep_until(begin).await;
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..FLOOD_CLIENTS)
        .map(|_| {
            let (base, next) = (base.clone(), next.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut statuses: std::collections::BTreeMap<u16, usize> = Default::default();
                while next.fetch_add(1, Ordering::Relaxed) < total as u64 {
                    let sent = http
                        .post(format!("{base}/api/connexion"))
                        .header("origin", &base)
                        .form(&[("identifiant", "demo.eleve"), ("mot_de_passe", "pas le bon mot de passe")])
                        .send()
                        .await;
                    *statuses.entry(sent.map_or(0, |r| r.status().as_u16())).or_default() += 1;
                }
                statuses
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for c in clients {
        for (status, n) in c.await.unwrap_or_default() {
            *statuses.entry(status).or_default() += n;
        }
    }
    (statuses, started.elapsed().as_secs_f64())
}

async fn author(
    me: usize,
    observer: bool,
    layout: Layout,
    mut socket: Socket,
    sent: Arc<Sent>,
    first_keystroke: tokio::time::Instant,
    stop_typing: tokio::time::Instant,
) -> Seen {
    let authors = sent.at.len();
    let mut doc = PadDoc::new(FIRST_CLIENT + me as u64);
    let mut seen_clock = vec![0u32; authors];
    let mut awaiting_ack: std::collections::VecDeque<(u64, Instant)> = Default::default();
    let mut out = Seen {
        edits: 0,
        delivery: Histogram::new(),
        delivery_cross: Histogram::new(),
        awareness_frames: 0,
        awareness_entries: 0,
        ack: Histogram::new(),
        frames_in: 0,
        bytes_in: 0,
        closed_by_server: None,
    };
    let mut keystroke = tokio::time::interval_at(first_keystroke, Duration::from_secs(1) / EDITS_PER_SECOND);
    let stop_reading = tokio::time::sleep_until(stop_typing + DRAIN);
    tokio::pin!(stop_reading);
    let letter = char::from(b'a' + (me % 26) as u8).to_string();
    loop {
        tokio::select! {
            _ = &mut stop_reading => break,
            _ = keystroke.tick(), if tokio::time::Instant::now() < stop_typing => {
                let clock = out.edits as usize;
                let update = doc.insert(doc.len_utf16(), &letter);
                let Some(slot) = sent.at[me].get(clock) else { continue };
                let now = Instant::now();
                slot.store((now - sent.start).as_nanos() as u64 + 1, Ordering::Release);
                out.edits += 1;
                awaiting_ack.push_back((out.edits, now));
                let frame = PadMessage::Tracked { seq: out.edits, update }.encode();
                if socket.send(Message::Binary(frame.into())).await.is_err() {
                    break;
                }
                if layout.awareness {
                    let caret = AwarenessEntry {
                        client: FIRST_CLIENT + me as u64,
                        clock: out.edits,
                        state: format!("{{\"user\":{{\"name\":\"Élève {me}\",\"color\":\"#30bced\"}},\"cursor\":{}}}", doc.len_utf16()),
                    };
                    let frame = PadMessage::Awareness(awareness::encode(&[caret])).encode();
                    if socket.send(Message::Binary(frame.into())).await.is_err() {
                        break;
                    }
                }
            }
            frame = socket.next() => match frame {
                Some(Ok(Message::Binary(bytes))) => {
                    let now = Instant::now();
                    out.frames_in += 1;
                    out.bytes_in += bytes.len() as u64;
                    match PadMessage::decode(&bytes) {
                        Ok(PadMessage::Update(u) | PadMessage::SyncStep2(u)) if observer => {
                            for (client, end) in update_clocks(&u).unwrap_or_default() {
                                let Some(a) = client.checked_sub(FIRST_CLIENT).map(|a| a as usize) else { continue };
                                if a == me || a >= authors {
                                    continue;
                                }
                                for clock in seen_clock[a]..end {
                                    let t = sent.at[a].get(clock as usize).map_or(0, |t| t.load(Ordering::Acquire));
                                    if t > 0 {
                                        let sent_at = sent.start + Duration::from_nanos(t - 1);
                                        let took = now.saturating_duration_since(sent_at);
                                        if a % layout.nodes == me % layout.nodes {
                                            out.delivery.record(took);
                                        } else {
                                            out.delivery_cross.record(took);
                                        }
                                    }
                                }
                                seen_clock[a] = seen_clock[a].max(end);
                            }
                        }
                        Ok(PadMessage::Awareness(update)) => {
                            out.awareness_frames += 1;
                            out.awareness_entries += awareness::decode(&update).map_or(0, |e| e.len() as u64);
                        }
                        Ok(PadMessage::Ack { seq }) => {
                            while awaiting_ack.front().is_some_and(|(s, _)| *s <= seq) {
                                if let Some((_, at)) = awaiting_ack.pop_front() {
                                    out.ack.record(now - at);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    out.closed_by_server = Some(frame.map_or(1005, |f| u16::from(f.code)));
                    break;
                }
                Some(Err(_)) | None => {
                    out.closed_by_server.get_or_insert(1006);
                    break;
                }
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = socket.close(None).await;
    out
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let authors: usize = number(&args, "--authors", 100)?;
    let seconds: u64 = number(&args, "--seconds", 20)?;
    let observers: usize = number(&args, "--observers", 50)?;
    anyhow::ensure!(authors >= 2 && seconds >= 1, "--authors 2 or more, --seconds 1 or more");
    let observers = observers.clamp(2, authors);
    let nodes: usize = number(&args, "--nodes", 1)?;
    let database = arg(&args, "--database");
    anyhow::ensure!(nodes >= 1, "--nodes 1 or more");
    anyhow::ensure!(
        nodes == 1 || database.as_deref().is_some_and(|d| d.starts_with("postgres")),
        "several --nodes need --database postgres://..."
    );
    let layout =
        Layout { nodes, awareness: args.iter().any(|a| a == "--awareness"), flood: number(&args, "--flood", 0)? };

    let client_rt = tokio::runtime::Builder::new_multi_thread().thread_name("load-client").enable_all().build()?;
    // The in-process server's runtime, kept until the end.
    let mut server_rt = None;
    let target = match arg(&args, "--url") {
        Some(url) => {
            anyhow::ensure!(url.starts_with("http://127.0.0.1"), "load tests only target 127.0.0.1");
            let password =
                arg(&args, "--password").ok_or_else(|| anyhow::anyhow!("--password is needed with --url"))?;
            let unit = arg(&args, "--unit").ok_or_else(|| anyhow::anyhow!("--unit <class id> is needed with --url"))?;
            let pid = arg(&args, "--pid").map(|p| p.parse()).transpose()?;
            Target { bases: vec![url], password, unit: unit.parse()?, pid }
        }
        None if database.is_some() => {
            let rt = tokio::runtime::Builder::new_multi_thread().thread_name("preau-server").enable_all().build()?;
            let admin = database.unwrap_or_default();
            let (url, name) = rt.block_on(common::fresh_postgres(&admin, "preau_pad_load"))?;
            let mut bases = Vec::new();
            let mut unit = 0;
            for _ in 0..nodes {
                let (base, units) = rt.block_on(common::spawn_on(&url, authors, &["4e C"]))?;
                bases.push(base);
                unit = units[0];
            }
            let target = Target { bases, password: PASSWORD.into(), unit, pid: None };
            let result = client_rt.block_on(run(target, authors, seconds, observers, layout));
            rt.block_on(common::drop_postgres(&admin, &name))?;
            drop(rt);
            return result;
        }
        None => {
            let rt = tokio::runtime::Builder::new_multi_thread().thread_name("preau-server").enable_all().build()?;
            let dir = std::env::temp_dir().join(format!("preau-pad-load-{}", std::process::id()));
            let (base, units) = rt.block_on(common::spawn(&dir, authors, &["4e C"]))?;
            let unit = units[0];
            server_rt = Some(rt);
            Target { bases: vec![base], password: PASSWORD.into(), unit, pid: None }
        }
    };
    let result = client_rt.block_on(run(target, authors, seconds, observers, layout));
    drop(server_rt);
    result
}

/// The server under load: its URL, the demo password, the class of the pad, and its process
/// when it is not this one.
struct Target {
    /// One URL per node.
    bases: Vec<String>,
    password: String,
    unit: i64,
    pid: Option<u32>,
}

/// Whether author `i` of `authors` times deliveries: `observers` of them, evenly spread.
/// With several nodes (author `i` on node `i % nodes`), the observers are spread over them too.
fn observes(i: usize, authors: usize, observers: usize, nodes: usize) -> bool {
    let step = authors / observers;
    (i / nodes).is_multiple_of(step) && (i / nodes / step) * nodes + i % nodes < observers
}

async fn run(target: Target, authors: usize, seconds: u64, observers: usize, layout: Layout) -> anyhow::Result<()> {
    let Target { bases, password, unit, pid } = target;
    let base = bases[0].clone();
    let cookies = [login(&base, "demo.prof", &password).await?, login(&base, "demo.eleve", &password).await?];
    let pad = create_pad(&base, &cookies[0], unit, "Charge").await?;
    let rss_idle = rss_kib(pid) / 1024.0;

    let mut sockets = Vec::with_capacity(authors);
    for i in 0..authors {
        let base = &bases[i % bases.len()];
        let mut req = format!("{base}/ws/pads/{pad}").replace("http://", "ws://").into_client_request()?;
        req.headers_mut().insert("origin", base.parse()?);
        req.headers_mut().insert("cookie", cookies[i % 2].parse()?);
        let (mut socket, _) = tokio_tungstenite::connect_async(req).await?;
        // The whole (empty) document, then the authors start together.
        loop {
            match socket.next().await {
                Some(Ok(Message::Binary(b))) if matches!(PadMessage::decode(&b), Ok(PadMessage::SyncStep2(_))) => break,
                Some(Ok(_)) => {}
                other => anyhow::bail!("author {i} could not join: {other:?}"),
            }
        }
        sockets.push(socket);
    }
    let rss_connected = rss_kib(pid) / 1024.0;

    let per_author = seconds as usize * EDITS_PER_SECOND as usize + EDITS_PER_SECOND as usize;
    let sent = Arc::new(Sent {
        start: Instant::now(),
        at: (0..authors).map(|_| (0..per_author).map(|_| AtomicU64::new(0)).collect()).collect(),
    });
    let begin = tokio::time::Instant::now() + Duration::from_millis(200);
    let stop_typing = begin + Duration::from_secs(seconds);
    let period = Duration::from_secs(1) / EDITS_PER_SECOND;
    let (server_cpu_before, total_cpu_before) = cpu_seconds(pid);
    let flooding = (layout.flood > 0).then(|| tokio::spawn(flood(base.clone(), layout.flood, begin)));
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, socket)| {
            // Spread the authors' keystrokes over the period rather than all at once.
            let first = begin + period * i as u32 / authors as u32;
            tokio::spawn(author(
                i,
                observes(i, authors, observers, layout.nodes),
                layout,
                socket,
                sent.clone(),
                first,
                stop_typing,
            ))
        })
        .collect();
    tokio::time::sleep_until(stop_typing).await;
    let (server_cpu_after, total_cpu_after) = cpu_seconds(pid);
    let rss_typing = rss_kib(pid) / 1024.0;
    let mut results = Vec::with_capacity(authors);
    // Deliveries expected: every edit, to each observer but its author.
    let mut observers_own_edits = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        let r = t.await?;
        if observes(i, authors, observers, layout.nodes) {
            observers_own_edits += r.edits;
        }
        results.push(r);
    }

    let mut delivery = Histogram::new();
    let mut delivery_cross = Histogram::new();
    let mut ack = Histogram::new();
    let mut ack_by_node = vec![Histogram::new(); layout.nodes];
    let (mut edits, mut frames_in, mut bytes_in) = (0, 0, 0);
    let (mut awareness_frames, mut awareness_entries) = (0, 0);
    let mut closed: std::collections::BTreeMap<u16, usize> = Default::default();
    for (i, r) in results.iter().enumerate() {
        ack_by_node[i % layout.nodes].add(&r.ack);
        delivery.add(&r.delivery);
        delivery_cross.add(&r.delivery_cross);
        awareness_frames += r.awareness_frames;
        awareness_entries += r.awareness_entries;
        ack.add(&r.ack);
        edits += r.edits;
        frames_in += r.frames_in;
        bytes_in += r.bytes_in;
        if let Some(code) = r.closed_by_server {
            *closed.entry(code).or_default() += 1;
        }
    }
    let expected = edits * observers as u64 - observers_own_edits;
    let secs = seconds as f64;
    let server_cpu = server_cpu_after - server_cpu_before;
    let total_cpu = total_cpu_after - total_cpu_before;
    println!(
        "pad_load: {authors} authors in one pad, {EDITS_PER_SECOND} edits/s each, {seconds} s, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("  edits sent {edits} ({:.0}/s); acked {}", edits as f64 / secs, ack.count());
    println!("  deliveries timed by {observers} of the authors, for every other author's edits");
    println!(
        "  delivery ms (send -> each other author): p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  ({} of {expected} deliveries)",
        delivery.percentile(0.5),
        delivery.percentile(0.9),
        delivery.percentile(0.99),
        delivery.percentile(1.0),
        delivery.count() + delivery_cross.count()
    );
    if layout.nodes > 1 {
        println!(
            "  {} nodes on one PostgreSQL database; above: authors on the same node; from an author on another node: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  ({} deliveries)",
            layout.nodes,
            delivery_cross.percentile(0.5),
            delivery_cross.percentile(0.9),
            delivery_cross.percentile(0.99),
            delivery_cross.percentile(1.0),
            delivery_cross.count()
        );
    }
    if layout.nodes > 1 {
        let per_node: Vec<String> =
            ack_by_node.iter().map(|h| format!("p50 {:.1} p99 {:.1}", h.percentile(0.5), h.percentile(0.99))).collect();
        println!("  ack ms by node: {}", per_node.join("; "));
    }
    if layout.awareness {
        println!(
            "  awareness: {edits} carets sent; {awareness_frames} frames to the authors ({:.0}/s, {:.1} entries each; relaying each caret to every other author would be {:.0}/s)",
            awareness_frames as f64 / secs,
            awareness_entries as f64 / awareness_frames.max(1) as f64,
            edits as f64 * (authors as f64 - 1.0) / secs
        );
    }
    println!(
        "  ack ms (send -> stored and acknowledged): p50 {:.1}  p99 {:.1}  max {:.1}",
        ack.percentile(0.5),
        ack.percentile(0.99),
        ack.percentile(1.0)
    );
    println!(
        "  frames server -> authors {frames_in} ({:.0}/s, {:.1} MiB), authors -> server {edits} ({:.0}/s)",
        frames_in as f64 / secs,
        bytes_in as f64 / (1024.0 * 1024.0),
        edits as f64 / secs
    );
    println!(
        "  CPU while typing: server {server_cpu:.2} s ({:.0} % of one core), with the load generator {total_cpu:.2} s ({:.0} %)",
        server_cpu / secs * 100.0,
        total_cpu / secs * 100.0
    );
    let whose = if pid.is_some() { "server" } else { "server and load generator together" };
    println!(
        "  RSS ({whose}) MiB: before connecting {rss_idle:.0}, {authors} connected {rss_connected:.0}, end of typing {rss_typing:.0}"
    );
    println!("  connections closed by the server: {closed:?}");
    if let Some(flooding) = flooding {
        let (statuses, took) = flooding.await?;
        println!(
            "  flood: {} wrong-password logins from one address in {took:.1} s ({:.0}/s), by status: {statuses:?}",
            layout.flood,
            layout.flood as f64 / took
        );
    }
    Ok(())
}
