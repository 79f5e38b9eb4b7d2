//! What every download handler answers (`/quiz/{id}/export.gift`, the quiz results' CSV, a
//! pad's `.txt`/`.md`/`.html`): the file as an attachment that no cache keeps, or a short
//! French text with the error's status. One place, so each export is only its own lookup.

use crate::error::AppError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A plain-text answer (an error's French message) with its status.
pub fn text_response(code: u16, message: String) -> Response {
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::FORBIDDEN),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// `body` as a download named `file` (already safe: a slug and an extension).
pub fn attachment(content_type: &str, file: String, body: impl Into<axum::body::Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body.into(),
    )
        .into_response()
}

/// A file to download.
pub struct Download {
    pub content_type: &'static str,
    pub file: String,
    pub body: Vec<u8>,
}

/// The answer of a download handler: the file, or the error's status and French message.
pub fn respond(result: Result<Download, AppError>) -> Response {
    match result {
        Ok(d) => attachment(d.content_type, d.file, d.body),
        Err(e) => text_response(e.status(), e.message()),
    }
}

/// A visitor without a session goes to the login page, and comes back to `back` after.
pub fn to_login(back: &str) -> Response {
    axum::response::Redirect::to(&format!("/connexion?suivant={back}")).into_response()
}
