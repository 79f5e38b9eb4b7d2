//! A class co-editing one pad, on 127.0.0.1 only: N authors in ONE pad, each typing 5
//! one-character edits per second (the load profile of Etherpad's scaling study). Measures
//! the delivery latency (from an author's send to the moment each OTHER author holds the
//! edit), the ack latency (send to `ack`: the edit is stored), the frames, and the server's
//! CPU time and the process's RSS.
//!
//! cargo run --release -p server --example pad_load -- [--authors 100] [--seconds 20]
//!     [--observers 50] [--url http://127.0.0.1:3000 --password <demo password> --unit <class id>
//!     --pid <preau's pid>]
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

use domain::pad::wire::Message as PadMessage;
use domain::pad::{PadDoc, update_clocks};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EDITS_PER_SECOND: u32 = 5;
const PASSWORD: &str = "charge-pad-classe";
/// Client ids of the authors start here (the server's replica is client 1).
const FIRST_CLIENT: u64 = 1000;
/// After the last keystroke, how long the authors keep reading for late deliveries.
const DRAIN: Duration = Duration::from_secs(3);

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// Latencies in buckets: 0.1 ms up to 200 ms, then 10 ms up to 20 s.
#[derive(Clone)]
struct Histogram(Vec<u64>);

impl Histogram {
    const FINE: usize = 2000;

    fn new() -> Self {
        Histogram(vec![0; 2 * Self::FINE])
    }

    fn record(&mut self, d: Duration) {
        let us = d.as_micros() as usize;
        let i = if us < 200_000 { us / 100 } else { Self::FINE + ((us - 200_000) / 10_000).min(Self::FINE - 1) };
        self.0[i] += 1;
    }

    fn add(&mut self, other: &Histogram) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a += b);
    }

    fn count(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The upper edge of the bucket holding the `p` quantile, in ms.
    fn percentile(&self, p: f64) -> f64 {
        let total = self.count();
        if total == 0 {
            return f64::NAN;
        }
        let want = ((total as f64) * p).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.0.iter().enumerate() {
            seen += n;
            if seen >= want {
                return if i < Self::FINE { (i + 1) as f64 * 0.1 } else { 200.0 + (i - Self::FINE + 1) as f64 * 10.0 };
            }
        }
        f64::INFINITY
    }
}

/// When each author sent each edit: `sent[author][clock]`, in ns since the start (0: not yet).
struct Sent {
    start: Instant,
    at: Vec<Vec<AtomicU64>>,
}

/// What one author saw.
struct Seen {
    edits: u64,
    delivery: Histogram,
    ack: Histogram,
    frames_in: u64,
    bytes_in: u64,
    closed_by_server: Option<u16>,
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn author(
    me: usize,
    observer: bool,
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
                                        out.delivery.record(now.saturating_duration_since(sent_at));
                                    }
                                }
                                seen_clock[a] = seen_clock[a].max(end);
                            }
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

/// CPU time (user + system) in seconds: of the server (the process `pid`, or this process's
/// `preau-server` runtime and SQLite workers), and of the server and load generator together.
fn cpu_seconds(pid: Option<u32>) -> (f64, f64) {
    // Clock ticks of /proc are 1/100 s on Linux (CLK_TCK).
    let ticks = |stat: &str| -> Option<(String, f64)> {
        let (name, rest) = stat.rsplit_once(')')?;
        let name = name.split_once('(')?.1.to_string();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let t = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        Some((name, t / 100.0))
    };
    let of = |path: String| std::fs::read_to_string(path).ok().as_deref().and_then(ticks).map_or(0.0, |(_, t)| t);
    if let Some(pid) = pid {
        let server = of(format!("/proc/{pid}/stat"));
        return (server, server + of("/proc/self/stat".into()));
    }
    let mut server = 0.0;
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        if let Some((name, t)) = std::fs::read_to_string(task.path().join("stat")).ok().as_deref().and_then(ticks)
            && (name.starts_with("preau-server") || name.starts_with("sqlx-sqlite"))
        {
            server += t;
        }
    }
    (server, of("/proc/self/stat".into()))
}

/// `VmRSS` of the process `pid`, or of this one.
fn rss_mib(pid: Option<u32>) -> f64 {
    let path = pid.map_or("/proc/self/status".to_string(), |pid| format!("/proc/{pid}/status"));
    let status = std::fs::read_to_string(path).unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let authors: usize = arg(&args, "--authors").map(|v| v.parse()).transpose()?.unwrap_or(100);
    let seconds: u64 = arg(&args, "--seconds").map(|v| v.parse()).transpose()?.unwrap_or(20);
    let observers: usize = arg(&args, "--observers").map(|v| v.parse()).transpose()?.unwrap_or(50);
    anyhow::ensure!(authors >= 2 && seconds >= 1, "--authors 2 or more, --seconds 1 or more");
    let observers = observers.clamp(2, authors);

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
            Target { base: url, password, unit: unit.parse()?, pid }
        }
        None => {
            let rt = tokio::runtime::Builder::new_multi_thread().thread_name("preau-server").enable_all().build()?;
            let (base, unit) = rt.block_on(spawn(authors))?;
            server_rt = Some(rt);
            Target { base, password: PASSWORD.into(), unit, pid: None }
        }
    };
    let result = client_rt.block_on(run(target, authors, seconds, observers));
    drop(server_rt);
    result
}

