//! SQL of the dashboard. Every query is scoped to one establishment.

use super::model::{ChildCard, ClassCard, EstablishmentLine, Overview, StudentSection, TeacherLine, TeachingCard};
use crate::server::Db;
use domain::{ClassId, EstablishmentId, GroupId, PeriodId, QuizAssignmentId, SubjectId, TeachingUnit, UserId};
use sqlx::Row;

pub async fn student_section(db: &Db, est: EstablishmentId, student: UserId) -> Result<StudentSection, sqlx::Error> {
    let class = sqlx::query(
        "SELECT c.id, c.name FROM class_students cs JOIN classes c ON c.id = cs.class_id WHERE cs.student_id = $1 AND c.establishment_id = $2",
    )
    .bind(student.0)
    .bind(est.0)
    .fetch_optional(db)
    .await?
    .map(|r| Ok::<_, sqlx::Error>((ClassId(r.try_get("id")?), r.try_get("name")?)))
    .transpose()?;
    let groups: Vec<String> = sqlx::query_scalar(
        "SELECT g.name FROM group_students gs JOIN student_groups g ON g.id = gs.group_id WHERE gs.student_id = $1 AND g.establishment_id = $2 ORDER BY g.name",
    )
    .bind(student.0)
    .bind(est.0)
    .fetch_all(db)
    .await?;
    let teachers = sqlx::query(
        "SELECT s.name AS subject, u.first_name, u.last_name, COALESCE(c.name, g.name) AS unit
         FROM assignments a
         JOIN subjects s ON s.id = a.subject_id
         JOIN users u ON u.id = a.teacher_id
         LEFT JOIN classes c ON c.id = a.class_id
         LEFT JOIN student_groups g ON g.id = a.group_id
         WHERE a.establishment_id = $1 AND (
           a.class_id IN (SELECT class_id FROM class_students WHERE student_id = $2)
           OR a.group_id IN (SELECT group_id FROM group_students WHERE student_id = $2))
         ORDER BY s.name",
    )
    .bind(est.0)
    .bind(student.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(TeacherLine {
            subject: r.try_get("subject")?,
            teacher: format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
            unit: r.try_get("unit")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(StudentSection { class, groups, teachers, follow: None })
}

pub async fn children(db: &Db, est: EstablishmentId, guardian: UserId) -> Result<Vec<ChildCard>, sqlx::Error> {
    sqlx::query(
        "SELECT u.id, u.first_name, u.last_name, gd.legal_guardian, gd.relationship, e.name AS establishment,
                (SELECT c.name FROM class_students cs JOIN classes c ON c.id = cs.class_id WHERE cs.student_id = u.id AND c.establishment_id = $2) AS class_name
         FROM guardianships gd
         JOIN users u ON u.id = gd.student_id
         JOIN memberships m ON m.user_id = u.id AND m.role = 'eleve' AND m.establishment_id = $2
         JOIN establishments e ON e.id = m.establishment_id
         WHERE gd.guardian_id = $1
         ORDER BY u.first_name",
    )
    .bind(guardian.0)
    .bind(est.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(ChildCard {
            id: UserId(r.try_get("id")?),
            name: format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
            class: r.try_get("class_name")?,
            establishment: r.try_get("establishment")?,
            legal_guardian: r.try_get::<i64, _>("legal_guardian")? != 0,
            relationship: r.try_get("relationship")?,
            follow: None,
        })
    })
    .collect()
}

pub async fn teaching(db: &Db, est: EstablishmentId, teacher: UserId) -> Result<Vec<TeachingCard>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.class_id, a.group_id, COALESCE(c.name, g.name) AS unit, s.name AS subject,
                CASE WHEN a.class_id IS NOT NULL
                     THEN (SELECT COUNT(*) FROM class_students cs WHERE cs.class_id = a.class_id)
                     ELSE (SELECT COUNT(*) FROM group_students gs WHERE gs.group_id = a.group_id) END AS students
         FROM assignments a
         JOIN subjects s ON s.id = a.subject_id
         LEFT JOIN classes c ON c.id = a.class_id
         LEFT JOIN student_groups g ON g.id = a.group_id
         WHERE a.teacher_id = $1 AND a.establishment_id = $2
         ORDER BY unit, s.name",
    )
    .bind(teacher.0)
    .bind(est.0)
    .fetch_all(db)
    .await?;
    let mut cards: Vec<TeachingCard> = Vec::new();
    for r in rows {
        let class: Option<i64> = r.try_get("class_id")?;
        let group: Option<i64> = r.try_get("group_id")?;
        let subject: String = r.try_get("subject")?;
        let (class, group) = (class.map(ClassId), group.map(GroupId));
        match cards.iter_mut().find(|c| c.class == class && c.group == group) {
            Some(card) => card.subjects.push(subject),
            None => cards.push(TeachingCard {
                class,
                group,
                name: r.try_get("unit")?,
                subjects: vec![subject],
                students: r.try_get("students")?,
            }),
        }
    }
    Ok(cards)
}

