-- patron schema v11: carts the shop reports (POST /v1/carts), for abandoned
-- cart reminders (docs/webhooks.md "Abandoned carts"). Same conventions as
-- 0001. items is a JSON array of {sku, name, category, quantity, unit_price}.
CREATE TABLE carts (
  program_id TEXT NOT NULL,
  id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  items TEXT NOT NULL,
  total INTEGER NOT NULL CHECK (total >= 0),
  url TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, id),
  FOREIGN KEY (program_id, member_id) REFERENCES members(program_id, id)
) STRICT, WITHOUT ROWID;
-- idle_carts: the carts job's scan by idle time.
CREATE INDEX carts_by_update ON carts (program_id, updated_at);
