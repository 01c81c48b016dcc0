-- POST /user/tokens/named with a name no other request uses: BENCH_RUN (unique per wrk run), the
-- thread number and a per-thread counter. BENCH_TOKEN authenticates (x-auth-token).
local prefix = os.getenv("BENCH_PREFIX") or "/api/v3/onezone"
local run = os.getenv("BENCH_RUN") or "0"
local headers = {["x-auth-token"] = os.getenv("BENCH_TOKEN"), ["Content-Type"] = "application/json"}

local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local n = 0
function request()
  n = n + 1
  local body = string.format('{"name":"bench-%s-%d-%d"}', run, tid or 0, n)
  return wrk.format("POST", prefix .. "/user/tokens/named", headers, body)
end
