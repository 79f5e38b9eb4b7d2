//! Server function of the dashboard: one call gathers, for each role the person holds, what
//! this role may see (my class / my children / my classes / my establishment) and what
//! matters to it today (latest marks, bulletin, work due / marks to enter, copies to correct).

use super::model::Dashboard;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "tableau_de_bord")]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    crate::server::respond(ssr::dashboard().await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::db;
    use super::super::model::{
        BulletinLink, CopiesToCorrect, DUE_SHOWN, Dashboard, DueWork, FollowUp, MarksToEnter, RECENT_GRADES_SHOWN,
        TODO_SHOWN, TeacherTodo,
    };
    use crate::error::AppError;
    use crate::grades::api::PeriodChoice;
    use crate::server::db::now_ms;
    use crate::server::{AppState, CurrentUser, require_user, state};
    use domain::permissions::{
        can_administer, can_view_audit_log, can_view_bulletin, can_view_establishment, can_view_student,
        can_view_student_grades,
    };
    use domain::{EstablishmentId, Role, StudentRef, paris};

    pub async fn dashboard() -> Result<Dashboard, AppError> {
        let user = require_user()?;
        let st = state()?;
        let me = &user.me;
        let now = now_ms();
        let today = paris::today_iso(now);
        let est = user.establishment();
        // The period under way, read once for the student's own day and every child's.
        let current = match est.filter(|_| me.has(Role::Student) || me.has(Role::Guardian)) {
            Some(e) => crate::grades::db::current_period(&crate::grades::db::periods(&st.db, e).await?, &today),
            None => None,
        };
        let day = Day { now, current: current.as_ref() };
        let student = match est.filter(|_| me.has(Role::Student)) {
            Some(e) => {
                let mut section = db::student_section(&st.db, e, me.id).await?;
                if let Some(me_as_student) = crate::classes::db::student_ref(&st.db, me.id).await? {
                    section.follow = follow_up(&st, &user, &me_as_student, e, &day).await?;
                }
                Some(section)
            }
            None => None,
        };
        let children = match est.filter(|_| me.has(Role::Guardian)) {
            Some(e) => {
                let mut cards = db::children(&st.db, e, me.id).await?;
                for card in &mut cards {
                    if let Some(child) = crate::classes::db::student_ref(&st.db, card.id).await? {
                        card.follow = follow_up(&st, &user, &child, e, &day).await?;
                    }
                }
                Some(cards)
            }
            None => None,
        };
        let (teaching, todo) = match est.filter(|_| me.has(Role::Teacher)) {
            Some(e) => (Some(db::teaching(&st.db, e, me.id).await?), Some(teacher_todo(&st, &user, e, &today).await?)),
            None => (None, None),
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
            todo,
            overview,
        })
    }

    /// The instant the dashboard is read, and the period under way in the person's
    /// establishment.
    struct Day<'a> {
        now: i64,
        current: Option<&'a PeriodChoice>,
    }

    /// A student of establishment `est`'s day, as far as `user` may read it: `None` when none
    /// of it is theirs to see.
    async fn follow_up(
        st: &AppState,
        user: &CurrentUser,
        student: &StudentRef,
        est: EstablishmentId,
        day: &Day<'_>,
    ) -> Result<Option<FollowUp>, AppError> {
        let viewer = &user.viewer;
        if student.establishment != est || !can_view_student(viewer, student) {
            return Ok(None);
        }
        let (now, current) = (day.now, day.current);
        let recent_grades = match current {
            Some(p) if can_view_student_grades(viewer, student) => {
                crate::grades::db::recent_marks(&st.db, student, p.id, now, RECENT_GRADES_SHOWN).await?
            }
            _ => Vec::new(),
        };
        let latest_bulletin = match can_view_bulletin(viewer, student, true) {
            true => crate::bulletins::db::latest_issued(&st.db, student.id).await?,
            false => None,
        };
        let due =
            crate::quizzes::db::due_for_student(&st.db, student.establishment, student.id, now, DUE_SHOWN).await?;
        Ok(Some(FollowUp {
            period: current.map(|p| p.label.clone()),
            recent_grades: recent_grades
                .into_iter()
                .map(|m| super::super::model::RecentGrade {
                    subject: m.subject,
                    title: m.title,
                    held_on: paris::format_date(&m.held_on),
                    mark: m.mark,
                })
                .collect(),
            latest_bulletin: latest_bulletin.map(|(period, label)| BulletinLink { period, label }),
            due: due
                .into_iter()
                .map(|d| DueWork {
                    assignment: d.id,
                    title: d.title,
                    unit: d.unit_name,
                    due: paris::format_datetime(d.closes_at),
                    started: d.started,
                })
                .collect(),
        }))
    }

    /// A teacher's work waiting in their establishment.
    async fn teacher_todo(
        st: &AppState,
        user: &CurrentUser,
        est: EstablishmentId,
        today: &str,
    ) -> Result<TeacherTodo, AppError> {
        let periods = crate::grades::db::periods(&st.db, est).await?;
        let current = crate::grades::db::current_period(&periods, today).filter(|p| !p.closed);
        let to_enter = match &current {
            Some(p) => db::evaluations_to_complete(&st.db, est, user.me.id, p.id, today).await?,
            None => Vec::new(),
        };
        let to_correct = db::assignments_to_grade(&st.db, est, user.me.id).await?;
        Ok(TeacherTodo {
            period: current.map(|p| p.label),
            more_to_enter: to_enter.len().saturating_sub(TODO_SHOWN),
            to_enter: to_enter
                .into_iter()
                .take(TODO_SHOWN)
                .map(|e| MarksToEnter {
                    href: crate::grades::grade_book_href(e.unit, e.subject, e.period),
                    title: e.title,
                    subject: e.subject_name,
                    unit: e.unit_name,
                    held_on: paris::format_date(&e.held_on),
                    missing: e.missing,
                })
                .collect(),
            more_to_correct: to_correct.len().saturating_sub(TODO_SHOWN),
            to_correct: to_correct
                .into_iter()
                .take(TODO_SHOWN)
                .map(|a| CopiesToCorrect { assignment: a.id, title: a.title, unit: a.unit_name, copies: a.copies })
                .collect(),
        })
    }
}
