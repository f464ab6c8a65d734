-- The benchmark's load, driven by wrk (bench/run.py): the requests of one run are made in
-- Python from bench/scenarios.py and written to a file; this script replays them.
--
--   BENCH_REQUESTS=<file> BENCH_MODE=<mode> BENCH_REPORT=<file> \
--     wrk -t1 -c8 -d20s --timeout 30s -s bench/wrk.lua http://127.0.0.1:8100
--
-- (environment variables, not script arguments: done() runs where init()'s are unknown)
-- BENCH_REQUESTS: lines `#<auth>\t<header>\t<value>` (the headers of an auth name), then one
--   request a line: `<METHOD>\t<path>\t<auth>\t<JSON body or nothing>`.
-- BENCH_MODE: `cycle` (reads: start again at the end) or `once` (writes, each request unique:
--   the thread stops when they are used up, and the run's duration is what it took).
-- BENCH_REPORT: where done() writes the figures as JSON.
-- A response other than 200, or a decision answered with errors (`"errors":[` not empty),
-- is a failure; the first one's status and body are kept.

local requests = {}
local position = 0
local once = false
failures = 0
first_error = ""
exhausted = 0

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(_)
   local headers_of = {}
   once = os.getenv("BENCH_MODE") == "once"
   for line in io.lines(os.getenv("BENCH_REQUESTS")) do
      if line:sub(1, 1) == "#" then
         local auth, header, value = line:match("^#([^\t]+)\t([^\t]+)\t(.*)$")
         headers_of[auth] = headers_of[auth] or {}
         headers_of[auth][header] = value
      else
         local method, path, auth, body = line:match("^(%u+)\t([^\t]+)\t([^\t]+)\t(.*)$")
         local headers = {}
         for name, value in pairs(headers_of[auth] or {}) do
            headers[name] = value
         end
         if body == "" then
            body = nil
         else
            headers["Content-Type"] = "application/json"
         end
         requests[#requests + 1] = wrk.format(method, path, headers, body)
      end
   end
end

function request()
   position = position + 1
   if position > #requests then
      if once then
         exhausted = 1
         wrk.thread:stop()
         position = #requests
      else
         position = 1
      end
   end
   return requests[position]
end

function response(status, headers, body)
   -- A decision (PUT /v2/requests) answers 200 with per-item errors when refused.
   if status ~= 200 or body:find('"errors":%[{') then
      failures = failures + 1
      if first_error == "" then
         first_error = status .. ": " .. body:sub(1, 300)
      end
   end
end

local function json_string(text)
   return '"' .. text:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function done(summary, latency, _)
   local failed, error_text, stopped = 0, "", 0
   for _, thread in ipairs(threads) do
      failed = failed + thread:get("failures")
      stopped = stopped + thread:get("exhausted")
      if error_text == "" then
         error_text = thread:get("first_error")
      end
   end
   local errors = summary.errors
   local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
   local report = io.open(os.getenv("BENCH_REPORT"), "w")
   report:write(string.format(
      '{"requests": %d, "duration_us": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f, ' ..
      '"mean": %.3f, "failures": %d, "socket_errors": %d, "exhausted": %d, "error": %s}\n',
      summary.requests, summary.duration,
      latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, latency.mean / 1000,
      failed, socket_errors, stopped, json_string(error_text)))
   report:close()
end
