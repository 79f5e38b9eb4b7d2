//! What the server counts for Prometheus: requests by route, method and status, their
//! durations, open sockets by kind, pads open, the password-hashing queue and hash times, and
//! the database pool. Served in Prometheus's text format on its own address
//! (`PREAU_METRICS_ADDR`, off by default) by `server::metrics`, never on the public one.
//!
//! Hand-written on atomics and two small maps: a dozen series do not need a metrics crate.
//! Labels are bounded: a route is the router's matched path (`/pads/{id}`, never the URL
//! itself, so no id or query string), a method one of a few, a status a number.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Upper bounds of the latency buckets, in seconds (Prometheus's `le`).
pub const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How often the pool probe takes a connection while metrics are served.
pub const POOL_PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Requests that matched no route are counted under this label.
pub const UNMATCHED: &str = "unmatched";

/// A latency histogram: counts per bucket (not cumulative), the sum and the count.
#[derive(Debug, Default, Clone)]
pub struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum_seconds: f64,
    count: u64,
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|le| seconds <= *le) {
            self.buckets[i] += 1;
        }
        self.sum_seconds += seconds;
        self.count += 1;
    }

    /// Writes the `_bucket`, `_sum` and `_count` lines of `name` with `labels` (`k="v",` or
    /// empty).
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (le, n) in BUCKETS.iter().zip(self.buckets) {
            cumulative += n;
            let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{le}\"}} {cumulative}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}le=\"+Inf\"}} {}", self.count);
        let labels = labels.trim_end_matches(',');
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum_seconds);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// Kinds of WebSocket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketKind {
    /// `/ws`: a page's session and notifications.
    Session,
    /// `/ws/pads/{id}`.
    Pad,
    /// `/ws/quiz/{code}`.
    Quiz,
}

impl SocketKind {
    const ALL: [SocketKind; 3] = [SocketKind::Session, SocketKind::Pad, SocketKind::Quiz];

    fn label(self) -> &'static str {
        match self {
            SocketKind::Session => "session",
            SocketKind::Pad => "pad",
            SocketKind::Quiz => "quiz",
        }
    }
}

/// A socket counted as open until this is dropped.
pub struct OpenSocket {
    gauge: Arc<Metrics>,
    kind: SocketKind,
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.gauge.sockets[self.kind as usize].fetch_sub(1, Ordering::Relaxed);
    }
}

/// The counters of one server process.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    durations: Mutex<BTreeMap<String, Histogram>>,
    sockets: [AtomicI64; 3],
    hashes: Mutex<Histogram>,
    hash_refused: AtomicU64,
    pool_waits: Mutex<Histogram>,
}

impl Metrics {
    /// Records how long a probe waited for a database connection (see [`POOL_PROBE_EVERY`]).
    pub fn pool_waited(&self, seconds: f64) {
        self.pool_waits.lock().unwrap_or_else(|e| e.into_inner()).observe(seconds);
    }