pub async fn overview(db: &Db, est: EstablishmentId) -> Result<Overview, sqlx::Error> {
    let e = sqlx::query("SELECT name, uai FROM establishments WHERE id = $1").bind(est.0).fetch_one(db).await?;
    let count = |role: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM memberships WHERE establishment_id = $1 AND role = $2")
            .bind(est.0)
            .bind(role)
            .fetch_one(db)
    };
    let students = count("eleve").await?;
    let guardians = count("responsable").await?;
    let teachers = count("enseignant").await?;
    let staff = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(DISTINCT user_id) FROM memberships WHERE establishment_id = $1 AND role IN ('vie_scolaire', 'direction', 'administrateur')",
    )
    .bind(est.0)
    .fetch_one(db)
    .await?;
    let classes = sqlx::query(
        "SELECT c.id, c.name, c.level, (SELECT COUNT(*) FROM class_students cs WHERE cs.class_id = c.id) AS students
         FROM classes c WHERE c.establishment_id = $1 ORDER BY c.name",
    )
    .bind(est.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(ClassCard {
            id: ClassId(r.try_get("id")?),
            name: r.try_get("name")?,
            level: r.try_get("level")?,
            students: r.try_get("students")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Overview {
        name: e.try_get("name")?,
        uai: e.try_get("uai")?,
        students,
        guardians,
        teachers,
        staff,
        classes,
        can_administer: false,
        can_read_audit: false,
    })
}

/// Every establishment with its counts, for a region administrator.
pub async fn region(db: &Db) -> Result<Vec<EstablishmentLine>, sqlx::Error> {
    sqlx::query(
        "SELECT e.name, e.uai, e.city,
           (SELECT COUNT(*) FROM memberships m WHERE m.establishment_id = e.id AND m.role = 'eleve') AS students,
           (SELECT COUNT(DISTINCT m.user_id) FROM memberships m WHERE m.establishment_id = e.id AND m.role <> 'eleve' AND m.role <> 'responsable') AS staff,
           (SELECT COUNT(*) FROM memberships m WHERE m.establishment_id = e.id AND m.role = 'administrateur') AS administrators
         FROM establishments e ORDER BY e.name",
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(EstablishmentLine {
            name: r.try_get("name")?,
            uai: r.try_get("uai")?,
            city: r.try_get("city")?,
            students: r.try_get("students")?,
            staff: r.try_get("staff")?,
            administrators: r.try_get("administrators")?,
        })
    })
    .collect()
}

/// An evaluation of one of the teacher's services, already held, with students still
/// without a mark.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationToComplete {
    pub unit: TeachingUnit,
    pub subject: SubjectId,
    pub period: PeriodId,
    pub title: String,
    pub subject_name: String,
    pub unit_name: String,
    pub held_on: String,
    pub missing: i64,
}

