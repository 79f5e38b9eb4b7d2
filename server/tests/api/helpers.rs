//! `spawn_app()` starts Préau on 127.0.0.1 with the demo school on a database of its own;
//! `TestApp` and `Session` are typed helpers over its HTTP API.

use app::error::AppError;
use app::server::{AppState, Db};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Client, StatusCode, Url, header};
use serde::de::DeserializeOwned;
use server::config::Settings;
use std::collections::HashMap;
use std::sync::Arc;

/// Longest a test waits for one HTTP answer.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The demo accounts' password in tests.
pub const PASSWORD: &str = "cartable-violet-2026";

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub state: AppState,
}

/// A browser-like client: its own cookie jar, sends Préau's Origin, follows no redirect.
pub struct Session {
    pub http: Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

/// A fresh, empty database: a new PostgreSQL database when `DATABASE_URL` is a postgres URL,
/// otherwise a new SQLite file under the system's temporary folder.
pub async fn fresh_database_url() -> String {
    let name = format!("preau_t_{}", &app::server::db::random_token().expect("randomness")[..16]).to_lowercase();
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&url).await.expect("connecting to DATABASE_URL");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("creating a test database");
            admin.close().await;
            let without_query = url.split('?').next().unwrap_or(&url);
            let (server, _) = without_query.rsplit_once('/').expect("a database name in DATABASE_URL");
            format!("{server}/{name}")
        }
        _ => {
            let dir = std::env::temp_dir().join("preau-tests");
            std::fs::create_dir_all(&dir).expect("creating the test folder");
            format!("sqlite://{}/{name}.db", dir.display())
        }
    }
}

/// A day of the demo's school year, which follows today's date: `demo_day(0, "11-20")` is the
/// 20th of November of the year it starts, `demo_day(1, "01-15")` the 15th of January after.
pub fn demo_day(years_after_start: i32, month_day: &str) -> String {
    let today = domain::paris::today_iso(app::server::db::now_ms());
    format!("{}-{month_day}", app::server::demo::school_year_start(&today) + years_after_start)
}

/// Starts Préau with the demo school seeded, on its own database and port.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Same, with extra environment-style settings (`("PREAU_SESSION_IDLE_MINUTES", "5")`).
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_node(&fresh_database_url().await, extra).await
}

