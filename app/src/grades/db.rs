//! SQL of grades, and the assembly of grade books and student grade pages from it. The
//! arithmetic is `domain::grades`; this module only reads, writes and groups.

use super::api::{
    EvaluationColumn, GradeBook, GradeLine, GradeRow, PeriodChoice, ServiceLine, StudentGrades, SubjectGrades,
};
use crate::classes::api::PersonLine;
use crate::error::AppError;
use crate::server::Db;
use crate::server::audit::{self, action};
use crate::server::db::new_id;
use domain::grades::{
    Calculation, ClassStats, Coefficient, Counting, Evaluation, Mark, NotReturnedPolicy, Scale, class_stats,
    explain_general, format_fr, format_short, general_average, publication_time, subject_average,
};
use domain::{
    ClassId, EstablishmentId, EvaluationId, PeriodId, Service, StudentRef, SubjectId, TeachingUnit, UserId, paris,
};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// An evaluation as stored.
#[derive(Debug, Clone)]
pub struct EvaluationRow {
    pub id: EvaluationId,
    pub service: Service,
    pub period: PeriodId,
    pub title: String,
    pub held_on: String,
    pub scale: Scale,
    pub coefficient: Coefficient,
    pub counting: Counting,
    pub publish_at: i64,
}

impl EvaluationRow {
    fn as_domain(&self) -> Evaluation {
        Evaluation {
            title: self.title.clone(),
            scale: self.scale,
            coefficient: self.coefficient,
            counting: self.counting,
        }
    }
}

/// The column of `evaluations` (and `assignments`) naming a unit, and the unit's id.
fn unit_column(unit: TeachingUnit) -> (&'static str, i64) {
    match unit {
        TeachingUnit::Class(c) => ("class_id", c.0),
        TeachingUnit::Group(g) => ("group_id", g.0),
    }
}

const EVALUATION_COLUMNS: &str = "e.id, e.establishment_id, e.period_id, e.subject_id, e.class_id, e.group_id, e.title, \
     e.held_on, e.scale, e.coefficient_hundredths, e.counting, e.publish_at";

fn evaluation_row(r: &sqlx::any::AnyRow) -> Result<EvaluationRow, AppError> {
    let class: Option<i64> = r.try_get("class_id")?;
    let group: Option<i64> = r.try_get("group_id")?;
    let unit = match (class, group) {
        (Some(c), _) => TeachingUnit::Class(domain::ClassId(c)),
        (None, Some(g)) => TeachingUnit::Group(domain::GroupId(g)),
        (None, None) => return Err(anyhow::anyhow!("evaluation without a class or group").into()),
    };
    let corrupt = |what: &str| AppError::from(anyhow::anyhow!("evaluation with an invalid {what}"));
    let scale = u32::try_from(r.try_get::<i64, _>("scale")?).map_err(|_| corrupt("scale"))?;
    let coefficient =
        u32::try_from(r.try_get::<i64, _>("coefficient_hundredths")?).map_err(|_| corrupt("coefficient"))?;
    Ok(EvaluationRow {
        id: EvaluationId(r.try_get("id")?),
        service: Service {
            establishment: EstablishmentId(r.try_get("establishment_id")?),
            unit,
            subject: SubjectId(r.try_get("subject_id")?),
        },
        period: PeriodId(r.try_get("period_id")?),
        title: r.try_get("title")?,
        held_on: r.try_get("held_on")?,
        scale: Scale::new(scale).map_err(|_| corrupt("scale"))?,
        coefficient: Coefficient::from_hundredths(coefficient).map_err(|_| corrupt("coefficient"))?,
        counting: Counting::from_code(&r.try_get::<String, _>("counting")?).ok_or_else(|| corrupt("counting"))?,
        publish_at: r.try_get("publish_at")?,
    })
}

fn mark_of(r: &sqlx::any::AnyRow) -> Result<Mark, AppError> {
    let status: String = r.try_get("status")?;
    Mark::from_db(&status, r.try_get("points")?)
        .ok_or_else(|| AppError::from(anyhow::anyhow!("grade with an invalid status {status}")))
}

pub async fn periods(db: &Db, est: EstablishmentId) -> Result<Vec<PeriodChoice>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.label, p.starts_on, p.ends_on, p.closed_at FROM periods p JOIN school_years y ON y.id = p.school_year_id
         WHERE y.establishment_id = $1 ORDER BY p.starts_on",
    )
    .bind(est.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(PeriodChoice {
            id: PeriodId(r.try_get("id")?),
            label: r.try_get("label")?,
            starts_on: r.try_get("starts_on")?,
            ends_on: r.try_get("ends_on")?,
            closed: r.try_get::<Option<i64>, _>("closed_at")?.is_some(),
        })
    })
    .collect()
}

/// The period containing `today` ("2026-11-23"); between periods the last one begun; before
/// the first, the first.
pub fn current_period(periods: &[PeriodChoice], today: &str) -> Option<PeriodChoice> {
    periods
        .iter()
        .find(|p| p.starts_on.as_str() <= today && today <= p.ends_on.as_str())
        .or_else(|| periods.iter().rev().find(|p| p.starts_on.as_str() <= today))
        .or_else(|| periods.first())
        .cloned()
}

