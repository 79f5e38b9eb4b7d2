-- Formative quizzes: quizzes and their questions, assignments to a class or group, students'
-- attempts and answers. Same conventions as the foundation: BIGINT ids made by the
-- application, BIGINT milliseconds, BIGINT 0/1 flags, the same SQL on SQLite and PostgreSQL.

-- A quiz belongs to the teacher who wrote it, in one establishment; shared (1), the other
-- teachers of the establishment read and assign it.
CREATE TABLE quizzes (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    shared BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX quizzes_by_establishment ON quizzes (establishment_id, owner_id);

-- A question: the JSON of `domain::quiz::Question`, at a position (0, 1, ... without gaps).
CREATE TABLE quiz_questions (
    id BIGINT PRIMARY KEY,
    quiz_id BIGINT NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX quiz_questions_by_quiz ON quiz_questions (quiz_id, position);

-- A quiz given to one class or group. `questions` is the JSON of the quiz's questions when it
-- was given ([[question id, question], ...]): editing the quiz later changes neither what
-- students answer nor how it is scored. `feedback`: 'immediate', 'submission' or
-- 'after_closing'.
CREATE TABLE quiz_assignments (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    quiz_id BIGINT NOT NULL REFERENCES quizzes(id),
    assigned_by BIGINT NOT NULL REFERENCES users(id),
    class_id BIGINT REFERENCES classes(id) ON DELETE CASCADE,
    group_id BIGINT REFERENCES student_groups(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    questions TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    time_limit_minutes BIGINT,
    max_attempts BIGINT NOT NULL,
    shuffle_questions BIGINT NOT NULL,
    shuffle_options BIGINT NOT NULL,
    feedback TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK ((class_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX quiz_assignments_by_class ON quiz_assignments (class_id);
CREATE INDEX quiz_assignments_by_group ON quiz_assignments (group_id);
CREATE INDEX quiz_assignments_by_quiz ON quiz_assignments (quiz_id);

-- One attempt of one student, numbered from 1 (the unique key refuses a second attempt
-- started at the same instant beyond the limit). `seed` draws the display order. Submitted:
-- `submitted_at` set (at the deadline, `auto_submitted` 1, when time ran out), the score in
-- hundredths of points, and how many open answers wait for the teacher.
CREATE TABLE quiz_attempts (
    id BIGINT PRIMARY KEY,
    assignment_id BIGINT NOT NULL REFERENCES quiz_assignments(id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    submitted_at BIGINT,
    auto_submitted BIGINT NOT NULL DEFAULT 0,
    score_hundredths BIGINT,
    pending_manual BIGINT NOT NULL DEFAULT 0,
    UNIQUE (assignment_id, student_id, number)
);
CREATE INDEX quiz_attempts_by_student ON quiz_attempts (student_id);

-- The latest answer to one question of an attempt: the JSON of `domain::quiz::Response` as
-- the student gave it (against the order they saw). `locked` 1 once its correction was shown
-- (immediate feedback): it is final. `earned_hundredths` once scored (NULL: open answer).
CREATE TABLE quiz_answers (
    attempt_id BIGINT NOT NULL REFERENCES quiz_attempts(id) ON DELETE CASCADE,
    question_id BIGINT NOT NULL,
    response TEXT NOT NULL,
    locked BIGINT NOT NULL DEFAULT 0,
    earned_hundredths BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);
