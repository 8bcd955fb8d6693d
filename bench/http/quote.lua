-- Checkout quotes (POST /v1/checkout/quote, the read a storefront makes on
-- every cart change): a random member with NT$500 of credit, a two-line
-- cart of the Taiwan example program (redemption caps, the rebate it would
-- earn, tier progress). Writes nothing.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

common.run(200, 65537, function()
  local body = '{"member_id":"' .. common.member() .. '","cart":{"channel":"web",' ..
      '"shipping":60,"lines":[{"line_id":"1","sku":"DRESS-7","category":"dresses",' ..
      '"quantity":1,"unit_price":890},{"line_id":"2","sku":"SKIRT-9","category":"bottoms",' ..
      '"quantity":' .. math.random(3) .. ',"unit_price":590}]}}'
  return wrk.format("POST", "/v1/checkout/quote", common.headers(true), body)
end)