pub async fn publication_hour(db: &Db, est: EstablishmentId) -> Result<Option<u32>, sqlx::Error> {
    let hour: Option<i64> = sqlx::query_scalar("SELECT grade_publication_hour FROM establishments WHERE id = $1")
        .bind(est.0)
        .fetch_one(db)
        .await?;
    Ok(hour.and_then(|h| u32::try_from(h).ok()).filter(|h| *h < 24))
}

pub async fn not_returned_policy(db: &Db, est: EstablishmentId) -> Result<NotReturnedPolicy, sqlx::Error> {
    let mut conn = db.acquire().await?;
    not_returned_policy_on(&mut conn, est).await
}

/// The same, on a given connection (a transaction's).
pub async fn not_returned_policy_on(
    conn: &mut sqlx::AnyConnection,
    est: EstablishmentId,
) -> Result<NotReturnedPolicy, sqlx::Error> {
    let zero: i64 = sqlx::query_scalar("SELECT not_returned_counts_zero FROM establishments WHERE id = $1")
        .bind(est.0)
        .fetch_one(conn)
        .await?;
    Ok(if zero != 0 { NotReturnedPolicy::CountsAsZero } else { NotReturnedPolicy::NotCounted })
}

/// The establishment's subjects: id → (name, coefficient in the general average). A stored
/// coefficient out of range (never written by Préau) counts as 1.
pub async fn subjects<'e, E>(
    executor: E,
    est: EstablishmentId,
) -> Result<HashMap<i64, (String, Coefficient)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT id, name, coefficient_hundredths FROM subjects WHERE establishment_id = $1")
        .bind(est.0)
        .fetch_all(executor)
        .await?
        .into_iter()
        .map(|r| {
            let coefficient = u32::try_from(r.try_get::<i64, _>("coefficient_hundredths")?)
                .ok()
                .and_then(|h| Coefficient::from_hundredths(h).ok())
                .unwrap_or(Coefficient::ONE);
            Ok((r.try_get("id")?, (r.try_get("name")?, coefficient)))
        })
        .collect()
}

/// `sql` restricted to the students of `class` when one is given, through the parameter
/// `$param` that the caller then binds to the class id (and does not bind otherwise).
pub fn within_class(sql: &str, student_column: &str, param: usize, class: Option<ClassId>) -> String {
    match class {
        Some(_) => {
            format!("{sql} AND {student_column} IN (SELECT student_id FROM class_students WHERE class_id = ${param})")
        }
        None => sql.to_string(),
    }
}

/// Binds the class id of [`within_class`]'s parameter, when there is one.
pub fn bind_class<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    class: Option<ClassId>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match class {
        Some(c) => query.bind(c.0),
        None => query,
    }
}

/// A class's or group's name.
pub async fn unit_name(db: &Db, unit: TeachingUnit) -> Result<Option<String>, sqlx::Error> {
    let (column, id) = unit_column(unit);
    let table = if column == "class_id" { "classes" } else { "student_groups" };
    sqlx::query_scalar(&format!("SELECT name FROM {table} WHERE id = $1")).bind(id).fetch_optional(db).await
}

pub async fn services(
    db: &Db,
    est: EstablishmentId,
    teacher: UserId,
    period: Option<PeriodId>,
) -> Result<Vec<ServiceLine>, AppError> {
    let rows = sqlx::query(
        "SELECT a.class_id, a.group_id, a.subject_id, s.name AS subject_name,
                COALESCE(c.name, g.name) AS unit_name,
                CASE WHEN a.class_id IS NOT NULL
                     THEN (SELECT COUNT(*) FROM class_students cs WHERE cs.class_id = a.class_id)
                     ELSE (SELECT COUNT(*) FROM group_students gs WHERE gs.group_id = a.group_id) END AS students,
                (SELECT COUNT(*) FROM evaluations e WHERE e.subject_id = a.subject_id AND e.period_id = $3
                    AND (e.class_id = a.class_id OR e.group_id = a.group_id)) AS evaluations
         FROM assignments a JOIN subjects s ON s.id = a.subject_id
         LEFT JOIN classes c ON c.id = a.class_id LEFT JOIN student_groups g ON g.id = a.group_id
         WHERE a.establishment_id = $1 AND a.teacher_id = $2
         ORDER BY unit_name, subject_name",
    )
    .bind(est.0)
    .bind(teacher.0)
    .bind(period.map(|p| p.0).unwrap_or(0))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            let unit = match (r.try_get::<Option<i64>, _>("class_id")?, r.try_get::<Option<i64>, _>("group_id")?) {
                (Some(c), _) => TeachingUnit::Class(domain::ClassId(c)),
                (None, Some(g)) => TeachingUnit::Group(domain::GroupId(g)),
                (None, None) => return Err(anyhow::anyhow!("assignment without a unit").into()),
            };
            Ok(ServiceLine {
                unit_key: unit.key(),
                unit_name: r.try_get("unit_name")?,
                subject: SubjectId(r.try_get("subject_id")?),
                subject_name: r.try_get("subject_name")?,
                students: r.try_get("students")?,
                evaluations: r.try_get("evaluations")?,
            })
        })
        .collect()
}

