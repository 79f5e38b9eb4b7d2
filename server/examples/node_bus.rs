//! How fast a row committed by one node reaches another, on 127.0.0.1 only: PostgreSQL
//! LISTEN/NOTIFY against NATS, for the choice of the node bus (docs/architecture.md). It stops
//! by itself.
//!
//! cargo run --release -p server --example node_bus -- [--database postgres://postgres@127.0.0.1:5432/test]
//!     [--nats 127.0.0.1:4222] [--nodes 2] [--rate 67] [--seconds 20]
//!
//! Each of `--nodes` writers appends `--rate` rows per second to one table (a busy pad's node
//! commits one row per 15 ms tick: 67/s), each a 200-byte update, on a fresh database it
//! creates on that server and drops at the end. Every other node must then hold the row's
//! bytes, and the time from the start of the writing transaction to that moment is measured:
//! - `pg`: the transaction inserts the row and calls `pg_notify` with `<writer>:<seq>` (so
//!   PostgreSQL sends it at the commit, never before); each node's `PgListener` hears it and
//!   reads the row back (`SELECT ... WHERE seq > last`), as `server::bus` does.
//! - `nats`: the transaction inserts the row; after the commit the writer publishes the row's
//!   bytes on a NATS subject, and each node's subscriber has them at once (no read back). It
//!   speaks NATS's text protocol directly over TCP (CONNECT, SUB, PUB, MSG, PING/PONG), which
//!   is what a client crate sends too, so the figure is the broker's path without a client
//!   crate's overhead.

use anyhow::Context;
use sqlx::Row;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

mod common;
use common::{Histogram, arg, number};

const ROW_BYTES: usize = 200;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let database = arg(&args, "--database").unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let nats = arg(&args, "--nats").unwrap_or_else(|| "127.0.0.1:4222".into());
    anyhow::ensure!(
        database.contains("@127.0.0.1") && nats.starts_with("127.0.0.1:"),
        "this benchmark only targets 127.0.0.1"
    );
    let nodes: usize = number(&args, "--nodes", 2)?;
    let rate: u32 = number(&args, "--rate", 67)?;
    let seconds: u64 = number(&args, "--seconds", 20)?;
    anyhow::ensure!(nodes >= 2 && rate >= 1 && seconds >= 1, "--nodes 2 or more, --rate and --seconds 1 or more");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let (admin, url, name) = fresh_database(&database).await?;
        let result = async {
            let pool = PgPoolOptions::new().max_connections(nodes as u32 * 2 + 2).connect(&url).await?;
            sqlx::query("CREATE TABLE rows (writer BIGINT NOT NULL, seq BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (writer, seq))")
                .execute(&pool)
                .await?;
            println!("node_bus: {nodes} nodes, each writing {rate} rows/s of {ROW_BYTES} bytes for {seconds} s; every other node must hold each row");
            let (h, commit) = run_pg(&pool, &url, nodes, rate, seconds).await?;
            report("pg LISTEN/NOTIFY + read back", &h, &commit, nodes, rate, seconds);
            sqlx::query("TRUNCATE rows").execute(&pool).await?;
            match run_nats(&pool, &nats, nodes, rate, seconds).await {
                Ok((h, commit)) => report("commit, then NATS publish", &h, &commit, nodes, rate, seconds),
                Err(e) => println!("  nats: not measured ({e:#})"),
            }
            pool.close().await;
            anyhow::Ok(())
        }
        .await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&admin).await?;
        result
    })
}

