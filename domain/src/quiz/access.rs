//! Who may author, see, assign and take quizzes: pure functions of the [`Viewer`], asked by
//! every quiz server function before it touches data.
//!
//! - a quiz belongs to the teacher who wrote it, in one establishment; only they edit it;
//! - shared, it is readable (and assignable, and exportable) by the other teachers of that
//!   establishment, never by anyone elsewhere;
//! - a teacher assigns a quiz they may read to a class or group they teach there;
//! - a student takes an assignment given to their class or one of their groups;
//! - the results of an assignment are for the teacher who gave it and the teachers of that
//!   class or group;
//! - only the teacher who gave an assignment changes, closes or withdraws it, and sends its
//!   results to the grade book of a subject they teach to that class or group;
//! - only the teacher who gave an assignment, or the establishment's direction, grades its
//!   open answers: the other teachers of the class read them, since those points flow into
//!   the grade book of the teacher who gave it.

use crate::{EstablishmentId, Role, Service, TeachingUnit, UnitRef, UserId, Viewer};
use serde::{Deserialize, Serialize};

/// A quiz, as far as permissions are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizRef {
    pub establishment: EstablishmentId,
    pub owner: UserId,
    /// Shared with the establishment's other teachers.
    pub shared: bool,
}

/// An assignment of a quiz to a class or group, as far as permissions are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentRef {
    pub establishment: EstablishmentId,
    pub unit: TeachingUnit,
    /// The teacher who gave it.
    pub assigned_by: UserId,
}

fn teaches(viewer: &Viewer, establishment: EstablishmentId, unit: TeachingUnit) -> bool {
    viewer.has_role(establishment, Role::Teacher)
        && viewer.teaches.iter().any(|s| s.establishment == establishment && s.unit == unit)
}

/// May `viewer` write quizzes in `establishment`? Its teachers.
pub fn can_author_quizzes(viewer: &Viewer, establishment: EstablishmentId) -> bool {
    viewer.has_role(establishment, Role::Teacher)
}

/// May `viewer` change this quiz (title, sharing, questions)? Its author, while a teacher there.
pub fn can_edit_quiz(viewer: &Viewer, quiz: &QuizRef) -> bool {
    viewer.user == quiz.owner && can_author_quizzes(viewer, quiz.establishment)
}

/// May `viewer` read this quiz with its answer key? Its author, and the establishment's other
/// teachers when it is shared.
pub fn can_view_quiz(viewer: &Viewer, quiz: &QuizRef) -> bool {
    can_edit_quiz(viewer, quiz) || (quiz.shared && can_author_quizzes(viewer, quiz.establishment))
}

/// May `viewer` give this quiz to this class or group? A teacher who may read the quiz and
/// teaches that unit, in the quiz's establishment.
pub fn can_assign_quiz(viewer: &Viewer, quiz: &QuizRef, unit: &UnitRef) -> bool {
    unit.establishment == quiz.establishment
        && can_view_quiz(viewer, quiz)
        && teaches(viewer, unit.establishment, unit.unit)
}

/// May `viewer` take this assignment? A student of its class or group.
pub fn can_take_assignment(viewer: &Viewer, assignment: &AssignmentRef) -> bool {
    let est = assignment.establishment;
    viewer.has_role(est, Role::Student) && viewer.enrolled_in.contains(&(est, assignment.unit))
}

/// May `viewer` read the results of this assignment? The teacher who gave it, and the
/// teachers of its class or group.
pub fn can_view_assignment_results(viewer: &Viewer, assignment: &AssignmentRef) -> bool {
    let est = assignment.establishment;
    (viewer.user == assignment.assigned_by && viewer.has_role(est, Role::Teacher))
        || teaches(viewer, est, assignment.unit)
}

/// May `viewer` change this assignment's dates and rules, close it or withdraw it? The
/// teacher who gave it, while a teacher there.
pub fn can_manage_assignment(viewer: &Viewer, assignment: &AssignmentRef) -> bool {
    viewer.user == assignment.assigned_by && viewer.has_role(assignment.establishment, Role::Teacher)
}

/// May `viewer` grade (or regrade) this assignment's open answers? The teacher who gave it,
/// while a teacher there, or the establishment's direction. Another teacher of the class may
/// read the answers ([`can_view_assignment_results`]) but not grade them: the scores end up in
/// the grade book of the teacher who gave it.
pub fn can_grade_assignment(viewer: &Viewer, assignment: &AssignmentRef) -> bool {
    can_manage_assignment(viewer, assignment) || viewer.has_role(assignment.establishment, Role::Direction)
}