/// The unit's students, by name.
pub async fn roster(db: &Db, unit: TeachingUnit) -> Result<Vec<PersonLine>, sqlx::Error> {
    let sql = match unit {
        TeachingUnit::Class(_) => {
            "SELECT u.id, u.last_name, u.first_name FROM class_students x JOIN users u ON u.id = x.student_id WHERE x.class_id = $1 ORDER BY u.last_name, u.first_name, u.id"
        }
        TeachingUnit::Group(_) => {
            "SELECT u.id, u.last_name, u.first_name FROM group_students x JOIN users u ON u.id = x.student_id WHERE x.group_id = $1 ORDER BY u.last_name, u.first_name, u.id"
        }
    };
    sqlx::query(sql)
        .bind(unit_column(unit).1)
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| {
            Ok(PersonLine {
                id: UserId(r.try_get("id")?),
                last_name: r.try_get("last_name")?,
                first_name: r.try_get("first_name")?,
            })
        })
        .collect()
}

pub async fn is_enrolled(db: &Db, unit: TeachingUnit, student: UserId) -> Result<bool, sqlx::Error> {
    let sql = match unit {
        TeachingUnit::Class(_) => "SELECT COUNT(*) FROM class_students WHERE class_id = $1 AND student_id = $2",
        TeachingUnit::Group(_) => "SELECT COUNT(*) FROM group_students WHERE group_id = $1 AND student_id = $2",
    };
    let n: i64 = sqlx::query_scalar(sql).bind(unit_column(unit).1).bind(student.0).fetch_one(db).await?;
    Ok(n > 0)
}

async fn book_evaluations(db: &Db, service: &Service, period: PeriodId) -> Result<Vec<EvaluationRow>, AppError> {
    let (column, id) = unit_column(service.unit);
    sqlx::query(&format!(
        "SELECT {EVALUATION_COLUMNS} FROM evaluations e WHERE e.{column} = $1 AND e.subject_id = $2 AND e.period_id = $3
         ORDER BY e.held_on, e.created_at, e.id"
    ))
    .bind(id)
    .bind(service.subject.0)
    .bind(period.0)
    .fetch_all(db)
    .await?
    .iter()
    .map(evaluation_row)
    .collect()
}

/// Every mark of a grade book: (evaluation, student) → mark.
async fn book_marks(
    db: &Db,
    service: &Service,
    period: PeriodId,
) -> Result<HashMap<(EvaluationId, UserId), Mark>, AppError> {
    let (column, id) = unit_column(service.unit);
    let rows = sqlx::query(&format!(
        "SELECT g.evaluation_id, g.student_id, g.status, g.points FROM grades g JOIN evaluations e ON e.id = g.evaluation_id
         WHERE e.{column} = $1 AND e.subject_id = $2 AND e.period_id = $3"
    ))
    .bind(id)
    .bind(service.subject.0)
    .bind(period.0)
    .fetch_all(db)
    .await?;
    let mut marks = HashMap::with_capacity(rows.len());
    for r in &rows {
        marks.insert((EvaluationId(r.try_get("evaluation_id")?), UserId(r.try_get("student_id")?)), mark_of(r)?);
    }
    Ok(marks)
}

fn average_of(
    evaluations: &[EvaluationRow],
    marks: &HashMap<(EvaluationId, UserId), Mark>,
    student: UserId,
    policy: NotReturnedPolicy,
) -> Calculation {
    let graded: Vec<(Evaluation, Mark)> =
        evaluations.iter().filter_map(|e| marks.get(&(e.id, student)).map(|m| (e.as_domain(), *m))).collect();
    subject_average(&graded, policy)
}

fn publication_words(hour: Option<u32>) -> String {
    match hour {
        Some(h) => format!(
            "Les notes saisies sont visibles par les élèves et les familles à la publication suivante, chaque jour à {h:02}:00."
        ),
        None => "Les notes saisies sont visibles par les élèves et les familles dès leur enregistrement.".into(),
    }
}

pub async fn grade_book(
    db: &Db,
    service: &Service,
    periods: Vec<PeriodChoice>,
    period: PeriodChoice,
    now: i64,
) -> Result<GradeBook, AppError> {
    let unit_name = unit_name(db, service.unit).await?.ok_or(AppError::NotFound)?;
    let subject_name: String = sqlx::query_scalar("SELECT name FROM subjects WHERE id = $1 AND establishment_id = $2")
        .bind(service.subject.0)
        .bind(service.establishment.0)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let evaluations = book_evaluations(db, service, period.id).await?;
    let marks = book_marks(db, service, period.id).await?;
    let students = roster(db, service.unit).await?;
    let policy = not_returned_policy(db, service.establishment).await?;
    let hour = publication_hour(db, service.establishment).await?;
    let mut averages = Vec::with_capacity(students.len());
    let rows = students
        .into_iter()
        .map(|s| {
            let average = average_of(&evaluations, &marks, s.id, policy).value;
            averages.push(average);
            GradeRow {
                student: s.id,
                name: format!("{} {}", s.last_name.to_uppercase(), s.first_name),
                cells: evaluations
                    .iter()
                    .map(|e| marks.get(&(e.id, s.id)).map(|m| m.display()).unwrap_or_default())
                    .collect(),
                average: average.map(format_fr),
            }
        })
        .collect();
    Ok(GradeBook {
        unit_key: service.unit.key(),
        unit_name,
        subject: service.subject,
        subject_name,
        periods,
        period,
        evaluations: evaluations.iter().map(|e| column_of(e, now)).collect(),
        rows,
        class_average: class_stats(averages).map(|s| format_fr(s.average)),
        publication: publication_words(hour),
        not_returned_counts_zero: policy == NotReturnedPolicy::CountsAsZero,
    })
}

