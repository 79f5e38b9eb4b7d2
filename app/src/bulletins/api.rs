//! Server functions of bulletins: a student's bulletin (provisional for staff, published to the
//! family once the period is closed), appréciations, and closing a period. Every function loads
//! the resource's establishment, asks `domain::permissions`, then touches data.

use crate::error::AppError;
use crate::grades::api::PeriodChoice;
use domain::{ClassId, PeriodId, SubjectId, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest appréciation, subject or general (about five lines of a printed bulletin).
pub const APPRECIATION_MAX_CHARS: usize = 600;

/// A bulletin as issued (stored as JSON when the period closes) or as computed for staff
/// before that. Every figure is already formatted the French way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bulletin {
    pub establishment: String,
    pub uai: String,
    pub school_year: String,
    pub period: String,
    pub student: UserId,
    pub class: ClassId,
    pub student_name: String,
    pub class_name: String,
    pub head_teacher: Option<String>,
    pub subjects: Vec<BulletinSubject>,
    pub general_average: Option<String>,
    pub class_general_average: Option<String>,
    pub class_general_min: Option<String>,
    pub class_general_max: Option<String>,
    pub general_appreciation: Option<String>,
    /// Half-days of absence and lateness: counted by vie scolaire, which is not in Préau yet.
    pub absences: u32,
    pub lateness: u32,
    /// "23/11/2026" once issued; `None` while provisional.
    pub issued_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulletinSubject {
    pub subject: SubjectId,
    pub name: String,
    pub teachers: String,
    pub coefficient: String,
    pub average: Option<String>,
    /// The unrounded average, for the chart across periods.
    pub average_value: Option<f64>,
    pub class_average: Option<String>,
    pub class_min: Option<String>,
    pub class_max: Option<String>,
    pub appreciation: Option<String>,
}

/// `/bulletin`: what the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulletinPage {
    pub student: UserId,
    pub student_name: String,
    /// The viewer's children, when the viewer is a guardian.
    pub children: Vec<(UserId, String)>,
    pub periods: Vec<PeriodChoice>,
    pub period: Option<PeriodChoice>,
    /// The bulletin, when the viewer may read it for this period.
    pub bulletin: Option<Bulletin>,
    /// Why there is no bulletin, in French.
    pub absent_reason: Option<String>,
    /// The class, and whether the viewer may write its general appréciation now.
    pub class: Option<ClassId>,
    pub can_write_general: bool,
    /// Averages per subject over the issued bulletins: period labels, then one series per
    /// subject (one value per period label).
    pub chart_periods: Vec<String>,
    pub chart: Vec<(String, Vec<Option<f64>>)>,
}

/// A list of students with their average and appréciation, for one subject of a class or
/// group (subject appréciations) or for a class (`subject` 0: the general appréciation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppreciationSheet {
    pub unit_key: String,
    pub unit_name: String,
    pub subject: SubjectId,
    pub subject_name: String,
    pub periods: Vec<PeriodChoice>,
    pub period: PeriodChoice,
    pub rows: Vec<AppreciationRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppreciationRow {
    pub student: UserId,
    pub name: String,
    pub average: Option<String>,
    pub text: String,
}

/// A period as direction manages it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodStatus {
    pub period: PeriodChoice,
    /// "Clôturée le 23/11/2026 à 18:05 par M. Durand", when closed.
    pub closed_label: Option<String>,
    pub bulletins: i64,
}

/// Longest class council: grades wait for its end, so a forgotten end time must not hold
/// them for days.
pub const COUNCIL_MAX_HOURS: i64 = 4;

/// The class councils of a period, as direction schedules them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CouncilSheet {
    pub period: PeriodChoice,
    pub rows: Vec<CouncilRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CouncilRow {
    pub class: ClassId,
    pub class_name: String,
    /// "2026-12-01", "17:30", "19:00"; empty when not scheduled.
    pub date: String,
    pub start: String,
    pub end: String,
}

/// A class the viewer is professeur principal of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadClass {
    pub id: ClassId,
    pub name: String,
}

#[server(prefix = "/api", endpoint = "bulletins/eleve")]
pub async fn load_bulletin(eleve: Option<UserId>, periode: Option<PeriodId>) -> Result<BulletinPage, AppError> {
    crate::server::respond(ssr::bulletin_page(eleve, periode).await)
}

#[server(prefix = "/api", endpoint = "bulletins/appreciations")]
pub async fn load_appreciations(
    unite: String,
    matiere: SubjectId,
    periode: Option<PeriodId>,
) -> Result<AppreciationSheet, AppError> {
    crate::server::respond(ssr::appreciation_sheet(unite, matiere, periode).await)
}

