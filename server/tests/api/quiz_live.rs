//! Live quiz sessions through the real server: a teacher starts a session from a quiz,
//! students join over `/ws/quiz/{code}` and answer; the teacher's histogram and the end
//! report are exact; late answers, wrong codes and outsiders are refused; a student who
//! reconnects finds their seat and their answer again. Every wait is bounded.

use crate::helpers::{Session, TestApp, spawn_app, two_nodes};
use crate::permissions::second_establishment;
use app::quizzes::live::{LiveReport, LiveStarted};
use domain::UserId;
use domain::quiz::live::{ClientMessage, ServerMessage, Tally};
use domain::quiz::{Choice, Points, Question, QuestionKind, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Longest wait for any one message.
const WAIT: Duration = Duration::from_secs(10);

fn capital() -> Question {
    let c = |t: &str, w: f64| Choice { text: t.into(), weight: w, feedback: Some(format!("SECRET-FB-{t}")) };
    Question {
        title: "SECRET-TITRE capitale".into(),
        category: None,
        text: "Quelle est la capitale de la France ?".into(),
        points: Points::ONE,
        kind: QuestionKind::SingleChoice { choices: vec![c("Paris", 100.0), c("Lyon", 0.0), c("Marseille", 0.0)] },
        general_feedback: Some("SECRET-GENERAL".into()),
        image: None,
    }
}

fn rhine() -> Question {
    Question {
        title: "SECRET-TITRE Rhin".into(),
        category: None,
        text: "Le Rhin passe à Strasbourg.".into(),
        points: Points::ONE,
        kind: QuestionKind::TrueFalse { answer: true, feedback_true: None, feedback_false: None },
        general_feedback: None,
        image: None,
    }
}

/// A quiz of `demo.prof` and a session of it; returns the teacher and what the start gave.
async fn started(app: &TestApp, options: Value) -> (Session, LiveStarted) {
    let teacher = app.login_as("demo.prof").await;
    let (_, quiz) = teacher.call_json::<i64>("/api/quiz/creer", &json!({"title": "Direct", "description": ""})).await;
    let quiz = quiz.expect("quiz created");
    for q in [capital(), rhine()] {
        let (_, saved) = teacher
            .call_json::<i64>("/api/quiz/question/enregistrer", &json!({"quiz": quiz, "id": null, "question": q}))
            .await;
        saved.expect("question saved");
    }
    let (status, live) =
        teacher.call_json::<LiveStarted>("/api/quiz/direct/demarrer", &json!({"quiz": quiz, "options": options})).await;
    (teacher, live.unwrap_or_else(|e| panic!("start: {status} {e:?}")))
}

fn named() -> Value {
    json!({"anonymous": false, "speed_bonus": false, "leaderboard": true})
}

/// A cookie for a session of `user` opened straight in the database (quicker than 30 logins).
async fn cookie_of(app: &TestApp, user: i64) -> String {
    let token = app::server::session::create(&app.db, UserId(user), "127.0.0.1").await.expect("session");
    format!("{}={token}", app.state.auth.cookie_name())
}

async fn students(app: &TestApp, n: i64) -> Vec<i64> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT u.id FROM users u JOIN class_students cs ON cs.student_id = u.id ORDER BY u.id LIMIT $1",
    )
    .bind(n)
    .fetch_all(&app.db)
    .await
    .expect("students");
    assert_eq!(ids.len() as i64, n);
    ids
}

async fn connect(app: &TestApp, cookie: &str, code: &str) -> Result<Socket, Error> {
    let mut req = app.url(&format!("/ws/quiz/{code}")).replace("http://", "ws://").into_client_request()?;
    req.headers_mut().insert("origin", app.base.parse().expect("origin"));
    req.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
    tokio_tungstenite::connect_async(req).await.map(|(socket, _)| socket)
}

/// The HTTP status and body of a refused upgrade.
fn refusal(result: Result<Socket, Error>) -> (u16, String) {
    match result {
        Err(Error::Http(res)) => {
            let body = res.body().as_ref().map(|b| String::from_utf8_lossy(b).to_string()).unwrap_or_default();
            (res.status().as_u16(), body)
        }
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected an HTTP refusal, got an open socket"),
    }
}

async fn send(socket: &mut Socket, msg: &ClientMessage) {
    socket.send(Message::Text(serde_json::to_string(msg).expect("json").into())).await.expect("sent");
}

