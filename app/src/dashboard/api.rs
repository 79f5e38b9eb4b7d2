//! Server functions of the dashboard: one call gathers, for each role the person holds,
//! what this role may see (my class / my children / my classes / my establishment).

use crate::error::AppError;
use domain::{ClassId, GroupId, Role, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub first_name: String,
    pub establishment: Option<String>,
    pub roles: Vec<Role>,
    pub student: Option<StudentSection>,
    pub children: Option<Vec<ChildCard>>,
    pub teaching: Option<Vec<TeachingCard>>,
    pub overview: Option<Overview>,
    /// For a region administrator: every establishment of the region, with its size.
    pub region: Option<Vec<EstablishmentLine>>,
}

/// One establishment as a region administrator sees it (no pupil's data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstablishmentLine {
    pub name: String,
    pub uai: String,
    pub city: String,
    pub students: i64,
    pub staff: i64,
    pub administrators: i64,
}

/// A student's own class, groups and teachers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentSection {
    pub class: Option<(ClassId, String)>,
    pub groups: Vec<String>,
    pub teachers: Vec<TeacherLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherLine {
    pub subject: String,
    pub teacher: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildCard {
    pub id: UserId,
    pub name: String,
    pub class: Option<String>,
    pub establishment: String,
    pub legal_guardian: bool,
    pub relationship: String,
}

/// A class or group a teacher teaches, with the subjects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeachingCard {
    pub class: Option<ClassId>,
    pub group: Option<GroupId>,
    pub name: String,
    pub subjects: Vec<String>,
    pub students: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub name: String,
    pub uai: String,
    pub students: i64,
    pub guardians: i64,
    pub teachers: i64,
    pub staff: i64,
    pub classes: Vec<ClassCard>,
    pub can_administer: bool,
    pub can_read_audit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassCard {
    pub id: ClassId,
    pub name: String,
    pub level: String,
    pub students: i64,
}

#[server(prefix = "/api", endpoint = "tableau_de_bord")]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    crate::server::respond(inner().await)
}

#[cfg(feature = "ssr")]
async fn inner() -> Result<Dashboard, AppError> {
    use super::db;
    use domain::permissions::{can_administer, can_view_audit_log, can_view_establishment};

    let user = crate::server::require_user()?;
    let st = crate::server::state()?;
    let me = &user.me;
    let est = user.establishment();
    let student = match est.filter(|_| me.has(Role::Student)) {
        Some(e) => Some(db::student_section(&st.db, e, me.id).await?),
        None => None,
    };
    let children = match est.filter(|_| me.has(Role::Guardian)) {
        Some(e) => Some(db::children(&st.db, e, me.id).await?),
        None => None,
    };
    let teaching = match est.filter(|_| me.has(Role::Teacher)) {
        Some(e) => Some(db::teaching(&st.db, e, me.id).await?),
        None => None,
    };
    let overview = match est.filter(|e| can_view_establishment(&user.viewer, *e)) {
        Some(e) => {
            let mut o = db::overview(&st.db, e).await?;
            o.can_administer = can_administer(&user.viewer, e);
            o.can_read_audit = can_view_audit_log(&user.viewer, e);
            Some(o)
        }
        None => None,
    };
    let region = match me.region_admin {
        true => Some(db::region(&st.db).await?),
        false => None,
    };
    Ok(Dashboard {
        region,
        first_name: me.first_name.clone(),
        establishment: me.establishment.as_ref().map(|e| e.name.clone()),
        roles: me.roles.clone(),
        student,
        children,
        teaching,
        overview,
    })
}