/// Saves a sheet of appréciations at once: `appreciations` maps each student id to the text.
/// Any text too long refuses the whole sheet, naming each line.
#[server(prefix = "/api", endpoint = "bulletins/appreciations/enregistrer")]
pub async fn save_appreciations(
    unite: String,
    matiere: SubjectId,
    periode: PeriodId,
    appreciations: BTreeMap<String, String>,
) -> Result<usize, AppError> {
    crate::server::respond(ssr::save_appreciations(unite, matiere, periode, appreciations).await)
}

#[server(prefix = "/api", endpoint = "bulletins/classes-principales")]
pub async fn load_head_classes() -> Result<Vec<HeadClass>, AppError> {
    crate::server::respond(ssr::head_classes().await)
}

#[server(prefix = "/api", endpoint = "bulletins/periodes")]
pub async fn load_period_statuses() -> Result<Vec<PeriodStatus>, AppError> {
    crate::server::respond(ssr::period_statuses().await)
}

/// Closes a period (`cloturer` = "1": freezes grades, issues and publishes bulletins) or
/// reopens it (withdraws the bulletins until the next closing).
#[server(prefix = "/api", endpoint = "bulletins/periode")]
pub async fn set_period_closed(periode: PeriodId, cloturer: String) -> Result<usize, AppError> {
    crate::server::respond(ssr::set_period_closed(periode, cloturer == "1").await)
}

#[server(prefix = "/api", endpoint = "bulletins/conseils")]
pub async fn load_councils(periode: PeriodId) -> Result<CouncilSheet, AppError> {
    crate::server::respond(ssr::councils(periode).await)
}

