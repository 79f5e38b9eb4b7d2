//! SQL of administration. Functions take the open transaction, so a whole form or a whole
//! import commits or rolls back as one.

use super::api::{AdminData, AssignmentRow, ClassRow, GroupRow, ImportPlan, Letter, Letters, PlannedAccount, UserRow};
use crate::server::Db;
use crate::server::db::{new_id, now_ms, sha256_hex};
use domain::import::{ImportProblem, ImportRow};
use domain::{AssignmentId, ClassId, EstablishmentId, GroupId, PersonName, Role, SubjectId, TeachingUnit, UserId};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

pub async fn admin_data(db: &Db, est: EstablishmentId) -> Result<AdminData, sqlx::Error> {
    let establishment: String =
        sqlx::query_scalar("SELECT name FROM establishments WHERE id = $1").bind(est.0).fetch_one(db).await?;
    let classes = sqlx::query(
        "SELECT c.id, c.name, c.level,
            (SELECT COUNT(*) FROM class_students cs WHERE cs.class_id = c.id) AS students,
            (SELECT COUNT(*) FROM users u WHERE u.password_hash IS NULL AND u.active = 1 AND (
                u.id IN (SELECT student_id FROM class_students WHERE class_id = c.id)
                OR u.id IN (SELECT gd.guardian_id FROM guardianships gd JOIN class_students cs2 ON cs2.student_id = gd.student_id WHERE cs2.class_id = c.id))) AS pending
         FROM classes c WHERE c.establishment_id = $1 ORDER BY c.name",
    )
    .bind(est.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(ClassRow {
            id: ClassId(r.try_get("id")?),
            name: r.try_get("name")?,
            level: r.try_get("level")?,
            students: r.try_get("students")?,
            pending: r.try_get("pending")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let groups = sqlx::query(
        "SELECT g.id, g.name, c.name AS class_name, (SELECT COUNT(*) FROM group_students gs WHERE gs.group_id = g.id) AS students
         FROM student_groups g LEFT JOIN classes c ON c.id = g.class_id WHERE g.establishment_id = $1 ORDER BY g.name",
    )
    .bind(est.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(GroupRow {
            id: GroupId(r.try_get("id")?),
            name: r.try_get("name")?,
            class: r.try_get("class_name")?,
            students: r.try_get("students")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let subjects = sqlx::query("SELECT id, name FROM subjects WHERE establishment_id = $1 ORDER BY name")
        .bind(est.0)
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| Ok((SubjectId(r.try_get("id")?), r.try_get("name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let assignments = sqlx::query(
        "SELECT a.id, u.first_name, u.last_name, s.name AS subject, COALESCE(c.name, g.name) AS unit
         FROM assignments a JOIN users u ON u.id = a.teacher_id JOIN subjects s ON s.id = a.subject_id
         LEFT JOIN classes c ON c.id = a.class_id LEFT JOIN student_groups g ON g.id = a.group_id
         WHERE a.establishment_id = $1 ORDER BY u.last_name, unit, s.name",
    )
    .bind(est.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(AssignmentRow {
            id: AssignmentId(r.try_get("id")?),
            teacher: format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
            subject: r.try_get("subject")?,
            unit: r.try_get("unit")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let staff_rows = sqlx::query(
        "SELECT u.id, u.first_name, u.last_name, u.username, u.active, u.password_hash IS NOT NULL AS activated, m.role
         FROM users u JOIN memberships m ON m.user_id = u.id
         WHERE m.establishment_id = $1 AND m.role IN ('enseignant', 'vie_scolaire', 'direction', 'administrateur')
         ORDER BY u.last_name, u.first_name, m.role",
    )
    .bind(est.0)
    .fetch_all(db)
    .await?;
    let mut staff: Vec<UserRow> = Vec::new();
    for r in staff_rows {
        let id = UserId(r.try_get("id")?);
        let role = Role::from_code(&r.try_get::<String, _>("role")?).map(Role::label).unwrap_or("");
        let is_teacher = role == Role::Teacher.label();
        match staff.iter_mut().find(|u| u.id == id) {
            Some(u) => {
                u.roles = format!("{}, {role}", u.roles);
                u.is_teacher |= is_teacher;
            }
            None => staff.push(UserRow {
                id,
                name: format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
                username: r.try_get("username")?,
                roles: role.to_string(),
                active: r.try_get::<i64, _>("active")? != 0,
                activated: r
                    .try_get::<bool, _>("activated")
                    .or_else(|_| r.try_get::<i64, _>("activated").map(|v| v != 0))?,
                is_teacher,
            }),
        }
    }
    Ok(AdminData { establishment, classes, groups, subjects, assignments, staff, handed_code: None })
}

/// The name of account `id` of the establishment if it is active and waits for activation with
/// the code whose hash is `code_hash`, still valid at `now`.
pub async fn waiting_for_code(
    db: &Db,
    est: EstablishmentId,
    id: UserId,
    code_hash: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.first_name, u.last_name FROM users u
         WHERE u.id = $1 AND u.active = 1 AND u.password_hash IS NULL
           AND u.activation_hash = $2 AND u.activation_expires_at > $3
           AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.establishment_id = $4)",
    )
    .bind(id.0)
    .bind(code_hash)
    .bind(now)
    .bind(est.0)
    .fetch_optional(db)
    .await?;
    row.map(|r| Ok(format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?)))
        .transpose()
}

pub async fn class_by_name(tx: &mut Tx<'_>, est: EstablishmentId, name: &str) -> Result<Option<ClassId>, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM classes WHERE establishment_id = $1 AND LOWER(name) = LOWER($2)")
        .bind(est.0)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?
        .map(ClassId))
}

pub async fn insert_class(
    tx: &mut Tx<'_>,
    est: EstablishmentId,
    name: &str,
    level: &str,
) -> Result<ClassId, sqlx::Error> {
    let id = new_id();
    sqlx::query("INSERT INTO classes (id, establishment_id, name, level) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(est.0)
        .bind(name)
        .bind(level)
        .execute(&mut **tx)
        .await?;
    Ok(ClassId(id))
}

pub async fn class_establishment(tx: &mut Tx<'_>, id: ClassId) -> Result<Option<EstablishmentId>, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT establishment_id FROM classes WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(EstablishmentId))
}

pub async fn group_by_name(tx: &mut Tx<'_>, est: EstablishmentId, name: &str) -> Result<Option<GroupId>, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT id FROM student_groups WHERE establishment_id = $1 AND LOWER(name) = LOWER($2)",
    )
    .bind(est.0)
    .bind(name)
    .fetch_optional(&mut **tx)
    .await?
    .map(GroupId))
}

pub async fn insert_group(
    tx: &mut Tx<'_>,
    est: EstablishmentId,
    name: &str,
    class: Option<ClassId>,
) -> Result<GroupId, sqlx::Error> {
    let id = new_id();
    sqlx::query("INSERT INTO student_groups (id, establishment_id, name, class_id) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(est.0)
        .bind(name)
        .bind(class.map(|c| c.0))
        .execute(&mut **tx)
        .await?;
    Ok(GroupId(id))
}

pub async fn add_group_member(tx: &mut Tx<'_>, group: GroupId, student: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO group_students (group_id, student_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(group.0)
        .bind(student.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn student_in(tx: &mut Tx<'_>, est: EstablishmentId, username: &str) -> Result<Option<UserId>, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.username = $1 AND m.establishment_id = $2 AND m.role = 'eleve'",
    )
    .bind(username)
    .bind(est.0)
    .fetch_optional(&mut **tx)
    .await?
    .map(UserId))
}

pub async fn subject_by_name(
    tx: &mut Tx<'_>,
    est: EstablishmentId,
    name: &str,
) -> Result<Option<SubjectId>, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM subjects WHERE establishment_id = $1 AND LOWER(name) = LOWER($2)")
        .bind(est.0)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?
        .map(SubjectId))
}

pub async fn insert_subject(tx: &mut Tx<'_>, est: EstablishmentId, name: &str) -> Result<SubjectId, sqlx::Error> {
    let id = new_id();
    sqlx::query("INSERT INTO subjects (id, establishment_id, name) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(est.0)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(SubjectId(id))
}

pub async fn subject_establishment(tx: &mut Tx<'_>, id: SubjectId) -> Result<Option<EstablishmentId>, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT establishment_id FROM subjects WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(EstablishmentId))
}

pub async fn unit_establishment(tx: &mut Tx<'_>, unit: TeachingUnit) -> Result<Option<EstablishmentId>, sqlx::Error> {
    let (sql, id) = match unit {
        TeachingUnit::Class(c) => ("SELECT establishment_id FROM classes WHERE id = $1", c.0),
        TeachingUnit::Group(g) => ("SELECT establishment_id FROM student_groups WHERE id = $1", g.0),
    };
    Ok(sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_optional(&mut **tx).await?.map(EstablishmentId))
}

pub async fn has_role(tx: &mut Tx<'_>, est: EstablishmentId, user: UserId, role: Role) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND establishment_id = $2 AND role = $3",
    )
    .bind(user.0)
    .bind(est.0)
    .bind(role.code())
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// Whether `user` is a region administrator, and every establishment where they hold a role
/// (id and name, by name).
pub async fn account_scope(
    tx: &mut Tx<'_>,
    user: UserId,
) -> Result<(bool, Vec<(EstablishmentId, String)>), sqlx::Error> {
    let region_admin: i64 =
        sqlx::query_scalar("SELECT region_admin FROM users WHERE id = $1").bind(user.0).fetch_one(&mut **tx).await?;
    let establishments = sqlx::query(
        "SELECT DISTINCT e.id, e.name FROM establishments e JOIN memberships m ON m.establishment_id = e.id
         WHERE m.user_id = $1 ORDER BY e.name",
    )
    .bind(user.0)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| Ok((EstablishmentId(r.try_get("id")?), r.try_get("name")?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((region_admin != 0, establishments))
}

pub async fn is_member(tx: &mut Tx<'_>, est: EstablishmentId, user: UserId) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND establishment_id = $2")
        .bind(user.0)
        .bind(est.0)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

/// Inserts an assignment unless the same one exists; false when it already did.
pub async fn insert_assignment(
    tx: &mut Tx<'_>,
    est: EstablishmentId,
    teacher: UserId,
    subject: SubjectId,
    unit: TeachingUnit,
) -> Result<bool, sqlx::Error> {
    let (class, group) = match unit {
        TeachingUnit::Class(c) => (Some(c.0), None),
        TeachingUnit::Group(g) => (None, Some(g.0)),
    };
    let existing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM assignments WHERE teacher_id = $1 AND subject_id = $2 AND COALESCE(class_id, 0) = COALESCE($3, 0) AND COALESCE(group_id, 0) = COALESCE($4, 0)",
    )
    .bind(teacher.0)
    .bind(subject.0)
    .bind(class)
    .bind(group)
    .fetch_one(&mut **tx)
    .await?;
    if existing > 0 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO assignments (id, establishment_id, teacher_id, subject_id, class_id, group_id) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id())
        .bind(est.0)
        .bind(teacher.0)
        .bind(subject.0)
        .bind(class)
        .bind(group)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

pub async fn username_taken(tx: &mut Tx<'_>, username: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

/// How many username prefixes one query of [`usernames_with_prefixes`] carries: an import of
/// 5,000 lines reads its usernames in at most 25 queries, whatever the homonyms.
pub const USERNAME_PREFIXES_PER_QUERY: usize = 200;

/// A username suggested from names, cut so that a number still fits after it.
fn username_base(base: &str) -> String {
    let base: String = base.chars().take(domain::USERNAME_MAX_CHARS - 4).collect();
    if base.trim_matches(['.', '-']).is_empty() { "utilisateur".to_string() } else { base }
}

/// An account already in the database, as an import sees it.
#[derive(Debug, Clone, Copy)]
pub struct ExistingAccount {
    pub id: UserId,
    /// A teacher of the establishment the import is for.
    pub teacher_here: bool,
}

/// Every account whose username starts with one of `prefixes` (a username given in a file is
/// its own prefix; a suggested one, `base`, also catches `base2`, `base3`...), in
/// `ceil(prefixes / USERNAME_PREFIXES_PER_QUERY)` queries rather than one per candidate;
/// returns how many it ran.
pub async fn usernames_with_prefixes(
    tx: &mut Tx<'_>,
    est: EstablishmentId,
    prefixes: &[String],
) -> Result<(HashMap<String, ExistingAccount>, usize), sqlx::Error> {
    let mut found = HashMap::new();
    let mut queries = 0;
    for chunk in prefixes.chunks(USERNAME_PREFIXES_PER_QUERY) {
        queries += 1;
        // `LIKE 'prefix%'` with `_`, `%` and `\` escaped (usernames hold `.`, `-`, `_`).
        let likes: Vec<String> = (0..chunk.len()).map(|i| format!("u.username LIKE ${} ESCAPE '\\'", i + 2)).collect();
        let sql = format!(
            "SELECT u.id, u.username, (SELECT COUNT(*) FROM memberships m WHERE m.user_id = u.id
                 AND m.establishment_id = $1 AND m.role = 'enseignant') AS teacher_here
             FROM users u WHERE {}",
            likes.join(" OR ")
        );
        let mut q = sqlx::query(&sql).bind(est.0);
        for prefix in chunk {
            let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            q = q.bind(format!("{escaped}%"));
        }
        for r in q.fetch_all(&mut **tx).await? {
            let username: String = r.try_get("username")?;
            let account = ExistingAccount {
                id: UserId(r.try_get("id")?),
                teacher_here: r.try_get::<i64, _>("teacher_here")? > 0,
            };
            found.insert(username, account);
        }
    }
    Ok((found, queries))
}

/// `base`, or `base2`, `base3`, ... : the first neither in `taken` (the database's usernames
/// starting with `base`, from [`usernames_with_prefixes`]) nor in `reserved` (given to earlier
/// lines of the same import). Adds it to `reserved`.
fn free_in(base: &str, taken: &HashMap<String, ExistingAccount>, reserved: &mut HashSet<String>) -> String {
    let base = username_base(base);
    let mut n = 1u32;
    loop {
        let candidate = if n == 1 { base.clone() } else { format!("{base}{n}") };
        if !reserved.contains(&candidate) && !taken.contains_key(&candidate) {
            reserved.insert(candidate.clone());
            return candidate;
        }
        n += 1;
    }
}

/// `base`, or `base2`, `base3`, ...: the first username not in the database (one query).
pub async fn free_username(tx: &mut Tx<'_>, est: EstablishmentId, base: &str) -> Result<String, sqlx::Error> {
    let (taken, _) = usernames_with_prefixes(tx, est, &[username_base(base)]).await?;
    Ok(free_in(base, &taken, &mut HashSet::new()))
}

/// The establishment's classes or subjects (`table`), by lower-cased name.
async fn names_here(tx: &mut Tx<'_>, table: &str, est: EstablishmentId) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT id, name FROM {table} WHERE establishment_id = $1"))
        .bind(est.0)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(|r| Ok((r.try_get::<String, _>("name")?.to_ascii_lowercase(), r.try_get("id")?))).collect()
}

pub async fn insert_user(
    tx: &mut Tx<'_>,
    username: &str,
    first: &PersonName,
    last: &PersonName,
) -> Result<UserId, sqlx::Error> {
    let id = new_id();
    sqlx::query("INSERT INTO users (id, username, first_name, last_name, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(username)
        .bind(first.as_str())
        .bind(last.as_str())
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(UserId(id))
}

pub async fn add_membership(
    tx: &mut Tx<'_>,
    user: UserId,
    est: EstablishmentId,
    role: Role,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO memberships (user_id, establishment_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(user.0)
        .bind(est.0)
        .bind(role.code())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn enrol(tx: &mut Tx<'_>, class: ClassId, student: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO class_students (class_id, student_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(class.0)
        .bind(student.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn link_guardian(
    tx: &mut Tx<'_>,
    guardian: UserId,
    student: UserId,
    relationship: &str,
    legal: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO guardianships (guardian_id, student_id, legal_guardian, relationship) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(guardian.0)
        .bind(student.0)
        .bind(i64::from(legal))
        .bind(relationship)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_active(tx: &mut Tx<'_>, user: UserId, active: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A reactivated account loses its password and waits for activation with a new code.
pub async fn reset_for_activation(
    tx: &mut Tx<'_>,
    user: UserId,
    code_hash: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = NULL, activation_hash = $1, activation_expires_at = $2 WHERE id = $3",
    )
    .bind(code_hash)
    .bind(expires_at)
    .bind(user.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A checked import, ready to apply.
pub struct Plan {
    pub summary: ImportPlan,
    accounts: Vec<NewAccount>,
    /// Queries the plan ran to read the database (bounded: see [`plan_import`]).
    pub reads: usize,
}

struct NewAccount {
    existing: Option<UserId>,
    username: String,
    first: PersonName,
    last: PersonName,
    role: Role,
    class: Option<String>,
    children: Vec<(UserId, String, bool)>,
    teaching: Vec<(String, String)>,
}

/// Checks every row against the database (classes, children, usernames) and works out what
/// to create. Reads only; nothing is written, so a preview runs in a read transaction and
/// never takes SQLite's write lock. What it reads, it reads in a bounded number of queries
/// (classes, subjects, the establishment's students, then every username with the file's
/// prefixes, [`USERNAME_PREFIXES_PER_QUERY`] at a time), whatever the file's length; the
/// rows are then checked in memory.
pub async fn plan_import(
    tx: &mut Tx<'_>,
    est: EstablishmentId,
    rows: &[ImportRow],
) -> Result<Result<Plan, Vec<ImportProblem>>, sqlx::Error> {
    let mut reads = 0;
    let classes = names_here(tx, "classes", est).await?;
    let subjects = names_here(tx, "subjects", est).await?;
    reads += 2;
    let students: HashMap<String, UserId> = if rows.iter().any(|r| matches!(r, ImportRow::Guardian { .. })) {
        reads += 1;
        sqlx::query(
            "SELECT u.id, u.username FROM users u JOIN memberships m ON m.user_id = u.id
             WHERE m.establishment_id = $1 AND m.role = 'eleve'",
        )
        .bind(est.0)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("username")?, UserId(r.try_get("id")?))))
        .collect::<Result<_, sqlx::Error>>()?
    } else {
        HashMap::new()
    };
    let mut prefixes: Vec<String> = rows
        .iter()
        .map(|row| match row {
            ImportRow::Student { username: Some(u), .. } | ImportRow::Teacher { username: Some(u), .. } => {
                u.as_str().to_string()
            }
            ImportRow::Student { first, last, .. }
            | ImportRow::Guardian { first, last, .. }
            | ImportRow::Teacher { first, last, .. } => username_base(&domain::suggest_username(first, last)),
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    let (taken, queries) = usernames_with_prefixes(tx, est, &prefixes).await?;
    reads += queries;
    Ok(plan_rows(rows, &classes, &subjects, &students, &taken).map(|(summary, accounts)| Plan {
        summary,
        accounts,
        reads,
    }))
}

/// [`plan_import`] once the database was read: pure.
fn plan_rows(
    rows: &[ImportRow],
    classes: &HashMap<String, i64>,
    subjects: &HashMap<String, i64>,
    students: &HashMap<String, UserId>,
    taken: &HashMap<String, ExistingAccount>,
) -> Result<(ImportPlan, Vec<NewAccount>), Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut reserved: HashSet<String> = HashSet::new();
    let mut accounts: Vec<NewAccount> = Vec::new();
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut new_classes: Vec<String> = Vec::new();
    let mut new_subjects: Vec<String> = Vec::new();
    // Same person on several lines (a guardian of siblings, a teacher of several classes):
    // one account. Key: lower-cased names, or the username when given.
    let mut by_person: BTreeMap<String, usize> = BTreeMap::new();

    for row in rows {
        let line = row.line();
        match row {
            ImportRow::Student { last, first, class, username, .. } => {
                if !classes.contains_key(&class.as_str().to_ascii_lowercase())
                    && !new_classes.iter().any(|c| c.eq_ignore_ascii_case(class.as_str()))
                {
                    new_classes.push(class.as_str().to_string());
                }
                let username = match username {
                    Some(u) if taken.contains_key(u.as_str()) || reserved.contains(u.as_str()) => {
                        problems.push(ImportProblem::new(
                            line,
                            "identifiant",
                            format!("L'identifiant « {u} » est déjà pris."),
                        ));
                        continue;
                    }
                    Some(u) => {
                        reserved.insert(u.as_str().to_string());
                        u.as_str().to_string()
                    }
                    None => free_in(&domain::suggest_username(first, last), taken, &mut reserved),
                };
                lines.push(vec![line]);
                accounts.push(NewAccount {
                    existing: None,
                    username,
                    first: first.clone(),
                    last: last.clone(),
                    role: Role::Student,
                    class: Some(class.as_str().to_string()),
                    children: vec![],
                    teaching: vec![],
                });
            }
            ImportRow::Guardian { last, first, child, relationship, legal, .. } => {
                let Some(&child_id) = students.get(child.as_str()) else {
                    problems.push(ImportProblem::new(
                        line,
                        "identifiant_eleve",
                        format!("Aucun élève « {child} » dans l'établissement. Importez d'abord les élèves."),
                    ));
                    continue;
                };
                let key = format!("{}|{}", last.as_str().to_lowercase(), first.as_str().to_lowercase());
                if let Some(&i) = by_person.get(&key) {
                    accounts[i].children.push((child_id, relationship.clone(), *legal));
                    lines[i].push(line);
                    continue;
                }
                let username = free_in(&domain::suggest_username(first, last), taken, &mut reserved);
                by_person.insert(key, accounts.len());
                lines.push(vec![line]);
                accounts.push(NewAccount {
                    existing: None,
                    username,
                    first: first.clone(),
                    last: last.clone(),
                    role: Role::Guardian,
                    class: None,
                    children: vec![(child_id, relationship.clone(), *legal)],
                    teaching: vec![],
                });
            }
            ImportRow::Teacher { last, first, subject, class, username, .. } => {
                if !classes.contains_key(&class.as_str().to_ascii_lowercase()) {
                    problems.push(ImportProblem::new(
                        line,
                        "classe",
                        format!("Aucune classe « {} » : créez-la ou importez d'abord les élèves.", class.as_str()),
                    ));
                    continue;
                }
                if !subjects.contains_key(&subject.as_str().to_ascii_lowercase())
                    && !new_subjects.iter().any(|s| s.eq_ignore_ascii_case(subject.as_str()))
                {
                    new_subjects.push(subject.as_str().to_string());
                }
                let key = match username {
                    Some(u) => format!("@{u}"),
                    None => format!("{}|{}", last.as_str().to_lowercase(), first.as_str().to_lowercase()),
                };
                if let Some(&i) = by_person.get(&key) {
                    accounts[i].teaching.push((subject.as_str().to_string(), class.as_str().to_string()));
                    lines[i].push(line);
                    continue;
                }
                let (existing, username) = match username {
                    Some(u) => match taken.get(u.as_str()) {
                        Some(account) if account.teacher_here => (Some(account.id), u.as_str().to_string()),
                        Some(_) => {
                            problems.push(ImportProblem::new(
                                line,
                                "identifiant",
                                format!("« {u} » existe déjà et n'est pas enseignant de l'établissement."),
                            ));
                            continue;
                        }
                        None => {
                            reserved.insert(u.as_str().to_string());
                            (None, u.as_str().to_string())
                        }
                    },
                    None => (None, free_in(&domain::suggest_username(first, last), taken, &mut reserved)),
                };
                by_person.insert(key, accounts.len());
                lines.push(vec![line]);
                accounts.push(NewAccount {
                    existing,
                    username,
                    first: first.clone(),
                    last: last.clone(),
                    role: Role::Teacher,
                    class: None,
                    children: vec![],
                    teaching: vec![(subject.as_str().to_string(), class.as_str().to_string())],
                });
            }
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }
    let summary = ImportPlan {
        accounts: accounts
            .iter()
            .zip(&lines)
            .filter(|(a, _)| a.existing.is_none())
            .map(|(a, lines)| PlannedAccount {
                lines: lines.clone(),
                name: format!("{} {}", a.first.as_str(), a.last.as_str()),
                username: a.username.clone(),
                detail: match a.role {
                    Role::Student => format!("Élève, {}", a.class.clone().unwrap_or_default()),
                    Role::Guardian => format!("Responsable de {} élève(s)", a.children.len()),
                    _ => format!("Enseignant, {} service(s)", a.teaching.len()),
                },
            })
            .collect(),
        new_classes,
        new_subjects,
        links: accounts.iter().map(|a| a.children.len()).sum(),
        assignments: accounts.iter().map(|a| a.teaching.len()).sum(),
    };
    Ok((summary, accounts))
}

/// Writes a checked plan. Runs inside the caller's write transaction, which also made the
/// plan: all or nothing.
pub async fn apply_import(tx: &mut Tx<'_>, est: EstablishmentId, plan: &Plan) -> Result<(), sqlx::Error> {
    for name in &plan.summary.new_classes {
        insert_class(tx, est, name, "").await?;
    }
    for name in &plan.summary.new_subjects {
        insert_subject(tx, est, name).await?;
    }
    let classes = names_here(tx, "classes", est).await?;
    let subjects = names_here(tx, "subjects", est).await?;
    let class_id = |name: &str| classes.get(&name.to_ascii_lowercase()).copied().map(ClassId);
    for a in &plan.accounts {
        let id = match a.existing {
            Some(id) => id,
            None => {
                let id = insert_user(tx, &a.username, &a.first, &a.last).await?;
                add_membership(tx, id, est, a.role).await?;
                id
            }
        };
        if let Some(c) = a.class.as_deref().and_then(class_id) {
            enrol(tx, c, id).await?;
        }
        for (child, relationship, legal) in &a.children {
            link_guardian(tx, id, *child, relationship, *legal).await?;
        }
        for (subject, class) in &a.teaching {
            if let (Some(s), Some(c)) =
                (subjects.get(&subject.to_ascii_lowercase()).copied().map(SubjectId), class_id(class))
            {
                insert_assignment(tx, est, id, s, TeachingUnit::Class(c)).await?;
            }
        }
    }
    Ok(())
}

/// New codes for the class's students and their guardians who have not chosen a password.
pub async fn generate_letters(tx: &mut Tx<'_>, est: EstablishmentId, class: ClassId) -> Result<Letters, anyhow::Error> {
    let establishment: String =
        sqlx::query_scalar("SELECT name FROM establishments WHERE id = $1").bind(est.0).fetch_one(&mut **tx).await?;
    let class_name: String =
        sqlx::query_scalar("SELECT name FROM classes WHERE id = $1").bind(class.0).fetch_one(&mut **tx).await?;
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.first_name, u.last_name, 'eleve' AS role, '' AS about, u.last_name AS sort1, u.first_name AS sort2, 0 AS sort3
           FROM class_students cs JOIN users u ON u.id = cs.student_id
          WHERE cs.class_id = $1 AND u.password_hash IS NULL AND u.active = 1
         UNION ALL
         SELECT g.id, g.username, g.first_name, g.last_name, 'responsable' AS role, s.first_name || ' ' || s.last_name AS about, s.last_name AS sort1, s.first_name AS sort2, 1 AS sort3
           FROM class_students cs JOIN users s ON s.id = cs.student_id
           JOIN guardianships gd ON gd.student_id = s.id JOIN users g ON g.id = gd.guardian_id
          WHERE cs.class_id = $1 AND g.password_hash IS NULL AND g.active = 1
         ORDER BY sort1, sort2, sort3",
    )
    .bind(class.0)
    .fetch_all(&mut **tx)
    .await?;
    let expires = now_ms() + crate::auth::CODE_VALID_DAYS * 86_400_000;
    let mut letters = Vec::new();
    let mut done: Vec<i64> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        // A guardian of two children of the class gets one letter.
        if done.contains(&id) {
            continue;
        }
        done.push(id);
        let code = crate::auth::new_activation_code()?;
        sqlx::query("UPDATE users SET activation_hash = $1, activation_expires_at = $2 WHERE id = $3")
            .bind(sha256_hex(&crate::auth::normalise_code(&code)))
            .bind(expires)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        let role: String = r.try_get("role")?;
        letters.push(Letter {
            name: format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
            username: r.try_get("username")?,
            code,
            role: Role::from_code(&role).map(Role::label).unwrap_or("").to_string(),
            about: r.try_get("about")?,
        });
    }
    Ok(Letters { establishment, class: class_name, letters, valid_days: crate::auth::CODE_VALID_DAYS })
}
