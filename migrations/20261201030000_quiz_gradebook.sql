-- Quiz results sent to the grade book: which evaluation an assignment's results went to, so
-- that sending again updates that evaluation instead of creating a second one. Same
-- conventions as the foundation: BIGINT ids made by the application, BIGINT milliseconds, the
-- same SQL on SQLite and PostgreSQL.

-- One evaluation per assignment at most. Deleting the evaluation (or the assignment) drops the
-- link; a later send then creates a new evaluation.
CREATE TABLE quiz_gradebook_links (
    assignment_id BIGINT PRIMARY KEY REFERENCES quiz_assignments(id) ON DELETE CASCADE,
    evaluation_id BIGINT NOT NULL UNIQUE REFERENCES evaluations(id) ON DELETE CASCADE,
    sent_by BIGINT NOT NULL REFERENCES users(id),
    sent_at BIGINT NOT NULL
);
