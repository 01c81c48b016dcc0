-- POST /tokens/verify_access_token over a list of serialized tokens (one per line in
-- BENCH_TOKENS_FILE), each thread walking the list from its own offset, so that verifications
-- spread over the whole store (many users, rows all over the primary key) instead of hitting one
-- cached row. The body is the one request.lua sends: {"token", "interface":"rest"}.
local prefix = os.getenv("BENCH_PREFIX") or "/api/v3/onezone"
local bodies = {}
for line in io.lines(os.getenv("BENCH_TOKENS_FILE")) do
  if line ~= "" then bodies[#bodies + 1] = '{"token":"' .. line .. '","interface":"rest"}' end
end
if #bodies == 0 then error("verify_tokens.lua: no tokens in BENCH_TOKENS_FILE") end

local counter = 1
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

local headers = {["Content-Type"] = "application/json"}
local i = 0
function request()
  i = i + 1
  local body = bodies[((offset or 0) + i) % #bodies + 1]
  return wrk.format("POST", prefix .. "/tokens/verify_access_token", headers, body)
end
