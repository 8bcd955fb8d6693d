-- patron schema v4: program rules, orders and member tiers.
-- Same conventions as 0001: times are UTC unix seconds, amounts int64 minor
-- units, tables are STRICT.

-- The program's earn rules, member days and tiers as JSON (store/codec.h
-- encode_rules); programs written before this version have none.
ALTER TABLE programs ADD COLUMN rules TEXT NOT NULL DEFAULT '{}';

-- One order and where it is in its lifecycle, upserted as events arrive.
-- What analytics reads (member, when placed, lifecycle times, subtotal) are
-- columns; lines, channel, shipping, refunds and what it earned are JSON in
-- body (store/codec.h encode_order_body). subtotal is the sum of line nets,
-- kept in step with body and checked when read; paid_value is what the order
-- counts as paid spend for tiers (rules::paid_value), written with every upsert.
-- No foreign key to members: a guest order has member_id ''.
CREATE TABLE orders (
  program_id TEXT NOT NULL REFERENCES programs(id),
  id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  placed_at INTEGER NOT NULL,
  paid_at INTEGER,
  fulfilled_at INTEGER,
  completed_at INTEGER,
  cancelled_at INTEGER,
  earned_at INTEGER,
  program_version INTEGER NOT NULL CHECK (program_version >= 0),
  subtotal INTEGER NOT NULL,
  paid_value INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, id)
) STRICT, WITHOUT ROWID;
-- A member's orders oldest first; the primary key (id) breaks ties. It
-- covers the order summaries (tiers judge them on every order, analytics
-- scan them), so reading them never touches the rows and their bodies.
CREATE INDEX orders_by_member ON orders (program_id, member_id, placed_at, paid_at,
  fulfilled_at, completed_at, cancelled_at, subtotal, paid_value);

-- A member's tier (rules/tiers.h TierState): the level id ('' is the base
-- level), the current period (since, until: the anniversary, when retention
-- is judged), and the level an order's upgrade came from, with that order.
ALTER TABLE members ADD COLUMN tier TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN tier_since INTEGER;
ALTER TABLE members ADD COLUMN tier_until INTEGER;
ALTER TABLE members ADD COLUMN tier_previous TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN tier_upgraded_by TEXT NOT NULL DEFAULT '';
-- The tiers job: members whose period ends at or before now.
CREATE INDEX members_tier_due ON members (program_id, tier_until) WHERE tier_until IS NOT NULL;
