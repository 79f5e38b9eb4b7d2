//! What a region's operators rely on: a panicking handler answers 500 in French and the
//! server goes on; the metrics, on their own address only, count requests by route and
//! sockets by kind.

use crate::helpers::{DatabaseOutage, spawn_app};
use crate::pads::{Client, class_4c, create_pad};
use axum::routing::get;
use reqwest::StatusCode;
use std::net::SocketAddr;
use std::time::Duration;

const PANIC_TEXT: &str =
    "Une erreur interne est survenue. Réessayez dans un instant ; si elle persiste, prévenez le référent numérique.";

async fn panics() -> &'static str {
    panic!("operations test: this handler panics on purpose")
}

async fn fine() -> &'static str {
    "bien"
}

async fn bind() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding a port");
    let addr = listener.local_addr().expect("its address");
    (listener, addr)
}

#[tokio::test]
async fn a_panicking_handler_answers_500_in_french_and_the_server_goes_on() {
    let app = spawn_app().await;
    let routes = axum::Router::new().route("/panique", get(panics)).route("/bien", get(fine));
    let router = server::with_layers(routes, app.state.clone());
    let (listener, addr) = bind().await;
    tokio::spawn(
        async move { axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await },
    );
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let res =
            client.get(format!("http://{addr}/panique")).send().await.expect("an answer, not a dropped connection");
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.text().await.expect("body"), PANIC_TEXT);
    }
    let res = client.get(format!("http://{addr}/bien")).send().await.expect("answered");
    assert_eq!((res.status(), res.text().await.expect("body").as_str()), (StatusCode::OK, "bien"));
}

async fn scrape(addr: SocketAddr) -> String {
    let res = reqwest::get(format!("http://{addr}/metrics")).await.expect("scraped");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    res.text().await.expect("body")
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_sockets_by_kind_on_their_own_address_only() {
    let app = spawn_app().await;
    let (listener, metrics) = bind().await;
    tokio::spawn(server::serve_metrics(app.state.clone(), listener));
    let visitor = app.session();
    for _ in 0..2 {
        assert_eq!(visitor.get("/healthz").await.status(), StatusCode::OK);
    }
    assert_eq!(visitor.get("/pas-une-page-de-preau").await.status(), StatusCode::NOT_FOUND);
    // Not on the public address.
    assert_eq!(visitor.get("/metrics").await.status(), StatusCode::NOT_FOUND);

    let text = scrape(metrics).await;
    assert!(text.contains("preau_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2\n"), "{text}");
    assert!(
        text.contains("preau_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 2\n"),
        "{text}"
    );
    assert!(text.contains("preau_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2\n"), "{text}");
    assert!(!text.contains("pas-une-page"), "no URL in a label: {text}");
    assert!(text.contains("preau_open_sockets{kind=\"pad\"} 0\n"), "{text}");
    assert!(text.contains("preau_db_connections_max 5\n"), "{text}");
    assert!(text.contains("preau_login_lane_waiting 0\n"), "{text}");
    // The pool probe takes a connection at once, then every second.
    let count = |text: &str, series: &str| -> u64 {
        text.lines().find_map(|l| l.strip_prefix(series)).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
    };
    let probed = async {
        loop {
            let text = scrape(metrics).await;
            if count(&text, "preau_db_pool_wait_seconds_count") >= 1 {
                break text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let text = tokio::time::timeout(Duration::from_secs(5), probed).await.expect("the pool probed");
    assert_eq!(
        count(&text, "preau_db_pool_wait_seconds_bucket{le=\"1\"}"),
        count(&text, "preau_db_pool_wait_seconds_count"),
        "an idle pool hands a connection in well under a second: {text}"
    );

    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let client = Client::join(&app, &prof, pad, 1).await;
    let text = scrape(metrics).await;
    assert!(text.contains("preau_open_sockets{kind=\"pad\"} 1\n"), "{text}");
    assert!(text.contains("preau_pads_open 1\n"), "{text}");
    assert!(
        text.contains("preau_http_requests_total{route=\"/ws/pads/{id}\",method=\"GET\",status=\"101\"} 1\n"),
        "{text}"
    );
    assert!(text.contains("preau_password_hash_seconds_count "), "{text}");
    drop(client);
    let closed = async {
        while !scrape(metrics).await.contains("preau_open_sockets{kind=\"pad\"} 0\n") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), closed).await.expect("the socket counted as closed");
}

#[tokio::test]
async fn the_database_going_away_and_coming_back_leaves_preau_answering_pads_included() {
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("database restart: skipped, it cuts PostgreSQL's connections (set DATABASE_URL=postgres://...)");
        return;
    }
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut writer = Client::join(&app, &prof, pad, 1).await;
    let (_, seq) = writer.type_at(0, "Avant. ").await;
    writer.wait_ack(seq).await;

    // Every connection Préau holds to its database is cut, as a restart of PostgreSQL does.
    let cut = DatabaseOutage::of(&app).await.cut_everything().await;
    assert!(cut >= 1, "Préau had connections to cut");

    // Préau answers again without a restart: the health check, a page of the person, the pad.
    assert_eq!(prof.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(prof.whoami().await.map(|me| me.username), Some("demo.prof".to_string()));
    let (_, seq) = writer.type_at(7, "Après.").await;
    writer.wait_ack(seq).await;
    let mut reader = Client::join(&app, &prof, pad, 2).await;
    reader.wait_for("Avant. Après.").await;
}
