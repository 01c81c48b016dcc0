-- Issues temporary tokens (POST /user/tokens/temporary) until BENCH_COUNT have been answered 201
-- over all threads. A thread that reaches its share writes a marker file in BENCH_DONE_DIR and
-- stops; the driver interrupts wrk once every thread has finished, so the run lasts as long as the
-- issuing does (wrk's -d is only the upper bound). done() prints how many were issued.
local prefix = os.getenv("BENCH_PREFIX") or "/api/v3/onezone"
local total = tonumber(os.getenv("BENCH_COUNT"))
local nthreads = tonumber(os.getenv("BENCH_THREADS"))
local done_dir = os.getenv("BENCH_DONE_DIR")
wrk.method = "POST"
wrk.path = prefix .. "/user/tokens/temporary"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-auth-token"] = os.getenv("BENCH_TOKEN")

local threads = {}
local counter = 0
function setup(thread)
  local share = math.floor(total / nthreads)
  if counter < total % nthreads then share = share + 1 end
  thread:set("tid", counter)
  thread:set("share", share)
  table.insert(threads, thread)
  counter = counter + 1
end

issued = 0
failed = 0
local finished = false
function response(status, headers, body)
  if status == 201 then issued = issued + 1 else failed = failed + 1 end
  if not finished and issued >= share then
    finished = true
    local f = io.open(done_dir .. "/thread-" .. tid, "w")
    if f then f:close() end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local n, bad = 0, 0
  for _, t in ipairs(threads) do
    n = n + t:get("issued")
    bad = bad + t:get("failed")
  end
  io.write(string.format("issued %d\nissue_failures %d\n", n, bad))
end