/// Schedules the class councils of a period: for each class id, its date, start and end
/// (all empty: no council). Any faulty line refuses the whole sheet, naming each class.
#[server(prefix = "/api", endpoint = "bulletins/conseils/enregistrer")]
pub async fn save_councils(
    periode: PeriodId,
    date: BTreeMap<String, String>,
    debut: BTreeMap<String, String>,
    fin: BTreeMap<String, String>,
) -> Result<usize, AppError> {
    crate::server::respond(ssr::save_councils(periode, date, debut, fin).await)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::bulletins::db;
    use crate::grades::db as grades_db;
    use crate::server::{AppState, CurrentUser, audit, db::now_ms, require_user, state};
    use domain::permissions::{can_close_period, can_grade, can_view_bulletin, can_write_general_appreciation};
    use domain::{Role, Service, TeachingUnit, paris};

    fn find_period(periods: &[PeriodChoice], wanted: Option<PeriodId>) -> Result<Option<PeriodChoice>, AppError> {
        match wanted {
            Some(id) => Ok(Some(periods.iter().find(|p| p.id == id).cloned().ok_or(AppError::NotFound)?)),
            None => Ok(grades_db::current_period(periods, &paris::today_iso(now_ms()))),
        }
    }

    /// The latest closed period of which a bulletin was issued, when the current period
    /// is not closed yet.
    fn latest_published(periods: &[PeriodChoice], issued: &[(PeriodId, Bulletin)]) -> Option<PeriodChoice> {
        let current = grades_db::current_period(periods, &paris::today_iso(now_ms()))?;
        if current.closed {
            return Some(current);
        }
        periods
            .iter()
            .rev()
            .filter(|p| p.closed && p.starts_on <= current.starts_on)
            .find(|p| issued.iter().any(|(id, _)| *id == p.id))
            .cloned()
            .or(Some(current))
    }

    pub async fn bulletin_page(eleve: Option<UserId>, periode: Option<PeriodId>) -> Result<BulletinPage, AppError> {
        let user = require_user()?;
        let st = state()?;
        bulletin_page_for(&st, &user, eleve, periode).await
    }

    /// The page for `user`, outside a Leptos context too (the PDF download).
    pub async fn bulletin_page_for(
        st: &AppState,
        user: &CurrentUser,
        eleve: Option<UserId>,
        periode: Option<PeriodId>,
    ) -> Result<BulletinPage, AppError> {
        let Some(est) = user.establishment() else {
            return Err(AppError::Forbidden);
        };
        let children = if user.viewer.has_role(est, Role::Guardian) {
            grades_db::children_names(&st.db, est, user.me.id).await?
        } else {
            Vec::new()
        };
        let target = match eleve {
            Some(id) => id,
            None if user.viewer.has_role(est, Role::Student) => user.me.id,
            None => children.first().map(|(id, _)| *id).ok_or(AppError::NotFound)?,
        };
        let Some(student) = crate::classes::db::student_ref(&st.db, target).await? else {
            return Err(AppError::NotFound);
        };
        // Whoever may read a published bulletin may open the page; what it shows depends on
        // the period.
        if !can_view_bulletin(&user.viewer, &student, true) {
            audit::refused(&st.db, user, &format!("bulletin de l'élève {target}")).await;
            return Err(AppError::Forbidden);
        }
        let periods = grades_db::periods(&st.db, student.establishment).await?;
        let issued = db::issued(&st.db, target).await?;
        let period = match periode {
            // A family opening "Bulletins" in the first weeks of a trimester comes for the
            // bulletin just published, not for the one still months away.
            None if !can_view_bulletin(&user.viewer, &student, false) => {
                latest_published(&periods, &issued).or(find_period(&periods, None)?)
            }
            wanted => find_period(&periods, wanted)?,
        };
        let mut page = BulletinPage {
            student: target,
            student_name: match children.iter().find(|(id, _)| *id == target) {
                // A family's children and a student's own name are known already: one query
                // fewer on the page families load most.
                Some((_, name)) => name.clone(),
                None if target == user.me.id => user.me.display_name(),
                None => db::student_name(&st.db, target).await?,
            },
            children,
            periods,
            period: period.clone(),
            bulletin: None,
            absent_reason: None,
            class: student.class,
            can_write_general: false,
            chart_periods: Vec::new(),
            chart: Vec::new(),
        };
        (page.chart_periods, page.chart) = db::chart(&issued);
        let Some(period) = period else {
            page.absent_reason = Some("Aucune période n'est définie pour l'année en cours.".into());
            return Ok(page);
        };
        if period.closed {
            page.bulletin = issued.into_iter().find(|(id, _)| *id == period.id).map(|(_, b)| b);
            if page.bulletin.is_none() {
                page.absent_reason = Some(format!(
                    "Aucun bulletin n'a été édité pour {} : l'élève n'était inscrit dans aucune classe à la clôture.",
                    period.label
                ));
            }
        } else if can_view_bulletin(&user.viewer, &student, false) {
            let Some(class) = student.class else {
                page.absent_reason = Some("L'élève n'est inscrit dans aucune classe.".into());
                return Ok(page);
            };
            let mut conn = st.db.acquire().await?;
            page.bulletin =
                db::build(&mut conn, student.establishment, &period, Some(class), Some(target)).await?.pop();
            page.can_write_general = can_write_general_appreciation(&user.viewer, student.establishment, class);
        } else {
            page.absent_reason = Some(format!(
                "Le bulletin de la période « {} » sera disponible ici dès que l'établissement l'aura publié, après le conseil de classe.",
                period.label
            ));
        }
        Ok(page)
    }

    /// What an appréciation sheet is about, after checking the viewer may write it: a
    /// subject of a unit they teach, or (subject 0) the general appréciation of a class.
    async fn sheet_scope(
        user: &CurrentUser,
        unite: &str,
        subject: SubjectId,
    ) -> Result<(domain::EstablishmentId, TeachingUnit), AppError> {
        let st = state()?;
        let unit = TeachingUnit::from_key(unite).ok_or(AppError::NotFound)?;
        let Some(establishment) = crate::classes::db::unit_establishment(&st.db, unit).await? else {
            return Err(AppError::NotFound);
        };
        let allowed = if subject.0 == 0 {
            matches!(unit, TeachingUnit::Class(c) if can_write_general_appreciation(&user.viewer, establishment, c))
        } else {
            can_grade(&user.viewer, &Service { establishment, unit, subject })
        };
        if !allowed {
            audit::refused(&st.db, user, &format!("appréciations {} matière {subject}", unit.key())).await;
            return Err(AppError::Forbidden);
        }
        Ok((establishment, unit))
    }

    pub async fn appreciation_sheet(
        unite: String,
        subject: SubjectId,
        periode: Option<PeriodId>,
    ) -> Result<AppreciationSheet, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (est, unit) = sheet_scope(&user, &unite, subject).await?;
        let periods = grades_db::periods(&st.db, est).await?;
        let period = find_period(&periods, periode)?.ok_or(AppError::NotFound)?;
        db::appreciation_sheet(&st.db, est, unit, subject, periods, period, now_ms()).await
    }

    pub async fn save_appreciations(
        unite: String,
        subject: SubjectId,
        periode: PeriodId,
        texts: BTreeMap<String, String>,
    ) -> Result<usize, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (est, unit) = sheet_scope(&user, &unite, subject).await?;
        let periods = grades_db::periods(&st.db, est).await?;
        if !periods.iter().any(|p| p.id == periode) {
            return Err(AppError::NotFound);
        }
        let roster = grades_db::roster(&st.db, unit).await?;
        let mut rows = Vec::with_capacity(texts.len());
        let mut problems = Vec::new();
        for (key, raw) in &texts {
            let Some(person) = key.parse::<i64>().ok().and_then(|id| roster.iter().find(|p| p.id.0 == id)) else {
                return Err(AppError::NotFound);
            };
            // Line breaks typed in the box are kept; trailing spaces are not.
            let text = raw.trim().replace("\r\n", "\n");
            let n = text.chars().count();
            if n > APPRECIATION_MAX_CHARS {
                problems.push(format!(
                    "{} {} : {n} caractères, {APPRECIATION_MAX_CHARS} au plus",
                    person.last_name.to_uppercase(),
                    person.first_name
                ));
            }
            rows.push((person.id, text));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid {
                field: "appreciations".into(),
                reason: format!("Rien n'a été enregistré. Appréciations trop longues : {}.", problems.join(" ; ")),
            });
        }
        db::save_appreciations(&st.db, &user, est, periode, subject, &rows, now_ms()).await
    }

    pub async fn head_classes() -> Result<Vec<HeadClass>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(est) = user.establishment() else {
            return Ok(Vec::new());
        };
        let mine: Vec<ClassId> = user.viewer.heads.iter().filter(|(e, _)| *e == est).map(|(_, c)| *c).collect();
        db::class_names(&st.db, est, &mine).await
    }

    pub async fn period_statuses() -> Result<Vec<PeriodStatus>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(est) = user.establishment().filter(|e| can_close_period(&user.viewer, *e)) else {
            return Err(AppError::Forbidden);
        };
        db::period_statuses(&st.db, est).await
    }

    async fn direction_period(
        user: &CurrentUser,
        periode: PeriodId,
    ) -> Result<(domain::EstablishmentId, PeriodChoice), AppError> {
        let st = state()?;
        let Some(est) = user.establishment().filter(|e| can_close_period(&user.viewer, *e)) else {
            return Err(AppError::Forbidden);
        };
        let period = grades_db::periods(&st.db, est).await?.into_iter().find(|p| p.id == periode);
        Ok((est, period.ok_or(AppError::NotFound)?))
    }

    pub async fn councils(periode: PeriodId) -> Result<CouncilSheet, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (est, period) = direction_period(&user, periode).await?;
        let rows = db::councils(&st.db, est, period.id).await?;
        Ok(CouncilSheet { period, rows })
    }

    pub async fn save_councils(
        periode: PeriodId,
        dates: BTreeMap<String, String>,
        starts: BTreeMap<String, String>,
        ends: BTreeMap<String, String>,
    ) -> Result<usize, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (est, period) = direction_period(&user, periode).await?;
        let classes = db::councils(&st.db, est, period.id).await?;
        let mut sittings = Vec::new();
        let mut problems = Vec::new();
        for (key, date) in &dates {
            let Some(class) = classes.iter().find(|c| c.class.0.to_string() == *key) else {
                return Err(AppError::NotFound);
            };
            let field = |m: &BTreeMap<String, String>| m.get(key).map(|v| v.trim().to_string()).unwrap_or_default();
            let (date, start, end) = (date.trim(), field(&starts), field(&ends));
            if date.is_empty() && start.is_empty() && end.is_empty() {
                sittings.push((class.class, None));
                continue;
            }
            let parsed = (|| {
                if date.is_empty() || start.is_empty() || end.is_empty() {
                    return Err("indiquez la date, l'heure de début et l'heure de fin".to_string());
                }
                let day = paris::parse_date(date).map_err(|e| e.reason)?;
                let (sh, sm) = paris::parse_time(&start).map_err(|e| e.reason)?;
                let (eh, em) = paris::parse_time(&end).map_err(|e| e.reason)?;
                let (from, to) = (paris::instant_at(day, sh, sm), paris::instant_at(day, eh, em));
                if to <= from {
                    return Err("la fin doit suivre le début".to_string());
                }
                if to - from > COUNCIL_MAX_HOURS * 3_600_000 {
                    return Err(format!("un conseil dure au plus {COUNCIL_MAX_HOURS} heures"));
                }
                Ok((from, to))
            })();
            match parsed {
                Ok(sitting) => sittings.push((class.class, Some(sitting))),
                Err(why) => problems.push(format!("{} : {why}", class.class_name)),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid {
                field: "conseils".into(),
                reason: format!("Rien n'a été enregistré. À corriger : {}.", problems.join(" ; ")),
            });
        }
        db::save_councils(&st.db, &user, est, &period, &sittings).await
    }

    pub async fn set_period_closed(periode: PeriodId, close: bool) -> Result<usize, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(est) = user.establishment().filter(|e| can_close_period(&user.viewer, *e)) else {
            return Err(AppError::Forbidden);
        };
        let periods = grades_db::periods(&st.db, est).await?;
        let Some(period) = periods.into_iter().find(|p| p.id == periode) else {
            return Err(AppError::NotFound);
        };
        if close {
            db::close_period(&st.db, &user, est, &period, now_ms()).await
        } else {
            db::reopen_period(&st.db, &user, est, &period).await
        }
    }
}
