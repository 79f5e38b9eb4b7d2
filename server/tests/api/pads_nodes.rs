//! Two server processes ("nodes") serving the same pads on one PostgreSQL database: each is a
//! whole Préau (its own pool, pad hub, realtime registry and node bus) on its own port, both on
//! one fresh database. Clients on node A and on node B co-edit and converge; what reaches a
//! client through the other node is in the database first; the numbering of rows, compaction,
//! a pad's lock, a person's rights and a logout cross nodes; the listener dropping loses
//! nothing. On SQLite (one node only) each test says it is skipped and passes.

use crate::helpers::{DatabaseOutage, listening, two_nodes};
use crate::pads::{Client, class_4c, create_pad, refused_with, set_access, stored_text};
use domain::pad::PadDoc;
use domain::pad::wire::Message as PadMessage;
use reqwest::StatusCode;
use server::pads::close;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

#[tokio::test]
async fn two_nodes_on_postgresql_a_client_on_node_a_and_one_on_node_b_converge() {
    let Some((node_a, node_b)) = two_nodes("two nodes converge").await else { return };
    let prof = node_a.login_as("demo.prof").await;
    let eleve = node_b.login_as("demo.eleve").await;
    let pad = create_pad(&prof, &class_4c(&node_a).await, "class").await;
    let mut a = Client::join(&node_a, &prof, pad, 11).await;
    let mut b = Client::join(&node_b, &eleve, pad, 22).await;

    let mut updates = Vec::new();
    for round in 0..10u32 {
        let at = round % (a.doc.len_utf16() + 1);
        updates.push(a.type_at(at, &format!("[A{round}]")).await.0);
        let at = (round * 3) % (b.doc.len_utf16() + 1);
        updates.push(b.type_at(at, &format!("[B{round}]")).await.0);
    }
    let want = PadDoc::from_updates(99, &updates).expect("updates apply").text();
    a.wait_for(&want).await;
    b.wait_for(&want).await;
    assert_eq!(want.matches('[').count(), 20);
    assert_eq!(stored_text(&node_a, pad).await, want);
    // The database numbered the rows of both nodes one after the other.
    let rows = node_a.count(&format!("SELECT COUNT(*) FROM pad_updates WHERE pad_id = {pad}")).await;
    let top = node_a.count(&format!("SELECT MAX(seq) FROM pad_updates WHERE pad_id = {pad}")).await;
    assert_eq!(rows, top, "rows numbered 1..{top} without a gap");
    // A newcomer on either node gets the whole pad.
    for node in [&node_a, &node_b] {
        let late = Client::join(node, &prof, pad, 33).await;
        assert_eq!(late.doc.text(), want);
    }
}

#[tokio::test]
async fn an_update_sent_on_node_a_reaches_node_bs_client_only_once_it_is_in_the_database() {
    let Some((node_a, node_b)) = two_nodes("durable before crossing nodes").await else { return };
    let prof = node_a.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&node_a).await, "class").await;
    let mut a = Client::join(&node_a, &prof, pad, 11).await;
    let mut b = Client::join(&node_b, &prof, pad, 22).await;
    for i in 0..20 {
        let token = format!("<{i}>");
        a.type_at(a.doc.len_utf16(), &token).await;
        // The moment B's client holds the token, the database must hold it too.
        while !b.doc.text().contains(&token) {
            b.next().await;
        }
        let stored = stored_text(&node_b, pad).await;
        assert!(stored.contains(&token), "{token} reached node B's client before the database: « {stored} »");
    }
}

#[tokio::test]
async fn a_pad_compacted_by_one_node_still_loads_and_syncs_on_the_other() {
    let Some((node_a, node_b)) = two_nodes("compaction across nodes").await else { return };
    let prof = node_a.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&node_a).await, "class").await;
    let mut a = Client::join(&node_a, &prof, pad, 1).await;
    let mut b = Client::join(&node_b, &prof, pad, 2).await;
    let (_, seq) = b.type_at(0, "B commence. ").await;
    b.wait_ack(seq).await;
    for i in 0..server::pads::COMPACT_AFTER_ROWS + 5 {
        // One at a time, so that each is its own row.
        let (_, seq) = a.type_at(a.doc.len_utf16(), &format!("{i} ")).await;
        a.wait_ack(seq).await;
    }
    let snapshot = async {
        while node_a.count(&format!("SELECT COUNT(*) FROM pad_snapshots WHERE pad_id = {pad}")).await == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(WAIT, snapshot).await.expect("a snapshot is written");
    // A replica holding only the first row catches up across the snapshot.
    let after_one = app::pads::db::load_after(&node_b.db, pad, 1).await.expect("reading after row 1");
    assert!(after_one.snapshot_upto.is_some_and(|upto| upto > 1), "{:?}", after_one.snapshot_upto);
    let (_, seq) = b.type_at(0, "B continue. ").await;
    b.wait_ack(seq).await;
    // Every edit of both is acknowledged: the pad is their union.
    let mut union = PadDoc::new(99);
    union.apply_update(&a.doc.full_state()).expect("applies");
    union.apply_update(&b.doc.full_state()).expect("applies");
    let want = union.text();
    assert!(want.contains("B continue. B commence. ") && want.contains("104 "), "{want}");
    a.wait_for(&want).await;
    b.wait_for(&want).await;
    let text = a.doc.text();
    for node in [&node_a, &node_b] {
        assert_eq!(Client::join(node, &prof, pad, 3).await.doc.text(), text);
    }
    assert_eq!(stored_text(&node_b, pad).await, text);
}

