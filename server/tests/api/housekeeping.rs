//! What unauthenticated clients can make the database write stays bounded: throttled logins
//! share one audit row per address and minute, throttle counters past their window and audit
//! entries past PREAU_AUDIT_RETENTION_DAYS are removed by the housekeeping loop.

use crate::helpers::spawn_app_with;
use app::server::db::{new_id, now_ms};

const DAY_MS: i64 = 86_400_000;

#[tokio::test]
async fn old_audit_entries_and_spent_throttle_counters_are_purged() {
    let app = spawn_app_with(&[("PREAU_AUDIT_RETENTION_DAYS", "30")]).await;
    for (detail, age) in [("ancienne", 31 * DAY_MS), ("récente", 29 * DAY_MS)] {
        sqlx::query("INSERT INTO audit_log (id, actor_name, action, detail, ip, at) VALUES ($1, 'x', 'login_failed', $2, '', $3)")
            .bind(new_id())
            .bind(detail)
            .bind(now_ms() - age)
            .execute(&app.db)
            .await
            .expect("an audit entry");
    }
    let window = domain::throttle::LONGEST_WINDOW_SECS as i64 * 1000;
    for (key, age) in [("u:spent", window + 1_000), ("u:live", window - 60_000)] {
        sqlx::query("INSERT INTO login_throttle (throttle_key, failures, last_failure_at) VALUES ($1, 9, $2)")
            .bind(key)
            .bind(now_ms() - age)
            .execute(&app.db)
            .await
            .expect("a throttle counter");
    }

    server::purge_logs(&app.state).await;

    let details: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE detail IN ('ancienne', 'récente')")
            .fetch_all(&app.db)
            .await
            .expect("read");
    assert_eq!(details, vec!["récente".to_string()]);
    let keys: Vec<String> = sqlx::query_scalar("SELECT throttle_key FROM login_throttle ORDER BY throttle_key")
        .fetch_all(&app.db)
        .await
        .expect("read");
    assert_eq!(keys, vec!["u:live".to_string()]);
}

#[tokio::test]
async fn a_retention_below_one_day_is_refused_in_french() {
    let vars = [("PREAU_AUDIT_RETENTION_DAYS", "0")];
    let e = server::config::Settings::from_vars(&|n| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
        .expect_err("refused");
    assert_eq!(e.to_string(), "PREAU_AUDIT_RETENTION_DAYS doit être au moins 1");
}

/// Issue 14, item 4: 5,000 throttled login attempts from one address leave a bounded number
/// of rows: the failures actually verified, and one audit row per minute for the rest, whose
/// count says how many there were. A refused attempt is refused by a read: the throttle
/// counters are not written for it.
#[tokio::test]
async fn a_flood_of_throttled_logins_writes_a_bounded_number_of_rows() {
    let app = spawn_app_with(&[]).await;
    let audit_before = app.count("SELECT COUNT(*) FROM audit_log").await;
    let s = app.session();
    let started = now_ms();
    let mut throttled = 0;
    for _ in 0..5_000 {
        let (status, _) = s.login("demo.eleve", "pas le bon mot de passe").await;
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            throttled += 1;
        }
    }
    let minutes = (now_ms() - started) / 60_000 + 2;
    // Throttled attempts are counted in memory and written every few seconds: write now.
    server::write_coalesced_audit(&app.state).await;
    let failed = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'").await;
    let throttled_rows = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'login_throttled'").await;
    let counted = app
        .count("SELECT CAST(COALESCE(SUM(repeat_count), 0) AS BIGINT) FROM audit_log WHERE action = 'login_throttled'")
        .await;
    assert_eq!(failed + throttled, 5_000, "each attempt was either verified or throttled");
    assert_eq!(counted, throttled, "every throttled attempt is counted");
    assert!(throttled_rows <= minutes, "{throttled_rows} rows for {throttled} throttled attempts");
    assert!(failed <= 5 + 20, "only the free allowance and one per elapsed delay are verified: {failed}");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await - audit_before, failed + throttled_rows);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM login_throttle").await,
        2,
        "one counter for the account, one for the address"
    );
}
