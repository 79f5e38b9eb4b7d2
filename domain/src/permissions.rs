//! Who may see or do what: the one place that answers every "may X do Y to Z" question.
//!
//! Every server function and WebSocket handler builds a [`Viewer`] from the session and asks
//! one of these pure functions before touching data. The rule is need-to-know:
//! - nobody sees another establishment's data (only a region admin spans establishments, and
//!   only for administration, never for pupils' school records);
//! - a guardian sees only the children linked to them;
//! - a student only their own data and their class;
//! - a teacher only the classes and groups they teach;
//! - vie scolaire, direction and the administrator see their own establishment.

use crate::{ClassId, EstablishmentId, GroupId, Role, SubjectId, TeachingUnit, UserId};
use serde::{Deserialize, Serialize};

/// One role held in one establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    pub establishment: EstablishmentId,
    pub role: Role,
}

/// Everything the permission functions need to know about the person asking.
/// Built once per request from the session (see `app::server::auth`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user: UserId,
    pub region_admin: bool,
    pub memberships: Vec<Membership>,
    /// Children linked to this person as their guardian.
    pub children: Vec<UserId>,
    /// What this person teaches: establishment × class or group × subject.
    pub teaches: Vec<Service>,
    /// The class and groups this person belongs to as a student.
    pub enrolled_in: Vec<(EstablishmentId, TeachingUnit)>,
    /// Classes this person is the professeur principal of.
    pub heads: Vec<(EstablishmentId, ClassId)>,
}

/// A student, as far as permissions are concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentRef {
    pub id: UserId,
    pub establishment: EstablishmentId,
    pub class: Option<ClassId>,
    pub groups: Vec<GroupId>,
}

/// One teaching service: a subject taught to a class or a group, in one establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Service {
    pub establishment: EstablishmentId,
    pub unit: TeachingUnit,
    pub subject: SubjectId,
}

/// A class or a group, as far as permissions are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRef {
    pub unit: TeachingUnit,
    pub establishment: EstablishmentId,
}

impl Viewer {
    /// Does this person hold `role` in `establishment`?
    pub fn has_role(&self, establishment: EstablishmentId, role: Role) -> bool {
        self.memberships.iter().any(|m| m.establishment == establishment && m.role == role)
    }