async fn fresh_database(url: &str) -> anyhow::Result<(PgPool, String, String)> {
    let admin = PgPool::connect(url).await.context("connecting to --database")?;
    let name = format!("preau_bus_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await?;
    let server = url.split('?').next().unwrap_or(url).rsplit_once('/').map_or(url, |(s, _)| s);
    Ok((admin, format!("{server}/{name}"), name))
}

fn report(what: &str, h: &Histogram, commit: &Histogram, nodes: usize, rate: u32, seconds: u64) {
    let expected = nodes as u64 * rate as u64 * seconds * (nodes as u64 - 1);
    println!(
        "  {what}: transaction start -> other node holds the row: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms ({} of {expected}); commit alone p50 {:.1} p99 {:.1}",
        h.percentile(0.5),
        h.percentile(0.99),
        h.percentile(1.0),
        h.count(),
        commit.percentile(0.5),
        commit.percentile(0.99),
    );
}

/// When each row's transaction started, by writer and seq.
type Started = Arc<Vec<Mutex<Vec<Option<Instant>>>>>;

fn started(nodes: usize, rate: u32, seconds: u64) -> Started {
    let per = (rate as u64 * seconds + 1) as usize;
    Arc::new((0..nodes).map(|_| Mutex::new(vec![None; per])).collect())
}

/// Writes `rate` rows/s as `writer`; `after_commit` runs after each commit (NATS publishes).
async fn write<F, Fut>(
    pool: PgPool,
    writer: usize,
    rate: u32,
    seconds: u64,
    notify: bool,
    started: Started,
    mut after_commit: F,
) -> anyhow::Result<Histogram>
where
    F: FnMut(i64, Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut commit = Histogram::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate);
    let data = vec![writer as u8; ROW_BYTES];
    for seq in 1..=(rate as i64 * seconds as i64) {
        tick.tick().await;
        let t0 = Instant::now();
        started[writer].lock().await[seq as usize] = Some(t0);
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO rows (writer, seq, data) VALUES ($1, $2, $3)")
            .bind(writer as i64)
            .bind(seq)
            .bind(&data)
            .execute(&mut *tx)
            .await?;
        if notify {
            sqlx::query("SELECT pg_notify('rows', $1)").bind(format!("{writer}:{seq}")).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        commit.record(t0.elapsed());
        after_commit(seq, data.clone()).await?;
    }
    Ok(commit)
}

async fn run_pg(
    pool: &PgPool,
    url: &str,
    nodes: usize,
    rate: u32,
    seconds: u64,
) -> anyhow::Result<(Histogram, Histogram)> {
    let started = started(nodes, rate, seconds);
    let mut readers = Vec::new();
    for me in 0..nodes {
        let mut listener = PgListener::connect(url).await?;
        listener.listen("rows").await?;
        let (pool, started) = (pool.clone(), started.clone());
        readers.push(tokio::spawn(async move {
            let mut h = Histogram::new();
            let mut last = vec![0i64; nodes];
            let want = (nodes - 1) * rate as usize * seconds as usize;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds + 5);
            while (h.count() as usize) < want {
                let Ok(n) = tokio::time::timeout_at(deadline, listener.recv()).await else { break };
                let n = n?;
                let Some((w, seq)) = n.payload().split_once(':') else { continue };
                let (w, seq): (usize, i64) = (w.parse()?, seq.parse()?);
                if w == me || seq <= last[w] {
                    continue;
                }
                let rows = sqlx::query("SELECT seq, data FROM rows WHERE writer = $1 AND seq > $2 ORDER BY seq")
                    .bind(w as i64)
                    .bind(last[w])
                    .fetch_all(&pool)
                    .await?;
                let now = Instant::now();
                for r in rows {
                    let seq: i64 = r.try_get("seq")?;
                    let _data: Vec<u8> = r.try_get("data")?;
                    if let Some(t0) = started[w].lock().await[seq as usize] {
                        h.record(now - t0);
                    }
                    last[w] = last[w].max(seq);
                }
            }
            anyhow::Ok(h)
        }));
    }
    let writers: Vec<_> = (0..nodes)
        .map(|w| tokio::spawn(write(pool.clone(), w, rate, seconds, true, started.clone(), |_, _| async { Ok(()) })))
        .collect();
    gather(readers, writers).await
}

