-- Grades: evaluations, the marks entered for them, and every change to a mark.
-- Same conventions as the foundation: BIGINT ids made by the application, BIGINT
-- milliseconds, BIGINT 0/1 flags, the same SQL on SQLite and PostgreSQL.

-- When grades become visible to students and families: every day at this hour, Paris time
-- (NULL: as soon as they are saved). Whether "NR" (not returned) counts as 0.
ALTER TABLE establishments ADD COLUMN grade_publication_hour BIGINT DEFAULT 18;
ALTER TABLE establishments ADD COLUMN not_returned_counts_zero BIGINT NOT NULL DEFAULT 0;

-- A subject's weight in the general average (hundredths: 100 = coefficient 1).
ALTER TABLE subjects ADD COLUMN coefficient_hundredths BIGINT NOT NULL DEFAULT 100;

-- An evaluation of one subject in one class or group, in one period. It survives a change of
-- teacher: it belongs to the class or group and the subject, not to an assignment.
CREATE TABLE evaluations (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    subject_id BIGINT NOT NULL REFERENCES subjects(id),
    class_id BIGINT REFERENCES classes(id),
    group_id BIGINT REFERENCES student_groups(id),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    scale BIGINT NOT NULL,
    coefficient_hundredths BIGINT NOT NULL,
    counting TEXT NOT NULL,
    -- Grades of this evaluation are shown to students and families from this instant.
    publish_at BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    CHECK ((class_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX evaluations_by_class ON evaluations (class_id, subject_id, period_id);
CREATE INDEX evaluations_by_group ON evaluations (group_id, subject_id, period_id);

-- One mark per student and evaluation: a status ('points', 'abs', 'disp', 'nn', 'nr') and,
-- for 'points', the points in hundredths.
CREATE TABLE grades (
    evaluation_id BIGINT NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    points BIGINT,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (evaluation_id, student_id)
);
CREATE INDEX grades_by_student ON grades (student_id);

-- Every change to a mark: who, when, the value before and after ('' for none), as typed back
-- by the grade book ("12,5", "Abs").
CREATE TABLE grade_changes (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL,
    evaluation_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    actor_id BIGINT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX grade_changes_by_evaluation ON grade_changes (evaluation_id, at);
CREATE INDEX grade_changes_by_establishment ON grade_changes (establishment_id, at);
