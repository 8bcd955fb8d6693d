-- patron schema v16: lots_by_order is gone, and lots_by_member carries the
-- order id last. An earn inserts a lot, and each insert wrote a random page
-- of lots_by_order besides lots_by_member's own: dropping it gave order
-- events +3-9% (docs/benchmarks.md, session 15). The lots of an order
-- (app::LoadHint::order_id) are now found in the member's lots_by_member
-- entries, which hold the order id, so only the order's rows are read from
-- the table; a member with many lots costs a scan of their index entries.
-- Same conventions as 0001.
DROP INDEX lots_by_order;
DROP INDEX lots_by_member;
CREATE INDEX lots_by_member
  ON lots (program_id, member_id, wallet, state, expires_at, remaining, order_id);
