-- patron schema v5: rule uses (per-member limits and caps, program budgets).
-- Same conventions as 0001: times are UTC unix seconds, amounts int64 minor
-- units, tables are STRICT.

-- One grant made by a rule (an earn rule or an engagement reward) to a
-- member (app/model.h RuleUse), append-only. The primary key makes a grant
-- happen once per key (the order id, "signup", the year of a birthday, the
-- event id): a second insert fails the write.
CREATE TABLE rule_uses (
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  key TEXT NOT NULL,
  wallet TEXT NOT NULL,
  value INTEGER NOT NULL,
  lot_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (program_id, member_id, rule_id, key),
  FOREIGN KEY (program_id, member_id) REFERENCES members(program_id, id)
) STRICT, WITHOUT ROWID;
-- A member's grants of a rule since a time (limits and caps per day, month,
-- year, lifetime). value makes it covering: counting never reads the rows.
CREATE INDEX rule_uses_by_member ON rule_uses (program_id, member_id, rule_id, at, value);

-- Every grant of a rule in the program, counted as rule_uses rows are
-- inserted (the same write), so a budget check is one row, not a scan of
-- every member's grants.
CREATE TABLE rule_totals (
  program_id TEXT NOT NULL REFERENCES programs(id),
  rule_id TEXT NOT NULL,
  count INTEGER NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (program_id, rule_id)
) STRICT, WITHOUT ROWID;
