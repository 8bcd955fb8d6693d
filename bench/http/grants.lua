-- Durable writes: a purchase rebate granted to a random member, each with a
-- unique order id. Acknowledged only after the group commit is on disk.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
local counter = 0

common.run(201, 7919, function()
  counter = counter + 1
  local body = '{"wallet":"credit","amount":50,"source":"purchase","order_id":"o' ..
      thread_id .. "-" .. counter .. '"}'
  return wrk.format("POST", "/v1/members/" .. common.member() .. "/grants",
    common.headers(true), body)
end)
