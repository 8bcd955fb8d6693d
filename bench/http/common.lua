-- What every wrk script here shares: a per-thread id and random seed, the
-- bearer key and member count from the environment (run.sh sets them), and
-- a response check that reports any status but the expected one. A script
-- loads it with
--   local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
--   local common = dofile(here .. "common.lua")
--   common.run(expected_status, seed, function() return wrk.format(...) end)
local common = {}

common.members = tonumber(os.getenv("PATRON_BENCH_MEMBERS") or "100000")
common.key = os.getenv("PATRON_BENCH_KEY")

-- A random member id, m1 .. m<members>.
function common.member()
  return "m" .. math.random(common.members)
end

-- Headers of an authenticated request; `json` adds the content type.
function common.headers(json)
  local h = { ["Authorization"] = "Bearer " .. common.key }
  if json then h["Content-Type"] = "application/json" end
  return h
end

-- Installs wrk's setup, init, request and response functions. thread_id is
-- a global: setup() sets it in each thread's own Lua state after the script
-- ran there (a local would stay 0 in every thread).
function common.run(expected_status, seed, make_request)
  local next_thread = 0
  setup = function(thread)
    thread:set("thread_id", next_thread)
    next_thread = next_thread + 1
  end
  init = function(args)
    math.randomseed(thread_id * seed + 17)
  end
  request = make_request
  response = function(status, headers, body)
    if status ~= expected_status then
      io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
    end
  end
end

return common
