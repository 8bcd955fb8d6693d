-- patron schema v14: a partial wallet load (app::LoadHint::partial_at) reads
-- a member's pending lots and lots due to expire through this index, and the
-- sum of the other available lots from it alone, instead of every open lot
-- (a frequent buyer has hundreds). Same conventions as 0001.
DROP INDEX lots_by_member;
CREATE INDEX lots_by_member ON lots (program_id, member_id, wallet, state, expires_at, remaining);
