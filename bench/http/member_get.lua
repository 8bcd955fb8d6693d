-- Reads: a random member's wallets (balances, open lots and holds), the read
-- a checkout makes before it quotes. Stands in for POST /v1/checkout/quote
-- until quotes exist (issue 5).
local members = tonumber(os.getenv("PATRON_BENCH_MEMBERS") or "100000")
local key = os.getenv("PATRON_BENCH_KEY")
local thread_id = 0
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  math.randomseed(thread_id * 104729 + 3)
end

request = function()
  return wrk.format("GET", "/v1/members/m" .. math.random(members), {
    ["Authorization"] = "Bearer " .. key,
  })
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
