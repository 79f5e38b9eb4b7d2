//! Server functions of classes, groups and student profiles. Each one loads the resource's
//! establishment, asks `domain::permissions`, and only then reads the data.

use crate::error::AppError;
use domain::{ClassId, GroupId, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitPage {
    pub kind: String,
    pub name: String,
    pub detail: String,
    pub students: Vec<PersonLine>,
    pub teachers: Vec<(String, String)>,
    /// Whether the viewer may open each student's profile.
    pub can_open_students: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonLine {
    pub id: UserId,
    pub last_name: String,
    pub first_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentPage {
    pub id: UserId,
    pub name: String,
    pub username: String,
    pub class: Option<(ClassId, String)>,
    pub groups: Vec<String>,
    pub guardians: Vec<GuardianLine>,
    pub teachers: Vec<(String, String)>,
    /// Whether the viewer may open this student's grades.
    pub can_view_grades: bool,
    /// May the viewer open the student's bulletins (staff: before publication too)?
    pub can_view_bulletin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardianLine {
    pub name: String,
    pub relationship: String,
    pub legal_guardian: bool,
}

#[server(prefix = "/api", endpoint = "classe")]
pub async fn class_page(id: ClassId) -> Result<UnitPage, AppError> {
    crate::server::respond(ssr::unit(domain::TeachingUnit::Class(id)).await)
}

#[server(prefix = "/api", endpoint = "groupe")]
pub async fn group_page(id: GroupId) -> Result<UnitPage, AppError> {
    crate::server::respond(ssr::unit(domain::TeachingUnit::Group(id)).await)
}

#[server(prefix = "/api", endpoint = "eleve")]
pub async fn load_student_page(id: UserId) -> Result<StudentPage, AppError> {
    crate::server::respond(ssr::student(id).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::classes::db;
    use crate::server::{audit, require_user, state};
    use domain::permissions::{can_view_establishment, can_view_student, can_view_unit};
    use domain::{StudentRef, TeachingUnit, UnitRef};

    pub async fn unit(unit: TeachingUnit) -> Result<UnitPage, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(establishment) = db::unit_establishment(&st.db, unit).await? else {
            return Err(AppError::NotFound);
        };
        if !can_view_unit(&user.viewer, &UnitRef { unit, establishment }) {
            audit::refused(&st.db, &user, &format!("unité {unit:?}")).await;
            return Err(AppError::Forbidden);
        }
        let mut page = db::unit_page(&st.db, unit).await?;
        // Staff and the unit's teachers open profiles; classmates see names only.
        page.can_open_students = can_view_establishment(&user.viewer, establishment)
            || user.viewer.teaches.iter().any(|s| s.establishment == establishment && s.unit == unit);
        Ok(page)
    }

    pub async fn student(id: UserId) -> Result<StudentPage, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(student): Option<StudentRef> = db::student_ref(&st.db, id).await? else {
            return Err(AppError::NotFound);
        };
        if !can_view_student(&user.viewer, &student) {
            audit::refused(&st.db, &user, &format!("élève {id}")).await;
            return Err(AppError::Forbidden);
        }
        let mut page = db::student_page(&st.db, &student).await?;
        page.can_view_grades = domain::permissions::can_view_student_grades(&user.viewer, &student);
        page.can_view_bulletin = domain::permissions::can_view_bulletin(&user.viewer, &student, true);
        Ok(page)
    }
}
