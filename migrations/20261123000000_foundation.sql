-- Foundation schema: establishments, people, roles, school structure, sessions, audit.
-- Portable: the same SQL runs on SQLite and PostgreSQL. Ids are BIGINT made by the
-- application (time-ordered), times are BIGINT milliseconds since the Unix epoch, flags are
-- BIGINT 0/1 (one representation on both databases).

CREATE TABLE establishments (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    uai TEXT NOT NULL UNIQUE,
    city TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    -- argon2id PHC string; NULL until the account is activated.
    password_hash TEXT,
    -- SHA-256 of the one-time activation code; NULL once used.
    activation_hash TEXT,
    activation_expires_at BIGINT,
    active BIGINT NOT NULL DEFAULT 1,
    region_admin BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, establishment_id, role)
);
CREATE INDEX memberships_by_establishment ON memberships (establishment_id, role);

CREATE TABLE school_years (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    UNIQUE (establishment_id, label)
);

CREATE TABLE periods (
    id BIGINT PRIMARY KEY,
    school_year_id BIGINT NOT NULL REFERENCES school_years(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    position BIGINT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    UNIQUE (school_year_id, position)
);

CREATE TABLE classes (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    level TEXT NOT NULL DEFAULT '',
    UNIQUE (establishment_id, name)
);

CREATE TABLE class_students (
    class_id BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, student_id)
);
CREATE INDEX class_students_by_student ON class_students (student_id);

-- A group is a sub-group of one class (class_id set) or a cross-class group (class_id NULL).
CREATE TABLE student_groups (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    class_id BIGINT REFERENCES classes(id) ON DELETE CASCADE,
    UNIQUE (establishment_id, name)
);

CREATE TABLE group_students (
    group_id BIGINT NOT NULL REFERENCES student_groups(id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, student_id)
);
CREATE INDEX group_students_by_student ON group_students (student_id);

CREATE TABLE subjects (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    UNIQUE (establishment_id, name)
);

-- Teacher × (class or group) × subject. Exactly one of class_id, group_id is set.
CREATE TABLE assignments (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    teacher_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    subject_id BIGINT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
    class_id BIGINT REFERENCES classes(id) ON DELETE CASCADE,
    group_id BIGINT REFERENCES student_groups(id) ON DELETE CASCADE,
    CHECK ((class_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX assignments_by_teacher ON assignments (teacher_id);
CREATE INDEX assignments_by_class ON assignments (class_id);

CREATE TABLE guardianships (
    guardian_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    legal_guardian BIGINT NOT NULL DEFAULT 1,
    relationship TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (guardian_id, student_id)
);
CREATE INDEX guardianships_by_student ON guardianships (student_id);

-- Server-side sessions. Only the SHA-256 of the cookie token is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed-login counters, per account ("u:<username>") and per address ("ip:<addr>").
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX audit_log_by_establishment ON audit_log (establishment_id, at);