/// The next message of the hub, raw and read.
async fn next_raw(socket: &mut Socket) -> (String, ServerMessage) {
    loop {
        match tokio::time::timeout(WAIT, socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let msg = serde_json::from_str(t.as_str()).unwrap_or_else(|e| panic!("cannot read « {t} »: {e}"));
                return (t.to_string(), msg);
            }
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

async fn next(socket: &mut Socket) -> ServerMessage {
    next_raw(socket).await.1
}

/// Reads until a message `pick` accepts (at most 500 messages).
async fn until<T>(socket: &mut Socket, pick: impl Fn(&ServerMessage) -> Option<T>) -> T {
    for _ in 0..500 {
        if let Some(found) = pick(&next(socket).await) {
            return found;
        }
    }
    panic!("the awaited message never came");
}

async fn join(socket: &mut Socket, pseudonym: Option<&str>, seat_token: Option<&str>) -> ServerMessage {
    send(
        socket,
        &ClientMessage::Join { pseudonym: pseudonym.map(String::from), seat_token: seat_token.map(String::from) },
    )
    .await;
    next(socket).await
}

async fn answer(socket: &mut Socket, question: usize, response: Response) -> ServerMessage {
    send(socket, &ClientMessage::Answer { question, response }).await;
    until(socket, |m| matches!(m, ServerMessage::Accepted { .. } | ServerMessage::Refused { .. }).then(|| m.clone()))
        .await
}

fn is_refused(m: &ServerMessage) -> bool {
    matches!(m, ServerMessage::Refused { .. })
}

/// The teacher's histogram once `answers` answers are counted.
async fn tally_at(teacher: &mut Socket, question: usize, answers: u32) -> Tally {
    until(teacher, |m| match m {
        ServerMessage::Tally { question: q, tally } if *q == question && tally.answers == answers => {
            Some(tally.clone())
        }
        _ => None,
    })
    .await
}

async fn end(teacher: &Session, live: &LiveStarted) -> LiveReport {
    let (status, report) =
        teacher.call_json::<LiveReport>("/api/quiz/direct/terminer", &json!({"session": live.session})).await;
    report.unwrap_or_else(|e| panic!("end: {status} {e:?}"))
}

#[tokio::test]
async fn thirty_students_answer_and_the_histogram_and_report_are_exact() {
    let app = spawn_app().await;
    let (teacher, live) = started(&app, named()).await;
    let teacher_cookie = teacher.cookie_header().expect("teacher cookie");
    let mut host = connect(&app, &teacher_cookie, &live.code.to_lowercase()).await.expect("teacher upgrade");
    assert!(matches!(next(&mut host).await, ServerMessage::Hosting { question_count: 2, seats: 0, .. }));

    let ids = students(&app, 30).await;
    let mut seats = Vec::new();
    for id in &ids {
        let mut s = connect(&app, &cookie_of(&app, *id).await, &live.code).await.expect("student upgrade");
        match join(&mut s, None, None).await {
            ServerMessage::Joined { seat_token: None, .. } => {}
            other => panic!("expected a seat, got {other:?}"),
        }
        seats.push(s);
    }
    until(&mut host, |m| matches!(m, ServerMessage::Seats { count: 30 }).then_some(())).await;

    // Question 1: student i picks option i % 3 (Paris is option 0).
    send(&mut host, &ClientMessage::Open { timer_secs: None }).await;
    for s in seats.iter_mut() {
        let (raw, msg) = next_raw(s).await;
        assert!(matches!(msg, ServerMessage::Question { index: 0, count: 2, answered: false, .. }), "{raw}");
        assert!(!raw.contains("SECRET") && !raw.contains("weight"), "the key reached a student: {raw}");
    }
    for (i, s) in seats.iter_mut().enumerate() {
        assert_eq!(answer(s, 0, Response::Choice(i % 3)).await, ServerMessage::Accepted { question: 0 });
    }
    let second = answer(&mut seats[0], 0, Response::Choice(1)).await;
    assert!(is_refused(&second), "a second answer is refused: {second:?}");
    assert_eq!(tally_at(&mut host, 0, 30).await, Tally { options: vec![10, 10, 10], answers: 30, correct: 10 });

    send(&mut host, &ClientMessage::Reveal).await;
    let revealed = until(&mut host, |m| match m {
        ServerMessage::Revealed { tally, right_answers, leaderboard, .. } => {
            Some((tally.clone(), right_answers.clone(), leaderboard.len()))
        }
        _ => None,
    })
    .await;
    assert_eq!(revealed.0.options, vec![10, 10, 10]);
    assert_eq!(revealed.1, vec!["Paris".to_string()]);
    assert_eq!(revealed.2, 10, "the leaderboard shows its top ten");
    for (i, s) in seats.iter_mut().enumerate() {
        let points = until(s, |m| match m {
            ServerMessage::Revealed { points, .. } => Some(*points),
            _ => None,
        })
        .await;
        assert_eq!(points, Some(if i % 3 == 0 { 100 } else { 0 }));
    }

    // Question 2 (true/false, true is right): 20 say true, 5 false, 5 do not answer.
    send(&mut host, &ClientMessage::Open { timer_secs: Some(300) }).await;
    for (i, s) in seats.iter_mut().enumerate().take(25) {
        until(s, |m| matches!(m, ServerMessage::Question { index: 1, .. }).then_some(())).await;
        assert_eq!(answer(s, 1, Response::Bool(i < 20)).await, ServerMessage::Accepted { question: 1 });
    }
    assert_eq!(tally_at(&mut host, 1, 25).await, Tally { options: vec![20, 5], answers: 25, correct: 20 });

    let report = end(&teacher, &live).await;
    assert!(report.ended);
    assert_eq!(report.questions.len(), 2);
    assert_eq!(report.questions[0].tally, Tally { options: vec![10, 10, 10], answers: 30, correct: 10 });
    assert_eq!(report.questions[0].options, vec!["Paris", "Lyon", "Marseille"]);
    assert!((report.questions[0].success_rate - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(report.questions[1].tally, Tally { options: vec![20, 5], answers: 25, correct: 20 });
    assert_eq!(report.seats.len(), 30);
    assert_eq!(report.seats.iter().map(|s| s.points).sum::<i64>(), 10 * 100 + 20 * 100);
    assert_eq!(report.seats.iter().map(|s| s.answered).sum::<u32>(), 55);
    assert!(report.seats.iter().all(|s| s.student.is_some_and(|u| ids.contains(&u.0))));
    assert_eq!(report.seats[0].points, 200, "best first");
    assert_eq!(app.count("SELECT COUNT(*) FROM quiz_live_answers").await, 55);

    // Everybody hears the end: the teacher without points, each student with their final points.
    let ended = |m: &ServerMessage| match m {
        ServerMessage::Ended { points, .. } => Some(*points),
        _ => None,
    };
    assert_eq!(until(&mut host, ended).await, None, "the teacher has no seat");
    for (id, socket) in ids.iter().zip(seats.iter_mut()) {
        let mine = report.seats.iter().find(|s| s.student == Some(UserId(*id))).map(|s| s.points);
        assert_eq!(until(socket, ended).await, mine, "student {id}'s final points");
    }
    // The code leads nowhere any more once the session ended.
    let (status, _) = refusal(connect(&app, &cookie_of(&app, ids[0]).await, &live.code).await);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_answer_after_the_timer_is_refused() {
    let app = spawn_app().await;
    let (teacher, live) = started(&app, named()).await;
    let mut host = connect(&app, &teacher.cookie_header().expect("cookie"), &live.code).await.expect("upgrade");
    next(&mut host).await;
    let ids = students(&app, 2).await;
    let mut quick = connect(&app, &cookie_of(&app, ids[0]).await, &live.code).await.expect("upgrade");
    let mut late = connect(&app, &cookie_of(&app, ids[1]).await, &live.code).await.expect("upgrade");
    join(&mut quick, None, None).await;
    join(&mut late, None, None).await;

    send(&mut host, &ClientMessage::Open { timer_secs: Some(1) }).await;
    let remaining = until(&mut quick, |m| match m {
        ServerMessage::Question { remaining_ms, .. } => Some(*remaining_ms),
        _ => None,
    })
    .await;
    assert!(remaining.is_some_and(|ms| ms > 0 && ms <= 1_000), "{remaining:?}");
    assert_eq!(answer(&mut quick, 0, Response::Choice(0)).await, ServerMessage::Accepted { question: 0 });

    // The hub closes the question when the timer runs out and says so.
    until(&mut late, |m| matches!(m, ServerMessage::Closed { question: 0 }).then_some(())).await;
    let refused = answer(&mut late, 0, Response::Choice(0)).await;
    assert!(is_refused(&refused), "{refused:?}");

    let report = end(&teacher, &live).await;
    assert_eq!(report.questions[0].tally.answers, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM quiz_live_answers").await, 1);
    // Ended without a reveal: the end still tells each student every point earned.
    let final_points = |m: &ServerMessage| match m {
        ServerMessage::Ended { points, .. } => Some(*points),
        _ => None,
    };
    assert_eq!(until(&mut quick, final_points).await, Some(report.seats[0].points));
    assert!(report.seats[0].points >= 100, "{:?}", report.seats);
    assert_eq!(until(&mut late, final_points).await, Some(0));
}

#[tokio::test]
async fn a_reconnecting_student_keeps_their_seat_and_answer() {
    let app = spawn_app().await;
    let (teacher, live) = started(&app, named()).await;
    let mut host = connect(&app, &teacher.cookie_header().expect("cookie"), &live.code).await.expect("upgrade");
    next(&mut host).await;
    let id = students(&app, 1).await[0];
    let cookie = cookie_of(&app, id).await;

    let mut first = connect(&app, &cookie, &live.code).await.expect("upgrade");
    let ServerMessage::Joined { seat, .. } = join(&mut first, None, None).await else { panic!("no seat") };
    send(&mut host, &ClientMessage::Open { timer_secs: None }).await;
    until(&mut first, |m| matches!(m, ServerMessage::Question { .. }).then_some(())).await;
    assert_eq!(answer(&mut first, 0, Response::Choice(0)).await, ServerMessage::Accepted { question: 0 });
    first.close(None).await.expect("closed");
    drop(first);

    let mut again = connect(&app, &cookie, &live.code).await.expect("upgrade");
    match join(&mut again, None, None).await {
        ServerMessage::Joined { seat: back, points, .. } => {
            assert_eq!(back, seat);
            assert_eq!(points, 100);
        }
        other => panic!("expected the same seat, got {other:?}"),
    }
    assert!(matches!(next(&mut again).await, ServerMessage::Question { index: 0, answered: true, .. }));
    assert!(is_refused(&answer(&mut again, 0, Response::Choice(1)).await));

    let report = end(&teacher, &live).await;
    assert_eq!(report.seats.len(), 1);
    assert_eq!(report.questions[0].tally, Tally { options: vec![1, 0, 0], answers: 1, correct: 1 });
}

#[tokio::test]
async fn an_anonymous_seat_comes_back_with_its_token_and_names_no_one() {
    let app = spawn_app().await;
    let (teacher, live) = started(&app, json!({"anonymous": true, "speed_bonus": true, "leaderboard": false})).await;
    let ids = students(&app, 3).await;
    let mut s = connect(&app, &cookie_of(&app, ids[0]).await, &live.code).await.expect("upgrade");
    assert!(is_refused(&join(&mut s, None, None).await), "a pseudonym is needed");
    assert!(is_refused(&join(&mut s, Some("Zo\u{7}é"), None).await), "no control characters");
    assert!(is_refused(&join(&mut s, Some("Z"), None).await), "too short");
    let ServerMessage::Joined { seat, name, seat_token: Some(token), .. } =
        join(&mut s, Some("  Super   Zoé "), None).await
    else {
        panic!("no seat")
    };
    assert_eq!(name, "Super Zoé");
    drop(s);

    // A token that is no seat's opens nothing; a pseudonym is taken once; the token is the
    // seat's key (the page keeps it: the same phone after a new login gets its seat back).
    let mut stranger = connect(&app, &cookie_of(&app, ids[2]).await, &live.code).await.expect("upgrade");
    assert!(is_refused(&join(&mut stranger, None, Some("not-a-token")).await));
    let other_cookie = cookie_of(&app, ids[1]).await;
    let mut other = connect(&app, &other_cookie, &live.code).await.expect("upgrade");
    assert!(is_refused(&join(&mut other, Some("super zoé"), None).await));
    let mut back = connect(&app, &other_cookie, &live.code).await.expect("upgrade");
    match join(&mut back, None, Some(&token)).await {
        ServerMessage::Joined { seat: again, .. } => assert_eq!(again, seat),
        other => panic!("expected the same seat, got {other:?}"),
    }

    let report = end(&teacher, &live).await;
    assert!(report.anonymous);
    assert_eq!(report.seats.len(), 1);
    assert_eq!(report.seats[0].student, None);
    assert_eq!(app.count("SELECT COUNT(*) FROM quiz_live_seats WHERE user_id IS NOT NULL").await, 0);
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_guessing_is_throttled() {
    let app = spawn_app().await;
    let (_teacher, live) = started(&app, named()).await;
    let cookie = cookie_of(&app, students(&app, 1).await[0]).await;
    let free = domain::throttle::JOIN_CODE_POLICY.free_failures;
    for n in 0..=free {
        let guess = if n % 2 == 0 { "ZZZZZZ" } else { "pas-un-code" };
        let (status, body) = refusal(connect(&app, &cookie, guess).await);
        assert_eq!(status, 404, "guess {n}");
        assert!(body.contains("Aucune session en cours avec ce code"), "{body}");
    }
    // Past the free failures, even the right code must wait.
    let (status, body) = refusal(connect(&app, &cookie, &live.code).await);
    assert_eq!(status, 429);
    assert!(body.contains("Patientez") && body.contains("seconde"), "{body}");
    // A classmate on the same address is not held up by those typos: the code opens at once.
    let classmate = cookie_of(&app, students(&app, 2).await[1]).await;
    let mut socket = connect(&app, &classmate, &live.code).await.expect("the classmate joins at once");
    match join(&mut socket, None, None).await {
        ServerMessage::Joined { .. } => {}
        other => panic!("expected to join, got {other:?}"),
    }
}

#[tokio::test]
async fn only_students_of_the_establishment_join_a_named_session() {
    let app = spawn_app().await;
    let (_admin, _class, outsider) = second_establishment(&app).await;
    let (_teacher, live) = started(&app, named()).await;

    // Another establishment's student hears what a wrong code gets.
    let (status, body) = refusal(connect(&app, &cookie_of(&app, outsider).await, &live.code).await);
    assert_eq!(status, 404, "{body}");
    // Another teacher of the school is no student: not in a named session.
    let colleague: i64 = app
        .count(
            "SELECT MIN(u.id) FROM users u JOIN memberships m ON m.user_id = u.id \
             WHERE m.role = 'enseignant' AND u.username <> 'demo.prof'",
        )
        .await;
    let (status, _) = refusal(connect(&app, &cookie_of(&app, colleague).await, &live.code).await);
    assert_eq!(status, 403);
    // And without our Origin nothing opens.
    let mut req =
        app.url(&format!("/ws/quiz/{}", live.code)).replace("http://", "ws://").into_client_request().expect("req");
    req.headers_mut().insert("origin", "https://evil.example".parse().expect("origin"));
    req.headers_mut().insert("cookie", cookie_of(&app, students(&app, 1).await[0]).await.parse().expect("cookie"));
    let (status, _) = refusal(tokio_tungstenite::connect_async(req).await.map(|(s, _)| s));
    assert_eq!(status, 403);
}

// The pages' server functions: the url-encoded launch form, the projector screen's data, and
// the code a student types (checked and throttled as the WebSocket's upgrade is).

/// A quiz of `demo.prof` with the two questions above, not started.
async fn quiz_of_demo_prof(app: &TestApp) -> (Session, i64) {
    let teacher = app.login_as("demo.prof").await;
    let (_, quiz) = teacher.call_json::<i64>("/api/quiz/creer", &json!({"title": "Direct", "description": ""})).await;
    let quiz = quiz.expect("quiz created");
    for q in [capital(), rhine()] {
        let (_, saved) = teacher
            .call_json::<i64>("/api/quiz/question/enregistrer", &json!({"quiz": quiz, "id": null, "question": q}))
            .await;
        saved.expect("question saved");
    }
    (teacher, quiz)
}

/// A plain form post, as a browser without JavaScript sends it: (status, Location).
async fn plain_post(s: &Session, app: &TestApp, path: &str, form: &[(&str, &str)], from: &str) -> (u16, String) {
    let res = s
        .http
        .post(app.url(path))
        .header("accept", "text/html")
        .header("referer", app.url(from))
        .form(form)
        .send()
        .await
        .expect("sent");
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (res.status().as_u16(), location)
}

#[tokio::test]
async fn the_launch_form_starts_a_session_and_lands_on_its_projector_screen() {
    let app = spawn_app().await;
    let (teacher, quiz) = quiz_of_demo_prof(&app).await;
    let id = quiz.to_string();

    // Without JavaScript: ticked boxes are the options, and the browser goes to the screen.
    let (status, location) = plain_post(
        &teacher,
        &app,
        "/api/quiz/direct/lancer",
        &[("quiz", &id), ("anonyme", "on"), ("bonus", "on")],
        "/quiz/direct",
    )
    .await;
    assert_eq!(status, 302, "{location}");
    let code = location.strip_prefix("/quiz/direct/").expect("the projector screen").to_string();
    assert!(domain::quiz::live::JoinCode::parse(&code).is_ok(), "{code}");
    let stored: (i64, i64, i64) = sqlx::query_as(
        "SELECT anonymous, speed_bonus, leaderboard FROM quiz_live_sessions WHERE code = $1 AND ended_at IS NULL",
    )
    .bind(&code)
    .fetch_one(&app.db)
    .await
    .expect("session stored");
    assert_eq!(stored, (1, 1, 0));

    // The screen's data: the questions with their right answers, where to join, the lobby.
    let (status, host) =
        teacher.call::<app::quizzes::live::LiveHost>("/api/quiz/direct/animer", &[("code", &code)]).await;
    let host = host.unwrap_or_else(|e| panic!("host: {status} {e:?}"));
    assert_eq!(host.report.code, code);
    assert_eq!(host.phase, domain::quiz::live::Phase::Lobby);
    assert!(host.options.anonymous && host.options.speed_bonus && !host.options.leaderboard);
    assert_eq!(host.report.questions.len(), 2);
    assert_eq!(host.report.questions[0].right_answers, vec!["Paris".to_string()]);
    assert_eq!(host.report.questions[1].right_answers, vec!["Vrai".to_string()]);
    assert_eq!(host.join_address, format!("{}/rejoindre", app.base.trim_start_matches("http://")));

    // The page itself, rendered on the server: the code, the address, and why JS is needed.
    let html = teacher.get(&format!("/quiz/direct/{}", code.to_lowercase())).await.text().await.expect("page");
    assert!(html.contains(&code) && html.contains("/rejoindre"), "{html}");
    assert!(html.contains("Animer la session demande JavaScript"), "{html}");

    // With JavaScript: the same function answers the session, no box ticked, no option on.
    let (status, started) = teacher.call::<LiveStarted>("/api/quiz/direct/lancer", &[("quiz", &id)]).await;
    let started = started.unwrap_or_else(|e| panic!("start: {status} {e:?}"));
    let (_, host) =
        teacher.call::<app::quizzes::live::LiveHost>("/api/quiz/direct/animer", &[("code", &started.code)]).await;
    let options = host.expect("host").options;
    assert!(!options.anonymous && !options.speed_bonus && !options.leaderboard);

    // Once ended, the screen is the report, on the server too.
    end(&teacher, &started).await;
    let html = teacher.get(&format!("/quiz/direct/{}", started.code)).await.text().await.expect("page");
    assert!(html.contains("Bilan par question") && html.contains("Quelle est la capitale de la France ?"), "{html}");
    assert!(!html.contains("Animer la session demande JavaScript"));
}

#[tokio::test]
async fn the_launch_form_refuses_students_other_teachers_quizzes_and_bad_input() {
    let app = spawn_app().await;
    let (teacher, quiz) = quiz_of_demo_prof(&app).await;
    let id = quiz.to_string();

    let (status, refused) = teacher.call::<LiveStarted>("/api/quiz/direct/lancer", &[("quiz", "pas-un-nombre")]).await;
    assert_eq!(
        (status.as_u16(), refused.map(|_| ())),
        (
            422,
            Err(app::error::AppError::Invalid {
                field: "quiz".into(),
                reason: "Ce quiz est introuvable : rechargez la liste des quiz et réessayez.".into()
            })
        )
    );
    let (_, empty) = teacher.call_json::<i64>("/api/quiz/creer", &json!({"title": "Vide", "description": ""})).await;
    let empty = empty.expect("quiz").to_string();
    let (status, refused) = teacher.call::<LiveStarted>("/api/quiz/direct/lancer", &[("quiz", &empty)]).await;
    assert_eq!(status, 422);
    assert!(refused.expect_err("no question").message().contains("pas encore de question"));
    // Without JavaScript the refusal goes back to the page it came from, which shows it.
    let (status, location) =
        plain_post(&teacher, &app, "/api/quiz/direct/lancer", &[("quiz", &empty)], "/quiz/direct").await;
    assert!((300..400).contains(&status), "{status}");
    assert!(location.contains("/quiz/direct") && location.contains("err"), "{location}");

    let student = app.login_as("demo.eleve").await;
    let (status, refused) = student.call::<LiveStarted>("/api/quiz/direct/lancer", &[("quiz", &id)]).await;
    assert_eq!((status.as_u16(), refused), (403, Err(app::error::AppError::Forbidden)));

    let colleague: String = sqlx::query_scalar(
        "SELECT MIN(u.username) FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE m.role = 'enseignant' AND u.username <> 'demo.prof'",
    )
    .fetch_one(&app.db)
    .await
    .expect("a colleague");
    app.give_password(&colleague).await;
    let colleague = app.login_as(&colleague).await;
    let (status, refused) = colleague.call::<LiveStarted>("/api/quiz/direct/lancer", &[("quiz", &id)]).await;
    assert!(matches!(status.as_u16(), 403 | 404) && refused.is_err(), "{status} {refused:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM quiz_live_sessions").await, 0, "nothing was started");

    // Nor may anyone but its teacher open a session's screen.
    let (_, live) = teacher.call::<LiveStarted>("/api/quiz/direct/lancer", &[("quiz", &id)]).await;
    let code = live.expect("started").code;
    for other in [&colleague, &student] {
        let (status, _) =
            other.call::<app::quizzes::live::LiveHost>("/api/quiz/direct/animer", &[("code", &code)]).await;
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn a_typed_code_leads_to_its_session_and_a_wrong_one_is_explained_then_throttled() {
    use app::quizzes::live::LiveJoin;
    let app = spawn_app().await;
    let (teacher, live) = started(&app, json!({"anonymous": true, "speed_bonus": false, "leaderboard": true})).await;
    let student = app.login_as("demo.eleve").await;

    // The form: a student goes to the phone screen, the teacher to the projector screen.
    let typed = format!(" {} ", live.code.to_lowercase());
    let (status, location) =
        plain_post(&student, &app, "/api/quiz/direct/rejoindre", &[("code", &typed)], "/rejoindre").await;
    assert_eq!((status, location.as_str()), (302, format!("/rejoindre/{}", live.code).as_str()));
    let (_, location) =
        plain_post(&teacher, &app, "/api/quiz/direct/rejoindre", &[("code", &live.code)], "/rejoindre").await;
    assert_eq!(location, format!("/quiz/direct/{}", live.code));
    let (status, found) = student.call::<LiveJoin>("/api/quiz/direct/trouver", &[("code", &live.code)]).await;
    assert_eq!(status, 200);
    let found = found.expect("found");
    assert!(found.anonymous && found.leaderboard && found.title == "Direct");

    // The phone screen renders on the server: the title, and why JavaScript is needed.
    let html = student.get(&format!("/rejoindre/{}", live.code)).await.text().await.expect("page");
    assert!(html.contains("Direct") && html.contains("Pour répondre au quiz, activez JavaScript"), "{html}");

    // A malformed code is explained (and costs nothing); a wrong one says so in French.
    let (status, malformed) = student.call::<LiveJoin>("/api/quiz/direct/trouver", &[("code", "12")]).await;
    assert_eq!(status, 422);
    assert!(malformed.expect_err("malformed").message().contains("6 caractères"));
    let html = student.get("/rejoindre/ZZZZZZ").await.text().await.expect("page");
    assert!(html.contains("Aucune session en cours avec ce code"), "{html}");

    // Another establishment's student hears the same as for a wrong code.
    let (_admin, _class, outsider) = second_establishment(&app).await;
    let res = app
        .session()
        .http
        .post(app.url("/api/quiz/direct/trouver"))
        .header("cookie", cookie_of(&app, outsider).await)
        .form(&[("code", live.code.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.expect("body").contains("Aucune session en cours avec ce code"));

    // Past the free failures (shared with the WebSocket's upgrade), even the right code waits.
    // The student has one failure so far (the page of ZZZZZZ); the outsider's counted against
    // the outsider, not against an address they share.
    let free = domain::throttle::JOIN_CODE_POLICY.free_failures;
    for _ in 1..=free {
        let (status, _) = student.call::<LiveJoin>("/api/quiz/direct/trouver", &[("code", "ZZZZZZ")]).await;
        assert_eq!(status, 422);
    }
    let (status, throttled) = student.call::<LiveJoin>("/api/quiz/direct/trouver", &[("code", &live.code)]).await;
    assert_eq!(status, 429);
    let message = throttled.expect_err("throttled").message();
    assert!(message.contains("Patientez") && message.contains("seconde"), "{message}");
    let (status, body) = refusal(connect(&app, &student.cookie_header().expect("cookie"), &live.code).await);
    assert_eq!(status, 429, "{body}");
    let (status, _) =
        plain_post(&student, &app, "/api/quiz/direct/rejoindre", &[("code", &live.code)], "/rejoindre").await;
    assert!((300..400).contains(&status), "the form goes back to /rejoindre with the message");
}

#[tokio::test]
async fn a_named_session_is_for_students_and_an_ended_one_leads_nowhere() {
    use app::quizzes::live::LiveJoin;
    let app = spawn_app().await;
    let (teacher, live) = started(&app, named()).await;
    let colleague: String = sqlx::query_scalar(
        "SELECT MIN(u.username) FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE m.role = 'enseignant' AND u.username <> 'demo.prof'",
    )
    .fetch_one(&app.db)
    .await
    .expect("a colleague");
    app.give_password(&colleague).await;
    let colleague = app.login_as(&colleague).await;
    let (status, refused) = colleague.call::<LiveJoin>("/api/quiz/direct/trouver", &[("code", &live.code)]).await;
    assert_eq!(status, 422);
    assert!(refused.expect_err("not a student").message().contains("réservée aux élèves"));

    end(&teacher, &live).await;
    let student = app.login_as("demo.eleve").await;
    let (status, gone) = student.call::<LiveJoin>("/api/quiz/direct/trouver", &[("code", &live.code)]).await;
    assert_eq!(status, 422);
    assert!(gone.expect_err("ended").message().contains("Aucune session en cours"));
}

/// Issue 14, item 9: once the session ended in the database (by another node, whose news has
/// not reached this node's hub yet), an answer is refused by the statement that would store
/// it, the student is told why, and the hub tells everyone the session ended.
#[tokio::test]
async fn an_answer_after_the_session_ended_in_the_database_is_refused() {
    let app = spawn_app().await;
    let (teacher, live) = started(&app, named()).await;
    let mut host = connect(&app, &teacher.cookie_header().expect("cookie"), &live.code).await.expect("upgrade");
    next(&mut host).await;
    let id = students(&app, 1).await[0];
    let mut student = connect(&app, &cookie_of(&app, id).await, &live.code).await.expect("upgrade");
    join(&mut student, None, None).await;
    send(&mut host, &ClientMessage::Open { timer_secs: None }).await;
    until(&mut student, |m| matches!(m, ServerMessage::Question { index: 0, .. }).then_some(())).await;

    // Only the database knows: this node's hub still has the question open.
    let now = app::server::db::now_ms();
    app.exec(&format!(
        "UPDATE quiz_live_sessions SET state = 'ended', current_index = 0, ended_at = {now} WHERE id = {}",
        live.session.0
    ))
    .await;
    assert_eq!(
        answer(&mut student, 0, Response::Choice(0)).await,
        ServerMessage::Refused { message: "La session est terminée.".into() }
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM quiz_live_answers").await, 0, "nothing stored");
    let ended = |m: &ServerMessage| match m {
        ServerMessage::Ended { points, .. } => Some(*points),
        _ => None,
    };
    assert_eq!(until(&mut student, ended).await, Some(0));
    assert_eq!(until(&mut host, ended).await, None);
}

/// Issue 14, item 9: a live quiz with its teacher on node A and its students spread over
/// nodes A and B (no sticky routing): seats and answers taken on B reach the teacher's
/// screen on A, the teacher's commands reach the students on B, and the session ended
/// through node B's server function ends on both.
#[tokio::test]
async fn a_live_quiz_runs_with_its_teacher_on_one_node_and_students_on_another() {
    let Some((node_a, node_b)) = two_nodes("live quiz across nodes").await else { return };
    let (teacher, live) = started(&node_a, named()).await;
    let mut host = connect(&node_a, &teacher.cookie_header().expect("cookie"), &live.code).await.expect("upgrade");
    assert!(matches!(next(&mut host).await, ServerMessage::Hosting { seats: 0, .. }));
    let ids = students(&node_a, 4).await;
    let mut sockets = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let node = if i < 3 { &node_b } else { &node_a };
        let mut s = connect(node, &cookie_of(node, *id).await, &live.code).await.expect("student upgrade");
        assert!(matches!(join(&mut s, None, None).await, ServerMessage::Joined { .. }));
        sockets.push(s);
    }
    until(&mut host, |m| matches!(m, ServerMessage::Seats { count: 4 }).then_some(())).await;

    send(&mut host, &ClientMessage::Open { timer_secs: None }).await;
    for (s, choice) in sockets.iter_mut().zip([0, 1, 0, 2]) {
        until(s, |m| matches!(m, ServerMessage::Question { index: 0, .. }).then_some(())).await;
        assert_eq!(answer(s, 0, Response::Choice(choice)).await, ServerMessage::Accepted { question: 0 });
    }
    assert_eq!(tally_at(&mut host, 0, 4).await, Tally { options: vec![2, 1, 1], answers: 4, correct: 2 });

    send(&mut host, &ClientMessage::Reveal).await;
    for (s, want) in sockets.iter_mut().zip([100, 0, 100, 0]) {
        let points = until(s, |m| match m {
            ServerMessage::Revealed { points, right_answers, .. } => Some((*points, right_answers.clone())),
            _ => None,
        })
        .await;
        assert_eq!(points, (Some(want), vec!["Paris".to_string()]));
    }

    send(&mut host, &ClientMessage::Open { timer_secs: None }).await;
    until(&mut sockets[0], |m| matches!(m, ServerMessage::Question { index: 1, .. }).then_some(())).await;
    assert_eq!(answer(&mut sockets[0], 1, Response::Bool(true)).await, ServerMessage::Accepted { question: 1 });
    assert_eq!(tally_at(&mut host, 1, 1).await.answers, 1);

    // The teacher ends the session from node B (another tab, another node).
    let teacher_b = node_b.login_as("demo.prof").await;
    let report = end(&teacher_b, &live).await;
    assert!(report.ended);
    assert_eq!(report.seats.len(), 4);
    assert_eq!(report.seats.iter().map(|s| s.points).sum::<i64>(), 300);
    let ended = |m: &ServerMessage| match m {
        ServerMessage::Ended { points, .. } => Some(*points),
        _ => None,
    };
    assert_eq!(until(&mut host, ended).await, None, "the teacher on node A hears the end");
    for (s, want) in sockets.iter_mut().zip([200, 0, 100, 0]) {
        assert_eq!(until(s, ended).await, Some(want), "each student hears the end with their points");
    }
    assert_eq!(node_b.count("SELECT COUNT(*) FROM quiz_live_answers").await, 5);
}
