//! One typed `Settings`, built once from environment variables with documented defaults
//! (see `.env.example` and docs/configuration.md). Secrets are never logged.

use anyhow::{Context, bail};
use std::net::SocketAddr;

#[derive(Clone)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite://data/preau.db` (default) or `postgres://...`.
    pub database_url: String,
    /// `PREAU_DB_MAX_CONNECTIONS`: pool size (default 8).
    pub db_max_connections: u32,
    /// `LEPTOS_SITE_ADDR`: address to listen on (default 127.0.0.1:3000).
    pub site_addr: SocketAddr,
    /// `PREAU_METRICS_ADDR`: where `/metrics` is served (Prometheus), never on the public
    /// address; unset, no metrics are served.
    pub metrics_addr: Option<SocketAddr>,
    /// `LEPTOS_SITE_ROOT`: folder with the built site (default `target/site`).
    pub site_root: String,
    /// `LEPTOS_SITE_PKG_DIR` (default `pkg`) and `LEPTOS_OUTPUT_NAME` (default `preau`).
    pub site_pkg_dir: String,
    pub output_name: String,
    /// `PREAU_DEMO=1`: seed the demo school on an empty database.
    pub demo: bool,
    /// `PREAU_DEMO_PASSWORD`: the demo accounts' password; random (printed once) when unset.
    pub demo_password: Option<String>,
    /// `PREAU_PUBLIC_URL`: e.g. `https://ent.college-exemple.fr`. With https, cookies are
    /// `Secure` with the `__Host-` prefix; its origin is the only one accepted on POST.
    pub public_url: Option<String>,
    /// `PREAU_SESSION_IDLE_MINUTES` (default 60) and `PREAU_SESSION_MAX_HOURS` (default 12).
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    /// `PREAU_BEHIND_PROXY=1`: take the client address from the last `X-Forwarded-For`.
    pub behind_proxy: bool,
    /// `PREAU_AUDIT_RETENTION_DAYS`: audit entries older than this are removed (default 365,
    /// the top of the CNIL's 6–12 months for access logs).
    pub audit_retention_days: i64,
    /// `PREAU_PAD_MAX_PARTICIPANTS`: connections open on one pad at once (default 200).
    pub pad_max_participants: usize,
    /// `RUST_LOG`: log filter (default `info`).
    pub log_filter: String,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database", &redact_url(&self.database_url))
            .field("site_addr", &self.site_addr)
            .field("metrics_addr", &self.metrics_addr)
            .field("public_url", &self.public_url)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

/// Hides a password in a database URL before it is logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Reads one variable; blank counts as unset.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn var(get: Lookup, name: &str) -> Option<String> {
    get(name).filter(|v| !v.trim().is_empty())
}

fn flag(get: Lookup, name: &str) -> anyhow::Result<bool> {
    match var(get, name).as_deref() {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => bail!("{name} doit valoir 0 ou 1 (reçu « {other} »)"),
    }
}

