-- patron schema v3: versioned program configuration.
-- programs.version counts applied configurations (1 = the one the program
-- was created with); program_versions keeps every applied file as written.
ALTER TABLE programs ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);

CREATE TABLE program_versions (
  program_id TEXT NOT NULL REFERENCES programs(id),
  version INTEGER NOT NULL CHECK (version >= 1),
  config TEXT NOT NULL,      -- the TOML as applied
  applied_at INTEGER NOT NULL,
  actor TEXT NOT NULL,       -- key id, or "cli"
  PRIMARY KEY (program_id, version)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER program_versions_append_only_update BEFORE UPDATE ON program_versions
BEGIN SELECT RAISE(ABORT, 'program versions are append-only'); END;
CREATE TRIGGER program_versions_append_only_delete BEFORE DELETE ON program_versions
BEGIN SELECT RAISE(ABORT, 'program versions are append-only'); END;
