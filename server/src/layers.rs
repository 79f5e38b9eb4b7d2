//! Layers every request goes through: the client's address and session, the Origin check on
//! state-changing requests, and security headers.

use app::server::session::{self, SessionSlot};
use app::server::{AppState, AuthConfig, ClientIp};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// Paths that never need a session (static files, health).
fn is_static(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/healthz" || path == "/favicon.svg" || path == "/favicon.ico"
}

fn client_ip(req: &Request, auth: &AuthConfig) -> String {
    if auth.behind_proxy
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return ip.to_string();
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default()
}

/// Resolves the session cookie into the current user (request extension `SessionSlot`),
/// and clears a cookie whose session has ended.
pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req, &state.auth);
    req.extensions_mut().insert(ClientIp(ip));
    if is_static(req.uri().path()) {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::token_from_cookie_header(&state.auth, h));
    let user = match &token {
        Some(t) => match session::load(&state, t).await {
            Ok(u) => u,
            Err(_) => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Préau est momentanément indisponible. Réessayez dans un instant.",
                )
                    .into_response();
            }
        },
        None => None,
    };
    let stale_cookie = token.is_some() && user.is_none();
    req.extensions_mut().insert(SessionSlot(user.map(Arc::new)));
    let mut res = next.run(req).await;
    if stale_cookie && let Ok(v) = HeaderValue::from_str(&session::clearing_cookie(&state.auth)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Whether a state-changing request comes from Préau's own pages: its `Origin` must be
/// Préau's (the configured public origin, or the request's own host), or, without `Origin`,
/// `Sec-Fetch-Site` must say same-origin.
pub fn origin_allowed(headers: &HeaderMap, auth: &AuthConfig) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // Compared as parsed origins: capitals or an explicit default port are the same origin.
        let Some(origin) = crate::config::origin_of(origin) else { return false };
        return match &auth.public_origin {
            Some(expected) => &origin == expected,
            None => {
                let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
                !host.is_empty()
                    && ["http", "https"]
                        .iter()
                        .any(|scheme| crate::config::origin_of(&format!("{scheme}://{host}")).as_ref() == Some(&origin))
            }
        };
    }
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("same-origin")
}

pub async fn origin_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !origin_allowed(req.headers(), &state.auth) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Requête refusée : elle ne provient pas d'une page de Préau. Rechargez la page et réessayez.",
        )
            .into_response();
    }
    next.run(req).await
}

/// The largest server-function error body read back (an `AppError` is a few hundred bytes).
const SERVER_FN_ERROR_MAX_BYTES: usize = 64 * 1024;

/// Gives a server function's error its own status. When the arguments of a request cannot be
/// read (a field missing or of the wrong type), server_fn answers 500 before any Préau code
/// runs; the body is the `AppError` (`Malformed`, a 400) with its French message, so the
/// status is taken from it. Errors Préau returned already carry their status.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key(app::error::SERVER_FN_ERROR_HEADER)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, SERVER_FN_ERROR_MAX_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Une erreur est survenue de notre côté.").into_response();
    };
    if let Ok(e) = serde_json::from_slice::<app::error::AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(e.status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A strict policy for responses that set none (the HTML shell sets one with its nonce).
const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS when Préau is served over https (PREAU_PUBLIC_URL): a year, subdomains included.
const HSTS: &str = "max-age=31536000; includeSubDomains";

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        res = (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "Envoi trop volumineux : {} Mio au plus. Découpez le fichier ou réduisez le texte.",
                crate::MAX_BODY_BYTES / (1024 * 1024)
            ),
        )
            .into_response();
    }
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DEFAULT_CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.auth.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if !is_static(&path) {
        // Pages and API answers are personal: never stored by a browser or a proxy.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if state.assets.is_immutable(&state.leptos_options.site_pkg_dir, &path) {
        // Named after its content: the same name is always the same bytes.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(app::server::assets::IMMUTABLE));
    } else if path.starts_with("/pkg/") {
        // Kept, but checked at each load (a cheap 304): after a deploy the page and its
        // wasm must match, or server-function calls would miss.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    res
}

