-- patron schema v2: API keys, the audit log of admin changes, job runs.
-- Same conventions as 0001: times are UTC unix seconds, tables are STRICT,
-- CHECKs spell out "a = x OR a = y" chains instead of IN lists.

-- Only the hash of a key's secret is stored; the secret is shown once.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL REFERENCES programs(id),
  role TEXT NOT NULL CHECK (role = 'admin' OR role = 'integration' OR role = 'storefront' OR role = 'analyst'),
  secret_hash TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE INDEX api_keys_by_program ON api_keys (program_id);

-- Append-only: one admin change, who did what to which record.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  program_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_log_by_program ON audit_log (program_id, id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- One run of a scheduled job over one program; report is a JSON object.
CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY,
  program_id TEXT NOT NULL,
  job TEXT NOT NULL,
  trigger TEXT NOT NULL,
  as_of INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  ok INTEGER NOT NULL CHECK (ok = 0 OR ok = 1),
  report TEXT NOT NULL
) STRICT;
CREATE INDEX job_runs_by_program ON job_runs (program_id, id);
