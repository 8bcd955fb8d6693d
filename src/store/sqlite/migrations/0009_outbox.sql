-- patron schema v9: the outbox of events and their webhook deliveries
-- (docs/webhooks.md). Same conventions as 0001: times are UTC unix seconds,
-- tables are STRICT, CHECKs spell out "a = x OR a = y" instead of IN lists.

-- Append-only: one event, written in the transaction of the change that
-- caused it. Ids increase across programs and are never reused (receivers
-- deduplicate by them); data is a JSON object.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  program_id TEXT NOT NULL,
  type TEXT NOT NULL,
  member_id TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_by_program ON outbox (program_id, id);
CREATE INDEX outbox_by_member ON outbox (program_id, member_id, id);
CREATE TRIGGER outbox_append_only_update BEFORE UPDATE ON outbox
BEGIN SELECT RAISE(ABORT, 'the outbox is append-only'); END;

-- Where a program's events go. events is a JSON array of type filters;
-- cursor is the last event id fanned out to the endpoint.
CREATE TABLE webhook_endpoints (
  program_id TEXT NOT NULL,
  id TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled = 0 OR enabled = 1),
  max_in_flight INTEGER NOT NULL CHECK (max_in_flight > 0),
  cursor INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, id)
) STRICT, WITHOUT ROWID;

-- One event for one endpoint and its attempts.
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY,
  program_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  event_id INTEGER NOT NULL REFERENCES outbox(id),
  event_type TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state = 'pending' OR state = 'delivered' OR state = 'dead'),
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_attempt_at INTEGER,
  last_status INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  last_duration_us INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (program_id, endpoint_id, event_id)
) STRICT;
-- due_deliveries: the worker's queue per endpoint.
CREATE INDEX webhook_deliveries_due
  ON webhook_deliveries (program_id, endpoint_id, state, next_attempt_at, id);
-- deliveries_page: an endpoint's log, newest first.
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (program_id, endpoint_id, id);