fn number<T: std::str::FromStr>(get: Lookup, name: &str, default: T) -> anyhow::Result<T> {
    match var(get, name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| anyhow::anyhow!("{name} doit être un nombre (reçu « {v} »)")),
    }
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(&|name| std::env::var(name).ok())
    }

    /// Builds the settings from any source of variables (the environment, or a test's map).
    pub fn from_vars(get: Lookup) -> anyhow::Result<Self> {
        let public_url = var(get, "PREAU_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &public_url {
            let lower = u.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                bail!("PREAU_PUBLIC_URL doit commencer par http:// ou https:// (reçu « {u} »)");
            }
            if origin_of(u).is_none() {
                bail!("PREAU_PUBLIC_URL n'est pas une adresse valide (reçu « {u} »)");
            }
        }
        let settings = Settings {
            database_url: var(get, "DATABASE_URL").unwrap_or_else(|| "sqlite://data/preau.db".into()),
            db_max_connections: number(get, "PREAU_DB_MAX_CONNECTIONS", 8)?,
            site_addr: var(get, "LEPTOS_SITE_ADDR")
                .unwrap_or_else(|| "127.0.0.1:3000".into())
                .parse()
                .context("LEPTOS_SITE_ADDR doit être une adresse comme 127.0.0.1:3000")?,
            metrics_addr: match var(get, "PREAU_METRICS_ADDR") {
                None => None,
                Some(a) => Some(a.parse().with_context(|| {
                    format!("PREAU_METRICS_ADDR doit être une adresse comme 127.0.0.1:9100 (reçu « {a} »)")
                })?),
            },
            site_root: var(get, "LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            site_pkg_dir: var(get, "LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()),
            output_name: var(get, "LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "preau".into()),
            demo: flag(get, "PREAU_DEMO")?,
            demo_password: var(get, "PREAU_DEMO_PASSWORD"),
            public_url,
            session_idle_minutes: number(get, "PREAU_SESSION_IDLE_MINUTES", 60)?,
            session_max_hours: number(get, "PREAU_SESSION_MAX_HOURS", 12)?,
            behind_proxy: flag(get, "PREAU_BEHIND_PROXY")?,
            audit_retention_days: number(get, "PREAU_AUDIT_RETENTION_DAYS", 365)?,
            pad_max_participants: number(get, "PREAU_PAD_MAX_PARTICIPANTS", crate::pads::MAX_PARTICIPANTS)?,
            log_filter: var(get, "RUST_LOG").unwrap_or_else(|| "info".into()),
        };
        if settings.session_idle_minutes < 1 || settings.session_max_hours < 1 {
            bail!("PREAU_SESSION_IDLE_MINUTES et PREAU_SESSION_MAX_HOURS doivent être au moins 1");
        }
        if settings.audit_retention_days < 1 {
            bail!("PREAU_AUDIT_RETENTION_DAYS doit être au moins 1");
        }
        if settings.pad_max_participants < 1 {
            bail!("PREAU_PAD_MAX_PARTICIPANTS doit être au moins 1");
        }
        Ok(settings)
    }

    /// The origin of `PREAU_PUBLIC_URL`, normalised as browsers send it in `Origin`
    /// (`https://ent.college.fr`: scheme and host in lower case, no default port, no path).
    pub fn public_origin(&self) -> Option<String> {
        origin_of(self.public_url.as_ref()?)
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }
}

/// The serialised origin of an http(s) URL, as a browser writes it in `Origin`; `None` for
/// anything else (an opaque origin such as `null`, another scheme, no host).
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return None;
    }
    Some(parsed.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_password_is_redacted() {
        assert_eq!(redact_url("postgres://preau:s3cret@db:5432/preau"), "postgres://preau:***@db:5432/preau");
        assert_eq!(redact_url("sqlite://data/preau.db"), "sqlite://data/preau.db");
    }

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_vars(&|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_serve_the_embedded_database_on_port_3000() -> anyhow::Result<()> {
        let s = settings(&[])?;
        assert_eq!(s.database_url, "sqlite://data/preau.db");
        assert_eq!(s.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!((s.session_idle_minutes, s.session_max_hours, s.db_max_connections), (60, 12, 8));
        assert_eq!(s.pad_max_participants, 200);
        assert!(!s.demo && !s.secure_cookies() && s.public_origin().is_none());
        Ok(())
    }

    #[test]
    fn an_https_public_url_turns_on_secure_cookies() -> anyhow::Result<()> {
        let s = settings(&[("PREAU_PUBLIC_URL", "https://ent.college.fr/")])?;
        assert!(s.secure_cookies());
        assert_eq!(s.public_origin().as_deref(), Some("https://ent.college.fr"));
        Ok(())
    }

    #[test]
    fn the_public_origin_is_normalised_as_browsers_send_it() -> anyhow::Result<()> {
        for url in ["https://ENT.College.fr", "HTTPS://ent.college.fr:443/", "https://ent.college.fr/chemin/"] {
            let s = settings(&[("PREAU_PUBLIC_URL", url)])?;
            assert_eq!(s.public_origin().as_deref(), Some("https://ent.college.fr"), "{url}");
            assert!(s.secure_cookies(), "{url}");
        }
        let s = settings(&[("PREAU_PUBLIC_URL", "http://ent.college.fr:8080")])?;
        assert_eq!(s.public_origin().as_deref(), Some("http://ent.college.fr:8080"));
        assert!(settings(&[("PREAU_PUBLIC_URL", "https://")]).is_err());
        Ok(())
    }

    #[test]
    fn a_bad_value_is_refused_with_the_variable_named() {
        for (k, v) in [
            ("PREAU_DEMO", "oui"),
            ("PREAU_SESSION_IDLE_MINUTES", "x"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("PREAU_PUBLIC_URL", "ent.fr"),
            ("PREAU_SESSION_MAX_HOURS", "0"),
            ("PREAU_PAD_MAX_PARTICIPANTS", "0"),
        ] {
            let err = settings(&[(k, v)]).err().map(|e| format!("{e:#}")).unwrap_or_default();
            assert!(err.contains(k), "{k}={v} gave « {err} »");
        }
    }
}
