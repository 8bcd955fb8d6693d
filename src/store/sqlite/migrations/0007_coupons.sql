-- patron schema v7: coupons (docs/checkout.md "Coupons").
-- Same conventions as 0001: times are UTC unix seconds, tables are STRICT,
-- CHECKs spell out "a = x OR a = y" instead of IN lists.

-- A batch: the terms its codes share (a JSON object, store/codec.cpp
-- encode_coupon_terms), one shared code or `count` unique codes.
CREATE TABLE coupon_batches (
  program_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  terms TEXT NOT NULL CHECK (json_valid(terms) AND json_type(terms) = 'object'),
  shared_code TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  member_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (program_id, id)
) STRICT, WITHOUT ROWID;

-- One code, unique in its program.
CREATE TABLE coupons (
  program_id TEXT NOT NULL,
  code TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  single_use INTEGER NOT NULL CHECK (single_use = 0 OR single_use = 1),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, code),
  FOREIGN KEY (program_id, batch_id) REFERENCES coupon_batches(program_id, id)
) STRICT, WITHOUT ROWID;
-- coupons_page: the codes of one batch in code order.
CREATE INDEX coupons_by_batch ON coupons (program_id, batch_id, code);

-- A code used on an order: pending (counts until expires_at), confirmed, or
-- released (never counts).
CREATE TABLE coupon_redemptions (
  program_id TEXT NOT NULL,
  code TEXT NOT NULL,
  order_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state = 'pending' OR state = 'confirmed' OR state = 'released'),
  discount INTEGER NOT NULL CHECK (discount >= 0),
  at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, code, order_id),
  FOREIGN KEY (program_id, code) REFERENCES coupons(program_id, code)
) STRICT, WITHOUT ROWID;
-- coupon_uses: the batch's and the member's counts (the code's use the
-- primary key); state and expires_at make them covering.
CREATE INDEX coupon_redemptions_by_batch
  ON coupon_redemptions (program_id, batch_id, member_id, state, expires_at);
-- order_coupon_redemptions.
CREATE INDEX coupon_redemptions_by_order ON coupon_redemptions (program_id, order_id);
