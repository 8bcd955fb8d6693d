-- Checkout quotes (POST /v1/checkout/quote, the read a storefront makes on
-- every cart change): a random member with NT$500 of credit, a two-line
-- cart of the Taiwan example program (redemption caps, the rebate it would
-- earn, tier progress). Writes nothing.
local members = tonumber(os.getenv("PATRON_BENCH_MEMBERS") or "100000")
local key = os.getenv("PATRON_BENCH_KEY")
-- thread_id is a global: setup() sets it in each thread's own Lua state
-- after the script ran there (a local here would stay 0 in every thread).
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  math.randomseed(thread_id * 65537 + 11)
end

request = function()
  local body = '{"member_id":"m' .. math.random(members) .. '","cart":{"channel":"web",' ..
      '"shipping":60,"lines":[{"line_id":"1","sku":"DRESS-7","category":"dresses",' ..
      '"quantity":1,"unit_price":890},{"line_id":"2","sku":"SKIRT-9","category":"bottoms",' ..
      '"quantity":' .. math.random(3) .. ',"unit_price":590}]}}'
  return wrk.format("POST", "/v1/checkout/quote", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }, body)
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
