-- wrk script for the vote POST scenario of bench/run.py.
--
-- Every request is POST /votes/<slug>/ with value=ship or skip, as htmx sends it (HX-Request,
-- X-CSRFToken from the page, the CSRF cookie), rotating over the bench tools. No voter cookie is
-- ever sent, so each request is a new anonymous voter and must add exactly one vote.
--
-- Configuration (environment, set by bench/run.py):
--   BENCH_CSRF_TOKEN   the token from a page's <body hx-headers='{"x-csrftoken": "..."}'>
--   BENCH_CSRF_COOKIE  "name=value" of the CSRF cookie that came with that page
--   BENCH_VOTE_TOOLS   how many tools to rotate over (bench-tool-0001 .. bench-tool-NNNN)
--   BENCH_VOTE_PREFIX  slug prefix (default bench-tool-)
--   BENCH_VOTE_SECONDS send requests for this long, then drain (see below)
--
-- Exact accounting: wrk stops at its -d deadline with requests still in flight, and the server
-- still counts those votes although wrk never sees their answers. So after BENCH_VOTE_SECONDS no
-- new request is sent (delay() parks the connection), and each thread stops itself once every
-- request it sent has been answered; run.py gives wrk a few seconds more than that as a backstop.
-- wrk's main thread still sleeps for the whole -d duration, so its Requests/sec is diluted by the
-- idle tail: done() also reports the time from the first request sent to the last answer, and
-- run.py divides by that instead. done() prints one line that run.py parses:
--   BENCH_VOTES ok=<200s> sent=<requests> answered=<responses> elapsed=<s> other=<status:n,...>

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]])
local tv = ffi.new("bench_timeval")

local function now()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end

local token = os.getenv("BENCH_CSRF_TOKEN") or ""
local cookie = os.getenv("BENCH_CSRF_COOKIE") or ""
local tools = tonumber(os.getenv("BENCH_VOTE_TOOLS") or "1000")
local prefix = os.getenv("BENCH_VOTE_PREFIX") or "bench-tool-"
local seconds = tonumber(os.getenv("BENCH_VOTE_SECONDS") or "10")

-- setup() runs in the main Lua state, once per thread: number the threads and keep them so
-- done() can add up their counters.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- Per thread (each thread has its own Lua state; these globals are what thread:get reads).
function init(args)
  ok = 0
  sent = 0
  answered = 0
  first = 0 -- when this thread sent its first request
  last = 0 -- when it received its last answer
  other = {}
  deadline = now() + seconds
  index = (id or 1) * 7919
  math.randomseed(os.time() + (id or 1) * 104729)
  headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-CSRFToken"] = token,
    ["Cookie"] = cookie,
    ["HX-Request"] = "true",
  }
end

-- Called before every request: 0 ms while sending, then park the connection for an hour.
function delay()
  local t = now()
  if t < deadline then
    if sent == 0 then
      first = t
    end
    sent = sent + 1
    return 0
  end
  if answered >= sent then
    wrk.thread:stop()
  end
  return 3600000
end

function request()
  index = index + 1
  local slug = string.format("%s%04d", prefix, index % tools + 1)
  local value = math.random() < 0.6 and "ship" or "skip"
  return wrk.format("POST", "/votes/" .. slug .. "/", headers, "value=" .. value)
end

function response(status, headers, body)
  answered = answered + 1
  last = now()
  if status == 200 then
    ok = ok + 1
  else
    other[status] = (other[status] or 0) + 1
  end
  if answered >= sent and last >= deadline then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total_ok, total_sent, total_answered, statuses = 0, 0, 0, {}
  local started, finished = math.huge, 0
  for _, thread in ipairs(threads) do
    if thread:get("sent") > 0 then
      started = math.min(started, thread:get("first"))
    end
    finished = math.max(finished, thread:get("last"))
    total_ok = total_ok + thread:get("ok")
    total_sent = total_sent + thread:get("sent")
    total_answered = total_answered + thread:get("answered")
    for status, count in pairs(thread:get("other")) do
      statuses[status] = (statuses[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(statuses) do
    table.insert(parts, string.format("%d:%d", status, count))
  end
  local elapsed = finished > started and finished - started or 0
  io.write(string.format("BENCH_VOTES ok=%d sent=%d answered=%d elapsed=%.3f other=%s\n",
    total_ok, total_sent, total_answered, elapsed, table.concat(parts, ",")))
end