#[tokio::test]
async fn a_lock_a_rights_change_and_a_logout_on_one_node_reach_connections_on_the_other() {
    let Some((node_a, node_b)) = two_nodes("realtime changes across nodes").await else { return };
    let prof = node_a.login_as("demo.prof").await;
    let admin = node_a.login_as("demo.admin").await;
    let eleve = node_b.login_as("demo.eleve").await;
    let pad = create_pad(&prof, &class_4c(&node_a).await, "class").await;

    // The lock, set through node A, stops an editor on node B.
    let mut writer = Client::join(&node_b, &prof, pad, 1).await;
    let (_, seq) = writer.type_at(0, "Avant. ").await;
    writer.wait_ack(seq).await;
    let (status, line) = set_access(&prof, pad, &[("modification", "class"), ("verrouille", "true")]).await;
    assert_eq!(status, StatusCode::OK, "{line:?}");
    // Node B may not have heard of the lock yet, but the lock is read again when the edit
    // is stored: it is refused either way, and not stored.
    writer.type_at(0, "Trop tard. ").await;
    assert_eq!(writer.closed().await.0, close::FORBIDDEN);
    assert_eq!(stored_text(&node_b, pad).await, "Avant. ");
    let (status, _) = set_access(&prof, pad, &[("modification", "class"), ("verrouille", "false")]).await;
    assert_eq!(status, StatusCode::OK);

    // A student moved to another class on node A loses the pad on node B.
    let mut student = Client::join(&node_b, &eleve, pad, 2).await;
    let other = node_a.unit_id("classes", "0671234A", "5e B").await.to_string();
    let (status, done) = admin
        .call::<()>(
            "/api/admin/utilisateur/modifier",
            &[("identifiant", "demo.eleve"), ("nom", "Garnier"), ("prenom", "Léo"), ("classe", &other)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done:?}");
    assert_eq!(student.closed().await.0, close::FORBIDDEN);
    refused_with(crate::pads::open_at(&node_b.base, Some(&eleve), &pad.to_string()).await, 403);

    // Logging out through node A closes the session's connection on node B.
    let mut reader = Client::join(&node_b, &prof, pad, 3).await;
    let (status, result) = prof.call::<()>("/api/deconnexion", &[]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    assert_eq!(reader.closed().await.0, close::SESSION_ENDED);
}

#[tokio::test]
async fn when_a_nodes_listener_drops_it_reconnects_and_catches_up_from_the_database() {
    let Some((node_a, node_b)) = two_nodes("listener drop").await else { return };
    let prof = node_a.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&node_a).await, "class").await;
    let mut a = Client::join(&node_a, &prof, pad, 1).await;
    let mut b = Client::join(&node_b, &prof, pad, 2).await;
    let outage = DatabaseOutage::of(&node_a).await;
    for round in 0..3 {
        // Both listeners' connections are cut, and cannot come back until the database
        // accepts new connections again.
        outage.cut_listeners(&[&node_a, &node_b]).await;
        // An edit is stored meanwhile: its notification reaches no listener of node B.
        let token = format!("<{round}>");
        let (_, seq) = a.type_at(a.doc.len_utf16(), &token).await;
        a.wait_ack(seq).await;
        outage.end().await;
        // Nothing else is typed: only the catch-up after reconnecting can bring it to B.
        while !b.doc.text().contains(&token) {
            b.next().await;
        }
        listening(&node_a, 2).await;
    }
    assert_eq!(b.doc.text(), a.doc.text());
    let text = a.doc.text();
    for token in ["<0>", "<1>", "<2>"] {
        assert_eq!(text.matches(token).count(), 1, "{token} once in « {text} »");
    }
    // The pad's message stream stays well-formed after the catch-ups.
    b.send(&PadMessage::SyncStep1(b.doc.state_vector())).await;
    loop {
        if let PadMessage::SyncStep2(_) = b.next().await {
            break;
        }
    }
    assert_eq!(b.doc.text(), text);
}

#[tokio::test]
async fn a_logout_and_a_class_change_made_while_a_node_was_not_listening_still_reach_it() {
    let Some((node_a, node_b)) = two_nodes("missed announcements").await else { return };
    let prof = node_a.login_as("demo.prof").await;
    let admin = node_a.login_as("demo.admin").await;
    let eleve = node_b.login_as("demo.eleve").await;
    let pad = create_pad(&prof, &class_4c(&node_a).await, "class").await;
    let mut reader = Client::join(&node_b, &prof, pad, 1).await;
    let mut student = Client::join(&node_b, &eleve, pad, 2).await;

    // Node B's listener is cut and cannot come back while the changes are made on node A:
    // their announcements reach nobody on B.
    let outage = DatabaseOutage::of(&node_a).await;
    outage.cut_listeners(&[&node_a, &node_b]).await;
    let (status, _) = prof.call::<()>("/api/deconnexion", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let other = node_a.unit_id("classes", "0671234A", "5e B").await.to_string();
    let (status, done) = admin
        .call::<()>(
            "/api/admin/utilisateur/modifier",
            &[("identifiant", "demo.eleve"), ("nom", "Garnier"), ("prenom", "Léo"), ("classe", &other)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done:?}");
    outage.end().await;

    // Once listening again, node B checks what it may have missed against the database, well
    // before its minute-long housekeeping would.
    assert_eq!(reader.closed().await.0, close::SESSION_ENDED);
    assert_eq!(student.closed().await.0, close::FORBIDDEN);
    listening(&node_a, 2).await;
}
