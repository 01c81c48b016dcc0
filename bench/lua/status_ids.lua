-- GET /tokens/named/{id}/status over a list of token ids (one per line in BENCH_IDS_FILE), each
-- thread walking the list from its own offset, so that reads spread over the whole store instead
-- of hitting one cached row. BENCH_TOKEN is sent as x-auth-token.
local prefix = os.getenv("BENCH_PREFIX") or "/api/v3/onezone"
local token = os.getenv("BENCH_TOKEN")
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS_FILE")) do
  if line ~= "" then ids[#ids + 1] = line end
end
if #ids == 0 then error("status_ids.lua: no ids in BENCH_IDS_FILE") end

local counter = 1
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

local i = 0
function request()
  i = i + 1
  local id = ids[((offset or 0) + i) % #ids + 1]
  return wrk.format("GET", prefix .. "/tokens/named/" .. id .. "/status", {["x-auth-token"] = token})
end