fn counting_note(counting: Counting) -> Option<String> {
    match counting {
        Counting::Normal => None,
        Counting::Bonus => Some("Bonus".into()),
        Counting::Excluded => Some("Hors moyenne".into()),
    }
}

fn column_of(e: &EvaluationRow, now: i64) -> EvaluationColumn {
    let published = e.publish_at <= now;
    EvaluationColumn {
        id: e.id,
        title: e.title.clone(),
        held_on: paris::format_date(&e.held_on),
        scale: e.scale.get(),
        coefficient: format_short(e.coefficient.value()),
        counting: counting_note(e.counting),
        published,
        publish_label: if published {
            "Publiée".into()
        } else {
            format!("Publication le {}", paris::format_datetime(e.publish_at))
        },
    }
}

/// Refuses a write to a closed period's grades or appréciations, and otherwise holds the
/// period's row until the caller's transaction ends: closing the period (which takes the same
/// row) then waits for writes in flight, and a write arriving during the closing waits for it
/// and is refused, so an issued bulletin never misses a saved grade. Writes of one period are
/// serialised by this lock; they are short (one mark or one column).
pub async fn lock_open_period(tx: &mut sqlx::Transaction<'_, sqlx::Any>, period: PeriodId) -> Result<(), AppError> {
    let open = sqlx::query("UPDATE periods SET closed_at = closed_at WHERE id = $1 AND closed_at IS NULL")
        .bind(period.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if open == 0 {
        let label: Option<String> = sqlx::query_scalar("SELECT label FROM periods WHERE id = $1")
            .bind(period.0)
            .fetch_optional(&mut **tx)
            .await?;
        return Err(AppError::Conflict(format!(
            "La période « {} » est close : ses notes et appréciations ne peuvent plus être modifiées. \
             La direction peut la rouvrir si une correction est nécessaire.",
            label.unwrap_or_default()
        )));
    }
    Ok(())
}

/// Records a new evaluation inside the caller's transaction, refusing one in a closed period
/// or one more than `max` in its grade book.
pub async fn insert_evaluation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    row: &EvaluationRow,
    creator: UserId,
    now: i64,
    max: usize,
) -> Result<(), AppError> {
    let (column, id) = unit_column(row.service.unit);
    lock_open_period(tx, row.period).await?;
    let count: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM evaluations WHERE {column} = $1 AND subject_id = $2 AND period_id = $3"
    ))
    .bind(id)
    .bind(row.service.subject.0)
    .bind(row.period.0)
    .fetch_one(&mut **tx)
    .await?;
    if count >= max as i64 {
        return Err(AppError::Invalid {
            field: "titre".into(),
            reason: format!("Ce carnet compte déjà {max} évaluations sur la période, le maximum."),
        });
    }
    let (class, group) = match row.service.unit {
        TeachingUnit::Class(c) => (Some(c.0), None),
        TeachingUnit::Group(g) => (None, Some(g.0)),
    };
    sqlx::query(
        "INSERT INTO evaluations (id, establishment_id, period_id, subject_id, class_id, group_id, title, held_on, scale,
             coefficient_hundredths, counting, publish_at, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(row.id.0)
    .bind(row.service.establishment.0)
    .bind(row.period.0)
    .bind(row.service.subject.0)
    .bind(class)
    .bind(group)
    .bind(&row.title)
    .bind(&row.held_on)
    .bind(i64::from(row.scale.get()))
    .bind(i64::from(row.coefficient.hundredths()))
    .bind(row.counting.code())
    .bind(row.publish_at)
    .bind(creator.0)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn evaluation(db: &Db, id: EvaluationId) -> Result<Option<EvaluationRow>, AppError> {
    match sqlx::query(&format!("SELECT {EVALUATION_COLUMNS} FROM evaluations e WHERE e.id = $1"))
        .bind(id.0)
        .fetch_optional(db)
        .await?
    {
        Some(r) => Ok(Some(evaluation_row(&r)?)),
        None => Ok(None),
    }
}

/// Writes one mark (`None` removes it) with its history line and audit entry, inside the
/// caller's transaction. Returns whether anything changed.
pub async fn write_mark(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    evaluation: &EvaluationRow,
    student: UserId,
    mark: Option<Mark>,
    actor: UserId,
    now: i64,
) -> Result<bool, AppError> {
    lock_open_period(tx, evaluation.period).await?;
    let old = sqlx::query("SELECT status, points FROM grades WHERE evaluation_id = $1 AND student_id = $2")
        .bind(evaluation.id.0)
        .bind(student.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| mark_of(&r))
        .transpose()?;
    if old == mark {
        return Ok(false);
    }
    match mark {
        Some(m) => {
            let (status, points) = m.to_db();
            sqlx::query(
                "INSERT INTO grades (evaluation_id, student_id, status, points, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (evaluation_id, student_id)
                 DO UPDATE SET status = excluded.status, points = excluded.points,
                               updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(evaluation.id.0)
            .bind(student.0)
            .bind(status)
            .bind(points)
            .bind(actor.0)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM grades WHERE evaluation_id = $1 AND student_id = $2")
                .bind(evaluation.id.0)
                .bind(student.0)
                .execute(&mut **tx)
                .await?;
        }
    }
    let shown = |m: Option<Mark>| m.map(Mark::display).unwrap_or_default();
    sqlx::query(
        "INSERT INTO grade_changes (id, establishment_id, evaluation_id, student_id, actor_id, old_value, new_value, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(evaluation.service.establishment.0)
    .bind(evaluation.id.0)
    .bind(student.0)
    .bind(actor.0)
    .bind(shown(old))
    .bind(shown(mark))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let who =
        sqlx::query("SELECT u.first_name, u.last_name, a.username FROM users u, users a WHERE u.id = $1 AND a.id = $2")
            .bind(student.0)
            .bind(actor.0)
            .fetch_one(&mut **tx)
            .await?;
    let detail = format!(
        "{} {} · « {} » du {} : {} → {}",
        who.try_get::<String, _>("last_name")?.to_uppercase(),
        who.try_get::<String, _>("first_name")?,
        evaluation.title,
        paris::format_date(&evaluation.held_on),
        if old.is_some() { shown(old) } else { "vide".into() },
        if mark.is_some() { shown(mark) } else { "vide".into() },
    );
    let actor_name: String = who.try_get("username")?;
    audit::record(
        &mut **tx,
        audit::Entry {
            establishment: Some(evaluation.service.establishment),
            actor: Some(actor),
            actor_name: &actor_name,
            action: action::GRADE,
            detail: &detail,
            ip: &crate::server::session::client_ip(),
        },
    )
    .await?;
    Ok(true)
}

/// A student's average in the grade book an evaluation belongs to.
pub async fn student_book_average(
    db: &Db,
    evaluation: &EvaluationRow,
    student: UserId,
    policy: NotReturnedPolicy,
) -> Result<Option<f64>, AppError> {
    let evaluations = book_evaluations(db, &evaluation.service, evaluation.period).await?;
    let marks = book_marks(db, &evaluation.service, evaluation.period).await?;
    Ok(average_of(&evaluations, &marks, student, policy).value)
}

pub async fn children_names(
    db: &Db,
    est: EstablishmentId,
    guardian: UserId,
) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT u.id, u.first_name, u.last_name FROM guardianships g JOIN users u ON u.id = g.student_id
         JOIN memberships m ON m.user_id = u.id AND m.role = 'eleve' AND m.establishment_id = $1
         WHERE g.guardian_id = $2",
    )
    .bind(est.0)
    .bind(guardian.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok((
            UserId(r.try_get("id")?),
            format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
        ))
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()
    .map(|mut children| {
        // Léo before Lina, whatever the database's collation.
        children.sort_by_cached_key(|(id, name)| (domain::fold_accents(name), *id));
        children
    })
}

/// The evaluations a student is concerned by in a period: those of their class and groups.
const STUDENT_EVALUATIONS: &str = "e.establishment_id = $1 AND e.period_id = $2
     AND (e.class_id IN (SELECT class_id FROM class_students WHERE student_id = $3)
          OR e.group_id IN (SELECT group_id FROM group_students WHERE student_id = $3))";

pub async fn student_grades(
    db: &Db,
    student: &StudentRef,
    period: Option<&PeriodChoice>,
    sees_unpublished: bool,
    policy: NotReturnedPolicy,
    now: i64,
) -> Result<StudentGrades, AppError> {
    let who =
        sqlx::query("SELECT first_name, last_name FROM users WHERE id = $1").bind(student.id.0).fetch_one(db).await?;
    let student_name =
        format!("{} {}", who.try_get::<String, _>("first_name")?, who.try_get::<String, _>("last_name")?);
    let class_name: Option<String> = match student.class {
        Some(c) => sqlx::query_scalar("SELECT name FROM classes WHERE id = $1").bind(c.0).fetch_optional(db).await?,
        None => None,
    };
    let mut page = StudentGrades {
        student: student.id,
        student_name,
        class_name,
        children: Vec::new(),
        periods: Vec::new(),
        period: None,
        subjects: Vec::new(),
        general_average: None,
        general_calculation: Vec::new(),
        pending: None,
    };
    let Some(period) = period else {
        return Ok(page);
    };
    let all: Vec<EvaluationRow> = sqlx::query(&format!(
        "SELECT {EVALUATION_COLUMNS} FROM evaluations e WHERE {STUDENT_EVALUATIONS} ORDER BY e.held_on, e.created_at, e.id"
    ))
    .bind(student.establishment.0)
    .bind(period.id.0)
    .bind(student.id.0)
    .fetch_all(db)
    .await?
    .iter()
    .map(evaluation_row)
    .collect::<Result<_, _>>()?;
    let marks = {
        let rows = sqlx::query(&format!(
            "SELECT g.evaluation_id, g.student_id, g.status, g.points FROM grades g JOIN evaluations e ON e.id = g.evaluation_id
             WHERE {STUDENT_EVALUATIONS}"
        ))
        .bind(student.establishment.0)
        .bind(period.id.0)
        .bind(student.id.0)
        .fetch_all(db)
        .await?;
        let mut marks: HashMap<(EvaluationId, UserId), Mark> = HashMap::with_capacity(rows.len());
        for r in &rows {
            marks.insert((EvaluationId(r.try_get("evaluation_id")?), UserId(r.try_get("student_id")?)), mark_of(r)?);
        }
        marks
    };
    // Unpublished evaluations stay out of everything a student or family sees, including
    // the class statistics; they only announce when they will appear. Nothing is published
    // while the student's class council sits.
    let councils = council_windows(db, student.class, period.id).await?;
    let published = |e: &EvaluationRow| publication_time(e.publish_at, &councils);
    let (visible, hidden): (Vec<EvaluationRow>, Vec<EvaluationRow>) =
        all.into_iter().partition(|e| sees_unpublished || published(e) <= now);
    let waiting: Vec<&EvaluationRow> = hidden.iter().filter(|e| marks.contains_key(&(e.id, student.id))).collect();
    if let Some(first) = waiting.iter().map(|e| published(e)).min() {
        let n = waiting.len();
        page.pending = Some(format!(
            "{n} note{s} saisie{s} par les professeurs {sera} visible{s} le {}.",
            paris::format_datetime(first),
            s = if n > 1 { "s" } else { "" },
            sera = if n > 1 { "seront" } else { "sera" },
        ));
    }

    let subjects = subjects(db, student.establishment).await?;
    let mut teachers: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sqlx::query(
        "SELECT a.subject_id, u.first_name, u.last_name FROM assignments a JOIN users u ON u.id = a.teacher_id
         WHERE a.establishment_id = $1
           AND (a.class_id IN (SELECT class_id FROM class_students WHERE student_id = $2)
                OR a.group_id IN (SELECT group_id FROM group_students WHERE student_id = $2))
         ORDER BY u.last_name",
    )
    .bind(student.establishment.0)
    .bind(student.id.0)
    .fetch_all(db)
    .await?
    {
        let name = format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?);
        let list = teachers.entry(r.try_get("subject_id")?).or_default();
        if !list.contains(&name) {
            list.push(name);
        }
    }

    let mut by_subject: BTreeMap<(String, i64), Vec<EvaluationRow>> = BTreeMap::new();
    for e in visible {
        let name = subjects.get(&e.service.subject.0).map(|s| s.0.clone()).unwrap_or_default();
        by_subject.entry((name, e.service.subject.0)).or_default().push(e);
    }
    let mut general_inputs = Vec::new();
    for ((name, subject_id), evaluations) in by_subject {
        let mine: Vec<&EvaluationRow> =
            evaluations.iter().filter(|e| marks.contains_key(&(e.id, student.id))).collect();
        if mine.is_empty() {
            continue;
        }
        let calc = average_of(&evaluations, &marks, student.id, policy);
        // Class statistics over the students marked in the same evaluations.
        let mut others: Vec<UserId> =
            marks.keys().filter(|(e, _)| evaluations.iter().any(|x| x.id == *e)).map(|(_, s)| *s).collect();
        others.sort();
        others.dedup();
        let stats = class_stats(others.iter().map(|s| average_of(&evaluations, &marks, *s, policy).value));
        let coefficient = subjects.get(&subject_id).map_or(Coefficient::ONE, |s| s.1);
        let grades = mine
            .iter()
            .filter_map(|e| {
                let mark = *marks.get(&(e.id, student.id))?;
                let shown = shown_mark(mark, e.scale);
                let points: Vec<f64> = marks
                    .iter()
                    .filter(|((ev, _), _)| *ev == e.id)
                    .filter_map(|(_, m)| match m {
                        Mark::Points(h) => Some(f64::from(*h) / 100.0),
                        _ => None,
                    })
                    .collect();
                let class_average =
                    (!points.is_empty()).then(|| format_short(points.iter().sum::<f64>() / points.len() as f64));
                Some(GradeLine {
                    evaluation: e.id,
                    title: e.title.clone(),
                    held_on: paris::format_date(&e.held_on),
                    mark: shown,
                    coefficient: format_short(e.coefficient.value()),
                    note: counting_note(e.counting),
                    class_average,
                    history: Vec::new(),
                })
            })
            .collect();
        general_inputs.push((name.clone(), coefficient, calc.value));
        page.subjects.push(SubjectGrades {
            name,
            teachers: teachers.get(&subject_id).map(|t| t.join(", ")).unwrap_or_default(),
            coefficient: format_short(coefficient.value()),
            grades,
            average: calc.value.map(format_fr),
            class_average: stats.map(|s| format_fr(s.average)),
            class_min: stats.map(|s| format_fr(s.min)),
            class_max: stats.map(|s| format_fr(s.max)),
            calculation: calc.explain(),
        });
    }
    let pairs: Vec<(Coefficient, Option<f64>)> = general_inputs.iter().map(|(_, c, a)| (*c, *a)).collect();
    page.general_average = general_average(&pairs).map(format_fr);
    if !general_inputs.is_empty() {
        page.general_calculation = explain_general(&general_inputs);
    }
    Ok(page)
}

/// A mark as a student and their family read it: "14,5/20", or "Abs." for a status.
fn shown_mark(mark: Mark, scale: Scale) -> String {
    match mark {
        Mark::Points(_) => format!("{}/{}", mark.display(), scale.get()),
        status => status.display(),
    }
}

/// The sittings of a class's council in a period, as (start, end) instants: nothing is
/// published to students and families while one sits.
async fn council_windows(db: &Db, class: Option<ClassId>, period: PeriodId) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let Some(class) = class else {
        return Ok(Vec::new());
    };
    sqlx::query("SELECT starts_at, ends_at FROM class_councils WHERE class_id = $1 AND period_id = $2")
        .bind(class.0)
        .bind(period.0)
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("starts_at")?, r.try_get("ends_at")?)))
        .collect()
}

