//! The demo school (`PREAU_DEMO=1` on an empty database): one collège with 3 classes,
//! 8 teachers, 75 students, about 100 guardians, subjects, groups and assignments, and the
//! demo accounts `demo.eleve` (with two classmates, `demo.eleve2` and `demo.eleve3`),
//! `demo.parent`, `demo.prof`, `demo.viesco`, `demo.direction`, `demo.admin`. Other accounts
//! wait for activation, as after an import.
//!
//! The demo is alive on the day it is created: its school year is the one under way, the
//! trimester under way holds grades of the last three weeks, the trimesters already over hold
//! theirs and are closed with their bulletins issued, and the revision quiz is due this week.

use super::db::{Db, new_id, now_ms};
use anyhow::Context;
use domain::{EstablishmentId, Role};

const FIRST: &[&str] = &[
    "Léa", "Hugo", "Chloé", "Louis", "Emma", "Gabriel", "Jade", "Arthur", "Louise", "Jules", "Alice", "Raphaël",
    "Inès", "Adam", "Lina", "Nathan", "Mila", "Noah", "Rose", "Lucas", "Anna", "Ethan", "Zoé", "Sacha", "Manon", "Tom",
    "Camille", "Théo", "Sarah", "Malo", "Ambre", "Paul", "Julia", "Nino", "Lou", "Mathis", "Nina", "Timéo", "Agathe",
    "Yanis",
];
const LAST: &[&str] = &[
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Gérard",
    "Roche",
    "Renard",
    "Schmitt",
];
const SUBJECTS: &[&str] = &[
    "Français",
    "Mathématiques",
    "Histoire-géographie",
    "Anglais",
    "SVT",
    "Physique-chimie",
    "EPS",
    "Arts plastiques",
];
const CLASSES: &[(&str, &str)] = &[("6e A", "6e"), ("5e B", "5e"), ("4e C", "4e")];
const TEACHERS: &[(&str, &str, &str)] = &[
    ("demo.prof", "Claire", "Fontaine"),
    ("marc.lemoine", "Marc", "Lemoine"),
    ("sophie.keller", "Sophie", "Keller"),
    ("karim.benali", "Karim", "Benali"),
    ("helene.weber", "Hélène", "Weber"),
    ("pierre.schaeffer", "Pierre", "Schaeffer"),
    ("nadia.haddad", "Nadia", "Haddad"),
    ("julien.roth", "Julien", "Roth"),
];

struct Seeder<'a> {
    tx: sqlx::Transaction<'a, sqlx::Any>,
    est: i64,
    now: i64,
    /// The year of the September that starts the demo's school year.
    year: i32,
}

