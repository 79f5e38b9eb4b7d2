//! A live quiz in a lecture hall, on 127.0.0.1 only: a teacher starts an anonymous session of a
//! one-question quiz, N students connect over `/ws/quiz/{code}` and join with a pseudonym, the
//! teacher opens the question and every student answers at a random instant within 2 s
//! (deterministic seed). Measures, per answer, the time until `accepted`; the time from the
//! last answer sent until the teacher's histogram counts all N; and the process's CPU time and
//! RSS (the load generator shares this process and its cores). Checks that every answer was
//! counted, in the histogram and in the report after `end_live_session`.
//!
//! cargo run --release -p server --example live_quiz_load -- [--students 35] [--seed 42]
//!     [--spread-ms 2000]
//!
//! It starts Préau in this process with the demo school on a fresh SQLite file in a temporary
//! folder, or on a new PostgreSQL database (dropped at the end) when `DATABASE_URL` is a
//! postgres URL. The hub keeps one seat per logged-in person even in anonymous mode, so the
//! benchmark adds N student accounts of its own to the demo school and opens their sessions
//! straight in the database. Every wait is bounded; it stops by itself.

use domain::UserId;
use domain::quiz::live::{ClientMessage, ServerMessage, Tally};
use domain::quiz::{Choice, Points, Question, QuestionKind, Response};
use futures_util::{SinkExt, StreamExt};
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const PASSWORD: &str = "amphi-quiz-direct-2026";
/// Longest wait for any one step.
const WAIT: Duration = Duration::from_secs(60);
/// WebSocket handshakes in flight at once while the students come in.
const CONNECTING: usize = 64;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// splitmix64: a deterministic spread of answer instants without a dependency.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// CPU time (user + system) of this process, from /proc/self/stat (USER_HZ is 100 on Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// A line of /proc/self/status in MiB (`VmRSS`, `VmHWM`).
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The soft limit on open files, from /proc/self/limits.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

fn capital() -> Question {
    let c = |t: &str, w: f64| Choice { text: t.into(), weight: w, feedback: None };
    Question {
        title: "Capitale".into(),
        category: None,
        text: "Quelle est la capitale de la France ?".into(),
        points: Points::ONE,
        kind: QuestionKind::SingleChoice { choices: vec![c("Paris", 100.0), c("Lyon", 0.0), c("Marseille", 0.0)] },
        general_feedback: None,
        image: None,
    }
}

/// Calls a JSON server function and reads its answer.
async fn call<T: serde::de::DeserializeOwned>(c: &Client, base: &str, path: &str, body: &Value) -> anyhow::Result<T> {
    let res = c.post(format!("{base}{path}")).json(body).send().await?;
    let status = res.status();
    let text = res.text().await?;
    anyhow::ensure!(status.is_success(), "{path}: {status} {text}");
    Ok(serde_json::from_str(&text)?)
}

async fn connect(base: &str, cookie: &str, code: &str) -> anyhow::Result<Socket> {
    let mut req = format!("{}/ws/quiz/{code}", base.replace("http://", "ws://")).into_client_request()?;
    req.headers_mut().insert("origin", base.parse()?);
    req.headers_mut().insert("cookie", cookie.parse()?);
    // A phone's socket buffers are not the server's: keep the generator's own small (tungstenite
    // reserves 128 KiB to read by default), so the process's RSS is mostly the server's.
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(4096);
    Ok(tokio_tungstenite::connect_async_with_config(req, Some(config), false).await?.0)
}

async fn send(socket: &mut Socket, msg: &ClientMessage) -> anyhow::Result<()> {
    socket.send(Message::Text(serde_json::to_string(msg)?.into())).await?;
    Ok(())
}

/// The next message of the hub (pings skipped), within `WAIT`.
async fn next(socket: &mut Socket) -> anyhow::Result<ServerMessage> {
    loop {
        match tokio::time::timeout(WAIT, socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Ok(serde_json::from_str(t.as_str())?),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            Ok(other) => anyhow::bail!("expected a message, got {other:?}"),
            Err(_) => anyhow::bail!("no message within {WAIT:?}"),
        }
    }
}

/// What a student measured: when the answer left, and how long `accepted` took.
struct Answered {
    sent: Instant,
    accepted_after: Duration,
}

/// Everything one student task needs.
struct Student {
    base: String,
    cookie: String,
    code: String,
    i: usize,
    delay: Duration,
    /// Bounds the handshakes in flight.
    gate: Arc<Semaphore>,
    joined: mpsc::Sender<()>,
    /// When the teacher opened the question.
    opened: watch::Receiver<Option<Instant>>,
    /// The teacher ended the session.
    done: watch::Receiver<bool>,
}

