//! SQL of bulletins: building them from grades and appréciations, issuing them when a period
//! closes, and the appréciation sheets. The arithmetic is `domain::grades` (through
//! `grades::db::period_averages`); this module reads, writes and assembles.

use super::api::{AppreciationRow, AppreciationSheet, Bulletin, BulletinSubject, CouncilRow, HeadClass, PeriodStatus};
use crate::error::AppError;
use crate::grades::api::PeriodChoice;
use crate::grades::db::{
    self as grades_db, bind_class, lock_open_period, not_returned_policy_on, period_averages, within_class,
};
use crate::server::audit::{self, action};
use crate::server::{CurrentUser, Db};
use domain::grades::{format_fr, format_short};
use domain::{ClassId, EstablishmentId, GroupId, PeriodId, SubjectId, TeachingUnit, UserId, paris};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The subject id under which the general appréciation is stored.
pub const GENERAL: SubjectId = SubjectId(0);

fn full_name(r: &sqlx::any::AnyRow, first: &str, last: &str) -> Result<String, sqlx::Error> {
    Ok(format!("{} {}", r.try_get::<String, _>(first)?, r.try_get::<String, _>(last)?))
}

pub async fn student_name(db: &Db, student: UserId) -> Result<String, AppError> {
    let r = sqlx::query("SELECT first_name, last_name FROM users WHERE id = $1").bind(student.0).fetch_one(db).await?;
    Ok(full_name(&r, "first_name", "last_name")?)
}

fn decode(body: &str) -> Result<Bulletin, AppError> {
    serde_json::from_str(body).map_err(|e| AppError::from(anyhow::anyhow!("stored bulletin unreadable: {e}")))
}

/// Every bulletin issued for a student, in period order: what the page shows for a closed
/// period and what its chart draws, read in one query.
pub async fn issued(db: &Db, student: UserId) -> Result<Vec<(PeriodId, Bulletin)>, AppError> {
    let rows = sqlx::query(
        "SELECT b.period_id, b.body FROM bulletins b JOIN periods p ON p.id = b.period_id WHERE b.student_id = $1 ORDER BY p.starts_on",
    )
    .bind(student.0)
    .fetch_all(db)
    .await?;
    rows.iter().map(|r| Ok((PeriodId(r.try_get("period_id")?), decode(&r.try_get::<String, _>("body")?)?))).collect()
}

/// The latest period whose bulletin was issued for a student, with its label: what the
/// dashboard links to. One indexed read, no bulletin body decoded.
pub async fn latest_issued(db: &Db, student: UserId) -> Result<Option<(PeriodId, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.label FROM bulletins b JOIN periods p ON p.id = b.period_id
         WHERE b.student_id = $1 ORDER BY p.starts_on DESC LIMIT 1",
    )
    .bind(student.0)
    .fetch_optional(db)
    .await?
    .map(|r| Ok((PeriodId(r.try_get("id")?), r.try_get("label")?)))
    .transpose()
}

/// A subject's averages, one per period (`None`: no average that period).
pub type Series = (String, Vec<Option<f64>>);

/// The subject averages of issued bulletins, period by period: the period labels, and per
/// subject (alphabetical) one value per period.
pub fn chart(issued: &[(PeriodId, Bulletin)]) -> (Vec<String>, Vec<Series>) {
    let mut labels = Vec::with_capacity(issued.len());
    let mut series: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for (i, (_, b)) in issued.iter().enumerate() {
        labels.push(b.period.clone());
        for s in &b.subjects {
            let values = series.entry(s.name.clone()).or_insert_with(|| vec![None; i]);
            values.resize(i, None);
            values.push(s.average_value);
        }
    }
    for values in series.values_mut() {
        values.resize(labels.len(), None);
    }
    (labels, series.into_iter().collect())
}

