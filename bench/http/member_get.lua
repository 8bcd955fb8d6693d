-- Reads: a random member's wallets (balances, open lots and holds), the read
-- a checkout page makes to show the balance.
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
