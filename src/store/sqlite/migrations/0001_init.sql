-- patron schema v1: programs, wallets, members, the wallet ledger, idempotency.
-- Times are UTC unix seconds. Amounts are int64 minor units.
-- CHECKs spell out "a = x OR a = y" instead of "a IN (x, y)": SQLite 3.40
-- builds an ephemeral table for IN lists on every UPDATE of the column,
-- which made the expiry job five times slower.
CREATE TABLE programs (
  id TEXT PRIMARY KEY,
  currency TEXT NOT NULL,
  minor_digits INTEGER NOT NULL CHECK (minor_digits BETWEEN 0 AND 4),
  time_zone TEXT NOT NULL
) STRICT;

CREATE TABLE wallets (
  program_id TEXT NOT NULL REFERENCES programs(id),
  name TEXT NOT NULL,
  unit TEXT NOT NULL,
  minor_digits INTEGER NOT NULL,
  default_expiry TEXT NOT NULL,
  expiry_by_source TEXT NOT NULL,
  hold_ttl_s INTEGER NOT NULL CHECK (hold_ttl_s > 0),
  debt_policy TEXT NOT NULL CHECK (debt_policy = 'negative_balance' OR debt_policy = 'write_off'),
  restore_policy TEXT NOT NULL CHECK (restore_policy = 'new_lot_if_expired' OR restore_policy = 'original_lot'),
  restored_lot_expiry TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (program_id, name)
) STRICT;

CREATE TABLE members (
  program_id TEXT NOT NULL REFERENCES programs(id),
  id TEXT NOT NULL,
  birthday TEXT,
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE wallet_debts (
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  wallet TEXT NOT NULL,
  debt INTEGER NOT NULL CHECK (debt >= 0),
  PRIMARY KEY (program_id, member_id, wallet),
  FOREIGN KEY (program_id, member_id) REFERENCES members(program_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE lots (
  id INTEGER PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  wallet TEXT NOT NULL,
  source TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
  expired INTEGER NOT NULL CHECK (expired >= 0 AND expired <= amount),
  written_off INTEGER NOT NULL CHECK (written_off >= 0 AND written_off <= amount),
  state TEXT NOT NULL CHECK (state = 'pending' OR state = 'available' OR state = 'expired'),
  granted_at INTEGER NOT NULL,
  available_at INTEGER,
  expires_at INTEGER,
  scope TEXT NOT NULL,
  order_id TEXT NOT NULL,
  line_shares TEXT NOT NULL,
  reason TEXT NOT NULL,
  FOREIGN KEY (program_id, member_id) REFERENCES members(program_id, id)
) STRICT;
CREATE INDEX lots_by_member ON lots (program_id, member_id, wallet);
CREATE INDEX lots_by_order ON lots (program_id, member_id, wallet, order_id) WHERE order_id != '';
CREATE INDEX lots_expiring ON lots (program_id, wallet, expires_at) WHERE state != 'expired';
CREATE INDEX lots_maturing ON lots (program_id, wallet, available_at) WHERE state = 'pending';

CREATE TABLE holds (
  id INTEGER PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  wallet TEXT NOT NULL,
  order_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  captured INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state = 'open' OR state = 'captured' OR state = 'released' OR state = 'expired'),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  allocations TEXT NOT NULL,
  FOREIGN KEY (program_id, member_id) REFERENCES members(program_id, id)
) STRICT;
CREATE INDEX holds_by_member ON holds (program_id, member_id, wallet, state);
CREATE INDEX holds_open ON holds (program_id, wallet, expires_at) WHERE state = 'open';

CREATE TABLE redemptions (
  id INTEGER PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  wallet TEXT NOT NULL,
  order_id TEXT NOT NULL,
  hold_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  allocations TEXT NOT NULL,
  FOREIGN KEY (program_id, member_id) REFERENCES members(program_id, id)
) STRICT;
CREATE INDEX redemptions_by_order ON redemptions (program_id, member_id, wallet, order_id);

-- Append-only: one row moves `amount` from one account to another.
CREATE TABLE transfers (
  id INTEGER PRIMARY KEY,
  journal_id INTEGER NOT NULL,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  wallet TEXT NOT NULL,
  kind TEXT NOT NULL,
  from_account TEXT NOT NULL,
  to_account TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  lot_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  CHECK (from_account != to_account)
) STRICT;
CREATE INDEX transfers_by_member ON transfers (program_id, member_id, wallet, id);
CREATE TRIGGER transfers_append_only_update BEFORE UPDATE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are append-only'); END;
CREATE TRIGGER transfers_append_only_delete BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are append-only'); END;

CREATE TABLE idempotency (
  program_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, key)
) STRICT, WITHOUT ROWID;