impl Seeder<'_> {
    async fn user(
        &mut self,
        username: &str,
        first: &str,
        last: &str,
        hash: Option<&str>,
        roles: &[Role],
    ) -> anyhow::Result<i64> {
        let id = new_id();
        sqlx::query("INSERT INTO users (id, username, first_name, last_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(username)
            .bind(first)
            .bind(last)
            .bind(hash)
            .bind(self.now)
            .execute(&mut *self.tx)
            .await
            .with_context(|| format!("creating demo user {username}"))?;
        for role in roles {
            sqlx::query("INSERT INTO memberships (user_id, establishment_id, role) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(self.est)
                .bind(role.code())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(id)
    }

    async fn exec(&mut self, sql: &str, binds: &[i64]) -> anyhow::Result<()> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(&mut *self.tx).await?;
        Ok(())
    }
}

/// Seeds the demo school if the database has no establishment yet. Returns whether it did.
pub async fn seed_if_empty(db: &Db, password_hash: &str) -> anyhow::Result<bool> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM establishments").fetch_one(db).await?;
    if existing > 0 {
        return Ok(false);
    }
    let est = new_id();
    let now = now_ms();
    // The school year under way (or starting, from August): the demo always shows this one.
    let y = school_year_start(&domain::paris::today_iso(now));
    let mut s = Seeder { tx: crate::server::db::begin_write(db).await?, est, now, year: y };
    sqlx::query("INSERT INTO establishments (id, name, uai, city, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(est)
        .bind("Collège Jean Moulin")
        .bind("0671234A")
        .bind("Strasbourg")
        .bind(now)
        .execute(&mut *s.tx)
        .await?;
    let year = new_id();
    sqlx::query(
        "INSERT INTO school_years (id, establishment_id, label, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(year)
    .bind(est)
    .bind(format!("{y}-{}", y + 1))
    .bind(format!("{y}-09-01"))
    .bind(format!("{}-07-04", y + 1))
    .execute(&mut *s.tx)
    .await?;
    let today = domain::paris::today_iso(now);
    let terms = trimesters(y);
    let mut periods = Vec::new();
    for (pos, (label, from, to)) in terms.iter().enumerate() {
        let id = new_id();
        sqlx::query("INSERT INTO periods (id, school_year_id, label, position, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(year)
            .bind(*label)
            .bind(pos as i64 + 1)
            .bind(from)
            .bind(to)
            .execute(&mut *s.tx)
            .await?;
        periods.push(crate::grades::api::PeriodChoice {
            id: domain::PeriodId(id),
            label: label.to_string(),
            starts_on: from.clone(),
            ends_on: to.clone(),
            closed: false,
        });
    }
    let under_way = crate::grades::db::current_period(&periods, &today)
        .and_then(|p| periods.iter().position(|q| q.id == p.id))
        .unwrap_or(0);

    let mut class_ids = Vec::new();
    for (name, level) in CLASSES {
        let id = new_id();
        sqlx::query("INSERT INTO classes (id, establishment_id, name, level) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(est)
            .bind(*name)
            .bind(*level)
            .execute(&mut *s.tx)
            .await?;
        class_ids.push(id);
    }
    let mut subject_ids = Vec::new();
    for name in SUBJECTS {
        let id = new_id();
        sqlx::query("INSERT INTO subjects (id, establishment_id, name) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(est)
            .bind(*name)
            .execute(&mut *s.tx)
            .await?;
        subject_ids.push(id);
    }

    // Teachers: teacher i teaches subject i in every class, except that demo.prof teaches
    // French in 5e B and 4e C only (6e A has Julien Roth), so the demo shows a teacher who
    // does not see every class.
    let mut teacher_ids = Vec::new();
    for (i, (username, first, last)) in TEACHERS.iter().enumerate() {
        let hash = (i == 0).then_some(password_hash);
        teacher_ids.push(s.user(username, first, last, hash, &[Role::Teacher]).await?);
    }
    let mut services = Vec::new();
    for (t, teacher) in teacher_ids.iter().enumerate() {
        for (c, class) in class_ids.iter().enumerate() {
            let teacher = if t == 0 && c == 0 { teacher_ids[TEACHERS.len() - 1] } else { *teacher };
            s.exec(
                "INSERT INTO assignments (id, establishment_id, teacher_id, subject_id, class_id) VALUES ($1, $2, $3, $4, $5)",
                &[new_id(), est, teacher, subject_ids[t], *class],
            )
            .await?;
            services.push((teacher, t, subject_ids[t], c, *class));
        }
    }

    // 75 students, 25 per class. demo.eleve is in 4e C; their sibling in 6e A.
    let mut students: Vec<(i64, usize, String)> = Vec::new();
    let mut garnier: Vec<i64> = Vec::new();
    for i in 0..75 {
        let class = i / 25;
        let first = FIRST[(i * 7 + 3) % FIRST.len()];
        let last = LAST[i % LAST.len()];
        let (username, first, last) = match i {
            50 => ("demo.eleve".to_string(), "Léo", "Garnier"),
            0 => ("lina.garnier".to_string(), "Lina", "Garnier"),
            // Two classmates of Léo who can log in too, so that a live quiz can be shown
            // (and tested end to end) with several students at once.
            51 => ("demo.eleve2".to_string(), first, last),
            52 => ("demo.eleve3".to_string(), first, last),
            _ => (domain_username(first, last, i), first, last),
        };
        let hash = matches!(username.as_str(), "demo.eleve" | "demo.eleve2" | "demo.eleve3").then_some(password_hash);
        let id = s.user(&username, first, last, hash, &[Role::Student]).await?;
        s.exec("INSERT INTO class_students (class_id, student_id) VALUES ($1, $2)", &[class_ids[class], id]).await?;
        if username == "demo.eleve" || username == "lina.garnier" {
            garnier.push(id);
        }
        students.push((id, class, last.to_string()));
    }

    // Guardians: two for most students, one for some; demo.parent has both Garnier children.
    let demo_parent = s.user("demo.parent", "Sandrine", "Garnier", Some(password_hash), &[Role::Guardian]).await?;
    let second_parent = s.user("thomas.garnier", "Thomas", "Garnier", None, &[Role::Guardian]).await?;
    for child in &garnier {
        link(&mut s, demo_parent, *child, "Mère", true).await?;
        link(&mut s, second_parent, *child, "Père", true).await?;
    }
    let mut guardians = 2;
    for (n, (student, _, last)) in students.iter().enumerate() {
        if garnier.contains(student) {
            continue;
        }
        let first = FIRST[(n * 11 + 5) % FIRST.len()];
        let username = format!("resp.{}", domain_username(first, last, n).trim_end_matches(char::is_numeric));
        let username = format!("{username}{n}");
        let g = s.user(&username, first, last, None, &[Role::Guardian]).await?;
        link(&mut s, g, *student, if n % 2 == 0 { "Mère" } else { "Père" }, true).await?;
        guardians += 1;
        if n % 3 != 0 {
            let first2 = FIRST[(n * 13 + 1) % FIRST.len()];
            let g2 = s.user(&format!("resp2.{n}"), first2, last, None, &[Role::Guardian]).await?;
            link(&mut s, g2, *student, if n % 2 == 0 { "Père" } else { "Mère" }, n % 5 != 0).await?;
            guardians += 1;
        }
        if guardians >= 100 {
            break;
        }
    }

    // Groups: a Latin option across classes, and half of 4e C in English group 1.
    let latin = new_id();
    s.exec(
        "INSERT INTO student_groups (id, establishment_id, name, class_id) VALUES ($1, $2, 'Latin', NULL)",
        &[latin, est],
    )
    .await?;
    let english = new_id();
    s.exec("INSERT INTO student_groups (id, establishment_id, name, class_id) VALUES ($1, $2, 'Anglais 4e C groupe 1', $3)", &[english, est, class_ids[2]]).await?;
    for (i, (student, class, _)) in students.iter().enumerate() {
        if i % 4 == 0 {
            s.exec("INSERT INTO group_students (group_id, student_id) VALUES ($1, $2)", &[latin, *student]).await?;
        }
        if *class == 2 && i % 2 == 0 {
            s.exec("INSERT INTO group_students (group_id, student_id) VALUES ($1, $2)", &[english, *student]).await?;
        }
    }
    let latin_subject = new_id();
    sqlx::query("INSERT INTO subjects (id, establishment_id, name) VALUES ($1, $2, 'Latin')")
        .bind(latin_subject)
        .bind(est)
        .execute(&mut *s.tx)
        .await?;
    s.exec(
        "INSERT INTO assignments (id, establishment_id, teacher_id, subject_id, group_id) VALUES ($1, $2, $3, $4, $5)",
        &[new_id(), est, teacher_ids[0], latin_subject, latin],
    )
    .await?;

    // Grades in every trimester begun, the one under way's from the last three weeks.
    for (n, period) in periods.iter().enumerate().take(under_way + 1) {
        let days = evaluation_days(&period.starts_on, &period.ends_on, &today);
        seed_grades(&mut s, n, period.id.0, &days, &services, &students).await?;
    }

    // Professeurs principaux: demo.prof heads 4e C, where the Garnier child is.
    for (c, class) in class_ids.iter().enumerate() {
        let head = teacher_ids[(c + 1) % 3];
        let head = if c == 2 { teacher_ids[0] } else { head };
        s.exec("UPDATE classes SET head_teacher_id = $1 WHERE id = $2", &[head, *class]).await?;
    }
    let direction = s.user("demo.direction", "François", "Lambert", Some(password_hash), &[Role::Direction]).await?;
    // The trimesters already over are as a school leaves them: appréciations written (French,
    // demo.prof's subject, and general ones for 4e C), closed by direction, bulletins issued.
    for period in periods.iter().take(under_way) {
        seed_appreciations(&mut s, period.id.0, subject_ids[0], teacher_ids[0], &students).await?;
        crate::bulletins::db::close_in(&mut s.tx, domain::UserId(direction), EstablishmentId(est), period, now)
            .await
            .map_err(|e| anyhow::anyhow!("closing the demo's {}: {e:?}", period.label))?;
    }
    seed_quiz(&mut s, teacher_ids[0], class_ids[2]).await?;
    seed_pad(&mut s, teacher_ids[0], class_ids[2]).await?;

    s.user("demo.viesco", "Nathalie", "Berger", Some(password_hash), &[Role::SchoolLife]).await?;
    s.user("demo.admin", "Isabelle", "Kieffer", Some(password_hash), &[Role::Admin]).await?;

    s.tx.commit().await?;
    Ok(true)
}

/// The demo quiz: a French revision quiz by demo.prof, given to 4e C since the start of the
/// school year and due this week (`due_this_week`), with ten attempts (it is for revising) and
/// the correction at submission, so that demo.eleve has one to take. Written in GIFT, as a
/// teacher would bring it from Moodle.
pub const DEMO_QUIZ_TITLE: &str = "Révisions — le passé simple";

const DEMO_QUIZ_GIFT: &str = r#"
::Terminaison::Au passé simple, « ils chantèrent » est conjugué à la personne…{
  =troisième du pluriel#Oui : « ils ».
  ~première du pluriel#Ce serait « nous chantâmes ».
  ~troisième du singulier#Ce serait « il chanta ».
}

::Verbes du 3e groupe::Cochez les formes correctes du passé simple.{
  ~%50%il prit
  ~%50%nous vînmes
  ~%-50%ils prenèrent
  ~%-50%je venis
}

::Accent::« Nous chantâmes » prend un accent circonflexe.{T ####Au passé simple, « -âmes » et « -âtes » prennent toujours un accent circonflexe.}

::Infinitif::Quel est l'infinitif de « ils firent » ?{=faire}

::Nombre::Combien de personnes de conjugaison compte le passé simple ?{#6}

::Associer::Associez chaque sujet à sa forme de « aller » au passé simple.{
  =je -> allai
  =tu -> allas
  =nous -> allâmes
}

::Rédaction::Écrivez deux phrases au passé simple qui racontent le début d'une histoire.{}
"#;

async fn seed_quiz(s: &mut Seeder<'_>, teacher: i64, class: i64) -> anyhow::Result<()> {
    let questions = domain::quiz::gift::parse_gift(DEMO_QUIZ_GIFT)
        .map_err(|problems| anyhow::anyhow!("the demo quiz does not parse: {problems:?}"))?;
    let quiz = new_id();
    sqlx::query(
        "INSERT INTO quizzes (id, establishment_id, owner_id, title, description, shared, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
    )
    .bind(quiz)
    .bind(s.est)
    .bind(teacher)
    .bind(DEMO_QUIZ_TITLE)
    .bind("Conjugaison : le passé simple des trois groupes.")
    .bind(s.now)
    .execute(&mut *s.tx)
    .await?;
    let mut given = Vec::new();
    for (position, q) in questions.into_iter().enumerate() {
        let id = domain::QuizQuestionId(new_id());
        crate::quizzes::db::insert_question(&mut s.tx, domain::QuizId(quiz), id, position, &q, s.now)
            .await
            .map_err(|e| anyhow::anyhow!("seeding a demo quiz question: {e:?}"))?;
        given.push((id, q));
    }
    let opens = domain::paris::instant_at((i64::from(s.year), 9, 1), 8, 0).min(s.now);
    let closes = due_this_week(&domain::paris::today_iso(s.now));
    sqlx::query(
        "INSERT INTO quiz_assignments (id, establishment_id, quiz_id, assigned_by, class_id, group_id, title, questions,
             opens_at, closes_at, time_limit_minutes, max_attempts, shuffle_questions, shuffle_options, feedback, created_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, NULL, 10, 0, 1, 'submission', $10)",
    )
    .bind(new_id())
    .bind(s.est)
    .bind(quiz)
    .bind(teacher)
    .bind(class)
    .bind(DEMO_QUIZ_TITLE)
    .bind(serde_json::to_string(&given)?)
    .bind(opens)
    .bind(closes)
    .bind(s.now)
    .execute(&mut *s.tx)
    .await?;
    Ok(())
}

/// The demo pad: 4e C's account of a museum visit, begun by demo.prof, that the whole class
/// edits.
pub const DEMO_PAD_TITLE: &str = "Sortie au musée — compte rendu";

const DEMO_PAD_TEXT: &str = "# Sortie au musée de l'Œuvre Notre-Dame\n\n\
Mardi, la 4e C a visité le musée avec Mme Fontaine.\n\n\
## Ce que nous avons vu\n\n\
- les statues de la cathédrale\n\
- les vitraux\n\n\
## Ce que nous avons appris\n\n";

async fn seed_pad(s: &mut Seeder<'_>, teacher: i64, class: i64) -> anyhow::Result<()> {
    use base64::Engine as _;
    let pad = new_id();
    sqlx::query(
        "INSERT INTO pads (id, establishment_id, class_id, group_id, title, edit_policy, locked, created_by, created_at, last_edit_at)
         VALUES ($1, $2, $3, NULL, $4, 'class', 0, $5, $6, $6)",
    )
    .bind(pad)
    .bind(s.est)
    .bind(class)
    .bind(DEMO_PAD_TITLE)
    .bind(teacher)
    .bind(s.now)
    .execute(&mut *s.tx)
    .await?;
    let mut doc = domain::pad::PadDoc::new(teacher as u64);
    doc.insert(0, DEMO_PAD_TEXT);
    // Its text as row 1, as an import writes it (`pads::db::create_with_text`): a snapshot
    // stands for rows already folded, and loading reads one only past the rows it has.
    sqlx::query("INSERT INTO pad_updates (pad_id, seq, data, created_at) VALUES ($1, 1, $2, $3)")
        .bind(pad)
        .bind(base64::engine::general_purpose::STANDARD.encode(doc.full_state()))
        .bind(s.now)
        .execute(&mut *s.tx)
        .await?;
    s.exec("UPDATE pads SET update_seq = 1 WHERE id = $1", &[pad]).await?;
    Ok(())
}

/// Appréciations of 4e C for the first trimester: French (demo.prof) and general.
async fn seed_appreciations(
    s: &mut Seeder<'_>,
    period: i64,
    french: i64,
    author: i64,
    students: &[(i64, usize, String)],
) -> anyhow::Result<()> {
    const FRENCH: [&str; 4] = [
        "Un trimestre sérieux : l'expression écrite progresse, la lecture reste à approfondir.",
        "Des résultats encourageants. Participez davantage à l'oral, vos idées sont pertinentes.",
        "Travail irrégulier. Les devoirs maison doivent être rendus à temps.",
        "Très bon trimestre, rigoureux et curieux. Continuez ainsi.",
    ];
    const GENERAL: [&str; 3] = [
        "Bon trimestre dans l'ensemble. Le conseil encourage à maintenir ces efforts.",
        "Trimestre correct, mais des efforts de régularité sont attendus dans plusieurs matières.",
        "Excellent trimestre : félicitations du conseil de classe.",
    ];
    for (n, (student, _, _)) in students.iter().enumerate().filter(|(_, (_, c, _))| *c == 2) {
        for (subject, text) in [(french, FRENCH[n % FRENCH.len()]), (0, GENERAL[n % GENERAL.len()])] {
            sqlx::query(
                "INSERT INTO appreciations (establishment_id, student_id, period_id, subject_id, body, author_id, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(s.est)
            .bind(*student)
            .bind(period)
            .bind(subject)
            .bind(text)
            .bind(author)
            .bind(s.now)
            .execute(&mut *s.tx)
            .await?;
        }
    }
    Ok(())
}

/// The year whose September starts the school year that `today` (`YYYY-MM-DD`) belongs to:
/// from August on, the year starting; before, the one under way.
pub fn school_year_start(today: &str) -> i32 {
    let year: i32 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    let month: u32 = today.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(9);
    if month >= 8 { year } else { year - 1 }
}

/// The demo's three trimesters: label, first and last day.
fn trimesters(y: i32) -> [(&'static str, String, String); 3] {
    [
        ("Trimestre 1", format!("{y}-09-01"), format!("{y}-11-30")),
        ("Trimestre 2", format!("{y}-12-01"), format!("{}-03-07", y + 1)),
        ("Trimestre 3", format!("{}-03-08", y + 1), format!("{}-07-04", y + 1)),
    ]
}

/// The days of a period's three evaluations: spread over a period that has ended; for the one
/// under way, about 16, 8 and 2 days ago, never before its first day nor after today.
fn evaluation_days(starts_on: &str, ends_on: &str, today: &str) -> [String; 3] {
    let day = |iso: &str| {
        domain::paris::parse_date(iso).map(|(y, m, d)| domain::paris::days_from_civil(y, m, d)).unwrap_or_default()
    };
    let (first, last, today) = (day(starts_on), day(ends_on), day(today));
    let at = |d: i64| domain::paris::iso(domain::paris::civil_from_days(d));
    if today > last {
        [20, 45, 75].map(|percent| at(first + (last - first) * percent / 100))
    } else {
        [16, 8, 2].map(|ago| at((today - ago).clamp(first, today.max(first))))
    }
}

/// When the demo quiz is due: Friday at 18:00 of this week, or of the next one when this
/// Friday is less than two days away (so that it is never due before a visitor can take it).
fn due_this_week(today: &str) -> i64 {
    let (y, m, d) = domain::paris::parse_date(today).unwrap_or((2026, 9, 1));
    let day = domain::paris::days_from_civil(y, m, d);
    // Day 0 (1 January 1970) was a Thursday: Monday is 0, Friday 4.
    let weekday = (day + 3).rem_euclid(7);
    let mut ahead = (4 - weekday).rem_euclid(7);
    if ahead < 2 {
        ahead += 7;
    }
    domain::paris::instant_at(domain::paris::civil_from_days(day + ahead), 18, 0)
}

/// A trimester's grades (`n`: its position): three evaluations per subject and class on
/// `days`, published, with a few statuses, so every demo account has averages to open and
/// explain.
async fn seed_grades(
    s: &mut Seeder<'_>,
    n: usize,
    period: i64,
    days: &[String; 3],
    services: &[(i64, usize, i64, usize, i64)],
    students: &[(i64, usize, String)],
) -> anyhow::Result<()> {
    let first = if n == 0 { "Évaluation de rentrée" } else { "Interrogation écrite" };
    let evaluations: [(&str, i64, i64); 3] =
        [(first, 20, 100), ("Devoir maison", 10, 50), ("Contrôle de mi-trimestre", 20, 200)];
    for (teacher, t, subject, c, class) in services {
        for (k, ((title, scale, coefficient), date)) in evaluations.iter().zip(days).enumerate() {
            let evaluation = new_id();
            sqlx::query(
                "INSERT INTO evaluations (id, establishment_id, period_id, subject_id, class_id, group_id, title, held_on, scale,
                     coefficient_hundredths, counting, publish_at, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, 'normal', $10, $11, $12)",
            )
            .bind(evaluation)
            .bind(s.est)
            .bind(period)
            .bind(*subject)
            .bind(*class)
            .bind(*title)
            .bind(date)
            .bind(*scale)
            .bind(*coefficient)
            .bind(s.now)
            .bind(*teacher)
            .bind(s.now)
            .execute(&mut *s.tx)
            .await?;
            for (m, (student, _, _)) in students.iter().enumerate().filter(|(_, (_, sc, _))| sc == c) {
                let seed = m * 7 + t * 13 + (k + 3 * n) * 29;
                let (status, points) = match seed % 31 {
                    0 => ("abs", None),
                    1 if k == 1 => ("nr", None),
                    _ => {
                        // Between 35 % and 100 % of the scale, in halves on /20 and quarters on /10.
                        let share = 35 + (seed * 37) % 66;
                        let step = if *scale == 20 { 50 } else { 25 };
                        let hundredths = (*scale * 100 * share as i64 / 100) / step * step;
                        ("points", Some(hundredths))
                    }
                };
                sqlx::query(
                    "INSERT INTO grades (evaluation_id, student_id, status, points, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(evaluation)
                .bind(*student)
                .bind(status)
                .bind(points)
                .bind(*teacher)
                .bind(s.now)
                .execute(&mut *s.tx)
                .await?;
            }
        }
    }
    Ok(())
}

async fn link(s: &mut Seeder<'_>, guardian: i64, student: i64, relationship: &str, legal: bool) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO guardianships (guardian_id, student_id, legal_guardian, relationship) VALUES ($1, $2, $3, $4)",
    )
    .bind(guardian)
    .bind(student)
    .bind(i64::from(legal))
    .bind(relationship)
    .execute(&mut *s.tx)
    .await?;
    Ok(())
}

fn domain_username(first: &str, last: &str, n: usize) -> String {
    let (Ok(f), Ok(l)) = (domain::PersonName::parse("prenom", first), domain::PersonName::parse("nom", last)) else {
        return format!("eleve{n}");
    };
    format!("{}{n}", domain::suggest_username(&f, &l))
}

/// The demo establishment's id, if seeded (for tests and tools).
pub async fn demo_establishment(db: &Db) -> anyhow::Result<Option<EstablishmentId>> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM establishments WHERE uai = '0671234A'")
        .fetch_optional(db)
        .await?
        .map(EstablishmentId))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_school_year_turns_in_august() {
        assert_eq!(super::school_year_start("2026-12-01"), 2026);
        assert_eq!(super::school_year_start("2027-07-31"), 2026);
        assert_eq!(super::school_year_start("2027-08-01"), 2027);
    }

    #[test]
    fn evaluations_spread_over_a_trimester_over_and_are_recent_in_the_one_under_way() {
        assert_eq!(
            super::evaluation_days("2026-09-01", "2026-11-30", "2026-12-05"),
            ["2026-09-19", "2026-10-11", "2026-11-07"]
        );
        assert_eq!(
            super::evaluation_days("2026-12-01", "2027-03-07", "2027-01-20"),
            ["2027-01-04", "2027-01-12", "2027-01-18"]
        );
        // Days before the first day are moved to it, and nothing is dated after today.
        assert_eq!(
            super::evaluation_days("2026-12-01", "2027-03-07", "2026-12-05"),
            ["2026-12-01", "2026-12-01", "2026-12-03"]
        );
        assert_eq!(
            super::evaluation_days("2026-09-01", "2026-11-30", "2026-08-20"),
            ["2026-09-01", "2026-09-01", "2026-09-01"],
            "before the year starts: its first day"
        );
    }

    #[test]
    fn the_demo_quiz_is_due_on_a_friday_at_least_two_days_away() {
        let friday_18h = |y, m, d| domain::paris::instant_at((y, m, d), 18, 0);
        // Saturday 5 December 2026: Friday the 11th.
        assert_eq!(super::due_this_week("2026-12-05"), friday_18h(2026, 12, 11));
        assert_eq!(super::due_this_week("2026-12-07"), friday_18h(2026, 12, 11), "a Monday");
        assert_eq!(super::due_this_week("2026-12-09"), friday_18h(2026, 12, 11), "a Wednesday");
        assert_eq!(super::due_this_week("2026-12-10"), friday_18h(2026, 12, 18), "a Thursday: the next");
        assert_eq!(super::due_this_week("2026-12-11"), friday_18h(2026, 12, 18), "a Friday: the next");
    }

    #[test]
    fn the_demo_quiz_reads_as_seven_valid_questions_of_as_many_types() {
        use domain::quiz::QuestionKind;
        let questions = domain::quiz::gift::parse_gift(super::DEMO_QUIZ_GIFT).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(questions.len(), 7);
        for q in &questions {
            assert!(q.check().is_ok(), "{q:?}");
        }
        let kinds: Vec<&str> = questions
            .iter()
            .map(|q| match q.kind {
                QuestionKind::SingleChoice { .. } => "single",
                QuestionKind::MultipleChoice { .. } => "multiple",
                QuestionKind::TrueFalse { .. } => "true/false",
                QuestionKind::ShortAnswer { .. } => "short",
                QuestionKind::Numerical { .. } => "number",
                QuestionKind::Matching { .. } => "matching",
                QuestionKind::Open => "open",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["single", "multiple", "true/false", "short", "number", "matching", "open"]);
        assert!(questions[2].general_feedback.as_deref().is_some_and(|f| f.contains("circonflexe")));
    }
}