/// May `viewer` read this assignment's written answers on the grading sheet? Whoever may read
/// its results or grade it.
pub fn can_view_grading_sheet(viewer: &Viewer, assignment: &AssignmentRef) -> bool {
    can_view_assignment_results(viewer, assignment) || can_grade_assignment(viewer, assignment)
}

/// May `viewer` send this assignment's results to the grade book of `service`? The teacher who
/// gave it, if they may grade that subject in that very class or group
/// ([`crate::permissions::can_grade`]).
pub fn can_send_to_gradebook(viewer: &Viewer, assignment: &AssignmentRef, service: &Service) -> bool {
    can_manage_assignment(viewer, assignment)
        && service.establishment == assignment.establishment
        && service.unit == assignment.unit
        && crate::permissions::can_grade(viewer, service)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClassId, GroupId, Membership, Service, SubjectId};

    const OWN: EstablishmentId = EstablishmentId(1);
    const OTHER: EstablishmentId = EstablishmentId(2);
    const CLASS: TeachingUnit = TeachingUnit::Class(ClassId(10));
    const OTHER_CLASS: TeachingUnit = TeachingUnit::Class(ClassId(11));
    const GROUP: TeachingUnit = TeachingUnit::Group(GroupId(20));
    const AUTHOR: UserId = UserId(1);
    const COLLEAGUE: UserId = UserId(2);

    fn person(user: UserId, role: Role, est: EstablishmentId) -> Viewer {
        Viewer { user, memberships: vec![Membership { establishment: est, role }], ..Viewer::default() }
    }

    fn teacher(user: UserId, est: EstablishmentId, units: &[TeachingUnit]) -> Viewer {
        let mut v = person(user, Role::Teacher, est);
        v.teaches = units.iter().map(|&unit| Service { establishment: est, unit, subject: SubjectId(3) }).collect();
        v
    }

    fn student(est: EstablishmentId, units: &[TeachingUnit]) -> Viewer {
        let mut v = person(UserId(100), Role::Student, est);
        v.enrolled_in = units.iter().map(|&u| (est, u)).collect();
        v
    }

    fn quiz(shared: bool) -> QuizRef {
        QuizRef { establishment: OWN, owner: AUTHOR, shared }
    }

    fn assignment(unit: TeachingUnit) -> AssignmentRef {
        AssignmentRef { establishment: OWN, unit, assigned_by: AUTHOR }
    }

    /// Every kind of person against a private quiz, a shared one, and an assignment to CLASS.
    /// Columns: author quizzes here, edit private, view private, view shared, edit shared,
    /// assign shared to CLASS, take the assignment, read its results.
    #[test]
    fn quiz_permission_matrix() {
        let class = UnitRef { unit: CLASS, establishment: OWN };
        #[rustfmt::skip]
        let table: [(&str, Viewer, [bool; 8]); 10] = [
            ("the author, teaching the class", teacher(AUTHOR, OWN, &[CLASS]),        [true,  true,  true,  true,  true,  true,  false, true ]),
            ("a colleague teaching the class", teacher(COLLEAGUE, OWN, &[CLASS]),     [true,  false, false, true,  false, true,  false, true ]),
            ("a colleague of another class",   teacher(COLLEAGUE, OWN, &[OTHER_CLASS]), [true, false, false, true,  false, false, false, false]),
            ("a teacher elsewhere, same ids",  teacher(COLLEAGUE, OTHER, &[CLASS]),   [false, false, false, false, false, false, false, false]),
            ("the author moved elsewhere",     teacher(AUTHOR, OTHER, &[CLASS]),      [false, false, false, false, false, false, false, false]),
            ("a student of the class",         student(OWN, &[CLASS]),                [false, false, false, false, false, false, true,  false]),
            ("a student of another class",     student(OWN, &[OTHER_CLASS, GROUP]),   [false, false, false, false, false, false, false, false]),
            ("a student elsewhere, same ids",  student(OTHER, &[CLASS]),              [false, false, false, false, false, false, false, false]),
            ("direction",                      person(UserId(7), Role::Direction, OWN), [false, false, false, false, false, false, false, false]),
            ("a guardian",                     person(UserId(8), Role::Guardian, OWN), [false, false, false, false, false, false, false, false]),
        ];
        for (who, v, want) in table {
            let got = [
                can_author_quizzes(&v, OWN),
                can_edit_quiz(&v, &quiz(false)),
                can_view_quiz(&v, &quiz(false)),
                can_view_quiz(&v, &quiz(true)),
                can_edit_quiz(&v, &quiz(true)),
                can_assign_quiz(&v, &quiz(true), &class),
                can_take_assignment(&v, &assignment(CLASS)),
                can_view_assignment_results(&v, &assignment(CLASS)),
            ];
            assert_eq!(got, want, "{who}");
        }
    }

    /// Grading open answers: columns read the grading sheet, grade.
    #[test]
    fn only_the_teacher_who_gave_it_or_direction_grades_open_answers() {
        let mut direction_elsewhere = person(UserId(7), Role::Direction, OTHER);
        direction_elsewhere.memberships.push(crate::Membership { establishment: OTHER, role: Role::Teacher });
        #[rustfmt::skip]
        let table: [(&str, Viewer, [bool; 2]); 10] = [
            ("the author, teaching the class",     teacher(AUTHOR, OWN, &[CLASS]),           [true,  true ]),
            ("the author, no longer teaching it",  teacher(AUTHOR, OWN, &[]),                [true,  true ]),
            ("a colleague teaching the class",     teacher(COLLEAGUE, OWN, &[CLASS]),        [true,  false]),
            ("a colleague of another class",       teacher(COLLEAGUE, OWN, &[OTHER_CLASS]),  [false, false]),
            ("the author moved elsewhere",         teacher(AUTHOR, OTHER, &[CLASS]),         [false, false]),
            ("direction",                          person(UserId(7), Role::Direction, OWN),  [true,  true ]),
            ("direction elsewhere, same ids",      direction_elsewhere,                      [false, false]),
            ("a student of the class",             student(OWN, &[CLASS]),                   [false, false]),
            ("a guardian",                         person(UserId(8), Role::Guardian, OWN),   [false, false]),
            ("an administrator",                   person(UserId(9), Role::Admin, OWN),      [false, false]),
        ];
        for (who, v, want) in table {
            let a = assignment(CLASS);
            assert_eq!([can_view_grading_sheet(&v, &a), can_grade_assignment(&v, &a)], want, "{who}");
        }
    }

    #[test]
    fn a_quiz_is_never_assigned_to_a_unit_of_another_establishment() {
        let mut v = teacher(AUTHOR, OWN, &[CLASS]);
        v.memberships.push(Membership { establishment: OTHER, role: Role::Teacher });
        v.teaches.push(Service { establishment: OTHER, unit: OTHER_CLASS, subject: SubjectId(3) });
        let elsewhere = UnitRef { unit: OTHER_CLASS, establishment: OTHER };
        assert!(!can_assign_quiz(&v, &quiz(false), &elsewhere));
    }

    #[test]
    fn a_student_of_the_group_takes_an_assignment_given_to_the_group() {
        assert!(can_take_assignment(&student(OWN, &[OTHER_CLASS, GROUP]), &assignment(GROUP)));
        assert!(!can_take_assignment(&student(OWN, &[CLASS]), &assignment(GROUP)));
    }

    #[test]
    fn the_teacher_who_gave_an_assignment_keeps_its_results_after_leaving_the_class() {
        assert!(can_view_assignment_results(&teacher(AUTHOR, OWN, &[]), &assignment(CLASS)));
        assert!(!can_view_assignment_results(&teacher(AUTHOR, OTHER, &[]), &assignment(CLASS)));
    }

    #[test]
    fn only_the_teacher_who_gave_it_manages_an_assignment_and_sends_it_to_a_grade_book_they_keep() {
        let french = |unit, establishment| Service { establishment, unit, subject: SubjectId(3) };
        #[rustfmt::skip]
        let table: [(&str, Viewer, [bool; 4]); 7] = [
            // Columns: manage, send to French of CLASS, to Maths of CLASS, to French of OTHER_CLASS.
            ("the author, teaching French to the class", teacher(AUTHOR, OWN, &[CLASS, OTHER_CLASS]), [true,  true,  false, false]),
            ("the author, no longer teaching the class", teacher(AUTHOR, OWN, &[OTHER_CLASS]),        [true,  false, false, false]),
            ("a colleague teaching French to the class", teacher(COLLEAGUE, OWN, &[CLASS]),           [false, false, false, false]),
            ("the author moved elsewhere, same ids",     teacher(AUTHOR, OTHER, &[CLASS]),            [false, false, false, false]),
            ("a student of the class",                   student(OWN, &[CLASS]),                      [false, false, false, false]),
            ("direction",                                person(UserId(7), Role::Direction, OWN),     [false, false, false, false]),
            ("a guardian",                               person(UserId(8), Role::Guardian, OWN),      [false, false, false, false]),
        ];
        for (who, v, want) in table {
            let a = assignment(CLASS);
            let maths = Service { subject: SubjectId(4), ..french(CLASS, OWN) };
            let got = [
                can_manage_assignment(&v, &a),
                can_send_to_gradebook(&v, &a, &french(CLASS, OWN)),
                can_send_to_gradebook(&v, &a, &maths),
                can_send_to_gradebook(&v, &a, &french(OTHER_CLASS, OWN)),
            ];
            assert_eq!(got, want, "{who}");
        }
    }
}