    /// Counts one request answered.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *requests.entry((route.to_string(), method.to_string(), status)).or_default() += 1;
        drop(requests);
        let mut durations = self.durations.lock().unwrap_or_else(|e| e.into_inner());
        durations.entry(route.to_string()).or_default().observe(seconds);
    }

    /// Counts a socket of `kind` as open until the returned guard is dropped.
    pub fn socket_opened(self: &Arc<Self>, kind: SocketKind) -> OpenSocket {
        self.sockets[kind as usize].fetch_add(1, Ordering::Relaxed);
        OpenSocket { gauge: self.clone(), kind }
    }

    /// Sockets of `kind` open now.
    pub fn open_sockets(&self, kind: SocketKind) -> i64 {
        self.sockets[kind as usize].load(Ordering::Relaxed)
    }

    /// Records how long one password hash (or check) took.
    pub fn hashed(&self, seconds: f64) {
        self.hashes.lock().unwrap_or_else(|e| e.into_inner()).observe(seconds);
    }

    /// Counts a hash refused because the queue was full.
    pub fn hash_refused(&self) {
        self.hash_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Everything in Prometheus's text format, with the gauges read now from the state.
    pub fn render(&self, now: &Gauges) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP preau_http_requests_total Requests answered, by matched route, method and status.\n");
        out.push_str("# TYPE preau_http_requests_total counter\n");
        for ((route, method, status), n) in self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(
                out,
                "preau_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        out.push_str("# HELP preau_http_request_duration_seconds Time to answer a request, by matched route.\n");
        out.push_str("# TYPE preau_http_request_duration_seconds histogram\n");
        for (route, histogram) in self.durations.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            histogram.write(&mut out, "preau_http_request_duration_seconds", &format!("route=\"{}\",", escape(route)));
        }
        out.push_str("# HELP preau_open_sockets WebSockets open now, by kind.\n");
        out.push_str("# TYPE preau_open_sockets gauge\n");
        for kind in SocketKind::ALL {
            let _ = writeln!(out, "preau_open_sockets{{kind=\"{}\"}} {}", kind.label(), self.open_sockets(kind));
        }
        out.push_str("# HELP preau_pads_open Pads with at least one connection in this process.\n");
        out.push_str("# TYPE preau_pads_open gauge\n");
        let _ = writeln!(out, "preau_pads_open {}", now.pads_open);
        out.push_str("# HELP preau_password_hash_waiting Password hashes (logins, activations) waiting for a core.\n");
        out.push_str("# TYPE preau_password_hash_waiting gauge\n");
        let _ = writeln!(out, "preau_password_hash_waiting {}", now.hash_waiting);
        out.push_str("# HELP preau_password_hash_refused_total Hashes refused because the queue was full.\n");
        out.push_str("# TYPE preau_password_hash_refused_total counter\n");
        let _ = writeln!(out, "preau_password_hash_refused_total {}", self.hash_refused.load(Ordering::Relaxed));
        out.push_str("# HELP preau_password_hash_seconds Time of one password hash or check, queue excluded.\n");
        out.push_str("# TYPE preau_password_hash_seconds histogram\n");
        self.hashes.lock().unwrap_or_else(|e| e.into_inner()).write(&mut out, "preau_password_hash_seconds", "");
        out.push_str("# HELP preau_db_connections Database pool connections, by state.\n");
        out.push_str("# TYPE preau_db_connections gauge\n");
        let _ = writeln!(out, "preau_db_connections{{state=\"idle\"}} {}", now.db_idle);
        let _ = writeln!(out, "preau_db_connections{{state=\"in_use\"}} {}", now.db_size.saturating_sub(now.db_idle));
        out.push_str("# HELP preau_db_connections_max Most connections the pool opens.\n");
        out.push_str("# TYPE preau_db_connections_max gauge\n");
        let _ = writeln!(out, "preau_db_connections_max {}", now.db_max);
        out.push_str("# HELP preau_db_pool_wait_seconds Time a probe waited for a database connection, once a second: what a request would have waited then.\n");
        out.push_str("# TYPE preau_db_pool_wait_seconds histogram\n");
        self.pool_waits.lock().unwrap_or_else(|e| e.into_inner()).write(&mut out, "preau_db_pool_wait_seconds", "");
        out.push_str(
            "# HELP preau_login_lane_waiting Password checks waiting their turn in a slowed address's lane.\n",
        );
        out.push_str("# TYPE preau_login_lane_waiting gauge\n");
        let _ = writeln!(out, "preau_login_lane_waiting {}", now.lane_waiting);
        out
    }
}

/// What is read from the state at each scrape.
#[derive(Debug, Default, Clone, Copy)]
pub struct Gauges {
    pub pads_open: usize,
    pub hash_waiting: usize,
    pub lane_waiting: usize,
    pub db_size: u32,
    pub db_idle: u32,
    pub db_max: u32,
}

/// A label value as Prometheus reads it (backslash, quote and newline escaped).
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_writes_cumulative_buckets_its_sum_and_its_count() {
        let mut h = Histogram::default();
        h.observe(0.003);
        h.observe(0.2);
        h.observe(60.0);
        let mut out = String::new();
        h.write(&mut out, "x", "route=\"/a\",");
        assert!(out.contains("x_bucket{route=\"/a\",le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{route=\"/a\",le=\"0.25\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{route=\"/a\",le=\"30\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{route=\"/a\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_sum{route=\"/a\"} 60.203\n"), "{out}");
        assert!(out.contains("x_count{route=\"/a\"} 3\n"), "{out}");
    }

    #[test]
    fn a_socket_counts_while_its_guard_lives() {
        let m = Arc::new(Metrics::default());
        let a = m.socket_opened(SocketKind::Pad);
        let _b = m.socket_opened(SocketKind::Pad);
        assert_eq!(m.open_sockets(SocketKind::Pad), 2);
        drop(a);
        assert_eq!(m.open_sockets(SocketKind::Pad), 1);
        assert_eq!(m.open_sockets(SocketKind::Quiz), 0);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