/// Builds the bulletins of a period from the current grades and appréciations: of the whole
/// establishment, of one class, or of one student of that class (`student`). Class statistics
/// are always over the whole class. Runs on one connection (a transaction's when closing).
pub async fn build(
    conn: &mut sqlx::AnyConnection,
    est: EstablishmentId,
    period: &PeriodChoice,
    class: Option<ClassId>,
    student: Option<UserId>,
) -> Result<Vec<Bulletin>, AppError> {
    let header = sqlx::query(
        "SELECT e.name, e.uai, y.label AS year FROM establishments e
         JOIN school_years y ON y.establishment_id = e.id JOIN periods p ON p.school_year_id = y.id
         WHERE e.id = $1 AND p.id = $2",
    )
    .bind(est.0)
    .bind(period.id.0)
    .fetch_one(&mut *conn)
    .await?;
    let (establishment, uai, school_year): (String, String, String) =
        (header.try_get("name")?, header.try_get("uai")?, header.try_get("year")?);
    let policy = not_returned_policy_on(&mut *conn, est).await?;
    let averages = period_averages(&mut *conn, est, period.id, policy, class).await?;

    let subjects = grades_db::subjects(&mut *conn, est).await?;
    let mut classes: HashMap<i64, (String, Option<String>)> = HashMap::new();
    for r in sqlx::query(
        "SELECT c.id, c.name, u.first_name, u.last_name FROM classes c LEFT JOIN users u ON u.id = c.head_teacher_id
         WHERE c.establishment_id = $1",
    )
    .bind(est.0)
    .fetch_all(&mut *conn)
    .await?
    {
        let head = match r.try_get::<Option<String>, _>("last_name")? {
            Some(last) => Some(format!("{} {last}", r.try_get::<Option<String>, _>("first_name")?.unwrap_or_default())),
            None => None,
        };
        classes.insert(r.try_get("id")?, (r.try_get("name")?, head));
    }
    // Who teaches what to which class or group, and who is in which group.
    let mut teachers: HashMap<(TeachingUnit, i64), Vec<String>> = HashMap::new();
    for r in sqlx::query(
        "SELECT a.class_id, a.group_id, a.subject_id, u.first_name, u.last_name FROM assignments a
         JOIN users u ON u.id = a.teacher_id WHERE a.establishment_id = $1 ORDER BY u.last_name, u.first_name",
    )
    .bind(est.0)
    .fetch_all(&mut *conn)
    .await?
    {
        let unit = match (r.try_get::<Option<i64>, _>("class_id")?, r.try_get::<Option<i64>, _>("group_id")?) {
            (Some(c), _) => TeachingUnit::Class(ClassId(c)),
            (None, Some(g)) => TeachingUnit::Group(GroupId(g)),
            (None, None) => continue,
        };
        let name = full_name(&r, "first_name", "last_name")?;
        let list = teachers.entry((unit, r.try_get("subject_id")?)).or_default();
        if !list.contains(&name) {
            list.push(name);
        }
    }
    let mut groups_of: HashMap<i64, Vec<GroupId>> = HashMap::new();
    // For one class (a provisional bulletin), only its students' groups, appréciations and
    // names are read.
    let sql = within_class(
        "SELECT gs.student_id, gs.group_id FROM group_students gs JOIN student_groups g ON g.id = gs.group_id
         WHERE g.establishment_id = $1",
        "gs.student_id",
        2,
        class,
    );
    for r in bind_class(sqlx::query(&sql).bind(est.0), class).fetch_all(&mut *conn).await? {
        groups_of.entry(r.try_get("student_id")?).or_default().push(GroupId(r.try_get("group_id")?));
    }
    let mut appreciations: HashMap<(i64, i64), String> = HashMap::new();
    let sql = within_class(
        "SELECT student_id, subject_id, body FROM appreciations WHERE establishment_id = $1 AND period_id = $2",
        "student_id",
        3,
        class,
    );
    for r in bind_class(sqlx::query(&sql).bind(est.0).bind(period.id.0), class).fetch_all(&mut *conn).await? {
        appreciations.insert((r.try_get("student_id")?, r.try_get("subject_id")?), r.try_get("body")?);
    }
    let mut names: HashMap<i64, String> = HashMap::new();
    let sql = within_class(
        "SELECT u.id, u.first_name, u.last_name FROM users u JOIN memberships m ON m.user_id = u.id
         WHERE m.establishment_id = $1 AND m.role = 'eleve'",
        "u.id",
        2,
        class,
    );
    for r in bind_class(sqlx::query(&sql).bind(est.0), class).fetch_all(&mut *conn).await? {
        names.insert(r.try_get("id")?, full_name(&r, "first_name", "last_name")?);
    }

    let mut out = Vec::new();
    for s in averages.students.iter().filter(|s| student.is_none_or(|only| only == s.student)) {
        let (class_name, head_teacher) = classes.get(&s.class.0).cloned().unwrap_or_default();
        let units: Vec<TeachingUnit> = std::iter::once(TeachingUnit::Class(s.class))
            .chain(groups_of.get(&s.student.0).into_iter().flatten().map(|g| TeachingUnit::Group(*g)))
            .collect();
        // Every subject taught to the student, and any other they have marks in.
        let mut subject_ids: HashSet<i64> =
            teachers.keys().filter(|(unit, _)| units.contains(unit)).map(|(_, subject)| *subject).collect();
        subject_ids.extend(s.subjects.iter().map(|(id, _)| id.0));
        let mut lines: Vec<BulletinSubject> = subject_ids
            .into_iter()
            .filter_map(|id| {
                let (name, coefficient) = subjects.get(&id)?.clone();
                let average = s.subjects.iter().find(|(sid, _)| sid.0 == id).and_then(|(_, a)| *a);
                let stats = averages.class_subjects.get(&(s.class, SubjectId(id)));
                let mut names: Vec<String> = Vec::new();
                for unit in &units {
                    for t in teachers.get(&(*unit, id)).into_iter().flatten() {
                        if !names.contains(t) {
                            names.push(t.clone());
                        }
                    }
                }
                Some(BulletinSubject {
                    subject: SubjectId(id),
                    name,
                    teachers: names.join(", "),
                    coefficient: format_short(coefficient.value()),
                    average: average.map(format_fr),
                    average_value: average,
                    class_average: stats.map(|c| format_fr(c.average)),
                    class_min: stats.map(|c| format_fr(c.min)),
                    class_max: stats.map(|c| format_fr(c.max)),
                    appreciation: appreciations.get(&(s.student.0, id)).cloned(),
                })
            })
            .collect();
        lines.sort_by_cached_key(|l| domain::fold_accents(&l.name));
        let general = averages.class_general.get(&s.class);
        out.push(Bulletin {
            establishment: establishment.clone(),
            uai: uai.clone(),
            school_year: school_year.clone(),
            period: period.label.clone(),
            student: s.student,
            class: s.class,
            student_name: names.get(&s.student.0).cloned().unwrap_or_default(),
            class_name,
            head_teacher,
            subjects: lines,
            general_average: s.general.map(format_fr),
            class_general_average: general.map(|c| format_fr(c.average)),
            class_general_min: general.map(|c| format_fr(c.min)),
            class_general_max: general.map(|c| format_fr(c.max)),
            general_appreciation: appreciations.get(&(s.student.0, GENERAL.0)).cloned(),
            absences: 0,
            lateness: 0,
            issued_on: None,
        });
    }
    Ok(out)
}

