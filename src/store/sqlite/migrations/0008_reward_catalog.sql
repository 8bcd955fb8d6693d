-- patron schema v8: reward catalog redemptions (docs/checkout.md "Reward
-- catalog"). Same conventions as 0001: times are UTC unix seconds, tables are
-- STRICT, CHECKs spell out "a = x OR a = y" instead of IN lists.

-- One purchase from the catalog. Ids come from the ledger's redemption id
-- sequence (id_high_water reads both tables). refunded_at is 0 until refunded.
CREATE TABLE reward_redemptions (
  program_id TEXT NOT NULL,
  id INTEGER NOT NULL,
  member_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind = 'coupon' OR kind = 'gift' OR kind = 'credit'),
  wallet TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price > 0),
  program_version INTEGER NOT NULL,
  coupon_code TEXT NOT NULL,
  sku TEXT NOT NULL,
  credit_wallet TEXT NOT NULL,
  credit_amount INTEGER NOT NULL CHECK (credit_amount >= 0),
  lot_id INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state = 'redeemed' OR state = 'refunded'),
  at INTEGER NOT NULL,
  refunded_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, id)
) STRICT, WITHOUT ROWID;
-- reward_redemptions_page: a member's, newest first.
CREATE INDEX reward_redemptions_by_member ON reward_redemptions (program_id, member_id, id);
-- count_reward_redemptions: stock (every member) and per-member limits.
CREATE INDEX reward_redemptions_by_item
  ON reward_redemptions (program_id, item_id, state, member_id, at);