    /// Roles held in one establishment, in a stable order.
    pub fn roles_in(&self, establishment: EstablishmentId) -> Vec<Role> {
        let mut roles: Vec<Role> =
            self.memberships.iter().filter(|m| m.establishment == establishment).map(|m| m.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// Establishments this person belongs to, in a stable order.
    pub fn establishments(&self) -> Vec<EstablishmentId> {
        let mut ids: Vec<EstablishmentId> = self.memberships.iter().map(|m| m.establishment).collect();
        ids.sort();
        ids.dedup();
        ids
    }

    fn is_member(&self, establishment: EstablishmentId) -> bool {
        self.memberships.iter().any(|m| m.establishment == establishment)
    }

    fn teaches_unit(&self, establishment: EstablishmentId, unit: TeachingUnit) -> bool {
        self.has_role(establishment, Role::Teacher)
            && self.teaches.iter().any(|s| s.establishment == establishment && s.unit == unit)
    }

    fn oversees(&self, establishment: EstablishmentId) -> bool {
        self.has_role(establishment, Role::SchoolLife)
            || self.has_role(establishment, Role::Direction)
            || self.has_role(establishment, Role::Admin)
    }
}

/// May `viewer` see this student's profile and school record (class, guardians, and later
/// grades, absences)?
pub fn can_view_student(viewer: &Viewer, student: &StudentRef) -> bool {
    let est = student.establishment;
    if viewer.user == student.id && viewer.has_role(est, Role::Student) {
        return true;
    }
    if viewer.has_role(est, Role::Guardian) && viewer.children.contains(&student.id) {
        return true;
    }
    if viewer.oversees(est) {
        return true;
    }
    let class_taught = student.class.is_some_and(|c| viewer.teaches_unit(est, TeachingUnit::Class(c)));
    let group_taught = student.groups.iter().any(|g| viewer.teaches_unit(est, TeachingUnit::Group(*g)));
    class_taught || group_taught
}

/// May `viewer` see this class or group (its roster and teachers)?
pub fn can_view_unit(viewer: &Viewer, unit: &UnitRef) -> bool {
    let est = unit.establishment;
    viewer.oversees(est)
        || viewer.teaches_unit(est, unit.unit)
        || (viewer.has_role(est, Role::Student) && viewer.enrolled_in.iter().any(|(e, u)| *e == est && *u == unit.unit))
}

/// May `viewer` create evaluations and enter grades for this subject in this class or group?
/// Only a teacher who teaches that subject there, today.
pub fn can_grade(viewer: &Viewer, service: &Service) -> bool {
    viewer.has_role(service.establishment, Role::Teacher) && viewer.teaches.contains(service)
}

/// May `viewer` read this student's grades, averages and the calculations behind them?
/// The student, their guardians, direction, vie scolaire, and the professeur principal of the
/// student's class. Other teachers read the grades of their own services in their grade
/// book; the administrator (référent numérique) manages accounts, not school records.
pub fn can_view_student_grades(viewer: &Viewer, student: &StudentRef) -> bool {
    let est = student.establishment;
    (viewer.user == student.id && viewer.has_role(est, Role::Student))
        || (viewer.has_role(est, Role::Guardian) && viewer.children.contains(&student.id))
        || viewer.has_role(est, Role::Direction)
        || viewer.has_role(est, Role::SchoolLife)
        || is_head_of_class(viewer, student)
}

/// Is `viewer` the professeur principal of the student's class (as a teacher there)?
pub fn is_head_of_class(viewer: &Viewer, student: &StudentRef) -> bool {
    let est = student.establishment;
    viewer.has_role(est, Role::Teacher) && student.class.is_some_and(|c| viewer.heads.contains(&(est, c)))
}

/// May `viewer` write the general appréciation (the class council's) on the bulletins of this
/// class? Its professeur principal, and direction.
pub fn can_write_general_appreciation(viewer: &Viewer, establishment: EstablishmentId, class: ClassId) -> bool {
    viewer.has_role(establishment, Role::Direction)
        || (viewer.has_role(establishment, Role::Teacher) && viewer.heads.contains(&(establishment, class)))
}

/// May `viewer` close a period (freezing its grades) and publish its bulletins? Direction.
pub fn can_close_period(viewer: &Viewer, establishment: EstablishmentId) -> bool {
    viewer.has_role(establishment, Role::Direction)
}

/// May `viewer` read this student's bulletin? `published`: its period is closed and the
/// bulletin issued. Before that only staff preparing the class council read it (direction, vie
/// scolaire, the class's teachers and professeur principal); once published, the student and
/// their guardians too.
pub fn can_view_bulletin(viewer: &Viewer, student: &StudentRef, published: bool) -> bool {
    let est = student.establishment;
    let staff = viewer.has_role(est, Role::Direction)
        || viewer.has_role(est, Role::SchoolLife)
        || student.class.is_some_and(|c| {
            viewer.teaches_unit(est, TeachingUnit::Class(c))
                || (viewer.has_role(est, Role::Teacher) && viewer.heads.contains(&(est, c)))
        });
    let family = (viewer.user == student.id && viewer.has_role(est, Role::Student))
        || (viewer.has_role(est, Role::Guardian) && viewer.children.contains(&student.id));
    staff || (published && family)
}

/// May `viewer` create and edit classes, groups, subjects, assignments and accounts of this
/// establishment, and import CSV files into it?
pub fn can_administer(viewer: &Viewer, establishment: EstablishmentId) -> bool {
    viewer.region_admin || viewer.has_role(establishment, Role::Admin)
}

/// A person's account, as far as renaming, deactivating or reactivating it is concerned: the
/// account (its name, whether it may log in) is one row for every establishment it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    /// A region administrator's account.
    pub region_admin: bool,
    /// Every establishment where the person holds a role.
    pub establishments: Vec<EstablishmentId>,
}

/// May `viewer` rename, deactivate or reactivate this account? A region administrator; an
/// establishment's administrator only when the account is not a region administrator's and
/// every establishment it belongs to is one they administer (a teacher on two schools is
/// renamed or deactivated by the region, or by someone who administers both).
pub fn can_administer_account(viewer: &Viewer, account: &AccountRef) -> bool {
    viewer.region_admin
        || (!account.region_admin
            && !account.establishments.is_empty()
            && account.establishments.iter().all(|e| viewer.has_role(*e, Role::Admin)))
}

/// May `viewer` read the establishment's audit log (logins, refused accesses, admin actions)?
pub fn can_view_audit_log(viewer: &Viewer, establishment: EstablishmentId) -> bool {
    viewer.region_admin
        || viewer.has_role(establishment, Role::Direction)
        || viewer.has_role(establishment, Role::Admin)
}

/// May `viewer` see the establishment overview (all classes, head counts)?
pub fn can_view_establishment(viewer: &Viewer, establishment: EstablishmentId) -> bool {
    viewer.region_admin || viewer.oversees(establishment)
}

/// May `viewer` see the establishment's name and belong to its spaces at all?
pub fn is_member_of(viewer: &Viewer, establishment: EstablishmentId) -> bool {
    viewer.region_admin || viewer.is_member(establishment)
}

/// Who may change a pad's text, besides the staff who run it (the class's teachers and
/// direction, who always may while it is not locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PadEditPolicy {
    /// Every student of the class or group.
    Class,
    /// Only the teachers.
    Teacher,
    /// Only the students named in [`PadAccess::editors`].
    Named,
}