/// One of a student's latest marks, as the dashboard lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentMark {
    pub subject: String,
    pub title: String,
    /// The day the evaluation was held, "2026-11-23".
    pub held_on: String,
    pub mark: String,
}

/// The student's `limit` latest marks of a period that the student and their family may
/// read (published, and no class council sitting: the rule of [`student_grades`]), the
/// latest evaluation first.
pub async fn recent_marks(
    db: &Db,
    student: &StudentRef,
    period: PeriodId,
    now: i64,
    limit: usize,
) -> Result<Vec<RecentMark>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVALUATION_COLUMNS}, g.status, g.points, s.name AS subject_name
         FROM evaluations e
         JOIN grades g ON g.evaluation_id = e.id AND g.student_id = $3
         JOIN subjects s ON s.id = e.subject_id
         WHERE {STUDENT_EVALUATIONS}
         ORDER BY e.held_on DESC, e.created_at DESC, e.id DESC"
    ))
    .bind(student.establishment.0)
    .bind(period.0)
    .bind(student.id.0)
    .fetch_all(db)
    .await?;
    let councils = council_windows(db, student.class, period).await?;
    let mut recent = Vec::with_capacity(limit.min(rows.len()));
    for r in &rows {
        let e = evaluation_row(r)?;
        if publication_time(e.publish_at, &councils) > now {
            continue;
        }
        recent.push(RecentMark {
            subject: r.try_get("subject_name")?,
            mark: shown_mark(mark_of(r)?, e.scale),
            title: e.title,
            held_on: e.held_on,
        });
        if recent.len() == limit {
            break;
        }
    }
    Ok(recent)
}