async fn gather(
    readers: Vec<tokio::task::JoinHandle<anyhow::Result<Histogram>>>,
    writers: Vec<tokio::task::JoinHandle<anyhow::Result<Histogram>>>,
) -> anyhow::Result<(Histogram, Histogram)> {
    let mut commit = Histogram::new();
    for w in writers {
        commit.add(&w.await??);
    }
    let mut h = Histogram::new();
    for r in readers {
        h.add(&r.await??);
    }
    Ok((h, commit))
}

/// A NATS connection speaking the text protocol: CONNECT, then SUB/PUB, answering PING.
async fn nats_connect(
    addr: &str,
) -> anyhow::Result<(BufReader<tokio::net::tcp::OwnedReadHalf>, tokio::net::tcp::OwnedWriteHalf)> {
    let stream = TcpStream::connect(addr).await.context("connecting to NATS")?;
    stream.set_nodelay(true)?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut info = String::new();
    r.read_line(&mut info).await?;
    anyhow::ensure!(info.starts_with("INFO"), "not a NATS server: {info}");
    w.write_all(b"CONNECT {\"verbose\":false,\"pedantic\":false}\r\n").await?;
    Ok((r, w))
}

async fn run_nats(
    pool: &PgPool,
    addr: &str,
    nodes: usize,
    rate: u32,
    seconds: u64,
) -> anyhow::Result<(Histogram, Histogram)> {
    let started = started(nodes, rate, seconds);
    let mut readers = Vec::new();
    for me in 0..nodes {
        let (mut r, mut w) = nats_connect(addr).await?;
        w.write_all(b"SUB rows 1\r\nPING\r\n").await?;
        // The subscription is registered once the server answers the PING.
        let mut line = String::new();
        while !line.starts_with("PONG") {
            line.clear();
            r.read_line(&mut line).await?;
        }
        let started = started.clone();
        readers.push(tokio::spawn(async move {
            let mut h = Histogram::new();
            let want = (nodes - 1) * rate as usize * seconds as usize;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds + 5);
            let mut line = String::new();
            while (h.count() as usize) < want {
                line.clear();
                let Ok(read) = tokio::time::timeout_at(deadline, r.read_line(&mut line)).await else { break };
                read?;
                if line.starts_with("PING") {
                    w.write_all(b"PONG\r\n").await?;
                    continue;
                }
                // MSG <subject> <sid> <bytes>
                let Some(len) = line.strip_prefix("MSG ").and_then(|l| l.split_whitespace().nth(2)) else { continue };
                let mut payload = vec![0u8; len.parse::<usize>()? + 2];
                r.read_exact(&mut payload).await?;
                let now = Instant::now();
                let head = std::str::from_utf8(&payload[..payload.iter().position(|b| *b == b' ').unwrap_or(0)])?;
                let Some((wr, seq)) = head.split_once(':') else { continue };
                let (wr, seq): (usize, usize) = (wr.parse()?, seq.parse()?);
                if wr != me
                    && let Some(t0) = started[wr].lock().await[seq]
                {
                    h.record(now - t0);
                }
            }
            anyhow::Ok(h)
        }));
    }
    let mut writers = Vec::new();
    for w in 0..nodes {
        let (_r, conn) = nats_connect(addr).await?;
        let conn = Arc::new(Mutex::new(conn));
        writers.push(tokio::spawn(write(pool.clone(), w, rate, seconds, false, started.clone(), move |seq, data| {
            let conn = conn.clone();
            async move {
                let mut msg = format!("{w}:{seq} ").into_bytes();
                msg.extend_from_slice(&data);
                let mut frame = format!("PUB rows {}\r\n", msg.len()).into_bytes();
                frame.extend_from_slice(&msg);
                frame.extend_from_slice(b"\r\n");
                conn.lock().await.write_all(&frame).await?;
                Ok(())
            }
        })));
    }
    gather(readers, writers).await
}