/// Closes a period: freezes its grades and appréciations (every later write is refused by
/// `lock_open_period`), issues every student's bulletin, and records it, all in one
/// transaction. Returns the number of bulletins issued.
pub async fn close_period(
    db: &Db,
    user: &CurrentUser,
    est: EstablishmentId,
    period: &PeriodChoice,
    now: i64,
) -> Result<usize, AppError> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let issued = close_in(&mut tx, user.me.id, est, period, now).await?;
    let detail = format!("{} : {issued} bulletins publiés, notes et appréciations figées", period.label);
    audit::record_by(&mut *tx, user, est, action::PERIOD_CLOSED, &detail).await?;
    tx.commit().await?;
    Ok(issued)
}

/// The work of closing a period, inside the caller's write transaction (`close_period`, and
/// the demo school closing the trimesters already over): marks it closed by `by`, publishes
/// its grades and issues the bulletins. Returns how many were issued.
pub async fn close_in(
    tx: &mut sqlx::AnyConnection,
    by: UserId,
    est: EstablishmentId,
    period: &PeriodChoice,
    now: i64,
) -> Result<usize, AppError> {
    // Taking the period's row first waits for grade writes in flight and blocks new ones.
    let closed = sqlx::query("UPDATE periods SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL")
        .bind(now)
        .bind(by.0)
        .bind(period.id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if closed == 0 {
        return Err(AppError::Conflict(format!("La période « {} » est déjà clôturée.", period.label)));
    }
    // Closing publishes the period: grades still waiting for the daily publication hour
    // become visible now, as the bulletins that count them do.
    sqlx::query("UPDATE evaluations SET publish_at = $1 WHERE period_id = $2 AND publish_at > $1")
        .bind(now)
        .bind(period.id.0)
        .execute(&mut *tx)
        .await?;
    let mut bulletins = build(&mut *tx, est, period, None, None).await?;
    // A student listed in two classes (an import mistake) gets one bulletin, the first class's.
    let mut seen = HashSet::new();
    bulletins.retain(|b| seen.insert(b.student));
    let issued_on = paris::format_date(&paris::today_iso(now));
    sqlx::query("DELETE FROM bulletins WHERE period_id = $1").bind(period.id.0).execute(&mut *tx).await?;
    for b in &mut bulletins {
        b.issued_on = Some(issued_on.clone());
        let body = serde_json::to_string(&*b).map_err(|e| AppError::from(anyhow::anyhow!("bulletin to JSON: {e}")))?;
        sqlx::query(
            "INSERT INTO bulletins (student_id, period_id, establishment_id, class_id, body, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(b.student.0)
        .bind(period.id.0)
        .bind(est.0)
        .bind(b.class.0)
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(bulletins.len())
}

/// Reopens a closed period for corrections: its bulletins are withdrawn from families until
/// the period is closed again (which issues them anew). Returns the number withdrawn.
pub async fn reopen_period(
    db: &Db,
    user: &CurrentUser,
    est: EstablishmentId,
    period: &PeriodChoice,
) -> Result<usize, AppError> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let reopened =
        sqlx::query("UPDATE periods SET closed_at = NULL, closed_by = NULL WHERE id = $1 AND closed_at IS NOT NULL")
            .bind(period.id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if reopened == 0 {
        return Err(AppError::Conflict(format!("La période « {} » n'est pas clôturée.", period.label)));
    }
    let withdrawn = sqlx::query("DELETE FROM bulletins WHERE period_id = $1")
        .bind(period.id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let detail = format!("{} : rouverte, {withdrawn} bulletins retirés jusqu'à la prochaine clôture", period.label);
    audit::record_by(&mut *tx, user, est, action::PERIOD_REOPENED, &detail).await?;
    tx.commit().await?;
    Ok(withdrawn as usize)
}

pub async fn period_statuses(db: &Db, est: EstablishmentId) -> Result<Vec<PeriodStatus>, AppError> {
    let periods = grades_db::periods(db, est).await?;
    let mut out = Vec::with_capacity(periods.len());
    for period in periods {
        let r = sqlx::query(
            "SELECT p.closed_at, u.first_name, u.last_name,
                    (SELECT COUNT(*) FROM bulletins b WHERE b.period_id = p.id) AS n
             FROM periods p LEFT JOIN users u ON u.id = p.closed_by WHERE p.id = $1",
        )
        .bind(period.id.0)
        .fetch_one(db)
        .await?;
        let closed_label = match r.try_get::<Option<i64>, _>("closed_at")? {
            Some(at) => Some(format!(
                "Clôturée le {} par {} {}",
                paris::format_datetime(at),
                r.try_get::<Option<String>, _>("first_name")?.unwrap_or_default(),
                r.try_get::<Option<String>, _>("last_name")?.unwrap_or_default()
            )),
            None => None,
        };
        out.push(PeriodStatus { period, closed_label, bulletins: r.try_get("n")? });
    }
    Ok(out)
}

pub async fn class_names(db: &Db, est: EstablishmentId, ids: &[ClassId]) -> Result<Vec<HeadClass>, AppError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(name) =
            sqlx::query_scalar::<_, String>("SELECT name FROM classes WHERE id = $1 AND establishment_id = $2")
                .bind(id.0)
                .bind(est.0)
                .fetch_optional(db)
                .await?
        {
            out.push(HeadClass { id: *id, name });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The sheet of appréciations of one subject in a class or group (or, for `GENERAL`, of a
/// class), with each student's current average.
pub async fn appreciation_sheet(
    db: &Db,
    est: EstablishmentId,
    unit: TeachingUnit,
    subject: SubjectId,
    periods: Vec<PeriodChoice>,
    period: PeriodChoice,
    now: i64,
) -> Result<AppreciationSheet, AppError> {
    let roster = grades_db::roster(db, unit).await?;
    let unit_name = grades_db::unit_name(db, unit).await?.ok_or(AppError::NotFound)?;
    let (subject_name, averages): (String, HashMap<UserId, Option<String>>) = if subject == GENERAL {
        let TeachingUnit::Class(class) = unit else {
            return Err(AppError::NotFound);
        };
        let mut conn = db.acquire().await?;
        let policy = not_returned_policy_on(&mut conn, est).await?;
        let all = period_averages(&mut conn, est, period.id, policy, Some(class)).await?;
        (
            "Appréciation générale".to_string(),
            all.students.into_iter().map(|s| (s.student, s.general.map(format_fr))).collect(),
        )
    } else {
        let name: String = sqlx::query_scalar("SELECT name FROM subjects WHERE id = $1 AND establishment_id = $2")
            .bind(subject.0)
            .bind(est.0)
            .fetch_optional(db)
            .await?
            .ok_or(AppError::NotFound)?;
        let service = domain::Service { establishment: est, unit, subject };
        let book = grades_db::grade_book(db, &service, periods.clone(), period.clone(), now).await?;
        (name, book.rows.into_iter().map(|r| (r.student, r.average)).collect())
    };
    let mut texts: HashMap<i64, String> = HashMap::new();
    for r in sqlx::query("SELECT student_id, body FROM appreciations WHERE period_id = $1 AND subject_id = $2")
        .bind(period.id.0)
        .bind(subject.0)
        .fetch_all(db)
        .await?
    {
        texts.insert(r.try_get("student_id")?, r.try_get("body")?);
    }
    let rows = roster
        .into_iter()
        .map(|p| AppreciationRow {
            student: p.id,
            name: format!("{} {}", p.last_name.to_uppercase(), p.first_name),
            average: averages.get(&p.id).cloned().flatten(),
            text: texts.remove(&p.id.0).unwrap_or_default(),
        })
        .collect();
    Ok(AppreciationSheet { unit_key: unit.key(), unit_name, subject, subject_name, periods, period, rows })
}

/// Saves a sheet of appréciations (an empty text removes one) in one transaction, refused when
/// the period is closed. Returns how many changed.
pub async fn save_appreciations(
    db: &Db,
    user: &CurrentUser,
    est: EstablishmentId,
    period: PeriodId,
    subject: SubjectId,
    rows: &[(UserId, String)],
    now: i64,
) -> Result<usize, AppError> {
    let mut tx = crate::server::db::begin_write(db).await?;
    lock_open_period(&mut tx, period).await?;
    let mut changed = 0;
    for (student, text) in rows {
        let old: Option<String> = sqlx::query_scalar(
            "SELECT body FROM appreciations WHERE student_id = $1 AND period_id = $2 AND subject_id = $3",
        )
        .bind(student.0)
        .bind(period.0)
        .bind(subject.0)
        .fetch_optional(&mut *tx)
        .await?;
        if old.as_deref().unwrap_or("") == text {
            continue;
        }
        if text.is_empty() {
            sqlx::query("DELETE FROM appreciations WHERE student_id = $1 AND period_id = $2 AND subject_id = $3")
                .bind(student.0)
                .bind(period.0)
                .bind(subject.0)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO appreciations (establishment_id, student_id, period_id, subject_id, body, author_id, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (student_id, period_id, subject_id)
                 DO UPDATE SET body = excluded.body, author_id = excluded.author_id, updated_at = excluded.updated_at",
            )
            .bind(est.0)
            .bind(student.0)
            .bind(period.0)
            .bind(subject.0)
            .bind(text)
            .bind(user.me.id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        changed += 1;
    }
    if changed > 0 {
        let what = if subject == GENERAL {
            "appréciations générales".to_string()
        } else {
            let name: String = sqlx::query_scalar("SELECT name FROM subjects WHERE id = $1")
                .bind(subject.0)
                .fetch_one(&mut *tx)
                .await?;
            format!("appréciations de {name}")
        };
        let detail = format!("{changed} {what} enregistrées");
        audit::record_by(&mut *tx, user, est, action::APPRECIATION, &detail).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Every class of the establishment with its council for the period, if scheduled.
pub async fn councils(db: &Db, est: EstablishmentId, period: PeriodId) -> Result<Vec<CouncilRow>, AppError> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, k.starts_at, k.ends_at FROM classes c
         LEFT JOIN class_councils k ON k.class_id = c.id AND k.period_id = $2
         WHERE c.establishment_id = $1 ORDER BY c.name",
    )
    .bind(est.0)
    .bind(period.0)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let (date, start, end) =
                match (r.try_get::<Option<i64>, _>("starts_at")?, r.try_get::<Option<i64>, _>("ends_at")?) {
                    (Some(from), Some(to)) => {
                        (paris::today_iso(from), paris::format_time(from), paris::format_time(to))
                    }
                    _ => Default::default(),
                };
            Ok(CouncilRow { class: ClassId(r.try_get("id")?), class_name: r.try_get("name")?, date, start, end })
        })
        .collect()
}

/// Replaces the councils of the listed classes for a period (`None`: no council), in one
/// transaction with its audit entry. Returns how many classes now have one.
pub async fn save_councils(
    db: &Db,
    user: &CurrentUser,
    est: EstablishmentId,
    period: &PeriodChoice,
    sittings: &[(ClassId, Option<(i64, i64)>)],
) -> Result<usize, AppError> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let mut scheduled = 0;
    for (class, sitting) in sittings {
        sqlx::query("DELETE FROM class_councils WHERE class_id = $1 AND period_id = $2")
            .bind(class.0)
            .bind(period.id.0)
            .execute(&mut *tx)
            .await?;
        if let Some((from, to)) = sitting {
            sqlx::query(
                "INSERT INTO class_councils (class_id, period_id, establishment_id, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(class.0)
            .bind(period.id.0)
            .bind(est.0)
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
            scheduled += 1;
        }
    }
    let detail = format!("{} : {scheduled} conseil(s) de classe programmé(s)", period.label);
    audit::record_by(&mut *tx, user, est, action::ADMIN, &detail).await?;
    tx.commit().await?;
    Ok(scheduled)
}
