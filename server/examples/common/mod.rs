//! What the pad load examples (`pad_load`, `pads_many`) share: arguments, a latency
//! histogram, the server's CPU time and RSS from /proc, logging in, creating a pad, and
//! starting Préau in-process on a fresh SQLite database with the demo school.

#![allow(dead_code, reason = "each example uses a part of it")]

use std::time::Duration;

/// The demo password of the servers these examples start.
pub const PASSWORD: &str = "charge-pad-classe";

pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// The value of `--name`, parsed, or `default`.
pub fn number<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    Ok(arg(args, name).map(|v| v.parse()).transpose()?.unwrap_or(default))
}

/// Latencies in buckets: 0.1 ms up to 200 ms, then 10 ms up to 20 s.
#[derive(Clone)]
pub struct Histogram(Vec<u64>);

impl Histogram {
    const FINE: usize = 2000;

    pub fn new() -> Self {
        Histogram(vec![0; 2 * Self::FINE])
    }

    /// For an author who does not time deliveries: records nothing, adds nothing.
    pub fn none() -> Self {
        Histogram(Vec::new())
    }

    pub fn record(&mut self, d: Duration) {
        let us = d.as_micros() as usize;
        let i = if us < 200_000 { us / 100 } else { Self::FINE + ((us - 200_000) / 10_000).min(Self::FINE - 1) };
        if let Some(n) = self.0.get_mut(i) {
            *n += 1;
        }
    }

    pub fn add(&mut self, other: &Histogram) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a += b);
    }

    pub fn count(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The upper edge of the bucket holding the `p` quantile, in ms.
    pub fn percentile(&self, p: f64) -> f64 {
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

/// CPU time (user + system) in seconds: of the server (the process `pid`, or this process's
/// `preau-server` runtime and SQLite workers), and of the server and load generator together.
pub fn cpu_seconds(pid: Option<u32>) -> (f64, f64) {
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

/// `VmRSS` of the process `pid`, or of this one, in KiB.
pub fn rss_kib(pid: Option<u32>) -> f64 {
    let path = pid.map_or("/proc/self/status".to_string(), |pid| format!("/proc/{pid}/status"));
    let status = std::fs::read_to_string(path).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

/// Logs in and returns the session cookie (`name=value`).
pub async fn login(base: &str, username: &str, password: &str) -> anyhow::Result<String> {
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

/// Creates a pad every member of class `unit` edits; returns its id.
pub async fn create_pad(base: &str, cookie: &str, unit: i64, title: &str) -> anyhow::Result<String> {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/pads/creer"))
        .header("origin", base)
        .header("cookie", cookie)
        .form(&[("unite", format!("c:{unit}").as_str()), ("titre", title), ("modification", "class")])
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "creating a pad in class {unit}: {}", res.status());
    Ok(res.text().await?.trim().trim_matches('"').to_string())
}

/// Starts Préau (this runtime) with the demo school on a fresh SQLite file in `dir`, taking
/// `participants` connections per pad; returns its URL and the ids of the demo `classes`.
pub async fn spawn(dir: &std::path::Path, participants: usize, classes: &[&str]) -> anyhow::Result<(String, Vec<i64>)> {
    std::fs::create_dir_all(dir)?;
    spawn_on(&format!("sqlite://{}/preau.db", dir.display()), participants, classes).await
}

/// A fresh database on the PostgreSQL server of `url` (127.0.0.1 only): its URL and name.
pub async fn fresh_postgres(url: &str, prefix: &str) -> anyhow::Result<(String, String)> {
    anyhow::ensure!(url.contains("@127.0.0.1"), "load tests only target 127.0.0.1");
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(url).await?;
    let name = format!("{prefix}_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await?;
    admin.close().await;
    let server = url.split('?').next().unwrap_or(url).rsplit_once('/').map_or(url, |(s, _)| s);
    Ok((format!("{server}/{name}"), name))
}

/// Drops a database `fresh_postgres` made, whoever is still connected to it.
pub async fn drop_postgres(url: &str, name: &str) -> anyhow::Result<()> {
    let admin = sqlx::AnyPool::connect(url).await?;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&admin).await?;
    Ok(())
}

/// Starts Préau (this runtime) with the demo school on the database `url` (seeded by the
/// first server started on it: several on one PostgreSQL database are several nodes).
pub async fn spawn_on(url: &str, participants: usize, classes: &[&str]) -> anyhow::Result<(String, Vec<i64>)> {
    let participants = participants.to_string();
    let vars = [
        ("DATABASE_URL", url),
        ("PREAU_DEMO", "1"),
        ("PREAU_DEMO_PASSWORD", PASSWORD),
        ("PREAU_PAD_MAX_PARTICIPANTS", participants.as_str()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
    ];
    let settings =
        server::config::Settings::from_vars(&|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))?;
    let state = server::build_state(&settings).await?;
    let mut units = Vec::new();
    for class in classes {
        let id: i64 = sqlx::query_scalar(
            "SELECT c.id FROM classes c JOIN establishments e ON e.id = c.establishment_id WHERE e.uai = '0671234A' AND c.name = $1",
        )
        .bind(*class)
        .fetch_one(&state.db)
        .await?;
        units.push(id);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(server::serve(state, listener));
    Ok((base, units))
}