impl PadEditPolicy {
    pub const ALL: [PadEditPolicy; 3] = [PadEditPolicy::Class, PadEditPolicy::Teacher, PadEditPolicy::Named];

    /// The code stored in the database and sent by forms.
    pub fn code(self) -> &'static str {
        match self {
            PadEditPolicy::Class => "class",
            PadEditPolicy::Teacher => "teacher",
            PadEditPolicy::Named => "named",
        }
    }

    /// Reads what [`PadEditPolicy::code`] wrote; `None` for anything else.
    pub fn from_code(code: &str) -> Option<PadEditPolicy> {
        PadEditPolicy::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// A pad, as far as permissions are concerned: where it lives and who may write in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PadAccess {
    pub establishment: EstablishmentId,
    /// The class or group whose members read the pad.
    pub unit: TeachingUnit,
    pub policy: PadEditPolicy,
    /// The students who may edit under [`PadEditPolicy::Named`].
    pub editors: Vec<UserId>,
    /// Nobody edits a locked pad; its members still read it.
    pub locked: bool,
}

/// The staff who run a unit's pads: its teachers and direction.
fn runs_pads_of(viewer: &Viewer, establishment: EstablishmentId, unit: TeachingUnit) -> bool {
    viewer.teaches_unit(establishment, unit) || viewer.has_role(establishment, Role::Direction)
}

fn attends(viewer: &Viewer, establishment: EstablishmentId, unit: TeachingUnit) -> bool {
    viewer.has_role(establishment, Role::Student) && viewer.enrolled_in.contains(&(establishment, unit))
}

/// May `viewer` create a pad for this class or group? Its teachers, and direction.
pub fn can_create_pad(viewer: &Viewer, unit: &UnitRef) -> bool {
    runs_pads_of(viewer, unit.establishment, unit.unit)
}

/// May `viewer` change who edits a pad, and lock or unlock it? The same people as may create it.
pub fn can_manage_pad(viewer: &Viewer, pad: &PadAccess) -> bool {
    runs_pads_of(viewer, pad.establishment, pad.unit)
}

/// May `viewer` read a pad (open it, receive its text and others' edits)? The members of its
/// class or group: its students and teachers, and direction.
pub fn can_read_pad(viewer: &Viewer, pad: &PadAccess) -> bool {
    runs_pads_of(viewer, pad.establishment, pad.unit) || attends(viewer, pad.establishment, pad.unit)
}