/// The evaluations of a period held on or before `today` in a subject and unit the teacher
/// teaches (as assigned now), with the number of the unit's students without a mark in each,
/// the oldest first; those complete are left out.
pub async fn evaluations_to_complete(
    db: &Db,
    est: EstablishmentId,
    teacher: UserId,
    period: PeriodId,
    today: &str,
) -> Result<Vec<EvaluationToComplete>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.class_id, e.group_id, e.subject_id, e.period_id, e.title, e.held_on, s.name AS subject_name,
                COALESCE(c.name, g.name) AS unit_name,
                CASE WHEN e.class_id IS NOT NULL
                     THEN (SELECT COUNT(*) FROM class_students cs WHERE cs.class_id = e.class_id
                           AND NOT EXISTS (SELECT 1 FROM grades gr WHERE gr.evaluation_id = e.id AND gr.student_id = cs.student_id))
                     ELSE (SELECT COUNT(*) FROM group_students gs WHERE gs.group_id = e.group_id
                           AND NOT EXISTS (SELECT 1 FROM grades gr WHERE gr.evaluation_id = e.id AND gr.student_id = gs.student_id))
                END AS missing
         FROM evaluations e
         JOIN subjects s ON s.id = e.subject_id
         LEFT JOIN classes c ON c.id = e.class_id
         LEFT JOIN student_groups g ON g.id = e.group_id
         WHERE e.establishment_id = $1 AND e.period_id = $2 AND e.held_on <= $3
           AND EXISTS (SELECT 1 FROM assignments a WHERE a.teacher_id = $4 AND a.establishment_id = e.establishment_id
                       AND a.subject_id = e.subject_id AND (a.class_id = e.class_id OR a.group_id = e.group_id))
         ORDER BY e.held_on, e.created_at, e.id",
    )
    .bind(est.0)
    .bind(period.0)
    .bind(today)
    .bind(teacher.0)
    .fetch_all(db)
    .await?;
    let mut waiting = Vec::new();
    for r in rows {
        let missing: i64 = r.try_get("missing")?;
        if missing == 0 {
            continue;
        }
        let unit = match (r.try_get::<Option<i64>, _>("class_id")?, r.try_get::<Option<i64>, _>("group_id")?) {
            (Some(c), _) => TeachingUnit::Class(ClassId(c)),
            (None, Some(g)) => TeachingUnit::Group(GroupId(g)),
            (None, None) => continue,
        };
        waiting.push(EvaluationToComplete {
            unit,
            subject: SubjectId(r.try_get("subject_id")?),
            period: PeriodId(r.try_get("period_id")?),
            title: r.try_get("title")?,
            subject_name: r.try_get("subject_name")?,
            unit_name: r.try_get::<Option<String>, _>("unit_name")?.unwrap_or_default(),
            held_on: r.try_get("held_on")?,
            missing,
        });
    }
    Ok(waiting)
}

/// An assignment the teacher gave with written answers waiting for a grade.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentToGrade {
    pub id: QuizAssignmentId,
    pub title: String,
    pub unit_name: String,
    pub copies: i64,
}

/// The assignments the teacher gave in this establishment that have attempts handed in with
/// answers still to grade, and how many such attempts, the one waiting longest first.
pub async fn assignments_to_grade(
    db: &Db,
    est: EstablishmentId,
    teacher: UserId,
) -> Result<Vec<AssignmentToGrade>, sqlx::Error> {
    sqlx::query(
        "SELECT a.id, a.title, COALESCE(c.name, g.name) AS unit_name, COUNT(*) AS copies, MIN(t.submitted_at) AS oldest
         FROM quiz_assignments a
         JOIN quiz_attempts t ON t.assignment_id = a.id
         LEFT JOIN classes c ON c.id = a.class_id
         LEFT JOIN student_groups g ON g.id = a.group_id
         WHERE a.establishment_id = $1 AND a.assigned_by = $2 AND t.submitted_at IS NOT NULL AND t.pending_manual > 0
         GROUP BY a.id, a.title, c.name, g.name
         ORDER BY oldest, a.id",
    )
    .bind(est.0)
    .bind(teacher.0)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(AssignmentToGrade {
            id: QuizAssignmentId(r.try_get("id")?),
            title: r.try_get("title")?,
            unit_name: r.try_get::<Option<String>, _>("unit_name")?.unwrap_or_default(),
            copies: r.try_get("copies")?,
        })
    })
    .collect()
}
