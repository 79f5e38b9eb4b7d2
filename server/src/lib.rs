//! Préau's server: builds the state, the router (pages, server functions, `/ws`, the pad
//! hub's `/ws/pads/{id}` and a pad's restore, exports, live quizzes' `/ws/quiz/{code}`, files, health) and the layers every request goes through (client
//! address, session, Origin check, security headers, body limit, compression). `main.rs`
//! only wires this up.

pub mod bus;
pub mod cli;
pub mod config;
pub mod layers;
pub mod pads;
pub mod quiz_ws;
pub mod ws;

use anyhow::Context;
use app::server::{AppState, AuthConfig, db, password::PasswordHasher, realtime::Realtime};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use config::Settings;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body accepted (a 1 MiB CSV, form-encoded, fits with room to spare).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Connects the database, runs migrations, seeds the demo school when asked.
pub async fn build_state(settings: &Settings) -> anyhow::Result<AppState> {
    let pool = db::connect_and_migrate(&settings.database_url, settings.db_max_connections).await?;
    let metrics = Arc::new(app::server::metrics::Metrics::default());
    let hasher = PasswordHasher::new(metrics.clone())?;
    if settings.demo {
        let password = match &settings.demo_password {
            Some(p) => p.clone(),
            None => {
                let p = db::random_token()?[..16].to_string();
                println!("Mot de passe des comptes de démonstration : {p}");
                p
            }
        };
        let phc = hasher.hash(password).await.map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
        if app::server::demo::seed_if_empty(&pool, &phc).await.context("seeding the demo school")? {
            tracing::info!("demo school seeded");
        }
    }
    let assets = app::server::assets::AssetNames::load(&settings.output_name)?;
    let leptos_options = LeptosOptions::builder()
        .hash_files(assets.hashed)
        .output_name(settings.output_name.clone())
        .site_root(settings.site_root.clone())
        .site_pkg_dir(settings.site_pkg_dir.clone())
        .site_addr(settings.site_addr)
        .env(Env::PROD)
        .build();
    Ok(AppState {
        engine: db::engine_of(&settings.database_url),
        db: pool,
        auth: Arc::new(AuthConfig {
            secure_cookies: settings.secure_cookies(),
            public_origin: settings.public_origin(),
            idle_timeout_ms: settings.session_idle_minutes * 60_000,
            absolute_timeout_ms: settings.session_max_hours * 3_600_000,
            behind_proxy: settings.behind_proxy,
            audit_retention_ms: settings.audit_retention_days * 86_400_000,
        }),
        hasher,
        realtime: Realtime::default(),
        live: Default::default(),
        leptos_options,
        assets: Arc::new(assets),
        pad_max_participants: settings.pad_max_participants,
        metrics,
        audit_pending: Default::default(),
    })
}

/// The whole HTTP application: Préau's routes, with the layers of [`with_layers`].
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let context_state = state.clone();
    let context = move || {
        provide_context(context_state.clone());
        leptos::nonce::provide_nonce();
    };
    let shell_options = state.leptos_options.clone();
    // The built wasm, JS and CSS: served precompressed (`cargo leptos build --precompress`
    // writes .br and .gz beside them) so no CPU goes to compressing 1.4 MB per visitor at 8:00.
    let pkg_dir = format!("{}/{}", state.leptos_options.site_root, state.leptos_options.site_pkg_dir);
    let pkg = tower_http::services::ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip();
    let pad_hub = pads::PadHub::new(state.clone());
    // On PostgreSQL, other processes may serve the same pads and sessions: hear them.
    bus::start(&state, pad_hub.clone());
    let routes = Router::new()
        .nest_service(&format!("/{}", state.leptos_options.site_pkg_dir), pkg)
        .route("/healthz", get(healthz))
        .route("/ws", get(ws::upgrade))
        .route("/ws/pads/{id}", get(pads::upgrade).layer(axum::Extension(pad_hub.clone())))
        .route("/pads/{id}/restaurer", post(pads::restore).layer(axum::Extension(pad_hub)))
        .route("/pads/{id}/export.txt", get(app::pads::export::export_txt))
        .route("/pads/{id}/export.md", get(app::pads::export::export_md))
        .route("/pads/{id}/export.html", get(app::pads::export::export_html))
        .route("/ws/quiz/{code}", get(quiz_ws::upgrade))
        .route("/bulletin.pdf", get(app::bulletins::pdf_download))
        .route("/carnet-de-notes/export.csv", get(app::grades::csv_export))
        .route("/quiz/{id}/export.gift", get(app::quizzes::authoring::gift_export))
        .route("/quiz/resultats/{id}/export.csv", get(app::quizzes::results::results_export))
        .leptos_routes_with_context(&state, routes, context.clone(), move || app::shell(shell_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell));
    with_layers(routes, state)
}

