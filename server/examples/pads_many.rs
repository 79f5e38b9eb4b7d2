//! Many pads at once, on 127.0.0.1 only: P pads of A authors each (a school's classes all
//! writing at the same hour). First the memory: the server's RSS before any pad connection,
//! then with the P × A authenticated WebSockets open, synced and idle, which gives the bytes
//! per idle connection, everything included (socket, WebSocket buffers, connection task,
//! session, send queue, the pad's task and document). Then every author types
//! `--rate` one-character edits per second for `--seconds`, and it measures the delivery and
//! ack latencies, the server's CPU time and its RSS.
//!
//! cargo run --release -p server --example pads_many -- [--pads 300] [--authors 30]
//!     [--seconds 20] [--rate 5] [--observers 2] [--idle 5] [--concurrency 64] [--text 0]
//!     [--url http://127.0.0.1:3000 --password <demo password> --units <id of 4e C>,<id of 5e B>
//!      --pid <preau's pid>]
//!
//! Without `--url`, it starts Préau in this process on a fresh SQLite database with the demo
//! school, on a runtime of its own (threads `preau-server`), as pad_load does: CPU time is then
//! the server's threads, but the RSS is the server and the load generator together. With
//! `--url`, it targets a `preau` already running with the demo school and reads the server's
//! CPU and RSS in /proc/<pid>/: the headline memory figure is measured that way. It stops by
//! itself (`--seconds 0`: memory only, no typing).
//!
//! `--text BYTES` first writes that much text into each pad (one update per pad, then the
//! pads' tasks are left to end), so that each author's sync step 2 carries a whole pad.
//!
//! `demo.prof` creates the pads, alternately in 4e C and 5e B (the classes she teaches; at
//! most 200 pads per class). In 4e C the authors alternate the sessions of `demo.prof` and
//! `demo.eleve`, in 5e B those of `demo.prof` and `demo.direction`: three logins, reused by
//! every WebSocket (the server still loads the person of each upgrade for that connection).
//! The client sockets use 4 KiB buffers too. Authors type as in pad_load (each its own run of
//! text, tracked updates, keystrokes spread over the period); in each pad only `--observers`
//! authors decode the frames to time deliveries, the others count them and time their acks.

use domain::pad::wire::Message as PadMessage;
use domain::pad::{PadDoc, update_clocks};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

