//! The database pool: SQLite (embedded default) or PostgreSQL, chosen by the URL, through
//! sqlx's `Any` driver so each query is written once. Also the id and clock helpers every
//! feature uses when it writes.

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub type Db = AnyPool;

/// Which engine a pool talks to, for the rare statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine behind a connection.
    pub fn of(conn: &sqlx::AnyConnection) -> Engine {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") { Engine::Postgres } else { Engine::Sqlite }
    }

    /// The aggregate joining a group's text values with `,` (the one SQL function whose name
    /// differs between the two engines that Préau uses).
    pub fn string_agg(self, expression: &str) -> String {
        match self {
            Engine::Sqlite => format!("group_concat({expression}, ',')"),
            Engine::Postgres => format!("string_agg({expression}, ',')"),
        }
    }
}

pub fn engine_of(url: &str) -> Engine {
    if url.starts_with("postgres") { Engine::Postgres } else { Engine::Sqlite }
}

/// Connects, creating the SQLite file (and its folder) when needed, and runs migrations.
pub async fn connect_and_migrate(url: &str, max_connections: u32) -> anyhow::Result<Db> {
    install_default_drivers();
    let engine = engine_of(url);
    let url = if engine == Engine::Sqlite { prepare_sqlite_url(url)? } else { url.to_string() };
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // A pooled SQLite connection is a file handle that cannot drop; pinging it before each
        // query was a round trip to its worker thread per query, a third of a page's database
        // cost. A PostgreSQL connection can die with the server, so it is still checked.
        .test_before_acquire(engine != Engine::Sqlite)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if engine == Engine::Sqlite {
                    // WAL lets readers run beside the writer; FULL fsyncs the WAL at each
                    // commit, so what Préau has acknowledged survives a power cut too.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    // 16 MiB of page cache per connection (SQLite's default is 2 MiB): a
                    // period's grades stay in memory between bulletin computations, and
                    // sorting for GROUP BY happens in memory.
                    conn.execute("PRAGMA cache_size = -16384").await?;
                    conn.execute("PRAGMA temp_store = MEMORY").await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .with_context(|| format!("connecting to the {engine:?} database"))?;
    sqlx::migrate!("../migrations").run(&pool).await.context("running database migrations")?;
    Ok(pool)
}

/// `sqlite://data/preau.db` → makes sure `data/` exists and asks SQLite to create the file.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:").split('?').next().unwrap_or("");
    if !path.is_empty()
        && path != ":memory:"
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the database folder {}", dir.display()))?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Opens a transaction that will write. On SQLite it takes the write lock at its start
/// (`BEGIN IMMEDIATE`), waiting up to `busy_timeout` for it: a deferred transaction that
/// reads and then writes fails at once with "database is locked" when another connection
/// committed in between (WAL keeps its first snapshot), and busy_timeout cannot wait that out.
/// With pads writing all the time, that turned ordinary forms into rare 500s. PostgreSQL
/// takes row locks as it goes and needs nothing special.
pub async fn begin_write(db: &Db) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    if db.connect_options().database_url.scheme().starts_with("sqlite") {
        db.begin_with("BEGIN IMMEDIATE").await
    } else {
        db.begin().await
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Préau's own epoch for ids: 2020-01-01T00:00:00Z in Unix milliseconds.
pub const ID_EPOCH_MS: i64 = 1_577_836_800_000;
/// Every id made by this scheme is above this floor: the largest id the first scheme (41 bits
/// of Unix milliseconds shifted by 22) could have made before 2030-01-01. That scheme was
/// replaced in December 2026, so no database holds an id above the floor from it, and every
/// new id sorts after every old one: existing ids keep their order.
pub const ID_FLOOR: i64 = 1_893_456_000_000 << 22;
/// Bits below the time: 9 for the process (chosen at random once per process, so several
/// server processes do not collide) and 10 for a sequence within one millisecond.
const NODE_BITS: u32 = 9;
const SEQUENCE_BITS: u32 = 10;
/// Ids stay time-ordered and positive while `ID_FLOOR + (ms since ID_EPOCH_MS) << 19`
/// fits in an i64: until about 2097 (`ids_stay_ordered_until_2097` checks the bound).
pub const ID_HORIZON_MS: i64 = ID_EPOCH_MS + ((i64::MAX - ID_FLOOR) >> (NODE_BITS + SEQUENCE_BITS));

/// The last (milliseconds since the id epoch << SEQUENCE_BITS | sequence) given out by this
/// process: the next one is above it even when the clock steps back or more than 1,024 ids
/// are made in one millisecond (the sequence then borrows the next millisecond).
static LAST_TICK: AtomicU64 = AtomicU64::new(0);
static NODE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// A new id: above `ID_FLOOR`, then milliseconds since 2020 (`ID_EPOCH_MS`), a sequence
/// within the millisecond, and the process's random bits. Time-ordered across processes,
/// strictly increasing within one, positive, portable.
pub fn new_id() -> i64 {
    let node = *NODE.get_or_init(|| {
        let mut b = [0u8; 2];
        let _ = getrandom::fill(&mut b);
        u64::from(u16::from_le_bytes(b)) & ((1 << NODE_BITS) - 1)
    });
    let now = ((now_ms() - ID_EPOCH_MS).max(0) as u64) << SEQUENCE_BITS;
    let previous = LAST_TICK.fetch_update(Ordering::AcqRel, Ordering::Acquire, |last| Some(now.max(last + 1)));
    let tick = match previous {
        Ok(last) | Err(last) => now.max(last + 1),
    };
    id_of(tick, node)
}

fn id_of(tick: u64, node: u64) -> i64 {
    ID_FLOOR + ((tick << NODE_BITS) | node) as i64
}

/// Whether the database answers (for `/healthz`).
pub async fn ping(db: &Db) -> bool {
    sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(db).await.is_ok()
}

/// 16 random bytes as hex (128 bits): session tokens, activation codes, nonces.
pub fn random_token() -> anyhow::Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(b))
}