/// Starts one more Préau on `database_url` (seeded with the demo school by the first one): two
/// of them on one PostgreSQL database are two nodes, each with its own pad hub and node bus.
pub async fn spawn_node(database_url: &str, extra: &[(&str, &str)]) -> TestApp {
    let mut vars: HashMap<String, String> = [
        ("DATABASE_URL", database_url.to_string()),
        ("PREAU_DEMO", "1".into()),
        ("PREAU_DEMO_PASSWORD", PASSWORD.into()),
        ("PREAU_DB_MAX_CONNECTIONS", "5".into()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    let settings = Settings::from_vars(&|name| vars.get(name).cloned()).expect("test settings");
    let state = server::build_state(&settings).await.expect("building the state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding a port");
    let addr = listener.local_addr().expect("local address");
    let app = TestApp { base: format!("http://{addr}"), db: state.db.clone(), state: state.clone() };
    tokio::spawn(server::serve(state, listener));
    app
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client with no session yet.
    pub fn session(&self) -> Session {
        Session::new(&self.base)
    }

    /// A client logged in as `username` (a demo account, or one activated by the test).
    pub async fn login_as(&self, username: &str) -> Session {
        self.login_with(username, PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Session {
        Session::logged_in(&self.base, username, password).await
    }

    /// The id of an account by username.
    pub async fn user_id(&self, username: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.db)
            .await
            .unwrap_or_else(|e| panic!("no user {username}: {e}"))
    }

    /// The id of a class or group by name within an establishment (by UAI).
    pub async fn unit_id(&self, table: &str, uai: &str, name: &str) -> i64 {
        sqlx::query_scalar(&format!(
            "SELECT t.id FROM {table} t JOIN establishments e ON e.id = t.establishment_id WHERE e.uai = $1 AND t.name = $2"
        ))
        .bind(uai)
        .bind(name)
        .fetch_one(&self.db)
        .await
        .unwrap_or_else(|e| panic!("no {table} {name} in {uai}: {e}"))
    }

    /// Gives a demo account that waits for activation the demo password, so a test can log in
    /// as any student or teacher of the demo school.
    pub async fn give_password(&self, username: &str) {
        let done = sqlx::query(
            "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'demo.eleve') WHERE username = $1",
        )
        .bind(username)
        .execute(&self.db)
        .await
        .unwrap_or_else(|e| panic!("password for {username}: {e}"));
        assert_eq!(done.rows_affected(), 1, "no user {username}");
    }

    pub async fn exec(&self, sql: &str) {
        sqlx::query(sql).execute(&self.db).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Opens every period again, its bulletins withdrawn. The demo closes the trimesters
    /// already over (`app::server::demo`); the tests of closing, freezing and grade entry
    /// start from a first trimester still open, as a school year does, whatever today is.
    pub async fn reopen_demo_periods(&self) {
        self.exec("DELETE FROM bulletins").await;
        self.exec("UPDATE periods SET closed_at = NULL, closed_by = NULL").await;
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.db).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Activates an account with its code and a good password, and returns a logged-in session.
    pub async fn activate(&self, username: &str, code: &str, password: &str) -> Session {
        let s = self.session();
        let (status, result) = s
            .call::<()>(
                "/api/activation",
                &[("identifiant", username), ("code", code), ("mot_de_passe", password), ("confirmation", password)],
            )
            .await;
        assert!(status.is_success(), "activation of {username}: {status} {result:?}");
        s
    }
}

impl Session {
    /// A client of the server at `base` with no session yet.
    pub fn new(base: &str) -> Session {
        let jar = Arc::new(Jar::default());
        let mut headers = header::HeaderMap::new();
        headers.insert(header::ORIGIN, base.parse().expect("origin header"));
        let http = Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            // A request the server never answers fails its test with the request named, rather
            // than holding the whole run until CI's limit.
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("http client");
        Session { http, jar, base: base.to_string() }
    }

    /// A client of the server at `base`, logged in.
    pub async fn logged_in(base: &str, username: &str, password: &str) -> Session {
        let s = Session::new(base);
        let (status, result) = s.login(username, password).await;
        assert!(status.is_success(), "login of {username}: {status} {result:?}");
        s
    }

    pub async fn login(&self, username: &str, password: &str) -> (StatusCode, Result<(), AppError>) {
        self.call("/api/connexion", &[("identifiant", username), ("mot_de_passe", password)]).await
    }

    /// Calls a server function as the hydrated page does (form-encoded POST, JSON answer).
    pub async fn call<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Result<T, AppError>) {
        let res = self.http.post(format!("{}{path}", self.base)).form(form).send().await.expect("request sent");
        let status = res.status();
        let body = res.text().await.expect("response body");
        let parsed = if status.is_success() {
            Ok(serde_json::from_str::<T>(&body).unwrap_or_else(|e| panic!("{path}: cannot read « {body} »: {e}")))
        } else {
            Err(serde_json::from_str::<AppError>(&body)
                .unwrap_or_else(|e| panic!("{path}: {status}, cannot read « {body} »: {e}")))
        };
        (status, parsed)
    }

    /// Calls a server function that takes JSON (`input = Json`), returning the raw body too,
    /// for tests that inspect exactly what reached the browser.
    pub async fn call_json_raw<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> (StatusCode, String, Result<T, AppError>) {
        let res = self.http.post(format!("{}{path}", self.base)).json(body).send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.expect("response body");
        let parsed = if status.is_success() {
            Ok(serde_json::from_str::<T>(&text).unwrap_or_else(|e| panic!("{path}: cannot read « {text} »: {e}")))
        } else {
            Err(serde_json::from_str::<AppError>(&text)
                .unwrap_or_else(|e| panic!("{path}: {status}, cannot read « {text} »: {e}")))
        };
        (status, text, parsed)
    }

    pub async fn call_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> (StatusCode, Result<T, AppError>) {
        let (status, _, parsed) = self.call_json_raw(path, body).await;
        (status, parsed)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("request sent")
    }

    /// The `Cookie` header this client would send (for the WebSocket upgrade).
    pub fn cookie_header(&self) -> Option<String> {
        let url: Url = self.base.parse().expect("base url");
        self.jar.cookies(&url).and_then(|v| v.to_str().ok().map(String::from))
    }

    pub async fn whoami(&self) -> Option<app::auth::Me> {
        let (status, me) = self.call::<Option<app::auth::Me>>("/api/moi", &[]).await;
        assert_eq!(status, StatusCode::OK);
        me.expect("whoami answers")
    }
}

/// Two nodes on one fresh PostgreSQL database, both listening to each other, or `None` (with a
/// message saying why) on SQLite, where Préau runs as one node only.
pub async fn two_nodes(test: &str) -> Option<(TestApp, TestApp)> {
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("{test}: skipped, several nodes need PostgreSQL (set DATABASE_URL=postgres://...)");
        return None;
    }
    let database = fresh_database_url().await;
    let a = spawn_node(&database, &[]).await;
    let b = spawn_node(&database, &[]).await;
    listening(&a, 2).await;
    Some((a, b))
}

/// Waits until `nodes` listeners are up on the node bus (their `LISTEN` shows in
/// `pg_stat_activity`).
pub async fn listening(app: &TestApp, nodes: i64) {
    let wait = async {
        while app.count(&format!("SELECT COUNT(*) FROM pg_stat_activity WHERE {LISTENERS}")).await < nodes {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(15), wait).await.expect("the nodes listen");
}

/// The node bus's listening connections, as a `pg_stat_activity` condition.
const LISTENERS: &str = "datname = current_database() AND query LIKE 'LISTEN%'";

/// PostgreSQL's superuser on a test's database, to take the database away from Préau the way
/// an outage or a restart does.
pub struct DatabaseOutage {
    superuser: sqlx::AnyPool,
    database: String,
}

impl DatabaseOutage {
    /// For the database `app` runs on (PostgreSQL only).
    pub async fn of(app: &TestApp) -> Self {
        let database: String =
            sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)").fetch_one(&app.db).await.expect("its name");
        let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
        let superuser = sqlx::AnyPool::connect(&url).await.expect("connecting as the superuser");
        DatabaseOutage { superuser, database }
    }

    /// Cuts every node's listener and keeps it from connecting again until [`Self::end`]: the
    /// database refuses new connections. Each node's pool first opens all the connections it
    /// may hold (they stay open), so that the nodes keep storing and reading meanwhile and only
    /// their listeners are out.
    pub async fn cut_listeners(&self, nodes: &[&TestApp]) {
        for node in nodes {
            let mut held = Vec::new();
            for _ in 0..node.db.options().get_max_connections() {
                held.push(node.db.acquire().await.expect("a pool connection"));
            }
        }
        self.allow_connections(false).await;
        self.terminate(LISTENERS).await;
    }

    /// The database accepts connections again.
    pub async fn end(&self) {
        self.allow_connections(true).await;
    }

    /// Cuts every connection to the database, as a restart of PostgreSQL does; how many.
    pub async fn cut_everything(&self) -> i64 {
        self.terminate("datname = current_database()").await
    }

    async fn allow_connections(&self, yes: bool) {
        // PostgreSQL refuses this on the current database: it runs from the superuser's own.
        let sql = format!("ALTER DATABASE {} ALLOW_CONNECTIONS {yes}", self.database);
        sqlx::query(&sql).execute(&self.superuser).await.expect("ALTER DATABASE");
    }

    /// Terminates the test database's connections that match `condition` (over
    /// `pg_stat_activity`, evaluated in that database); how many.
    async fn terminate(&self, condition: &str) -> i64 {
        let condition = condition.replace("current_database()", "$1");
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE {condition} AND pid <> pg_backend_pid()) AS t"
        );
        sqlx::query_scalar(&sql).bind(&self.database).fetch_one(&self.superuser).await.expect("connections cut")
    }
}
