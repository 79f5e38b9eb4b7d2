//! Computes every bulletin of a whole establishment for one period, from the database to the
//! structures a bulletin shows (averages, class statistics, teachers, appréciations): 1,200
//! students in 40 classes, 12 subjects, 30 marks per subject and student (432,000 marks) and
//! an appréciation per subject. The goal is under one second on 2 cores.
//!
//! cargo run --release -p server --example bulletin_averages -- [--classes 40] [--runs 5]
//!
//! It seeds a fresh database of its own: a SQLite file in the temporary folder, or, when
//! `DATABASE_URL` is a postgres URL (127.0.0.1 only), a new database on that server that it
//! drops at the end.

use app::bulletins::db::build;
use app::grades::api::PeriodChoice;
use domain::{EstablishmentId, PeriodId};
use std::fmt::Write;
use std::time::Instant;

const STUDENTS_PER_CLASS: i64 = 30;
const SUBJECTS: i64 = 12;
const EVALUATIONS_PER_SUBJECT: i64 = 30;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// Runs `INSERT INTO {head} VALUES` with `rows` in batches of 1,000 (values are generated
/// here, integers and fixed words only).
async fn insert_all(db: &app::server::Db, head: &str, rows: &[String]) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    for chunk in rows.chunks(1_000) {
        sqlx::query(&format!("INSERT INTO {head} VALUES {}", chunk.join(","))).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn seed(db: &app::server::Db, classes: i64) -> anyhow::Result<(EstablishmentId, PeriodId, i64)> {
    let (est, period) = (1_i64, 3_i64);
    sqlx::query("INSERT INTO establishments (id, name, uai, city, created_at) VALUES (1, 'Collège de mesure', '0670000X', 'Strasbourg', 0)")
        .execute(db)
        .await?;
    sqlx::query("INSERT INTO school_years (id, establishment_id, label, starts_on, ends_on) VALUES (2, 1, '2026-2027', '2026-09-01', '2027-07-04')")
        .execute(db)
        .await?;
    sqlx::query("INSERT INTO periods (id, school_year_id, label, position, starts_on, ends_on) VALUES (3, 2, 'Trimestre 1', 1, '2026-09-01', '2026-11-30')")
        .execute(db)
        .await?;
    // Ids: subjects 100+, teachers 200+, classes 1_000+, students 100_000+, evaluations 1_000_000+.
    let subjects: Vec<String> =
        (0..SUBJECTS).map(|s| format!("({}, {est}, 'Matière {s}', {})", 100 + s, 100 + (s % 3) * 50)).collect();
    insert_all(db, "subjects (id, establishment_id, name, coefficient_hundredths)", &subjects).await?;
    let teachers: Vec<String> = (0..SUBJECTS)
        .map(|s| format!("({}, 'prof{s}', 'Prof', 'Matière{s}', NULL, NULL, NULL, 1, 0, 0)", 200 + s))
        .collect();
    insert_all(db, "users (id, username, first_name, last_name, password_hash, activation_hash, activation_expires_at, active, region_admin, created_at)", &teachers).await?;
    let class_rows: Vec<String> = (0..classes).map(|c| format!("({}, {est}, 'Classe {c}', '')", 1_000 + c)).collect();
    insert_all(db, "classes (id, establishment_id, name, level)", &class_rows).await?;
    let (mut users, mut members, mut enrolled) = (Vec::new(), Vec::new(), Vec::new());
    for c in 0..classes {
        for n in 0..STUDENTS_PER_CLASS {
            let id = 100_000 + c * STUDENTS_PER_CLASS + n;
            users.push(format!("({id}, 'eleve{id}', 'Élève', 'N{id}', NULL, NULL, NULL, 1, 0, 0)"));
            members.push(format!("({id}, {est}, 'eleve')"));
            enrolled.push(format!("({}, {id})", 1_000 + c));
        }
    }
    insert_all(db, "users (id, username, first_name, last_name, password_hash, activation_hash, activation_expires_at, active, region_admin, created_at)", &users).await?;
    insert_all(db, "memberships (user_id, establishment_id, role)", &members).await?;
    insert_all(db, "class_students (class_id, student_id)", &enrolled).await?;
    let assignments: Vec<String> = (0..classes)
        .flat_map(|c| {
            (0..SUBJECTS).map(move |s| {
                format!("({}, {est}, {}, {}, {}, NULL)", 10_000 + c * SUBJECTS + s, 200 + s, 100 + s, 1_000 + c)
            })
        })
        .collect();
    insert_all(db, "assignments (id, establishment_id, teacher_id, subject_id, class_id, group_id)", &assignments)
        .await?;
    let appreciations: Vec<String> = (0..classes * STUDENTS_PER_CLASS)
        .flat_map(|n| {
            (0..=SUBJECTS).map(move |s| {
                let subject = if s == SUBJECTS { 0 } else { 100 + s };
                format!("({est}, {}, {period}, {subject}, 'Travail sérieux et régulier, des progrès à confirmer au prochain trimestre.', 200, 0)", 100_000 + n)
            })
        })
        .collect();
    insert_all(
        db,
        "appreciations (establishment_id, student_id, period_id, subject_id, body, author_id, updated_at)",
        &appreciations,
    )
    .await?;
    let (mut evaluations, mut grades) = (Vec::new(), Vec::new());
    let mut marks = 0;
    for c in 0..classes {
        for s in 0..SUBJECTS {
            for k in 0..EVALUATIONS_PER_SUBJECT {
                let id = 1_000_000 + (c * SUBJECTS + s) * EVALUATIONS_PER_SUBJECT + k;
                let (scale, coefficient) = if k % 5 == 0 { (10, 50) } else { (20, 100 + (k % 3) * 100) };
                evaluations.push(format!(
                    "({id}, {est}, {period}, {}, {}, NULL, 'Évaluation {k}', '2026-10-01', {scale}, {coefficient}, 'normal', 0, {}, 0)",
                    100 + s,
                    1_000 + c,
                    200 + s
                ));
                for n in 0..STUDENTS_PER_CLASS {
                    let student = 100_000 + c * STUDENTS_PER_CLASS + n;
                    let seed = (student * 7 + id * 13) % 97;
                    let mut row = String::new();
                    if seed < 3 {
                        write!(row, "({id}, {student}, 'abs', NULL, {}, 0)", 200 + s)?;
                    } else {
                        write!(
                            row,
                            "({id}, {student}, 'points', {}, {}, 0)",
                            scale * (25 + seed) / 125 * 100,
                            200 + s
                        )?;
                    }
                    grades.push(row);
                    marks += 1;
                }
            }
        }
    }
    insert_all(db, "evaluations (id, establishment_id, period_id, subject_id, class_id, group_id, title, held_on, scale, coefficient_hundredths, counting, publish_at, created_by, created_at)", &evaluations).await?;
    insert_all(db, "grades (evaluation_id, student_id, status, points, updated_by, updated_at)", &grades).await?;
    Ok((EstablishmentId(est), PeriodId(period), marks))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let classes: i64 = arg(&args, "--classes").map(|v| v.parse()).transpose()?.unwrap_or(40);
    let runs: usize = arg(&args, "--runs").map(|v| v.parse()).transpose()?.unwrap_or(5);
    let token = app::server::db::random_token()?;
    let name = format!("preau_bench_{}", &token[..12]);
    let (url, admin) = match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            anyhow::ensure!(
                url.contains("@127.0.0.1") || url.contains("@localhost"),
                "benchmarks only target 127.0.0.1"
            );
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&url).await?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await?;
            let server =
                url.split('?').next().unwrap_or(&url).rsplit_once('/').map(|(s, _)| s.to_string()).unwrap_or_default();
            (format!("{server}/{name}"), Some(admin))
        }
        _ => (format!("sqlite://{}/{name}.db", std::env::temp_dir().display()), None),
    };
    let engine = if admin.is_some() { "PostgreSQL" } else { "SQLite" };
    let db = app::server::db::connect_and_migrate(&url, 4).await?;
    let started = Instant::now();
    let (est, period, marks) = seed(&db, classes).await?;
    println!(
        "{engine}: seeded {} students, {marks} marks in {:.1} s",
        classes * STUDENTS_PER_CLASS,
        started.elapsed().as_secs_f64()
    );

    let term = PeriodChoice {
        id: period,
        label: "Trimestre 1".into(),
        starts_on: "2026-09-01".into(),
        ends_on: "2026-11-30".into(),
        closed: false,
    };
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        let t = Instant::now();
        let mut conn = db.acquire().await?;
        let bulletins = build(&mut conn, est, &term, None, None).await?;
        drop(conn);
        let elapsed = t.elapsed().as_secs_f64() * 1000.0;
        let lines: usize = bulletins.iter().map(|b| b.subjects.len()).sum();
        let averages = bulletins.iter().flat_map(|b| &b.subjects).filter(|s| s.average.is_some()).count();
        println!(
            "run {run}: {elapsed:.0} ms — {} bulletins, {lines} subject lines, {averages} averages",
            bulletins.len()
        );
        times.push(elapsed);
    }
    times.sort_by(f64::total_cmp);
    println!("{engine}: median {:.0} ms, best {:.0} ms over {runs} runs", times[times.len() / 2], times[0]);

    db.close().await;
    match admin {
        Some(admin) => {
            sqlx::query(&format!("DROP DATABASE {name}")).execute(&admin).await?;
        }
        None => {
            let path = url.trim_start_matches("sqlite://");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }
    Ok(())
}