/// The server under load: its URL, the demo password, the class of the pad, and its process
/// when it is not this one.
struct Target {
    base: String,
    password: String,
    unit: i64,
    pid: Option<u32>,
}

/// Whether author `i` of `authors` times deliveries: `observers` of them, evenly spread.
fn observes(i: usize, authors: usize, observers: usize) -> bool {
    i.is_multiple_of(authors / observers) && i / (authors / observers) < observers
}

async fn run(target: Target, authors: usize, seconds: u64, observers: usize) -> anyhow::Result<()> {
    let Target { base, password, unit, pid } = target;
    let cookies = [login(&base, "demo.prof", &password).await?, login(&base, "demo.eleve", &password).await?];
    let pad = create_pad(&base, &cookies[0], unit).await?;
    let rss_idle = rss_mib(pid);

    let mut sockets = Vec::with_capacity(authors);
    for i in 0..authors {
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
    let rss_connected = rss_mib(pid);

    let per_author = seconds as usize * EDITS_PER_SECOND as usize + EDITS_PER_SECOND as usize;
    let sent = Arc::new(Sent {
        start: Instant::now(),
        at: (0..authors).map(|_| (0..per_author).map(|_| AtomicU64::new(0)).collect()).collect(),
    });
    let begin = tokio::time::Instant::now() + Duration::from_millis(200);
    let stop_typing = begin + Duration::from_secs(seconds);
    let period = Duration::from_secs(1) / EDITS_PER_SECOND;
    let (server_cpu_before, total_cpu_before) = cpu_seconds(pid);
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, socket)| {
            // Spread the authors' keystrokes over the period rather than all at once.
            let first = begin + period * i as u32 / authors as u32;
            tokio::spawn(author(i, observes(i, authors, observers), socket, sent.clone(), first, stop_typing))
        })
        .collect();
    tokio::time::sleep_until(stop_typing).await;
    let (server_cpu_after, total_cpu_after) = cpu_seconds(pid);
    let rss_typing = rss_mib(pid);
    let mut results = Vec::with_capacity(authors);
    // Deliveries expected: every edit, to each observer but its author.
    let mut observers_own_edits = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        let r = t.await?;
        if observes(i, authors, observers) {
            observers_own_edits += r.edits;
        }
        results.push(r);
    }

    let mut delivery = Histogram::new();
    let mut ack = Histogram::new();
    let (mut edits, mut frames_in, mut bytes_in) = (0, 0, 0);
    let mut closed: std::collections::BTreeMap<u16, usize> = Default::default();
    for r in &results {
        delivery.add(&r.delivery);
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
        delivery.count()
    );
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
    Ok(())
}

/// Logs in and returns the session cookie (`name=value`).
async fn login(base: &str, username: &str, password: &str) -> anyhow::Result<String> {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/connexion"))
        .header("origin", base)
        .form(&[("identifiant", username), ("mot_de_passe", password)])
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "login of {username}: {}", res.status());
    let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

async fn create_pad(base: &str, cookie: &str, unit: i64) -> anyhow::Result<String> {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/pads/creer"))
        .header("origin", base)
        .header("cookie", cookie)
        .form(&[("unite", format!("c:{unit}").as_str()), ("titre", "Charge"), ("modification", "class")])
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "creating the pad: {}", res.status());
    Ok(res.text().await?.trim().trim_matches('"').to_string())
}

/// Starts Préau (this runtime) with the demo school on a fresh SQLite file, taking `authors`
/// connections on one pad; returns its URL and the id of the demo class 4e C.
async fn spawn(authors: usize) -> anyhow::Result<(String, i64)> {
    let dir = std::env::temp_dir().join(format!("preau-pad-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}/preau.db", dir.display());
    let participants = authors.to_string();
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("PREAU_DEMO", "1"),
        ("PREAU_DEMO_PASSWORD", PASSWORD),
        ("PREAU_PAD_MAX_PARTICIPANTS", participants.as_str()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
    ];
    let settings =
        server::config::Settings::from_vars(&|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))?;
    let state = server::build_state(&settings).await?;
    let unit: i64 = sqlx::query_scalar(
        "SELECT c.id FROM classes c JOIN establishments e ON e.id = c.establishment_id WHERE e.uai = '0671234A' AND c.name = '4e C'",
    )
    .fetch_one(&state.db)
    .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(server::serve(state, listener));
    Ok((base, unit))
}
