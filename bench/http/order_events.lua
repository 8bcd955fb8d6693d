-- Durable order events: a new two-line order for a random member, paid in
-- the same request (PUT /v1/orders/{id} with "events":[{"event":"paid"}]):
-- the order is stored, the Taiwan program's rebate is earned as a pending
-- lot, tiers are re-evaluated and the outbox written, all in one group
-- commit, acknowledged only once it is on disk.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
local counter = 0

common.run(201, 7907, function()
  counter = counter + 1
  local body = '{"member_id":"' .. common.member() .. '","lines":[' ..
      '{"line_id":"1","sku":"DRESS-7","category":"dresses","quantity":1,"unit_price":890},' ..
      '{"line_id":"2","sku":"SKIRT-9","category":"bottoms","quantity":1,"unit_price":590}],' ..
      '"events":[{"event":"paid"}]}'
  return wrk.format("PUT", "/v1/orders/b" .. thread_id .. "-" .. counter, common.headers(true),
    body)
end)