/// SHA-256 of a secret, hex: what is stored in place of tokens and codes.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_and_increase() {
        let a = new_id();
        let b = new_id();
        assert!(a > 0 && b > a);
    }

    /// The first scheme, as it made ids until December 2026.
    fn first_scheme_id(unix_ms: i64) -> i64 {
        (((unix_ms as u64) & ((1 << 41) - 1)) << 22 | 0x3f_ffff) as i64
    }

    #[test]
    fn every_new_id_sorts_after_every_id_of_the_first_scheme() {
        let made_now_the_old_way = first_scheme_id(now_ms());
        assert!(new_id() > made_now_the_old_way);
        // Even an old id made at the last millisecond of 2029, long after the switch.
        assert!(id_of(0, 0) > first_scheme_id(1_893_456_000_000 - 1));
    }

    #[test]
    fn a_burst_of_ids_in_one_millisecond_never_repeats_nor_goes_back() {
        let ids: Vec<i64> = (0..50_000).map(|_| new_id()).collect();
        assert!(ids.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn ids_stay_ordered_until_2097() {
        let jan_2097: i64 = 4_007_836_800_000; // 2097-01-01T00:00:00Z
        assert!(ID_HORIZON_MS > jan_2097, "horizon {ID_HORIZON_MS}");
        let tick = |unix_ms: i64| ((unix_ms - ID_EPOCH_MS) as u64) << SEQUENCE_BITS;
        let last = id_of(tick(jan_2097) + (1 << SEQUENCE_BITS) - 1, (1 << NODE_BITS) - 1);
        assert!(last > id_of(tick(jan_2097 - 1), 0));
        assert!(last > 0);
    }

    #[test]
    fn a_sqlite_url_asks_for_creation() {
        assert_eq!(prepare_sqlite_url("sqlite::memory:").ok(), Some("sqlite::memory:?mode=rwc".into()));
    }
}
