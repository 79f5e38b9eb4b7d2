//! Issue 14, item 5: an update that depends on one the server has not received (yrs keeps it
//! aside, the state vector does not move) used to be acknowledged but never stored; after a
//! restart the text lacked it. It is stored before its ack, like any other.

use crate::helpers::spawn_app;
use crate::pads::{Client, class_4c, create_pad, stored_text};
use domain::pad::PadDoc;
use domain::pad::wire::Message as PadMessage;

#[tokio::test]
async fn an_update_waiting_for_its_dependency_is_stored_before_it_is_acknowledged() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    // A replica (like a Yjs client that reconnects with edits made offline) sends its second
    // edit before its first.
    let mut offline = PadDoc::new(4242);
    let first = offline.insert(0, "Bonjour");
    let second = offline.insert(7, " le monde");

    let mut a = Client::join(&app, &prof, pad, 4242).await;
    a.send(&PadMessage::Tracked { seq: 1, update: second }).await;
    a.wait_ack(1).await;
    drop(a);
    // What the database holds now, as a restarted server would read it: the second edit is
    // there, waiting for its dependency.
    assert_eq!(stored_text(&app, pad).await, "");
    let rows = app.count(&format!("SELECT COUNT(*) FROM pad_updates WHERE pad_id = {pad}")).await;

    let mut b = Client::join(&app, &prof, pad, 4242).await;
    b.send(&PadMessage::Tracked { seq: 1, update: first }).await;
    b.wait_ack(1).await;
    assert_eq!(stored_text(&app, pad).await, "Bonjour le monde");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM pad_updates WHERE pad_id = {pad}")).await, rows + 1);
}
