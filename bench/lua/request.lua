-- One fixed request, repeated: method, body and credential come from the environment so that
-- the driver can point the same script at every route.
--   BENCH_METHOD  GET (default), POST, DELETE...
--   BENCH_BODY    JSON body (sets Content-Type: application/json)
--   BENCH_TOKEN   access token sent as x-auth-token
--   BENCH_CONTENT_TYPE  Content-Type of the body instead of application/json
--   BENCH_AUTHORIZATION Authorization header value
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
end
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["x-auth-token"] = token
end