/// The French answer to a request whose handler panicked; the panic is logged (its message,
/// the request's route in the request log line that follows).
pub fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = %message, "a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Une erreur interne est survenue. Réessayez dans un instant ; si elle persiste, prévenez le référent \
         numérique.",
    )
        .into_response()
}

/// The request log and the request metrics: one line per request at `info` (method, the
/// matched route such as `/pads/{id}`, never the URL with its ids and query, status,
/// milliseconds; no address, no person), and the same counted for `/metrics`.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let route = route_label(req.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str()));
    let method = req.method().clone();
    let res = next.run(req).await;
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    tracing::info!(method = %method, route = %route, status, ms = elapsed.as_millis() as u64, "request");
    state.metrics.request(&route, method_label(&method), status, elapsed.as_secs_f64());
    res
}

/// The label of a request's method: HTTP lets a client invent methods, and each would be a
/// new series, so anything but the standard ones is `other`.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The label of a matched route: the path pattern, with a nested service's tail shown as `*`;
/// `unmatched` when no route matched (a 404 or the pages' fallback).
pub fn route_label(matched: Option<&str>) -> String {
    match matched {
        None => app::server::metrics::UNMATCHED.to_string(),
        Some(path) => match path.find("/{*") {
            Some(i) => format!("{}/*", &path[..i]),
            None => path.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_invented_method_is_labelled_other() -> Result<(), axum::http::method::InvalidMethod> {
        use axum::http::Method;
        assert_eq!(super::method_label(&Method::from_bytes(b"PREAUTEST1")?), "other");
        assert_eq!(super::method_label(&Method::from_bytes(b"PREAUTEST2")?), "other");
        assert_eq!(super::method_label(&Method::POST), "POST");
        Ok(())
    }

    use super::*;

    fn auth(origin: Option<&str>) -> AuthConfig {
        AuthConfig {
            secure_cookies: false,
            public_origin: origin.map(String::from),
            idle_timeout_ms: 1,
            absolute_timeout_ms: 1,
            behind_proxy: false,
            audit_retention_ms: 1,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_post_from_another_site_is_refused() {
        let a = auth(Some("https://ent.example.fr"));
        assert!(origin_allowed(&headers(&[("origin", "https://ent.example.fr")]), &a));
        assert!(!origin_allowed(&headers(&[("origin", "https://evil.example")]), &a));
        assert!(!origin_allowed(&headers(&[]), &a));
        assert!(origin_allowed(&headers(&[("sec-fetch-site", "same-origin")]), &a));
        assert!(!origin_allowed(&headers(&[("sec-fetch-site", "cross-site")]), &a));
    }

    #[test]
    fn origins_are_compared_as_parsed_urls() {
        let a = auth(Some("https://ent.example.fr"));
        for same in ["https://ENT.Example.fr", "https://ent.example.fr:443", "HTTPS://ent.example.fr"] {
            assert!(origin_allowed(&headers(&[("origin", same)]), &a), "{same}");
        }
        for other in
            ["http://ent.example.fr", "https://ent.example.fr:8443", "https://ent.example.fr.evil.example", "null"]
        {
            assert!(!origin_allowed(&headers(&[("origin", other)]), &a), "{other}");
        }
        let a = auth(None);
        assert!(origin_allowed(&headers(&[("origin", "http://LOCALHOST:3000"), ("host", "localhost:3000")]), &a));
        assert!(origin_allowed(&headers(&[("origin", "https://ent.example.fr"), ("host", "ent.example.fr:443")]), &a));
    }

    #[test]
    fn without_a_public_url_the_origin_must_match_the_host() {
        let a = auth(None);
        assert!(origin_allowed(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), &a));
        assert!(!origin_allowed(&headers(&[("origin", "http://evil:3000"), ("host", "127.0.0.1:3000")]), &a));
    }
}
