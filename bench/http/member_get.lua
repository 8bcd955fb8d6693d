-- Reads: a random member's wallets (balances, open lots and holds), the read
-- a checkout page makes to show the balance.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

common.run(200, 104729, function()
  return wrk.format("GET", "/v1/members/" .. common.member(), common.headers(false))
end)
