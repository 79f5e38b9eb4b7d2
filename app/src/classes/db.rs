//! SQL of classes, groups and student profiles.

use super::api::{GuardianLine, PersonLine, StudentPage, UnitPage};
use crate::server::Db;
use domain::{ClassId, EstablishmentId, GroupId, StudentRef, TeachingUnit, UserId};
use sqlx::Row;

pub async fn unit_establishment(db: &Db, unit: TeachingUnit) -> Result<Option<EstablishmentId>, sqlx::Error> {
    let (sql, id) = match unit {
        TeachingUnit::Class(c) => ("SELECT establishment_id FROM classes WHERE id = $1", c.0),
        TeachingUnit::Group(g) => ("SELECT establishment_id FROM student_groups WHERE id = $1", g.0),
    };
    Ok(sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_optional(db).await?.map(EstablishmentId))
}

fn people(rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<PersonLine>, sqlx::Error> {
    rows.into_iter()
        .map(|r| {
            Ok(PersonLine {
                id: UserId(r.try_get("id")?),
                last_name: r.try_get("last_name")?,
                first_name: r.try_get("first_name")?,
            })
        })
        .collect()
}

fn teacher_lines(rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<(String, String)>, sqlx::Error> {
    rows.into_iter()
        .map(|r| {
            Ok((
                r.try_get("subject")?,
                format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
            ))
        })
        .collect()
}

pub async fn unit_page(db: &Db, unit: TeachingUnit) -> Result<UnitPage, sqlx::Error> {
    let (kind, head_sql, students_sql, teachers_sql, id) = match unit {
        TeachingUnit::Class(c) => (
            "Classe",
            "SELECT name, level AS detail FROM classes WHERE id = $1",
            "SELECT u.id, u.last_name, u.first_name FROM class_students cs JOIN users u ON u.id = cs.student_id WHERE cs.class_id = $1 ORDER BY u.last_name, u.first_name",
            "SELECT s.name AS subject, u.first_name, u.last_name FROM assignments a JOIN subjects s ON s.id = a.subject_id JOIN users u ON u.id = a.teacher_id WHERE a.class_id = $1 ORDER BY s.name",
            c.0,
        ),
        TeachingUnit::Group(g) => (
            "Groupe",
            "SELECT g.name, COALESCE(c.name, 'Groupe transversal') AS detail FROM student_groups g LEFT JOIN classes c ON c.id = g.class_id WHERE g.id = $1",
            "SELECT u.id, u.last_name, u.first_name FROM group_students gs JOIN users u ON u.id = gs.student_id WHERE gs.group_id = $1 ORDER BY u.last_name, u.first_name",
            "SELECT s.name AS subject, u.first_name, u.last_name FROM assignments a JOIN subjects s ON s.id = a.subject_id JOIN users u ON u.id = a.teacher_id WHERE a.group_id = $1 ORDER BY s.name",
            g.0,
        ),
    };
    let head = sqlx::query(head_sql).bind(id).fetch_one(db).await?;
    let students = people(sqlx::query(students_sql).bind(id).fetch_all(db).await?)?;
    let teachers = teacher_lines(sqlx::query(teachers_sql).bind(id).fetch_all(db).await?)?;
    Ok(UnitPage {
        kind: kind.into(),
        name: head.try_get("name")?,
        detail: head.try_get("detail")?,
        students,
        teachers,
        can_open_students: false,
    })
}

/// The student's establishment (their first as a student), class there and groups, or `None`
/// when `id` is not a student; one round trip, as every permission check on a student asks.
pub async fn student_ref(db: &Db, id: UserId) -> Result<Option<StudentRef>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT 'member' AS kind, establishment_id AS a, CAST(NULL AS BIGINT) AS b FROM memberships WHERE user_id = $1 AND role = 'eleve'
         UNION ALL
         SELECT 'class', cs.class_id, c.establishment_id FROM class_students cs JOIN classes c ON c.id = cs.class_id WHERE cs.student_id = $1
         UNION ALL
         SELECT 'group', group_id, NULL FROM group_students WHERE student_id = $1",
    )
    .bind(id.0)
    .fetch_all(db)
    .await?;
    let mut facts = Vec::with_capacity(rows.len());
    for r in &rows {
        facts.push((r.try_get::<String, _>("kind")?, r.try_get::<i64, _>("a")?, r.try_get::<Option<i64>, _>("b")?));
    }
    let Some(est) = facts.iter().filter(|(k, ..)| k == "member").map(|(_, a, _)| *a).min() else {
        return Ok(None);
    };
    let class = facts.iter().find(|(k, _, b)| k == "class" && *b == Some(est)).map(|(_, a, _)| ClassId(*a));
    let groups = facts.iter().filter(|(k, ..)| k == "group").map(|(_, a, _)| GroupId(*a)).collect();
    Ok(Some(StudentRef { id, establishment: EstablishmentId(est), class, groups }))
}

pub async fn student_page(db: &Db, s: &StudentRef) -> Result<StudentPage, sqlx::Error> {
    let u = sqlx::query("SELECT username, first_name, last_name FROM users WHERE id = $1")
        .bind(s.id.0)
        .fetch_one(db)
        .await?;
    let class = match s.class {
        Some(c) => {
            let name: String =
                sqlx::query_scalar("SELECT name FROM classes WHERE id = $1").bind(c.0).fetch_one(db).await?;
            Some((c, name))
        }
        None => None,
    };
    let groups: Vec<String> = sqlx::query_scalar(
        "SELECT g.name FROM group_students gs JOIN student_groups g ON g.id = gs.group_id WHERE gs.student_id = $1 ORDER BY g.name",
    )
    .bind(s.id.0)
    .fetch_all(db)
    .await?;
    let guardians = sqlx::query(
        "SELECT u.first_name, u.last_name, gd.relationship, gd.legal_guardian FROM guardianships gd JOIN users u ON u.id = gd.guardian_id WHERE gd.student_id = $1 ORDER BY u.last_name",
    )
    .bind(s.id.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(GuardianLine {
            name: format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
            relationship: r.try_get("relationship")?,
            legal_guardian: r.try_get::<i64, _>("legal_guardian")? != 0,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let teachers = teacher_lines(
        sqlx::query(
            "SELECT s.name AS subject, u.first_name, u.last_name FROM assignments a JOIN subjects s ON s.id = a.subject_id JOIN users u ON u.id = a.teacher_id
             WHERE a.establishment_id = $1 AND (a.class_id IN (SELECT class_id FROM class_students WHERE student_id = $2)
                OR a.group_id IN (SELECT group_id FROM group_students WHERE student_id = $2)) ORDER BY s.name",
        )
        .bind(s.establishment.0)
        .bind(s.id.0)
        .fetch_all(db)
        .await?,
    )?;
    Ok(StudentPage {
        id: s.id,
        name: format!("{} {}", u.try_get::<String, _>("first_name")?, u.try_get::<String, _>("last_name")?),
        username: u.try_get("username")?,
        class,
        groups,
        guardians,
        teachers,
        can_view_grades: false,
        can_view_bulletin: false,
    })
}
