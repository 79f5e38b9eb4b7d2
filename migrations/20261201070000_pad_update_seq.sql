-- Several server processes may serve one pad (docs/pads.md, "Several server processes"): the
-- database, not a process, numbers a pad's rows. Appending a row increments this counter in
-- the same transaction (`UPDATE ... RETURNING`), which also locks the pad's row until the
-- commit: two nodes appending to one pad take turns, never collide on (pad_id, seq), and a
-- pad's rows commit in `seq` order.
ALTER TABLE pads ADD COLUMN update_seq BIGINT NOT NULL DEFAULT 0;

-- The last row of each pad written so far (its last update, or the snapshot that folded it).
UPDATE pads SET update_seq = COALESCE(
    (SELECT MAX(u.seq) FROM pad_updates u WHERE u.pad_id = pads.id),
    (SELECT s.upto_seq FROM pad_snapshots s WHERE s.pad_id = pads.id),
    0
);