/// May `viewer` change a pad's text now? Nobody while it is locked; otherwise its teachers
/// and direction, and the students its policy names.
pub fn can_edit_pad(viewer: &Viewer, pad: &PadAccess) -> bool {
    if pad.locked {
        return false;
    }
    if runs_pads_of(viewer, pad.establishment, pad.unit) {
        return true;
    }
    attends(viewer, pad.establishment, pad.unit)
        && match pad.policy {
            PadEditPolicy::Class => true,
            PadEditPolicy::Teacher => false,
            PadEditPolicy::Named => pad.editors.contains(&viewer.user),
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OWN: EstablishmentId = EstablishmentId(1);
    const OTHER: EstablishmentId = EstablishmentId(2);
    const CLASS: ClassId = ClassId(10);
    const GROUP: GroupId = GroupId(20);
    const STUDENT: UserId = UserId(100);

    /// A viewer holding `role` in `est`, set up the way that role is when it has a legitimate
    /// link to the resources below (a guardian of STUDENT, a teacher of CLASS, ...).
    fn viewer(role: Role, est: EstablishmentId) -> Viewer {
        let mut v = Viewer {
            user: UserId(500),
            memberships: vec![Membership { establishment: est, role }],
            ..Viewer::default()
        };
        match role {
            Role::Student => {
                v.user = STUDENT;
                v.enrolled_in = vec![(est, TeachingUnit::Class(CLASS))];
            }
            Role::Guardian => v.children = vec![STUDENT],
            Role::Teacher => v.teaches = vec![service(est, TeachingUnit::Class(CLASS))],
            _ => {}
        }
        v
    }

    const SUBJECT: SubjectId = SubjectId(30);

    fn service(establishment: EstablishmentId, unit: TeachingUnit) -> Service {
        Service { establishment, unit, subject: SUBJECT }
    }

    fn student(est: EstablishmentId) -> StudentRef {
        StudentRef { id: STUDENT, establishment: est, class: Some(CLASS), groups: vec![] }
    }

    fn class(est: EstablishmentId) -> UnitRef {
        UnitRef { unit: TeachingUnit::Class(CLASS), establishment: est }
    }

    /// The whole matrix: role × resource kind × own/other establishment.
    /// Columns: student record, class, administer, audit log, establishment overview, the
    /// student's grades, entering grades in the class, the bulletin before and after
    /// publication, closing a period, the general appréciation (the teacher here is not the
    /// class's professeur principal).
    #[test]
    fn permission_matrix_matches_need_to_know() {
        #[rustfmt::skip]
        let expected: [(Role, [bool; 11]); 6] = [
            (Role::Student,    [true,  true,  false, false, false, true,  false, false, true,  false, false]),
            (Role::Guardian,   [true,  false, false, false, false, true,  false, false, true,  false, false]),
            (Role::Teacher,    [true,  true,  false, false, false, false, true,  true,  true,  false, false]),
            (Role::SchoolLife, [true,  true,  false, false, true,  true,  false, true,  true,  false, false]),
            (Role::Direction,  [true,  true,  false, true,  true,  true,  false, true,  true,  true,  true ]),
            (Role::Admin,      [true,  true,  true,  true,  true,  false, false, false, false, false, false]),
        ];
        for (role, row) in expected {
            for (viewer_est, resource_est, same) in [(OWN, OWN, true), (OTHER, OWN, false)] {
                let v = viewer(role, viewer_est);
                let got = [
                    can_view_student(&v, &student(resource_est)),
                    can_view_unit(&v, &class(resource_est)),
                    can_administer(&v, resource_est),
                    can_view_audit_log(&v, resource_est),
                    can_view_establishment(&v, resource_est),
                    can_view_student_grades(&v, &student(resource_est)),
                    can_grade(&v, &service(resource_est, TeachingUnit::Class(CLASS))),
                    can_view_bulletin(&v, &student(resource_est), false),
                    can_view_bulletin(&v, &student(resource_est), true),
                    can_close_period(&v, resource_est),
                    can_write_general_appreciation(&v, resource_est, CLASS),
                ];
                let want = if same { row } else { [false; 11] };
                assert_eq!(got, want, "{role:?}, same establishment: {same}");
            }
        }
    }

    #[test]
    fn a_guardian_does_not_see_a_child_that_is_not_linked_to_them() {
        let mut v = viewer(Role::Guardian, OWN);
        v.children = vec![UserId(999)];
        assert!(!can_view_student(&v, &student(OWN)));
    }

    #[test]
    fn a_student_does_not_see_a_classmate() {
        let mut v = viewer(Role::Student, OWN);
        v.user = UserId(101);
        assert!(!can_view_student(&v, &student(OWN)));
    }

    #[test]
    fn a_teacher_sees_a_student_through_a_group_they_teach() {
        let mut v = viewer(Role::Teacher, OWN);
        v.teaches = vec![service(OWN, TeachingUnit::Group(GROUP))];
        let mut s = student(OWN);
        assert!(!can_view_student(&v, &s));
        s.groups = vec![GROUP];
        assert!(can_view_student(&v, &s));
    }

    #[test]
    fn a_teacher_link_recorded_in_another_establishment_grants_nothing() {
        // Teaching CLASS in OTHER must not open CLASS's twin id in OWN.
        let mut v = viewer(Role::Teacher, OWN);
        v.teaches = vec![service(OTHER, TeachingUnit::Class(CLASS))];
        assert!(!can_view_unit(&v, &class(OWN)));
        assert!(!can_view_student(&v, &student(OWN)));
    }

    #[test]
    fn a_teacher_grades_only_the_subject_they_teach_in_that_unit() {
        let v = viewer(Role::Teacher, OWN);
        let other_subject = Service { subject: SubjectId(31), ..service(OWN, TeachingUnit::Class(CLASS)) };
        assert!(!can_grade(&v, &other_subject));
        assert!(!can_grade(&v, &service(OWN, TeachingUnit::Group(GROUP))));
    }

    #[test]
    fn a_guardian_does_not_see_the_grades_of_a_child_not_linked_to_them() {
        let mut v = viewer(Role::Guardian, OWN);
        v.children = vec![UserId(999)];
        assert!(!can_view_student_grades(&v, &student(OWN)));
    }

    #[test]
    fn only_the_professeur_principal_among_teachers_writes_the_general_appreciation() {
        let mut v = viewer(Role::Teacher, OWN);
        assert!(!can_write_general_appreciation(&v, OWN, CLASS));
        v.heads = vec![(OTHER, CLASS)];
        assert!(!can_write_general_appreciation(&v, OWN, CLASS));
        v.heads = vec![(OWN, CLASS)];
        assert!(can_write_general_appreciation(&v, OWN, CLASS));
        assert!(!can_write_general_appreciation(&v, OWN, ClassId(11)));
    }

    #[test]
    fn the_professeur_principal_reads_the_grades_of_their_class_only() {
        let mut v = viewer(Role::Teacher, OWN);
        assert!(!can_view_student_grades(&v, &student(OWN)));
        v.heads = vec![(OWN, ClassId(11))];
        assert!(!can_view_student_grades(&v, &student(OWN)));
        v.heads = vec![(OWN, CLASS)];
        assert!(can_view_student_grades(&v, &student(OWN)));
        assert!(!can_view_student_grades(&v, &student(OTHER)));
    }

    #[test]
    fn a_family_reads_a_bulletin_only_once_published_and_only_their_child() {
        let mut v = viewer(Role::Guardian, OWN);
        assert!(!can_view_bulletin(&v, &student(OWN), false));
        assert!(can_view_bulletin(&v, &student(OWN), true));
        v.children = vec![UserId(999)];
        assert!(!can_view_bulletin(&v, &student(OWN), true));
    }

    #[test]
    fn a_region_admin_administers_every_establishment_but_reads_no_school_record() {
        let v = Viewer { region_admin: true, ..Viewer::default() };
        assert!(can_administer(&v, OWN) && can_administer(&v, OTHER));
        assert!(!can_view_student(&v, &student(OWN)));
    }

    /// Accounts: who may rename or deactivate whom. Columns: a person of OWN only, a teacher
    /// of OWN and OTHER, a region administrator, a region administrator also teacher in OWN.
    #[test]
    fn only_someone_who_administers_all_its_establishments_renames_or_deactivates_an_account() {
        let account = |region_admin, establishments: &[EstablishmentId]| AccountRef {
            region_admin,
            establishments: establishments.to_vec(),
        };
        let accounts =
            [account(false, &[OWN]), account(false, &[OWN, OTHER]), account(true, &[]), account(true, &[OWN])];
        let admin_of = |ests: &[EstablishmentId]| Viewer {
            memberships: ests.iter().map(|&establishment| Membership { establishment, role: Role::Admin }).collect(),
            ..Viewer::default()
        };
        #[rustfmt::skip]
        let table: [(&str, Viewer, [bool; 4]); 6] = [
            ("OWN's administrator",            admin_of(&[OWN]),                              [true,  false, false, false]),
            ("the administrator of both",      admin_of(&[OWN, OTHER]),                       [true,  true,  false, false]),
            ("OTHER's administrator",          admin_of(&[OTHER]),                            [false, false, false, false]),
            ("a region administrator",         Viewer { region_admin: true, ..Viewer::default() }, [true, true, true, true]),
            ("OWN's direction",                viewer(Role::Direction, OWN),                  [false, false, false, false]),
            ("a teacher of OWN",               viewer(Role::Teacher, OWN),                    [false, false, false, false]),
        ];
        for (who, v, want) in table {
            let got = accounts.each_ref().map(|a| can_administer_account(&v, a));
            assert_eq!(got, want, "{who}");
        }
    }

    fn pad(est: EstablishmentId, policy: PadEditPolicy, editors: Vec<UserId>, locked: bool) -> PadAccess {
        PadAccess { establishment: est, unit: TeachingUnit::Class(CLASS), policy, editors, locked }
    }

    /// Pads: role × question × own/other establishment. Columns: create a pad for the class,
    /// manage it, read it, edit it when the whole class edits, when only teachers do, when
    /// other students are named, when this student is named, and when it is locked.
    #[test]
    fn pad_permission_matrix_follows_class_membership() {
        use PadEditPolicy::{Class, Named, Teacher};
        #[rustfmt::skip]
        let expected: [(Role, [bool; 8]); 6] = [
            (Role::Student,    [false, false, true,  true,  false, false, true,  false]),
            (Role::Guardian,   [false; 8]),
            (Role::Teacher,    [true,  true,  true,  true,  true,  true,  true,  false]),
            (Role::SchoolLife, [false; 8]),
            (Role::Direction,  [true,  true,  true,  true,  true,  true,  true,  false]),
            (Role::Admin,      [false; 8]),
        ];
        for (role, row) in expected {
            for (viewer_est, resource_est, same) in [(OWN, OWN, true), (OTHER, OWN, false)] {
                let v = viewer(role, viewer_est);
                let open = pad(resource_est, Class, vec![], false);
                let got = [
                    can_create_pad(&v, &class(resource_est)),
                    can_manage_pad(&v, &open),
                    can_read_pad(&v, &open),
                    can_edit_pad(&v, &open),
                    can_edit_pad(&v, &pad(resource_est, Teacher, vec![], false)),
                    can_edit_pad(&v, &pad(resource_est, Named, vec![UserId(999)], false)),
                    can_edit_pad(&v, &pad(resource_est, Named, vec![STUDENT], false)),
                    can_edit_pad(&v, &pad(resource_est, Class, vec![], true)),
                ];
                let want = if same { row } else { [false; 8] };
                assert_eq!(got, want, "{role:?}, same establishment: {same}");
            }
        }
    }

    #[test]
    fn a_student_of_another_class_neither_reads_nor_edits_a_pad() {
        let mut v = viewer(Role::Student, OWN);
        v.enrolled_in = vec![(OWN, TeachingUnit::Class(ClassId(11)))];
        let open = pad(OWN, PadEditPolicy::Class, vec![STUDENT], false);
        assert!(!can_read_pad(&v, &open));
        assert!(!can_edit_pad(&v, &open));
    }

    #[test]
    fn a_pad_policy_code_round_trips_and_refuses_anything_else() {
        for p in PadEditPolicy::ALL {
            assert_eq!(PadEditPolicy::from_code(p.code()), Some(p));
        }
        assert_eq!(PadEditPolicy::from_code("everyone"), None);
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    fn any_viewer_outside(est: EstablishmentId) -> impl Strategy<Value = Viewer> {
        (
            prop::collection::vec((2i64..6, any_role()), 0..6),
            prop::collection::vec(0i64..200, 0..4),
            prop::collection::vec((2i64..6, 0i64..30, 0i64..5), 0..4),
            prop::collection::vec((2i64..6, 0i64..30), 0..3),
        )
            .prop_map(move |(memberships, children, teaches, classes)| Viewer {
                user: UserId(7),
                region_admin: false,
                memberships: memberships
                    .into_iter()
                    .filter(|(e, _)| *e != est.0)
                    .map(|(e, role)| Membership { establishment: EstablishmentId(e), role })
                    .collect(),
                children: children.into_iter().map(UserId).collect(),
                teaches: teaches
                    .into_iter()
                    .map(|(e, c, subject)| Service {
                        establishment: EstablishmentId(e),
                        unit: TeachingUnit::Class(ClassId(c)),
                        subject: SubjectId(subject),
                    })
                    .collect(),
                enrolled_in: vec![],
                heads: classes.into_iter().map(|(e, c)| (EstablishmentId(e), ClassId(c))).collect(),
            })
    }

    proptest! {
        /// Whatever roles, children and classes a person has elsewhere, none of it opens a
        /// single resource of an establishment they do not belong to.
        #[test]
        fn nothing_held_elsewhere_opens_an_establishment(
            v in any_viewer_outside(OWN),
            class_id in 0i64..30,
            student_id in 0i64..200,
        ) {
            let s = StudentRef {
                id: UserId(student_id), establishment: OWN,
                class: Some(ClassId(class_id)), groups: vec![],
            };
            let u = UnitRef { unit: TeachingUnit::Class(ClassId(class_id)), establishment: OWN };
            prop_assert!(!can_view_student(&v, &s));
            prop_assert!(!can_view_unit(&v, &u));
            prop_assert!(!can_administer(&v, OWN));
            prop_assert!(!can_view_audit_log(&v, OWN));
            prop_assert!(!can_view_establishment(&v, OWN));
            prop_assert!(!is_member_of(&v, OWN));
            prop_assert!(!can_view_student_grades(&v, &s));
            prop_assert!(!can_view_bulletin(&v, &s, true));
            prop_assert!(!can_close_period(&v, OWN));
            prop_assert!(!can_write_general_appreciation(&v, OWN, ClassId(class_id)));
            let p = PadAccess { establishment: OWN, unit: u.unit, policy: PadEditPolicy::Class, editors: vec![v.user], locked: false };
            prop_assert!(!can_create_pad(&v, &u));
            prop_assert!(!can_manage_pad(&v, &p));
            prop_assert!(!can_read_pad(&v, &p));
            prop_assert!(!can_edit_pad(&v, &p));
            for subject in 0..5 {
                let service = Service { establishment: OWN, unit: u.unit, subject: SubjectId(subject) };
                prop_assert!(!can_grade(&v, &service));
            }
        }

        /// Gaining a role never takes an access away (permissions are monotonic).
        #[test]
        fn adding_a_role_never_removes_access(role in any_role(), extra in any_role()) {
            let before = viewer(role, OWN);
            let mut after = before.clone();
            after.memberships.push(Membership { establishment: OWN, role: extra });
            let s = student(OWN);
            let c = class(OWN);
            prop_assert!(!can_view_student(&before, &s) || can_view_student(&after, &s));
            prop_assert!(!can_view_unit(&before, &c) || can_view_unit(&after, &c));
            prop_assert!(!can_administer(&before, OWN) || can_administer(&after, OWN));
            prop_assert!(!can_view_audit_log(&before, OWN) || can_view_audit_log(&after, OWN));
        }
    }
}
