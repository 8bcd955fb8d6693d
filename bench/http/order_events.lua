-- Durable order events: a new two-line order for a random member, paid in
-- the same request (PUT /v1/orders/{id} with "events":[{"event":"paid"}]):
-- the order is stored, the Taiwan program's rebate is earned as a pending
-- lot, tiers are re-evaluated and the outbox written, all in one group
-- commit, acknowledged only once it is on disk.
local members = tonumber(os.getenv("PATRON_BENCH_MEMBERS") or "100000")
local key = os.getenv("PATRON_BENCH_KEY")
local counter = 0
-- thread_id is a global: setup() sets it in each thread's own Lua state
-- after the script ran there (a local here would stay 0 in every thread).
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  math.randomseed(thread_id * 7919 + 29)
end

request = function()
  counter = counter + 1
  local body = '{"member_id":"m' .. math.random(members) .. '","lines":[' ..
      '{"line_id":"1","sku":"DRESS-7","category":"dresses","quantity":1,"unit_price":890},' ..
      '{"line_id":"2","sku":"SKIRT-9","category":"bottoms","quantity":1,"unit_price":590}],' ..
      '"events":[{"event":"paid"}]}'
  return wrk.format("PUT", "/v1/orders/b" .. thread_id .. "-" .. counter, {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
