//! A pad's downloads, for whoever may read it: `/pads/{id}/export.txt` (the text as it is),
//! `/pads/{id}/export.md` (the same text, Markdown being what pads are written in) and
//! `/pads/{id}/export.html` (a complete document, rendered by `domain::pad::markdown`, where
//! every character of the text and title is escaped). The text is the durable one: every
//! acknowledged edit is in it.

use crate::error::AppError;
use crate::server::download::{self, Download};
use crate::server::session::SessionSlot;
use crate::server::{AppState, CurrentUser};
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::PadId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Txt,
    Md,
    Html,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Md => "md",
            Format::Html => "html",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Txt => "text/plain; charset=utf-8",
            Format::Md => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// The file of a pad in a format: `compte-rendu.md`.
pub async fn file_for(st: &AppState, user: &CurrentUser, pad: PadId, format: Format) -> Result<Download, AppError> {
    let (_, title) = super::history_api::ssr::readable(st, user, pad).await?;
    let text = super::history_api::ssr::current_doc(st, pad).await?.text();
    let body = match format {
        Format::Txt | Format::Md => text,
        Format::Html => domain::pad::markdown::to_html_document(&title, &text),
    };
    let slug = crate::grades::slug(&title);
    let name = if slug.is_empty() { "pad".to_string() } else { slug };
    Ok(Download {
        content_type: format.content_type(),
        file: format!("{name}.{}", format.extension()),
        body: body.into_bytes(),
    })
}

async fn export(state: AppState, slot: SessionSlot, raw: String, format: Format) -> Response {
    let Some(user) = slot.0 else {
        return download::to_login(&format!("/pads/{}", raw.trim()));
    };
    let Ok(pad) = raw.parse::<PadId>() else {
        return download::respond(Err(AppError::NotFound));
    };
    download::respond(file_for(&state, &user, pad, format).await)
}

/// `/pads/{id}/export.txt`
pub async fn export_txt(
    State(state): State<AppState>,
    Extension(slot): Extension<SessionSlot>,
    Path(id): Path<String>,
) -> Response {
    export(state, slot, id, Format::Txt).await
}

/// `/pads/{id}/export.md`
pub async fn export_md(
    State(state): State<AppState>,
    Extension(slot): Extension<SessionSlot>,
    Path(id): Path<String>,
) -> Response {
    export(state, slot, id, Format::Md).await
}

/// `/pads/{id}/export.html`
pub async fn export_html(
    State(state): State<AppState>,
    Extension(slot): Extension<SessionSlot>,
    Path(id): Path<String>,
) -> Response {
    export(state, slot, id, Format::Html).await
}
