-- Bulletins: the class's head teacher, appréciations, closing a period, and the bulletins
-- issued when it closes. Same conventions as the foundation.

-- The professeur principal of a class (writes the general appréciation).
ALTER TABLE classes ADD COLUMN head_teacher_id BIGINT REFERENCES users(id);

-- A closed period freezes its grades and appréciations and publishes its bulletins.
ALTER TABLE periods ADD COLUMN closed_at BIGINT;
ALTER TABLE periods ADD COLUMN closed_by BIGINT REFERENCES users(id);

-- One appréciation per student, period and subject; subject_id 0 is the general
-- appréciation of the class council (no foreign key for that reason).
CREATE TABLE appreciations (
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL REFERENCES users(id),
    period_id BIGINT NOT NULL REFERENCES periods(id),
    subject_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (student_id, period_id, subject_id)
);
CREATE INDEX appreciations_by_period ON appreciations (establishment_id, period_id);

-- The bulletin as issued at closing, so what a family reads never changes behind their back
-- and costs one row to serve: the JSON of `app::bulletins::api::Bulletin`.
CREATE TABLE bulletins (
    student_id BIGINT NOT NULL REFERENCES users(id),
    period_id BIGINT NOT NULL REFERENCES periods(id),
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    class_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    PRIMARY KEY (student_id, period_id)
);
CREATE INDEX bulletins_by_period ON bulletins (establishment_id, period_id);

-- When each class's council sits for a period (Paris time, stored as UTC milliseconds): no
-- grade of the class's students is published during it (`domain::grades::publication_time`).
CREATE TABLE class_councils (
    class_id BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    PRIMARY KEY (class_id, period_id)
);
