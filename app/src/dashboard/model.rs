//! What the dashboard shows, shared by its page and its server function: for each role the
//! person holds, what this role may see and what matters to it today.

use domain::{ClassId, GroupId, PeriodId, QuizAssignmentId, Role, UserId};
use serde::{Deserialize, Serialize};

/// Latest marks listed for a student (their own dashboard, or each child's card).
pub const RECENT_GRADES_SHOWN: usize = 5;
/// Assignments due listed for a student.
pub const DUE_SHOWN: i64 = 5;
/// Evaluations with marks to enter, and assignments with copies to correct, listed for a
/// teacher; the rest is counted ("et 3 autres").
pub const TODO_SHOWN: usize = 8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub first_name: String,
    pub establishment: Option<String>,
    pub roles: Vec<Role>,
    pub student: Option<StudentSection>,
    pub children: Option<Vec<ChildCard>>,
    pub teaching: Option<Vec<TeachingCard>>,
    /// For a teacher: marks to enter and copies to correct.
    pub todo: Option<TeacherTodo>,
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

/// A student's own class, groups and teachers, and their day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentSection {
    pub class: Option<(ClassId, String)>,
    pub groups: Vec<String>,
    pub teachers: Vec<TeacherLine>,
    pub follow: Option<FollowUp>,
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
    pub follow: Option<FollowUp>,
}

/// What a student, and their family, need to see today: the latest marks of the period under
/// way, the latest bulletin issued, and the work due. Each part is there only if the viewer
/// may read it (`domain::permissions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    /// The period under way, if today falls in one.
    pub period: Option<String>,
    /// At most [`RECENT_GRADES_SHOWN`], the latest evaluation first.
    pub recent_grades: Vec<RecentGrade>,
    pub latest_bulletin: Option<BulletinLink>,
    /// At most [`DUE_SHOWN`], closing soonest first.
    pub due: Vec<DueWork>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentGrade {
    pub subject: String,
    pub title: String,
    /// "23/11/2026".
    pub held_on: String,
    /// "14,5/20", or a status ("Abs.").
    pub mark: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulletinLink {
    pub period: PeriodId,
    pub label: String,
}

/// An assignment open now and not handed in yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueWork {
    pub assignment: QuizAssignmentId,
    pub title: String,
    pub unit: String,
    /// "11/12/2026 à 18:00", Paris time.
    pub due: String,
    /// An attempt is under way.
    pub started: bool,
}

/// A teacher's work waiting: evaluations already held whose marks are not all entered, and
/// assignments whose written answers wait for a grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherTodo {
    /// The period under way, if today falls in one (marks to enter are looked for there).
    pub period: Option<String>,
    /// At most [`TODO_SHOWN`], the oldest evaluation first.
    pub to_enter: Vec<MarksToEnter>,
    /// Evaluations with missing marks beyond those listed.
    pub more_to_enter: usize,
    /// At most [`TODO_SHOWN`], the assignment waiting longest first.
    pub to_correct: Vec<CopiesToCorrect>,
    pub more_to_correct: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarksToEnter {
    pub title: String,
    pub subject: String,
    pub unit: String,
    /// "23/11/2026".
    pub held_on: String,
    /// Students of the class or group without a mark (nor a status) in it.
    pub missing: i64,
    /// The grade book's grid for this subject, unit and period.
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopiesToCorrect {
    pub assignment: QuizAssignmentId,
    pub title: String,
    pub unit: String,
    /// Attempts handed in with answers still to grade.
    pub copies: i64,
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