/// Adds to each grade line of the page the history of its mark (direction's view).
pub async fn attach_history(db: &Db, student: UserId, page: &mut StudentGrades) -> Result<(), AppError> {
    let rows = sqlx::query(
        "SELECT c.evaluation_id, c.old_value, c.new_value, c.at, u.first_name, u.last_name
         FROM grade_changes c JOIN users u ON u.id = c.actor_id
         WHERE c.student_id = $1 ORDER BY c.at, c.id",
    )
    .bind(student.0)
    .fetch_all(db)
    .await?;
    let mut by_evaluation: HashMap<i64, Vec<String>> = HashMap::new();
    for r in &rows {
        let shown = |v: String| if v.is_empty() { "vide".to_string() } else { v };
        by_evaluation.entry(r.try_get("evaluation_id")?).or_default().push(format!(
            "{} · {} {} : {} → {}",
            paris::format_datetime(r.try_get("at")?),
            r.try_get::<String, _>("first_name")?,
            r.try_get::<String, _>("last_name")?,
            shown(r.try_get("old_value")?),
            shown(r.try_get("new_value")?),
        ));
    }
    for line in page.subjects.iter_mut().flat_map(|s| s.grades.iter_mut()) {
        line.history = by_evaluation.remove(&line.evaluation.0).unwrap_or_default();
    }
    Ok(())
}

