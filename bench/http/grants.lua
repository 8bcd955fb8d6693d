-- Durable writes: a purchase rebate granted to a random member, each with a
-- unique order id. Acknowledged only after the group commit is on disk.
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
  math.randomseed(thread_id * 7919 + 17)
end

request = function()
  counter = counter + 1
  local body = '{"wallet":"credit","amount":50,"source":"purchase","order_id":"o' ..
      thread_id .. "-" .. counter .. '"}'
  return wrk.format("POST", "/v1/members/m" .. math.random(members) .. "/grants", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
