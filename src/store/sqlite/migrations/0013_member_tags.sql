-- patron schema v13: member tags (docs/api.md "Members"), segments a shop
-- assigns and campaigns target. Same conventions as 0001.

-- Sorted, distinct, comma separated (a tag has no comma); '' for none.
ALTER TABLE members ADD COLUMN tags TEXT NOT NULL DEFAULT '';
