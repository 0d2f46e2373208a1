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
--   BENCH_VOTE_CONNECTIONS_PER_THREAD  wrk's -c divided by its -t (each thread's connections)
--
-- Exact accounting: wrk stops at its -d deadline with requests still in flight, and the server
-- still counts those votes although wrk never sees their answers. So after BENCH_VOTE_SECONDS no
-- new request is sent (delay() parks the connection), and each thread stops itself once every
-- one of its connections is parked, which a connection is only after its last answer; run.py
-- gives wrk a few seconds more than that as a backstop. wrk itself then counts every answer
-- (its "requests") and every answer of 400 or more ("Non-2xx or 3xx responses").
--
-- Cheap on the client, since wrk shares the machine's two cores with the server: every request
-- is built once in init(), and there is no response() function, so wrk neither copies the
-- headers and body of each answer nor calls into Lua for it (it does both when a script
-- defines response()). The ceiling's wrk runs no script at all.
--
-- wrk's main thread sleeps for the whole -d duration, so its Requests/sec is diluted by the
-- idle tail: done() reports the time from the first request sent to the last answer (the moment
-- the last connection parked), and run.py divides by that instead. done() prints one line that
-- run.py parses:
--   BENCH_VOTES sent=<requests> elapsed=<s>

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
-- wrk gives each of its threads an equal share of the connections (-c divided by -t).
local connections = tonumber(os.getenv("BENCH_VOTE_CONNECTIONS_PER_THREAD") or "16")

-- setup() runs in the main Lua state, once per thread: number the threads and keep them so
-- done() can add up their counters.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- Per thread (each thread has its own Lua state; these globals are what thread:get reads).
function init(args)
  sent = 0
  parked = 0
  first = 0 -- when this thread sent its first request
  last = 0 -- when its last connection parked: the moment its last answer came
  deadline = now() + seconds
  index = (id or 1) * 7919
  math.randomseed(os.time() + (id or 1) * 104729)
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-CSRFToken"] = token,
    ["Cookie"] = cookie,
    ["HX-Request"] = "true",
  }
  ships, skips = {}, {}
  for n = 1, tools do
    local path = "/votes/" .. string.format("%s%04d", prefix, n) .. "/"
    ships[n] = wrk.format("POST", path, headers, "value=ship")
    skips[n] = wrk.format("POST", path, headers, "value=skip")
  end
end

-- Called before every request: 0 ms while sending, then park the connection for an hour. A
-- connection asks again only once its answer has come, so the thread is done when all of its
-- connections are parked.
function delay()
  local t = now()
  if t < deadline then
    if sent == 0 then
      first = t
    end
    sent = sent + 1
    return 0
  end
  parked = parked + 1
  last = t
  if parked >= connections then
    wrk.thread:stop()
  end
  return 3600000
end

function request()
  index = index + 1
  local n = index % tools + 1
  return math.random() < 0.6 and ships[n] or skips[n]
end

function done(summary, latency, requests)
  local total_sent = 0
  local started, finished = math.huge, 0
  for _, thread in ipairs(threads) do
    if thread:get("sent") > 0 then
      started = math.min(started, thread:get("first"))
    end
    finished = math.max(finished, thread:get("last"))
    total_sent = total_sent + thread:get("sent")
  end
  local elapsed = finished > started and finished - started or 0
  io.write(string.format("BENCH_VOTES sent=%d elapsed=%.3f\n", total_sent, elapsed))
end
