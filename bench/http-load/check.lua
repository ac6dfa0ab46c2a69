-- wrk script: POST check requests with the addresses of $EMAILS (comma-separated) in turn, and one
-- RESULT line at the end in the format of LoadTool and compare.mjs: count, rate, latency percentiles,
-- verdicts (`is_reachable`) and HTTP statuses. wrk runs for its -d; run it with one thread (-t1).
-- METHOD=GET sends plain GETs instead (for GET /version).
local emails = {}
for e in string.gmatch(os.getenv("EMAILS") or "alice@rig-one.test", "[^,]+") do
  emails[#emails + 1] = e
end
local label = os.getenv("LABEL") or "reacher-java over HTTP (wrk)"
local sent = 0
verdicts, statuses = {}, {}
local threads = {}

local get = os.getenv("METHOD") == "GET"
wrk.method = get and "GET" or "POST"
if not get then
  wrk.headers["Content-Type"] = "application/json"
end

function setup(thread)
  threads[#threads + 1] = thread
end

function request()
  if get then
    return wrk.format()
  end
  sent = sent + 1
  return wrk.format(nil, nil, nil, '{"to_email":"' .. emails[(sent - 1) % #emails + 1] .. '"}')
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local v = string.match(body or "", '"is_reachable":"(%a+)"') or "none"
  verdicts[v] = (verdicts[v] or 0) + 1
end

local function render(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. t[k] end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local v, s = {}, {}
  for _, thread in ipairs(threads) do
    for k, n in pairs(thread:get("verdicts") or {}) do v[k] = (v[k] or 0) + n end
    for k, n in pairs(thread:get("statuses") or {}) do s[k] = (s[k] or 0) + n end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT %s %d in %.2f s = %.1f/s; latency ms p50 %.1f p90 %.1f p99 %.1f max %.1f %s status %s errors %d\n",
    label, summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, render(v), render(s),
    e.connect + e.read + e.write + e.status + e.timeout))
end
