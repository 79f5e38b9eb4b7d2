//! The crash test of the pad hub: the real `preau` binary runs as a child process on
//! 127.0.0.1; authors co-edit a pad and note every update the server acknowledged; the server
//! is killed with SIGKILL while they are still typing, restarted on the same database, and a
//! new client checks that every acknowledged update is in the pad (none lost) and none twice.

use crate::helpers::{PASSWORD, Session, fresh_database_url};
use crate::pads::{Socket, create_pad, open_at};
use domain::PadId;
use domain::pad::PadDoc;
use domain::pad::wire::Message as PadMessage;
use futures_util::{SinkExt, StreamExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Longest any step may take (start-up seeds the demo school and hashes its password).
const WAIT: Duration = Duration::from_secs(30);
/// One keystroke per author every 40 ms: 25 messages/s, under the hub's 30/s.
const TYPING: Duration = Duration::from_millis(40);
const AUTHORS: u64 = 8;
/// Acknowledged updates, over all authors, after which the server is killed ...
const ACKED_BEFORE_KILL: u64 = 80;
/// ... this long after, in the middle of a tick: some updates are received and not yet stored.
const KILL_AFTER: Duration = Duration::from_millis(7);

/// The `preau` binary, running as a child process; killed when dropped.
struct Preau {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Preau {
    /// Starts `preau` on a free port of 127.0.0.1 with the demo school on `database`, and
    /// waits until it answers `/healthz`.
    async fn start(database: &str) -> Preau {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let log = std::env::temp_dir().join(format!("preau-crash-{}-{port}.log", std::process::id()));
        let child = Command::new(env!("CARGO_BIN_EXE_preau"))
            .env("DATABASE_URL", database)
            .env("PREAU_DEMO", "1")
            .env("PREAU_DEMO_PASSWORD", PASSWORD)
            .env("PREAU_DB_MAX_CONNECTIONS", "5")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .env_remove("PREAU_PUBLIC_URL")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("starting preau");
        let mut server = Preau { child, base: format!("http://127.0.0.1:{port}"), log };
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Some(status) = server.child.try_wait().expect("the child's status") {
                panic!("preau exited with {status}: {}", server.log_text());
            }
            let ready = http.get(format!("{}/healthz", server.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            assert!(started.elapsed() < WAIT, "preau did not start in time: {}", server.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL (what `Child::kill` sends on unix): no shutdown code runs.
    fn kill(&mut self) {
        self.child.kill().expect("killing preau");
        self.child.wait().expect("reaping preau");
    }
}

impl Drop for Preau {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// What one author typed: every token it sent, and those the server acknowledged.
struct Typed {
    sent: Vec<String>,
    acked: Vec<String>,
}

/// Types a unique token every [`TYPING`] (at the start or the end of its replica, so that no
/// token is ever split by another) as a tracked update, until the connection breaks.
async fn type_until_the_server_dies(mut socket: Socket, author: u64, acks: Arc<AtomicU64>) -> Typed {
    let mut doc = PadDoc::new(author + 1);
    let mut sent: Vec<String> = Vec::new();
    let mut acked = 0usize;
    // The authors' keystrokes are spread over the period: updates reach the server all the time.
    let first = tokio::time::Instant::now() + TYPING * author as u32 / AUTHORS as u32;
    let mut keystroke = tokio::time::interval_at(first, TYPING);
    let deadline = tokio::time::sleep(WAIT);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            _ = keystroke.tick() => {
                let token = format!("<a{author}n{}>", sent.len() + 1);
                let at = if sent.len().is_multiple_of(2) { 0 } else { doc.len_utf16() };
                let update = doc.insert(at, &token);
                sent.push(token);
                let frame = PadMessage::Tracked { seq: sent.len() as u64, update }.encode();
                if socket.send(Message::Binary(frame.into())).await.is_err() {
                    break;
                }
            }
            frame = socket.next() => match frame {
                Some(Ok(Message::Binary(bytes))) => match PadMessage::decode(&bytes).expect("a pad message") {
                    PadMessage::SyncStep2(u) | PadMessage::Update(u) => {
                        doc.apply_update(&u).expect("the server's update applies");
                    }
                    PadMessage::Ack { seq } => {
                        let seq = seq as usize;
                        acks.fetch_add(seq.saturating_sub(acked) as u64, Ordering::Relaxed);
                        acked = acked.max(seq);
                    }
                    _ => {}
                },
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    let acked = sent[..acked].to_vec();
    Typed { sent, acked }
}

async fn class_4c(database: &str) -> String {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database).await.expect("connecting to the test database");
    let id: i64 = sqlx::query_scalar(
        "SELECT c.id FROM classes c JOIN establishments e ON e.id = c.establishment_id WHERE e.uai = $1 AND c.name = $2",
    )
    .bind("0671234A")
    .bind("4e C")
    .fetch_one(&pool)
    .await
    .expect("the demo class 4e C");
    pool.close().await;
    format!("c:{id}")
}

/// A new client's view of the pad: the whole document it receives on connecting.
async fn pad_text(base: &str, session: &Session, pad: PadId) -> String {
    let mut socket = open_at(base, Some(session), &pad.to_string()).await.expect("upgrade");
    let mut doc = PadDoc::new(999);
    loop {
        let frame = tokio::time::timeout(WAIT, socket.next()).await.expect("the document in time");
        if let Some(Ok(Message::Binary(bytes))) = frame
            && let PadMessage::SyncStep2(u) = PadMessage::decode(&bytes).expect("a pad message")
        {
            doc.apply_update(&u).expect("the stored document applies");
            return doc.text();
        }
    }
}

#[tokio::test]
async fn every_acknowledged_update_survives_a_sigkill_of_the_server() {
    let database = fresh_database_url().await;
    let mut server = Preau::start(&database).await;
    let prof = Session::logged_in(&server.base, "demo.prof", PASSWORD).await;
    let eleve = Session::logged_in(&server.base, "demo.eleve", PASSWORD).await;
    let pad = create_pad(&prof, &class_4c(&database).await, "class").await;

    let acks = Arc::new(AtomicU64::new(0));
    let mut authors = Vec::new();
    for author in 0..AUTHORS {
        let session = if author.is_multiple_of(2) { &prof } else { &eleve };
        let socket = open_at(&server.base, Some(session), &pad.to_string()).await.expect("upgrade");
        authors.push(tokio::spawn(type_until_the_server_dies(socket, author, acks.clone())));
    }
    let started = Instant::now();
    while acks.load(Ordering::Relaxed) < ACKED_BEFORE_KILL {
        assert!(started.elapsed() < WAIT, "only {} updates acknowledged", acks.load(Ordering::Relaxed));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(KILL_AFTER).await;
    server.kill();
    let mut typed = Vec::new();
    for author in authors {
        typed.push(tokio::time::timeout(WAIT, author).await.expect("the author stops").expect("the author ran"));
    }

    let server = Preau::start(&database).await;
    let prof = Session::logged_in(&server.base, "demo.prof", PASSWORD).await;
    let text = pad_text(&server.base, &prof, pad).await;
    let sent: usize = typed.iter().map(|t| t.sent.len()).sum();
    let acked: Vec<&String> = typed.iter().flat_map(|t| &t.acked).collect();
    assert!(acked.len() as u64 >= ACKED_BEFORE_KILL, "{sent} sent, {} acked", acked.len());
    eprintln!("crash: {sent} updates sent, {} acknowledged before SIGKILL, text {} chars", acked.len(), text.len());
    let lost: Vec<&&String> = acked.iter().filter(|t| !text.contains(t.as_str())).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?} ({} acked)", acked.len());
    for token in typed.iter().flat_map(|t| &t.sent) {
        assert!(text.matches(token.as_str()).count() <= 1, "{token} twice in « {text} »");
    }
}