mod common;
use common::{Histogram, PASSWORD, arg, cpu_seconds, create_pad, login, number, rss_kib};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Client ids of the authors start here in each pad (the server's replica is client 0).
const FIRST_CLIENT: u64 = 1000;
/// After the last keystroke, how long the authors keep reading for late deliveries.
const DRAIN: Duration = Duration::from_secs(3);
/// After the logins (argon2 takes 19 MiB each) and before the first RSS reading, so that the
/// allocator has returned that memory.
const SETTLE: Duration = Duration::from_secs(3);
/// Longest wait for one WebSocket to open and receive its document.
const JOIN_TIMEOUT: Duration = Duration::from_secs(60);

/// When each author of one pad sent each edit: `at[author][clock]`, in ns since `start`
/// (0: not yet).
struct Sent {
    start: Instant,
    at: Vec<Vec<AtomicU64>>,
}

/// What one author saw.
struct Seen {
    edits: u64,
    delivery: Histogram,
    /// Send to ack of each acknowledged edit, in µs (a histogram per author would cost the
    /// load generator 32 KiB × 9,000).
    ack_us: Vec<u32>,
    frames_in: u64,
    closed_by_server: Option<u16>,
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One author of one pad: types every `period` from `first_keystroke` until `stop_typing`.
async fn author(
    me: usize,
    observer: bool,
    mut socket: Socket,
    sent: Arc<Sent>,
    first_keystroke: tokio::time::Instant,
    stop_typing: tokio::time::Instant,
    period: Duration,
) -> Seen {
    let authors = sent.at.len();
    let mut doc = PadDoc::new(FIRST_CLIENT + me as u64);
    let mut seen_clock = vec![0u32; if observer { authors } else { 0 }];
    let mut awaiting_ack: std::collections::VecDeque<(u64, Instant)> = Default::default();
    let mut out = Seen {
        edits: 0,
        delivery: if observer { Histogram::new() } else { Histogram::none() },
        ack_us: Vec::new(),
        frames_in: 0,
        closed_by_server: None,
    };
    let mut keystroke = tokio::time::interval_at(first_keystroke, period);
    // A late load generator types less rather than in bursts (which the rate limit refuses).
    keystroke.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let stop_reading = tokio::time::sleep_until(stop_typing + DRAIN);
    tokio::pin!(stop_reading);
    let letter = char::from(b'a' + (me % 26) as u8).to_string();
    loop {
        tokio::select! {
            _ = &mut stop_reading => break,
            _ = keystroke.tick(), if tokio::time::Instant::now() < stop_typing => {
                let clock = out.edits as usize;
                let Some(slot) = sent.at[me].get(clock) else { continue };
                let update = doc.insert(doc.len_utf16(), &letter);
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
                                    out.ack_us.push((now - at).as_micros().min(u32::MAX as u128) as u32);
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

/// The soft limit on open files, from /proc/self/limits.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The server under load: its URL, the demo password, the classes of the pads (4e C, then
/// 5e B), and its process when it is not this one.
struct Target {
    base: String,
    password: String,
    units: Vec<i64>,
    pid: Option<u32>,
}

struct Load {
    pads: usize,
    authors: usize,
    seconds: u64,
    rate: u32,
    observers: usize,
    idle: Duration,
    concurrency: usize,
    /// Bytes of text written into each pad before the authors connect (0: empty pads).
    text: usize,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let load = Load {
        pads: number(&args, "--pads", 300)?,
        authors: number(&args, "--authors", 30)?,
        seconds: number(&args, "--seconds", 20)?,
        rate: number(&args, "--rate", 5)?,
        observers: number(&args, "--observers", 2)?,
        idle: Duration::from_secs(number(&args, "--idle", 5)?),
        concurrency: number(&args, "--concurrency", 64)?,
        text: number(&args, "--text", 0)?,
    };
    anyhow::ensure!(load.pads >= 1 && load.authors >= 2, "--pads 1 or more, --authors 2 or more");
    anyhow::ensure!((1..=30).contains(&load.rate), "--rate between 1 and 30 (the hub's limit) edits per second");
    anyhow::ensure!(load.concurrency >= 1, "--concurrency 1 or more");
    anyhow::ensure!(load.text <= 900_000, "--text at most 900000 bytes (a pad's limit is 960 KiB)");
    let connections = load.pads * load.authors;

    // With --url: the server's URL, password, classes and process.
    let remote = match arg(&args, "--url") {
        Some(url) => {
            anyhow::ensure!(url.starts_with("http://127.0.0.1"), "load tests only target 127.0.0.1");
            let password =
                arg(&args, "--password").ok_or_else(|| anyhow::anyhow!("--password is needed with --url"))?;
            let units = arg(&args, "--units")
                .ok_or_else(|| anyhow::anyhow!("--units <id of 4e C>,<id of 5e B> is needed with --url"))?
                .split(',')
                .map(|u| u.trim().parse::<i64>())
                .collect::<Result<Vec<_>, _>>()?;
            let pid = arg(&args, "--pid").map(|p| p.parse()).transpose()?;
            Some(Target { base: url, password, units, pid })
        }
        None => None,
    };
    let classes = remote.as_ref().map_or(2, |t| t.units.len());
    anyhow::ensure!(
        classes >= 1 && load.pads <= classes * app::pads::PADS_PER_UNIT_MAX,
        "{} pads need {} classes or more (at most {} pads per class)",
        load.pads,
        load.pads.div_ceil(app::pads::PADS_PER_UNIT_MAX),
        app::pads::PADS_PER_UNIT_MAX
    );
    // Each connection holds one file descriptor here, and one more in the server's process.
    let in_process = remote.as_ref().is_none_or(|t| t.pid.is_none());
    let needed = connections as u64 * if in_process { 2 } else { 1 } + 256;
    match open_files_limit() {
        Some(limit) if limit < needed => {
            anyhow::bail!("{connections} connections need about {needed} open files here, the soft limit is {limit}")
        }
        Some(limit) => println!("open files: soft limit {limit}, about {needed} needed here"),
        None => println!("open files: limit unknown, about {needed} needed here"),
    }

    let client_rt = tokio::runtime::Builder::new_multi_thread().thread_name("load-client").enable_all().build()?;
    match remote {
        Some(target) => client_rt.block_on(run(target, &load)),
        None => {
            let server_rt =
                tokio::runtime::Builder::new_multi_thread().thread_name("preau-server").enable_all().build()?;
            let dir = std::env::temp_dir().join(format!("preau-pads-many-{}", std::process::id()));
            let result = match server_rt.block_on(common::spawn(
                &dir,
                load.authors.max(server::pads::MAX_PARTICIPANTS),
                &["4e C", "5e B"],
            )) {
                Ok((base, units)) => {
                    client_rt.block_on(run(Target { base, password: PASSWORD.into(), units, pid: None }, &load))
                }
                Err(e) => Err(e),
            };
            drop(client_rt);
            drop(server_rt);
            let _ = std::fs::remove_dir_all(dir);
            result
        }
    }
}

/// Which of the three sessions author `a` of pad `p` uses: `demo.prof` or, every other
/// author, `demo.eleve` in 4e C (the first class) and `demo.direction` in 5e B.
fn session(p: usize, a: usize, units: usize) -> usize {
    match (a % 2, p % units) {
        (0, _) => 0,
        (_, 0) => 1,
        _ => 2,
    }
}

async fn connect(base: &str, pad: &str, cookie: &str) -> anyhow::Result<Socket> {
    let mut req = format!("{base}/ws/pads/{pad}").replace("http://", "ws://").into_client_request()?;
    req.headers_mut().insert("origin", base.parse()?);
    req.headers_mut().insert("cookie", cookie.parse()?);
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(4096);
    let joined = async {
        let (mut socket, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), false).await?;
        // The whole document (sync step 2): the handshake is complete.
        loop {
            match socket.next().await {
                Some(Ok(Message::Binary(b))) if matches!(PadMessage::decode(&b), Ok(PadMessage::SyncStep2(_))) => {
                    break;
                }
                Some(Ok(_)) => {}
                other => anyhow::bail!("could not join pad {pad}: {other:?}"),
            }
        }
        Ok::<Socket, anyhow::Error>(socket)
    };
    tokio::time::timeout(JOIN_TIMEOUT, joined).await.map_err(|_| anyhow::anyhow!("joining pad {pad} timed out"))?
}

async fn run(target: Target, load: &Load) -> anyhow::Result<()> {
    let Target { base, password, units, pid } = target;
    let Load { pads, authors, seconds, rate, observers, idle, concurrency, text } = *load;
    let connections = pads * authors;
    let observers = observers.clamp(1, authors);
    let cookies = [
        login(&base, "demo.prof", &password).await?,
        login(&base, "demo.eleve", &password).await?,
        login(&base, "demo.direction", &password).await?,
    ];
    let started = Instant::now();
    let mut pad_ids = Vec::with_capacity(pads);
    for p in 0..pads {
        pad_ids.push(create_pad(&base, &cookies[0], units[p % units.len()], &format!("Charge {p}")).await?);
    }
    println!(
        "pads_many: {pads} pads × {authors} authors = {connections} connections, {} cores; {pads} pads created in {:.1} s",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        started.elapsed().as_secs_f64()
    );
    if text > 0 {
        let started = Instant::now();
        for pad in &pad_ids {
            prefill(&base, pad, &cookies[0], text).await?;
        }
        println!("  {text} bytes of text written into each pad in {:.1} s", started.elapsed().as_secs_f64());
        // The pads' tasks end once their last connection has left for LINGER: the pads are
        // loaded again from the database when the authors come, and counted with them.
        tokio::time::sleep(server::pads::LINGER).await;
    }
    tokio::time::sleep(SETTLE).await;
    let (rss_before, own_before) = (rss_kib(pid), rss_kib(None));

    // Open the connections in two halves (by pad), `concurrency` handshakes at a time, each
    // followed by `idle` seconds idle. The second half's slope is the headline: it does not
    // depend on when the allocator returns memory freed before (the logins' argon2).
    let started = Instant::now();
    let half = pads / 2;
    let (base_ref, pad_ref, cookie_ref, n_units) = (&base, &pad_ids, &cookies, units.len());
    let mut sockets: Vec<Vec<Option<Socket>>> = (0..pads).map(|_| (0..authors).map(|_| None).collect()).collect();
    let mut readings = Vec::new();
    for range in [0..half, half..pads] {
        let jobs: Vec<(usize, usize)> = range.clone().flat_map(|p| (0..authors).map(move |a| (p, a))).collect();
        let mut opened = futures_util::stream::iter(jobs)
            .map(|(p, a)| async move {
                let socket = connect(base_ref, &pad_ref[p], &cookie_ref[session(p, a, n_units)]).await;
                socket.map(|s| (p, a, s))
            })
            .buffer_unordered(concurrency);
        while let Some(joined) = opened.next().await {
            let (p, a, socket) = joined?;
            sockets[p][a] = Some(socket);
        }
        drop(opened);
        tokio::time::sleep(idle).await;
        readings.push((range.end * authors, rss_kib(pid), rss_kib(None)));
    }
    let connect_secs = started.elapsed().as_secs_f64() - 2.0 * idle.as_secs_f64();
    let [(half_conns, rss_half, own_half), (_, rss_idle, own_idle)] = readings[..] else { unreachable!() };
    let whose = if pid.is_some() { "server" } else { "server and load generator together" };
    println!("  {connections} connections opened and synced in {connect_secs:.1} s ({concurrency} handshakes at once)");
    println!(
        "  RSS ({whose}) MiB: before connecting {:.1}, {half_conns} connected and {} s idle {:.1}, all {connections} connected and {} s idle {:.1}",
        rss_before / 1024.0,
        idle.as_secs(),
        rss_half / 1024.0,
        idle.as_secs(),
        rss_idle / 1024.0
    );
    let slope = |after: f64, before: f64, n: usize| if n == 0 { f64::NAN } else { (after - before) / n as f64 };
    let second = connections - half_conns;
    println!(
        "  per idle authenticated connection ({whose}), KiB: second half {:.1} ({:.0} bytes), all {:.1}, first half {:.1}",
        slope(rss_idle, rss_half, second),
        slope(rss_idle, rss_half, second) * 1024.0,
        slope(rss_idle, rss_before, connections),
        slope(rss_half, rss_before, half_conns)
    );
    if pid.is_some() {
        println!(
            "  load generator (client sockets, this process) MiB: {:.1} -> {:.1} -> {:.1}; per connection, second half {:.1} KiB, all {:.1} KiB",
            own_before / 1024.0,
            own_half / 1024.0,
            own_idle / 1024.0,
            slope(own_idle, own_half, second),
            slope(own_idle, own_before, connections)
        );
    }
    if seconds == 0 {
        return Ok(());
    }

    // Type.
    let period = Duration::from_secs(1) / rate;
    let per_author = seconds as usize * rate as usize + rate as usize;
    let start = Instant::now();
    let sent: Vec<Arc<Sent>> = (0..pads)
        .map(|_| {
            Arc::new(Sent {
                start,
                at: (0..authors).map(|_| (0..per_author).map(|_| AtomicU64::new(0)).collect()).collect(),
            })
        })
        .collect();
    let begin = tokio::time::Instant::now() + Duration::from_millis(500);
    let stop_typing = begin + Duration::from_secs(seconds);
    let (server_cpu_before, total_cpu_before) = cpu_seconds(pid);
    let mut tasks = Vec::with_capacity(connections);
    for (p, row) in sockets.into_iter().enumerate() {
        for (a, socket) in row.into_iter().enumerate() {
            let Some(socket) = socket else { continue };
            // Spread every keystroke of the school over the period.
            let first = begin + period * ((p * authors + a) as u32) / connections as u32;
            let task = author(a, a < observers, socket, sent[p].clone(), first, stop_typing, period);
            tasks.push((p, a, tokio::spawn(task)));
        }
    }
    tokio::time::sleep_until(stop_typing).await;
    let (server_cpu_after, total_cpu_after) = cpu_seconds(pid);
    let rss_typing = rss_kib(pid);

    let mut delivery = Histogram::new();
    let mut ack = Histogram::new();
    let (mut edits, mut frames_in, mut acked) = (0u64, 0u64, 0u64);
    let mut pad_edits = vec![0u64; pads];
    let mut observers_own = 0u64;
    let mut closed: std::collections::BTreeMap<u16, usize> = Default::default();
    for (p, a, task) in tasks {
        let r = task.await?;
        delivery.add(&r.delivery);
        for us in &r.ack_us {
            ack.record(Duration::from_micros(u64::from(*us)));
        }
        acked += r.ack_us.len() as u64;
        edits += r.edits;
        pad_edits[p] += r.edits;
        if a < observers {
            observers_own += r.edits;
        }
        frames_in += r.frames_in;
        if let Some(code) = r.closed_by_server {
            *closed.entry(code).or_default() += 1;
        }
    }
    let rss_end = rss_kib(pid);
    let expected = pad_edits.iter().sum::<u64>() * observers as u64 - observers_own;
    let secs = seconds as f64;
    let server_cpu = server_cpu_after - server_cpu_before;
    let total_cpu = total_cpu_after - total_cpu_before;
    let wanted = connections as f64 * f64::from(rate);
    println!("  typing: {rate} edits/s per author for {seconds} s, {wanted:.0} edits/s wanted");
    println!(
        "  edits sent {edits} ({:.0}/s, {:.0} % of the wanted rate); acked {acked}",
        edits as f64 / secs,
        edits as f64 / secs / wanted * 100.0
    );
    println!(
        "  delivery ms (send -> each other author, timed by {observers} authors per pad): p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  ({} of {expected} deliveries)",
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
    println!("  frames server -> authors {frames_in} ({:.0}/s)", frames_in as f64 / secs);
    println!(
        "  CPU while typing: server {server_cpu:.2} s ({:.0} % of one core), with the load generator {total_cpu:.2} s ({:.0} %)",
        server_cpu / secs * 100.0,
        total_cpu / secs * 100.0
    );
    println!(
        "  RSS ({whose}) MiB: end of typing {:.1}, after the authors left {:.1}",
        rss_typing / 1024.0,
        rss_end / 1024.0
    );
    println!("  connections closed by the server: {closed:?}");
    Ok(())
}

/// Writes `bytes` of text into a pad as one tracked update, from a client that is none of
/// the authors, and waits for its ack.
async fn prefill(base: &str, pad: &str, cookie: &str, bytes: usize) -> anyhow::Result<()> {
    let mut socket = connect(base, pad, cookie).await?;
    let sentence = "Compte rendu de la sortie au musée, écrit par la classe. ";
    let mut chunk = String::with_capacity(bytes + sentence.len());
    while chunk.len() < bytes {
        chunk.push_str(sentence);
    }
    let cut = (0..=bytes).rev().find(|i| chunk.is_char_boundary(*i)).unwrap_or(0);
    chunk.truncate(cut);
    let mut doc = PadDoc::new(FIRST_CLIENT - 1);
    let update = doc.insert(0, &chunk);
    socket.send(Message::Binary(PadMessage::Tracked { seq: 1, update }.encode().into())).await?;
    let acked = async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Binary(b))) if matches!(PadMessage::decode(&b), Ok(PadMessage::Ack { seq: 1 })) => {
                    return Ok::<(), anyhow::Error>(());
                }
                Some(Ok(_)) => {}
                other => anyhow::bail!("writing the text of pad {pad}: {other:?}"),
            }
        }
    };
    tokio::time::timeout(JOIN_TIMEOUT, acked)
        .await
        .map_err(|_| anyhow::anyhow!("no ack for the text of pad {pad}"))??;
    socket.close(None).await?;
    Ok(())
}