/// One student: connects, joins, waits for the question, answers at `opened + delay`.
async fn student(s: Student) -> anyhow::Result<Answered> {
    let Student { base, cookie, code, i, delay, gate, joined, mut opened, mut done } = s;
    let mut socket = {
        let _permit = gate.acquire().await?;
        connect(&base, &cookie, &code).await?
    };
    send(&mut socket, &ClientMessage::Join { pseudonym: Some(format!("Élève {i:04}")), seat_token: None }).await?;
    match next(&mut socket).await? {
        ServerMessage::Joined { .. } => {}
        other => anyhow::bail!("student {i}: expected a seat, got {other:?}"),
    }
    joined.send(()).await?;
    loop {
        if matches!(next(&mut socket).await?, ServerMessage::Question { index: 0, .. }) {
            break;
        }
    }
    let at = tokio::time::timeout(WAIT, opened.wait_for(Option::is_some)).await??.unwrap_or_else(Instant::now);
    tokio::time::sleep_until((at + delay).into()).await;
    let sent = Instant::now();
    send(&mut socket, &ClientMessage::Answer { question: 0, response: Response::Choice(i % 3) }).await?;
    loop {
        match next(&mut socket).await? {
            ServerMessage::Accepted { question: 0 } => break,
            ServerMessage::Refused { message } => anyhow::bail!("student {i}: answer refused: {message}"),
            _ => {}
        }
    }
    let accepted_after = sent.elapsed();
    // Stay in the room (answering pings) until the teacher ends the session.
    let until = Instant::now() + WAIT;
    while !*done.borrow() && Instant::now() < until {
        tokio::select! {
            _ = done.changed() => {}
            msg = socket.next() => if !matches!(msg, Some(Ok(_))) { break },
            _ = tokio::time::sleep_until(until.into()) => {}
        }
    }
    let _ = socket.close(None).await;
    Ok(Answered { sent, accepted_after })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = arg(&args, "--students").map(|v| v.parse()).transpose()?.unwrap_or(35);
    let seed: u64 = arg(&args, "--seed").map(|v| v.parse()).transpose()?.unwrap_or(42);
    let spread: u64 = arg(&args, "--spread-ms").map(|v| v.parse()).transpose()?.unwrap_or(2_000);
    anyhow::ensure!((1..=5_000).contains(&n), "--students must be between 1 and 5000 (the hub's seat limit)");
    anyhow::ensure!(spread > 0, "--spread-ms must be positive");

    // Each student holds two sockets in this process (client and server side).
    let needed = 2 * n as u64 + 256;
    match open_files_limit() {
        Some(limit) if limit < needed => {
            anyhow::bail!(
                "{n} students need about {needed} open files, the soft limit is {limit}: raise it (ulimit -n)"
            )
        }
        Some(limit) => println!("open files: soft limit {limit}, about {needed} needed"),
        None => println!("open files: limit unknown, about {needed} needed"),
    }

    let (base, db, cookie_name, postgres) = spawn().await?;
    let engine = if postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("Préau on {base} ({engine}), {n} students, answers spread over {spread} ms, seed {seed}");

    // The teacher logs in and starts an anonymous session of a one-question quiz.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse()?);
    let teacher = Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = teacher
        .post(format!("{base}/api/connexion"))
        .form(&[("identifiant", "demo.prof"), ("mot_de_passe", PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(login.status().is_success(), "teacher login: {}", login.status());
    let teacher_cookie = login
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(String::from))
        .collect::<Vec<_>>()
        .join("; ");
    let quiz: i64 = call(&teacher, &base, "/api/quiz/creer", &json!({"title": "Amphi", "description": ""})).await?;
    let _: i64 = call(
        &teacher,
        &base,
        "/api/quiz/question/enregistrer",
        &json!({"quiz": quiz, "id": null, "question": capital()}),
    )
    .await?;
    let options = json!({"anonymous": true, "speed_bonus": false, "leaderboard": false});
    let live: app::quizzes::live::LiveStarted =
        call(&teacher, &base, "/api/quiz/direct/demarrer", &json!({"quiz": quiz, "options": options})).await?;

    // N student accounts of the demo school, each with a session opened in the database.
    let setup = Instant::now();
    let template: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'demo.eleve'").fetch_one(&db).await?;
    let mut cookies = Vec::with_capacity(n);
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = app::server::db::new_id();
        sqlx::query(
            "INSERT INTO users (id, username, first_name, last_name, active, created_at) VALUES ($1, $2, $3, $4, 1, $5)",
        )
        .bind(id)
        .bind(format!("charge.eleve{i:04}"))
        .bind(format!("Élève{i:04}"))
        .bind("CHARGE")
        .bind(app::server::db::now_ms())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO memberships (user_id, establishment_id, role) \
             SELECT $1, establishment_id, role FROM memberships WHERE user_id = $2",
        )
        .bind(id)
        .bind(template)
        .execute(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    for id in ids {
        let token = app::server::session::create(&db, UserId(id), "127.0.0.1").await?;
        cookies.push(format!("{cookie_name}={token}"));
    }
    println!("setup: {n} accounts and sessions in {:.2} s", setup.elapsed().as_secs_f64());

    // The teacher's screen: a reader task that reports the seat count and the histogram.
    let host = connect(&base, &teacher_cookie, &live.code).await?;
    let (mut host_tx, mut host_rx) = host.split();
    let (seats_tx, mut seats_rx) = watch::channel(0u32);
    let (tally_tx, mut tally_rx) = watch::channel::<Option<(Tally, Instant)>>(None);
    let reader = tokio::spawn(async move {
        let until = Instant::now() + 4 * WAIT;
        let mut ended = false;
        while Instant::now() < until {
            match tokio::time::timeout_at(until.into(), host_rx.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => match serde_json::from_str::<ServerMessage>(t.as_str()) {
                    Ok(ServerMessage::Hosting { seats, .. } | ServerMessage::Seats { count: seats }) => {
                        let _ = seats_tx.send(seats);
                    }
                    Ok(ServerMessage::Tally { question: 0, tally }) => {
                        let _ = tally_tx.send(Some((tally, Instant::now())));
                    }
                    Ok(ServerMessage::Ended { .. }) => {
                        ended = true;
                        break;
                    }
                    _ => {}
                },
                Ok(Some(Ok(_))) => {}
                _ => break,
            }
        }
        ended
    });

    let cpu_start = cpu_time();
    let join_start = Instant::now();
    let gate = Arc::new(Semaphore::new(CONNECTING));
    let (joined_tx, mut joined_rx) = mpsc::channel::<()>(n);
    let (opened_tx, opened_rx) = watch::channel::<Option<Instant>>(None);
    let (done_tx, done_rx) = watch::channel(false);
    let mut rng = seed;
    let mut students = Vec::with_capacity(n);
    for (i, cookie) in cookies.into_iter().enumerate() {
        let delay = Duration::from_millis(splitmix(&mut rng) % spread);
        students.push(tokio::spawn(student(Student {
            base: base.clone(),
            cookie,
            code: live.code.clone(),
            i,
            delay,
            gate: gate.clone(),
            joined: joined_tx.clone(),
            opened: opened_rx.clone(),
            done: done_rx.clone(),
        })));
    }
    drop(joined_tx);
    for k in 0..n {
        tokio::time::timeout(WAIT, joined_rx.recv())
            .await
            .map_err(|_| anyhow::anyhow!("only {k} of {n} students joined within {WAIT:?}"))?
            .ok_or_else(|| anyhow::anyhow!("only {k} of {n} students joined (a student task failed)"))?;
    }
    let joined_in = join_start.elapsed();
    tokio::time::timeout(WAIT, seats_rx.wait_for(|s| *s as usize == n)).await??;
    let cpu_joined = cpu_time();
    let rss_joined = status_mib("VmRSS");

    // The question opens; every student answers within the spread.
    let opened = Instant::now();
    host_tx.send(Message::Text(serde_json::to_string(&ClientMessage::Open { timer_secs: None })?.into())).await?;
    opened_tx.send(Some(opened))?;
    let complete =
        tokio::time::timeout(WAIT, tally_rx.wait_for(|t| t.as_ref().is_some_and(|(t, _)| t.answers as usize >= n)))
            .await
            .map_err(|_| anyhow::anyhow!("the teacher's histogram never counted {n} answers"))??
            .clone();
    let cpu_answered = cpu_time();
    let rss_answered = status_mib("VmRSS");
    let Some((tally, tally_at)) = complete else { anyhow::bail!("no histogram") };

    let report: app::quizzes::live::LiveReport =
        call(&teacher, &base, "/api/quiz/direct/terminer", &json!({"session": live.session})).await?;
    let _ = done_tx.send(true);
    let mut answered = Vec::with_capacity(n);
    let mut failures = 0;
    for s in students {
        match tokio::time::timeout(2 * WAIT, s).await {
            Ok(Ok(Ok(a))) => answered.push(a),
            Ok(Ok(Err(e))) => {
                failures += 1;
                eprintln!("{e:#}");
            }
            _ => failures += 1,
        }
    }
    let host_heard_end = tokio::time::timeout(WAIT, reader).await.map(|r| r.unwrap_or(false)).unwrap_or(false);

    let last_sent = answered.iter().map(|a| a.sent).max().unwrap_or(opened);
    let mut accepted: Vec<Duration> = answered.iter().map(|a| a.accepted_after).collect();
    accepted.sort();
    let after_last = tally_at.saturating_duration_since(last_sent);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_live_answers WHERE session_id = $1")
        .bind(live.session.0)
        .fetch_one(&db)
        .await?;
    let reported = report.questions.first().map(|q| q.tally.clone()).unwrap_or_default();

    println!("joining: {n} students connected and seated in {:.2} s", joined_in.as_secs_f64());
    println!(
        "answers: {} accepted, {failures} student tasks failed; last answer sent {:.0} ms after the opening",
        answered.len(),
        last_sent.saturating_duration_since(opened).as_secs_f64() * 1000.0
    );
    println!(
        "  time to `accepted`, ms: p50 {:.1}  p99 {:.1}  max {:.1}",
        percentile(&accepted, 0.5),
        percentile(&accepted, 0.99),
        percentile(&accepted, 1.0)
    );
    println!(
        "  teacher's histogram complete {:.1} ms after the last answer was sent (goal: 200 ms)",
        after_last.as_secs_f64() * 1000.0
    );
    println!("  histogram {:?} answers {} correct {}", tally.options, tally.answers, tally.correct);
    println!(
        "  report after the end: answers {} ({:?}), seats {}; rows stored {stored}; teacher heard the end: {host_heard_end}",
        reported.answers,
        reported.options,
        report.seats.len()
    );
    println!(
        "process CPU (server and load generator together): joining {:.2} s, answering {:.2} s over {:.2} s",
        (cpu_joined - cpu_start).as_secs_f64(),
        (cpu_answered - cpu_joined).as_secs_f64(),
        tally_at.saturating_duration_since(opened).as_secs_f64()
    );
    println!(
        "process RSS: {rss_joined:.0} MiB seated, {rss_answered:.0} MiB answered, peak {:.0} MiB",
        status_mib("VmHWM")
    );
    let counted = tally.answers as usize == n
        && reported.answers as usize == n
        && stored as usize == n
        && report.seats.len() == n
        && answered.len() == n;
    println!("every answer counted: {}", if counted { "yes" } else { "NO" });

    db.close().await;
    if let Some((admin_url, name)) = postgres {
        let admin = sqlx::AnyPool::connect(&admin_url).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await?;
        admin.close().await;
    } else {
        // The server task may still hold a connection: a file left behind is only a warning.
        if let Err(e) =
            std::fs::remove_dir_all(std::env::temp_dir().join(format!("preau_quiz_load_{}", std::process::id())))
        {
            eprintln!("could not remove the temporary database: {e}");
        }
    }
    anyhow::ensure!(counted, "some answers were not counted");
    Ok(())
}

/// Starts Préau in this process with the demo school on a fresh database; returns its URL, its
/// pool, its session cookie's name, and for PostgreSQL the server URL and database name to drop at the end.
async fn spawn() -> anyhow::Result<(String, app::server::Db, &'static str, Option<(String, String)>)> {
    let name = format!("preau_quiz_load_{}", std::process::id());
    let (url, postgres) = match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&url).await?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await?;
            admin.close().await;
            let without_query = url.split('?').next().unwrap_or(&url);
            let (server, _) =
                without_query.rsplit_once('/').ok_or_else(|| anyhow::anyhow!("no database name in DATABASE_URL"))?;
            (format!("{server}/{name}"), Some((url.clone(), name)))
        }
        _ => {
            let dir = std::env::temp_dir().join(name);
            std::fs::create_dir_all(&dir)?;
            (format!("sqlite://{}/preau.db", dir.display()), None)
        }
    };
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("PREAU_DEMO", "1"),
        ("PREAU_DEMO_PASSWORD", PASSWORD),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
    ];
    let settings =
        server::config::Settings::from_vars(&|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))?;
    let state = server::build_state(&settings).await?;
    let (db, cookie_name) = (state.db.clone(), state.auth.cookie_name());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(server::serve(state, listener));
    Ok((base, db, cookie_name, postgres))
}