/// One student's averages for a period.
#[derive(Debug, Clone)]
pub struct StudentPeriodAverages {
    pub student: UserId,
    pub class: ClassId,
    /// Each subject the student has a mark in, with the average (`None` when no mark counts).
    pub subjects: Vec<(SubjectId, Option<f64>)>,
    pub general: Option<f64>,
}

/// Every average of an establishment for one period: what the bulletins of the period show.
#[derive(Debug, Clone, Default)]
pub struct PeriodAverages {
    pub students: Vec<StudentPeriodAverages>,
    /// Per class and subject: average, lowest and highest of the students' averages.
    pub class_subjects: HashMap<(ClassId, SubjectId), ClassStats>,
    /// Per class: the same over the general averages.
    pub class_general: HashMap<ClassId, ClassStats>,
}

/// Computes every student's subject and general averages for a period (of one class, or of
/// the whole establishment), and the class statistics, in four queries on one connection (a
/// transaction's, when closing a period). A student's marks all count, whichever class or group they
/// were given in (a student who changed class keeps them).
pub async fn period_averages(
    conn: &mut sqlx::AnyConnection,
    est: EstablishmentId,
    period: PeriodId,
    policy: NotReturnedPolicy,
    class: Option<ClassId>,
) -> Result<PeriodAverages, AppError> {
    let coefficients = subjects(&mut *conn, est).await?;
    // One class (a provisional bulletin) or the whole establishment (closing a period).
    let students_sql = match class {
        Some(_) => {
            "SELECT cs.student_id, cs.class_id FROM class_students cs JOIN classes c ON c.id = cs.class_id
                    WHERE c.establishment_id = $1 AND cs.class_id = $2 ORDER BY cs.student_id"
        }
        None => {
            "SELECT cs.student_id, cs.class_id FROM class_students cs JOIN classes c ON c.id = cs.class_id
                 WHERE c.establishment_id = $1 ORDER BY cs.class_id, cs.student_id"
        }
    };
    let students: Vec<(UserId, ClassId)> = bind_class(sqlx::query(students_sql).bind(est.0), class)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| Ok((UserId(r.try_get("student_id")?), ClassId(r.try_get("class_id")?))))
        .collect::<Result<_, sqlx::Error>>()?;
    let evaluations: Vec<EvaluationRow> = sqlx::query(&format!(
        "SELECT {EVALUATION_COLUMNS} FROM evaluations e WHERE e.establishment_id = $1 AND e.period_id = $2"
    ))
    .bind(est.0)
    .bind(period.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(evaluation_row)
    .collect::<Result<_, _>>()?;
    // Averages only: without titles, a copy of an evaluation allocates nothing.
    let domain_evaluations: Vec<Evaluation> =
        evaluations.iter().map(|e| Evaluation { title: String::new(), ..e.as_domain() }).collect();
    let index: HashMap<EvaluationId, usize> = evaluations.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    // One row per evaluation with its marks packed as "student:status:points,..." rather than
    // one row per mark: the SQLite driver hands rows over one by one, and 432,000 of them cost
    // more than the arithmetic (docs/benchmarks.md).
    let engine = crate::server::db::Engine::of(conn);
    let packed = engine
        .string_agg("CAST(g.student_id AS TEXT) || ':' || g.status || ':' || COALESCE(CAST(g.points AS TEXT), '')");
    let rows_sql = within_class(
        &format!(
            "SELECT g.evaluation_id, {packed} AS marks FROM grades g JOIN evaluations e ON e.id = g.evaluation_id
             WHERE e.establishment_id = $1 AND e.period_id = $2"
        ),
        "g.student_id",
        3,
        class,
    ) + " GROUP BY g.evaluation_id";
    let rows = bind_class(sqlx::query(&rows_sql).bind(est.0).bind(period.0), class).fetch_all(&mut *conn).await?;
    let mut marks: HashMap<UserId, Vec<(usize, Mark)>> = HashMap::with_capacity(students.len());
    let corrupt = || AppError::from(anyhow::anyhow!("unreadable packed marks"));
    for r in &rows {
        let Some(i) = index.get(&EvaluationId(r.try_get("evaluation_id")?)).copied() else { continue };
        let packed: String = r.try_get("marks")?;
        for item in packed.split(',') {
            let mut parts = item.splitn(3, ':');
            let (Some(student), Some(status), Some(points)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(corrupt());
            };
            let student = UserId(student.parse().map_err(|_| corrupt())?);
            let points = if points.is_empty() { None } else { Some(points.parse::<i64>().map_err(|_| corrupt())?) };
            let mark = Mark::from_db(status, points).ok_or_else(corrupt)?;
            marks.entry(student).or_default().push((i, mark));
        }
    }
    drop(rows);

    let mut out = PeriodAverages::default();
    let mut per_class_subject: HashMap<(ClassId, SubjectId), Vec<Option<f64>>> = HashMap::new();
    let mut per_class: HashMap<ClassId, Vec<Option<f64>>> = HashMap::new();
    for (student, class) in students {
        let mut by_subject: BTreeMap<SubjectId, Vec<(Evaluation, Mark)>> = BTreeMap::new();
        for (i, mark) in marks.get(&student).map(Vec::as_slice).unwrap_or_default() {
            by_subject
                .entry(evaluations[*i].service.subject)
                .or_default()
                .push((domain_evaluations[*i].clone(), *mark));
        }
        let subjects: Vec<(SubjectId, Option<f64>)> =
            by_subject.into_iter().map(|(subject, grades)| (subject, subject_average(&grades, policy).value)).collect();
        let weighted: Vec<(Coefficient, Option<f64>)> =
            subjects.iter().map(|(s, avg)| (coefficients.get(&s.0).map_or(Coefficient::ONE, |c| c.1), *avg)).collect();
        let general = general_average(&weighted);
        for (subject, avg) in &subjects {
            per_class_subject.entry((class, *subject)).or_default().push(*avg);
        }
        per_class.entry(class).or_default().push(general);
        out.students.push(StudentPeriodAverages { student, class, subjects, general });
    }
    out.class_subjects = per_class_subject.into_iter().filter_map(|(k, v)| class_stats(v).map(|s| (k, s))).collect();
    out.class_general = per_class.into_iter().filter_map(|(k, v)| class_stats(v).map(|s| (k, s))).collect();
    Ok(out)
}
