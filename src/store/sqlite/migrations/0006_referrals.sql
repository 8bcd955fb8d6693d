-- patron schema v6: referrals (推薦).
-- Same conventions as 0001: times are UTC unix seconds, tables are STRICT,
-- CHECKs spell out "a = x OR a = y" instead of IN lists.

-- A member's own code to refer others (app/model.h Member), unique in the
-- program; '' for members written before this version (and any the app has
-- not given one), which the partial index leaves out. referred_by is the
-- referrer's member id, '' when not referred.
ALTER TABLE members ADD COLUMN referral_code TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN referred_by TEXT NOT NULL DEFAULT '';
-- member_by_referral_code; a second member with the same code in a program
-- fails the write.
CREATE UNIQUE INDEX members_by_referral_code ON members (program_id, referral_code)
  WHERE referral_code <> '';

-- One referral per referee (app/model.h Referral), upserted as it moves from
-- pending to review, rewarded or rejected. reasons is a JSON array of strings
-- (the fraud checks that sent it to review: ["same_email","same_phone"]),
-- '[]' when none. qualified_at and decided_at are NULL until they happen.
CREATE TABLE referrals (
  program_id TEXT NOT NULL,
  referee_id TEXT NOT NULL,
  referrer_id TEXT NOT NULL,
  code TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state = 'pending' OR state = 'review' OR state = 'rewarded' OR
                             state = 'rejected'),
  order_id TEXT NOT NULL,
  reasons TEXT NOT NULL CHECK (json_valid(reasons) AND json_type(reasons) = 'array'),
  created_at INTEGER NOT NULL,
  qualified_at INTEGER,
  decided_at INTEGER,
  decided_by TEXT NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (program_id, referee_id),
  FOREIGN KEY (program_id, referee_id) REFERENCES members(program_id, id),
  FOREIGN KEY (program_id, referrer_id) REFERENCES members(program_id, id)
) STRICT, WITHOUT ROWID;
-- referrals_qualified_since: a referrer's referrals that qualified since a
-- time. Partial (pending ones never count); state makes it covering, so
-- counting never reads the rows.
CREATE INDEX referrals_qualified ON referrals (program_id, referrer_id, qualified_at, state)
  WHERE state <> 'pending';
-- referrals_page with a state filter (the review queue) in referee id order.
CREATE INDEX referrals_by_state ON referrals (program_id, state, referee_id);
