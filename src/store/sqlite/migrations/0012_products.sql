-- patron schema v12: new products the shop announces (POST /v1/products),
-- for new-product notices (docs/webhooks.md "New products"). Same
-- conventions as 0001.
CREATE TABLE products (
  program_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  brand TEXT NOT NULL,
  url TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  announced_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state = 'pending' OR state = 'sent'),
  notified INTEGER NOT NULL CHECK (notified >= 0),
  sent_at INTEGER,
  PRIMARY KEY (program_id, sku)
) STRICT, WITHOUT ROWID;
-- pending_products: the products job's queue.
CREATE INDEX products_pending ON products (program_id, state, announced_at, sku);
