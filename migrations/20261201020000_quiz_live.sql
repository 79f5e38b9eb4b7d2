-- Live quiz sessions: a teacher runs a quiz in class, students join with a short code and
-- answer from their phone. Same conventions as the foundation: BIGINT ids made by the
-- application, BIGINT milliseconds, BIGINT 0/1 flags, the same SQL on SQLite and PostgreSQL.

-- A session. `questions` is the JSON of the quiz's questions when it started (editing the
-- quiz during the session changes nothing). `state` is `domain::quiz::live::Phase::code`
-- with the question on screen, when it opened and its timer's end. A code is unique among
-- sessions not ended, and may be drawn again afterwards.
CREATE TABLE quiz_live_sessions (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    quiz_id BIGINT NOT NULL REFERENCES quizzes(id),
    teacher_id BIGINT NOT NULL REFERENCES users(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    questions TEXT NOT NULL,
    anonymous BIGINT NOT NULL,
    speed_bonus BIGINT NOT NULL,
    leaderboard BIGINT NOT NULL,
    state TEXT NOT NULL,
    current_index BIGINT NOT NULL DEFAULT 0,
    opened_at BIGINT NOT NULL DEFAULT 0,
    deadline BIGINT,
    started_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE UNIQUE INDEX quiz_live_sessions_live_code ON quiz_live_sessions (code) WHERE ended_at IS NULL;
CREATE INDEX quiz_live_sessions_by_teacher ON quiz_live_sessions (teacher_id, started_at);

-- A seat: a logged-in student (user_id) in a named session, or a pseudonym with the hash
-- of its seat token in an anonymous one (no user id is kept: the report cannot name them).
CREATE TABLE quiz_live_seats (
    id BIGINT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES quiz_live_sessions(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT,
    name TEXT NOT NULL,
    joined_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX quiz_live_seats_by_user ON quiz_live_seats (session_id, user_id);
CREATE UNIQUE INDEX quiz_live_seats_by_token ON quiz_live_seats (session_id, token_hash);

-- An accepted answer: the JSON of `domain::quiz::Response` in the written order, whether it
-- earned every point, and its points in hundredths (speed bonus included). One per seat and
-- question: the first counts.
CREATE TABLE quiz_live_answers (
    session_id BIGINT NOT NULL REFERENCES quiz_live_sessions(id) ON DELETE CASCADE,
    seat_id BIGINT NOT NULL REFERENCES quiz_live_seats(id) ON DELETE CASCADE,
    question_index BIGINT NOT NULL,
    response TEXT NOT NULL,
    correct BIGINT NOT NULL,
    points BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, seat_id, question_index)
);
