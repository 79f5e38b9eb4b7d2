-- Unauthenticated events (throttled logins) are coalesced: one row per key per minute with a
-- count, found again by its coalesce_key (NULL for ordinary entries, which never coalesce).
ALTER TABLE audit_log ADD COLUMN repeat_count BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN coalesce_key TEXT;
CREATE UNIQUE INDEX audit_log_coalesce ON audit_log (coalesce_key);
-- The housekeeping loop purges entries past PREAU_AUDIT_RETENTION_DAYS and throttle
-- counters past their window: both by time.
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX login_throttle_by_time ON login_throttle (last_failure_at);
