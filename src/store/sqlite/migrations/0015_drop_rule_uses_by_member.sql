-- patron schema v15: rule_uses_by_member is gone. Every earn that records a
-- rule use wrote a random page of it (a second one besides the table's own,
-- which is keyed by member and rule too): dropping it gave order events
-- +2-7% (docs/benchmarks.md, session 15). A member's uses of a rule since a
-- time are now read from the table's primary key range (program, member,
-- rule), filtered by time: the same rows, no longer ordered by time, so a
-- capped rule costs a scan of that member's uses of that rule. Same
-- conventions as 0001.
DROP INDEX rule_uses_by_member;
