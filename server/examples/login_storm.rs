//! The 8:00 login storm, on 127.0.0.1 only: many people log in at once while others already
//! logged in keep loading pages. Measures logins per second, login latency, and the latency of
//! an ordinary request during the storm (the bounded hashing queue must keep it low).
//!
//! cargo run --release -p server --example login_storm -- [--logins 400] [--concurrency 64]
//!     [--url http://127.0.0.1:3000 --password <demo password>]
//!
//! Without `--url`, it starts Préau in this process on a fresh SQLite database with the demo
//! school. It stops by itself after the storm.

use reqwest::Client;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEMO: [&str; 6] = ["demo.eleve", "demo.parent", "demo.prof", "demo.viesco", "demo.direction", "demo.admin"];

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

fn client(base: &str) -> anyhow::Result<Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse()?);
    Ok(Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

async fn login(c: &Client, base: &str, user: &str, password: &str) -> anyhow::Result<reqwest::StatusCode> {
    Ok(c.post(format!("{base}/api/connexion"))
        .form(&[("identifiant", user), ("mot_de_passe", password)])
        .send()
        .await?
        .status())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let logins: usize = arg(&args, "--logins").map(|v| v.parse()).transpose()?.unwrap_or(400);
    let concurrency: usize = arg(&args, "--concurrency").map(|v| v.parse()).transpose()?.unwrap_or(64);
    let (base, password) = match arg(&args, "--url") {
        Some(url) => {
            anyhow::ensure!(url.starts_with("http://127.0.0.1"), "load tests only target 127.0.0.1");
            (url, arg(&args, "--password").ok_or_else(|| anyhow::anyhow!("--password is needed with --url"))?)
        }
        None => (spawn().await?, "charge-matinale-8h00".to_string()),
    };

    // One argon2id hash, alone, on one core (what each login costs).
    let mut hashes = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        app::server::password::hash_blocking("une-phrase-de-passe-de-test")?;
        hashes.push(t.elapsed());
    }
    hashes.sort();
    println!("argon2id hash (m=19456 KiB, t=2, p=1), one core: p50 {:.1} ms", percentile(&hashes, 0.5));

    // Someone already logged in, loading a page-sized request in a loop.
    let reader = client(&base)?;
    anyhow::ensure!(login(&reader, &base, "demo.parent", &password).await?.is_success(), "demo login failed");
    let probe = |reader: Client, base: String| async move {
        let t = Instant::now();
        let r = reader.get(format!("{base}/")).send().await;
        let ok = r.map(|r| r.status().is_success()).unwrap_or(false);
        (t.elapsed(), ok)
    };
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(probe(reader.clone(), base.clone()).await.0);
    }
    idle.sort();

    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probing = {
        let (reader, base, done) = (reader.clone(), base.clone(), done.clone());
        tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut failed = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let (d, ok) = probe(reader.clone(), base.clone()).await;
                lat.push(d);
                failed += usize::from(!ok);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            lat.sort();
            (lat, failed)
        })
    };

    let start = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (base, password, next) = (base.clone(), password.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= logins {
                    break;
                }
                let c = client(&base)?;
                let t = Instant::now();
                let status = login(&c, &base, DEMO[i % DEMO.len()], &password).await?;
                out.push((t.elapsed(), status.as_u16()));
            }
            anyhow::Ok(out)
        }));
    }
    let mut results = Vec::new();
    for w in workers {
        results.extend(w.await??);
    }
    let elapsed = start.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (during, probe_failures) = probing.await?;

    let ok = results.iter().filter(|(_, s)| *s == 200).count();
    let busy = results.iter().filter(|(_, s)| *s == 503).count();
    let mut lat: Vec<Duration> = results.iter().filter(|(_, s)| *s == 200).map(|(d, _)| *d).collect();
    lat.sort();
    println!("logins: {logins} at concurrency {concurrency} on {base}");
    println!("  succeeded {ok}, refused busy {busy}, other {}", results.len() - ok - busy);
    println!("  {:.1} logins/s over {:.2} s", ok as f64 / elapsed.as_secs_f64(), elapsed.as_secs_f64());
    println!(
        "  login latency ms: p50 {:.0}  p99 {:.0}  max {:.0}",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0)
    );
    println!("dashboard page (GET /) for a logged-in parent, ms:");
    println!("  before the storm: p50 {:.1}  p99 {:.1}", percentile(&idle, 0.5), percentile(&idle, 0.99));
    println!(
        "  during the storm: p50 {:.1}  p99 {:.1}  ({} requests, {probe_failures} failed)",
        percentile(&during, 0.5),
        percentile(&during, 0.99),
        during.len()
    );
    Ok(())
}

/// Starts Préau in this process with the demo school on a fresh SQLite file; returns its URL.
async fn spawn() -> anyhow::Result<String> {
    let dir = std::env::temp_dir().join(format!("preau-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}/preau.db", dir.display());
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("PREAU_DEMO", "1"),
        ("PREAU_DEMO_PASSWORD", "charge-matinale-8h00"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
    ];
    let settings =
        server::config::Settings::from_vars(&|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))?;
    let state = server::build_state(&settings).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(server::serve(state, listener));
    Ok(base)
}
