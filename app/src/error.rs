//! The one error type of Préau's API. Variants are snake_case codes the UI translates into
//! French; internal causes stay in the server log.

use domain::DomainError;
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
/// The header server_fn puts on its error answers (read by the server's status layer).
pub use server_fn::error::SERVER_FN_ERROR_HEADER;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum AppError {
    /// Not logged in, or the session ended.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Logged in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    #[error("not_found")]
    NotFound,
    /// A field was refused; `reason` is already French.
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("conflict: {0}")]
    Conflict(String),
    /// Wrong username or password (never says which).
    #[error("bad_credentials")]
    BadCredentials,
    /// Too many failures: wait this many seconds.
    #[error("throttled {0}s")]
    Throttled(u64),
    /// The server is saturated (e.g. the password-hashing queue is full).
    #[error("busy")]
    Busy,
    /// Something broke on the server; details are in its log.
    #[error("internal")]
    Internal,
    /// The request did not go through (transport).
    #[error("request: {0}")]
    Request(String),
    /// The server could not read the request's arguments (a field missing or of the wrong
    /// type), or the browser could not read the answer (a page older than the server).
    #[error("malformed: {0}")]
    Malformed(String),
}

impl AppError {
    /// The French sentence shown to the user, saying what to do next.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => "Votre session a expiré. Reconnectez-vous.".into(),
            AppError::Forbidden => "Vous n'avez pas accès à cette page.".into(),
            AppError::NotFound => "Cette page n'existe pas ou plus.".into(),
            AppError::Invalid { reason, .. } => reason.clone(),
            AppError::Conflict(m) => m.clone(),
            AppError::BadCredentials => {
                "Identifiant ou mot de passe incorrect. Vérifiez la saisie (majuscules, accents) et réessayez.".into()
            }
            AppError::Throttled(secs) => format!(
                "Trop de tentatives incorrectes. Patientez {secs} seconde{} avant de réessayer.",
                if *secs > 1 { "s" } else { "" }
            ),
            AppError::Busy => "Le service est très sollicité. Réessayez dans quelques secondes.".into(),
            AppError::Internal => {
                "Une erreur est survenue de notre côté. Réessayez ; si elle persiste, prévenez le référent numérique."
                    .into()
            }
            AppError::Request(_) => "La demande n'a pas abouti. Vérifiez votre connexion et réessayez.".into(),
            AppError::Malformed(_) => {
                "La demande est incomplète ou illisible (la page est peut-être ancienne). Rechargez la page, vérifiez les champs et réessayez."
                    .into()
            }
        }
    }

    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::BadCredentials => 401,
            AppError::Throttled(_) => 429,
            AppError::Busy => 503,
            AppError::Internal => 500,
            AppError::Request(_) | AppError::Malformed(_) => 400,
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        AppError::Invalid { field: e.field, reason: e.reason }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::ServerError(_) => AppError::Internal,
            e
            @ (ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_)) => {
                AppError::Malformed(e.to_string())
            }
            other => AppError::Request(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<anyhow::Error> for AppError {
    /// Logs the whole cause chain once, here at the boundary, and hides it from the user.
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = format!("{e:#}"), "internal error");
        AppError::Internal
    }
}

/// What a person is told when what they create already exists because someone else created
/// it in the same instant (a unique constraint the page's own check could not see yet).
pub const ALREADY_EXISTS: &str =
    "Cet élément vient d'être créé par quelqu'un d'autre : rechargez la page, puis choisissez un autre nom si besoin.";

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    /// A unique constraint refusing a write is a conflict the person can resolve (409, in
    /// French), in one place for every feature: each checks for a duplicate first with a
    /// precise message, and this answers the race that check cannot see (two people creating
    /// the same class at once on PostgreSQL). Anything else is internal.
    fn from(e: sqlx::Error) -> Self {
        if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
            tracing::info!(error = %e, "a unique constraint refused a write");
            return AppError::Conflict(ALREADY_EXISTS.into());
        }
        AppError::from(anyhow::Error::new(e))
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status =
            axum::http::StatusCode::from_u16(self.status()).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, self.message()).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;
