//! What every feature shares on the server: state, database, sessions, passwords, audit,
//! realtime connections, demo seed. Compiled only with the `ssr` feature.

pub mod assets;
pub mod audit;
pub mod db;
pub mod demo;
pub mod download;
pub mod metrics;
pub mod password;
pub mod realtime;
pub mod session;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

pub use db::{Db, Engine};
pub use session::{CurrentUser, current_user, require_user};

/// Session and cookie settings, from `server::config::Settings`.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Cookies get `Secure` and the `__Host-` prefix (when Préau is served over https).
    pub secure_cookies: bool,
    /// The origin browsers send (`https://ent.example.fr`); when unset, the request's Host.
    pub public_origin: Option<String>,
    /// A session unused for this long ends.
    pub idle_timeout_ms: i64,
    /// A session ends this long after login, used or not.
    pub absolute_timeout_ms: i64,
    /// Trust the last `X-Forwarded-For` address (behind a reverse proxy).
    pub behind_proxy: bool,
    /// Audit entries older than this are removed by the housekeeping loop.
    pub audit_retention_ms: i64,
}

impl AuthConfig {
    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookies { "__Host-preau_session" } else { "preau_session" }
    }
}

/// Everything a request handler may need, built once at start-up and shared.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub engine: Engine,
    pub auth: Arc<AuthConfig>,
    pub hasher: password::PasswordHasher,
    pub realtime: realtime::Realtime,
    /// Live quiz sessions running, one hub each.
    pub live: crate::quizzes::hub::LiveHubs,
    pub leptos_options: LeptosOptions,
    /// The built stylesheet, script and wasm, content-named in a release build.
    pub assets: Arc<assets::AssetNames>,
    /// Most connections open on one pad at once (`PREAU_PAD_MAX_PARTICIPANTS`).
    pub pad_max_participants: usize,
    /// What `/metrics` shows (`PREAU_METRICS_ADDR`).
    pub metrics: Arc<metrics::Metrics>,
    /// Audit entries of throttled attempts, counted in memory and written every few seconds.
    pub audit_pending: Arc<audit::Coalesced>,
}

impl AppState {
    /// The metrics in Prometheus's text format, gauges read now.
    pub fn render_metrics(&self) -> String {
        let gauges = metrics::Gauges {
            pads_open: self.realtime.open_pads().len(),
            hash_waiting: self.hasher.waiting(),
            lane_waiting: self.hasher.lane_waiting(),
            db_size: self.db.size(),
            db_idle: self.db.num_idle() as u32,
            db_max: self.db.options().get_max_connections(),
        };
        self.metrics.render(&gauges)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state, from the reactive context (server functions and SSR).
pub fn state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::from(anyhow::anyhow!("AppState missing from context")))
}

/// The client's address, set by the server's request layer.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// Sets the HTTP status of the current server-function response from its result, so a
/// refused request answers 403/404/422 rather than a generic 500. A plain form post (no
/// JavaScript, `Accept: text/html`) keeps the redirect back to its page, which carries the
/// error in the URL for the page to show.
pub fn respond<T>(result: Result<T, crate::error::AppError>) -> Result<T, crate::error::AppError> {
    if let Err(e) = &result {
        if is_plain_form_post() {
            return result;
        }
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = axum::http::StatusCode::from_u16(e.status())
        {
            opts.set_status(code);
        }
    }
    result
}

/// Whether the request is a form posted without JavaScript (answered by a redirect back).
pub fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}
