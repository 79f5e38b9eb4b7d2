-- Open answers graded by hand: the teacher's comment, who graded it and when. The points go
-- in `quiz_answers.earned_hundredths` as for any scored answer; an open answer is waiting
-- while it is NULL. Same SQL on SQLite and PostgreSQL.
ALTER TABLE quiz_answers ADD COLUMN teacher_comment TEXT;
ALTER TABLE quiz_answers ADD COLUMN graded_by BIGINT REFERENCES users(id);
ALTER TABLE quiz_answers ADD COLUMN graded_at BIGINT;
