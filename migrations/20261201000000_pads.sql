-- Collaborative pads (docs/pads.md): one text per pad, co-edited live by a class or a group.
-- A pad's text is stored as Yjs updates (v1 encoding, base64 TEXT so the column is the same
-- type on SQLite and PostgreSQL): a compacted snapshot plus the updates appended since.

CREATE TABLE pads (
    id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments(id) ON DELETE CASCADE,
    -- Exactly one of class_id, group_id is set: the unit whose members read the pad.
    class_id BIGINT REFERENCES classes(id) ON DELETE CASCADE,
    group_id BIGINT REFERENCES student_groups(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    -- 'class' (every student edits), 'teacher' (only the teachers), 'named' (pad_editors).
    edit_policy TEXT NOT NULL,
    locked BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    -- When the last update was stored; NULL while nobody has written.
    last_edit_at BIGINT,
    CHECK ((class_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX pads_by_class ON pads (class_id);
CREATE INDEX pads_by_group ON pads (group_id);

-- The students who may edit a pad whose policy is 'named'.
CREATE TABLE pad_editors (
    pad_id BIGINT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (pad_id, user_id)
);

-- Updates appended since the pad's snapshot, in the order the server applied them. Each row
-- is one tick's updates merged; a row is committed before its senders are acknowledged.
CREATE TABLE pad_updates (
    pad_id BIGINT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (pad_id, seq)
);

-- The pad's whole state up to and including update `upto_seq`; the rows it folded are gone.
CREATE TABLE pad_snapshots (
    pad_id BIGINT PRIMARY KEY REFERENCES pads(id) ON DELETE CASCADE,
    upto_seq BIGINT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