/// The layers every request goes through, around `routes` (public so that a test can put a
/// route of its own behind exactly these layers). Innermost first: server functions' status,
/// session, Origin check, the panic catcher, the body limits, security headers, the request
/// log and metrics, compression.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .layer(axum::middleware::from_fn(layers::server_fn_status))
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::session))
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::origin_check))
        // A panic in a handler (or the layers inside) answers 500 in French and is logged;
        // the process and every other request go on.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(layers::panicked))
        // axum's extractors (server functions' bodies among them) stop at 2 MB by default,
        // with a bare 400: the limit is this one, answered by the layer below.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Outside the body limit, so its 413 gets the French text and the headers too.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::observe))
        .layer(tower_http::compression::CompressionLayer::new().quality(DYNAMIC_COMPRESSION))
        .with_state(state)
}

/// Level for compressing pages as they are rendered (static assets are precompressed at the
/// highest level at build time and served as they are). Level 1 is nginx's default for gzip
/// and brotli's fastest useful one: a bulletin page is 4.4 KB instead of 3.7 KB on the wire,
/// and the server answers about 15 % more pages per second (docs/benchmarks.md). Browsers
/// that accept zstd (Chromium, Firefox) get it: at level 1 it costs a fraction of brotli's
/// CPU for about the same size; Safari gets brotli.
const DYNAMIC_COMPRESSION: tower_http::CompressionLevel = tower_http::CompressionLevel::Precise(1);

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if db::ping(&state.db).await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// How often [`housekeeping`] runs: a socket outlives its session's end by at most this.
pub const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// What the server does every [`HOUSEKEEPING_EVERY`]: forgets closed connections, removes the
/// sessions past their idle or absolute timeout and closes (4001) the sockets of every session
/// no longer open, however it ended; purges old throttle counters and audit entries.
pub async fn housekeeping(state: &AppState) {
    state.realtime.prune();
    match app::server::session::end_closed_sessions(state).await {
        Ok((0, 0)) => {}
        Ok((purged, closed)) => tracing::info!(purged, closed, "ended sessions removed, their sockets closed"),
        Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
    }
    purge_logs(state).await;
}

/// Serves until Ctrl-C / SIGTERM, then lets requests in flight finish.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let housekeeping = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            tick.tick().await;
            self::housekeeping(&housekeeping).await;
        }
    });
    let audit = state.clone();
    let writing_audit = tokio::spawn(async move {
        let mut tick = tokio::time::interval(app::server::audit::COALESCE_FLUSH_EVERY);
        loop {
            tick.tick().await;
            write_coalesced_audit(&audit).await;
        }
    });
    let served = axum::serve(listener, router(state.clone()).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP");
    writing_audit.abort();
    write_coalesced_audit(&state).await;
    served
}

/// Writes the audit counts of throttled attempts gathered since the last time.
pub async fn write_coalesced_audit(state: &AppState) {
    if let Err(e) = state.audit_pending.flush(&state.db).await {
        tracing::warn!(error = %e, "could not write the coalesced audit entries; kept for the next try");
    }
}

/// Serves `GET /metrics` (Prometheus's text format) on its own listener, for the address of
/// `PREAU_METRICS_ADDR`: never on the public address, where anyone could read it.
pub async fn serve_metrics(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let metrics = Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    state.render_metrics(),
                )
            }),
        )
        .with_state(state.clone());
    let probe = tokio::spawn(probe_pool(state));
    let served =
        axum::serve(listener, metrics).with_graceful_shutdown(shutdown_signal()).await.context("serving metrics");
    probe.abort();
    served
}

/// Takes a database connection every [`app::server::metrics::POOL_PROBE_EVERY`] and records
/// how long that took: the pool's wait as a request would have met it. A connection not had
/// within the pool's own acquire timeout is recorded as that long.
async fn probe_pool(state: AppState) {
    let mut every = tokio::time::interval(app::server::metrics::POOL_PROBE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let started = std::time::Instant::now();
        let connection = state.db.acquire().await;
        state.metrics.pool_waited(started.elapsed().as_secs_f64());
        drop(connection);
    }
}

/// Removes throttle counters past their window and audit entries past their retention
/// (both keyed or written by unauthenticated clients, so they must not grow without end).
pub async fn purge_logs(state: &AppState) {
    match app::auth::db::purge_throttle(&state.db).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "old throttle counters removed"),
        Err(e) => tracing::warn!(error = %e, "could not remove old throttle counters"),
    }
    match app::server::audit::purge_older_than(&state.db, state.auth.audit_retention_ms).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "audit entries past their retention removed"),
        Err(e) => tracing::warn!(error = %e, "could not remove old audit entries"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
