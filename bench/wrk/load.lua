-- wrk script for every load row of `npm run bench` (bench/rows/). Configured through
-- environment variables so one script serves the Worker and its baseline alike:
--   WRK_METHOD, WRK_PATH, WRK_CT (Content-Type), WRK_AUTH (Authorization), WRK_BODY
--   WRK_CODES   file of device codes, one a line: each request polls the next code, so no
--               code is polled twice until the whole list has been used
--   WRK_FORMAT  "form" (client → Worker) or "authlete" (Worker → Authlete /auth/token body)
--   WRK_OFFSET  index of the first code (the bench carries it over from run to run)
--   WRK_EXPECT  substring every response body must contain, or "status:NNN"
-- done() prints one line `WRK_JSON {...}` that the bench parses.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local function env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

local requests = {}
local expect_status = nil
local expect_text = nil
ok = 0
bad = 0
sample = ""

function init(args)
  local method = env("WRK_METHOD", "GET")
  local path = env("WRK_PATH", "/")
  local headers = {}
  if env("WRK_CT", nil) then headers["Content-Type"] = env("WRK_CT") end
  if env("WRK_AUTH", nil) then headers["Authorization"] = env("WRK_AUTH") end
  if env("WRK_FORMAT", "") == "authlete" then headers["Accept"] = "application/json" end
  local codes_file = env("WRK_CODES", nil)
  if codes_file then
    local fmt = env("WRK_FORMAT", "form")
    for code in io.lines(codes_file) do
      if code ~= "" then
        local form = "client_id=demo-device&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=" .. code
        local body = form
        if fmt == "authlete" then body = '{"parameters":"' .. form .. '"}' end
        table.insert(requests, wrk.format(method, path, headers, body))
      end
    end
    counter = tonumber(env("WRK_OFFSET", "0")) % #requests + 1
  else
    table.insert(requests, wrk.format(method, path, headers, env("WRK_BODY", nil)))
  end
  local e = env("WRK_EXPECT", "")
  if e:sub(1, 7) == "status:" then expect_status = tonumber(e:sub(8)) else expect_text = e end
end

function request()
  local r = requests[counter]
  counter = counter + 1
  if counter > #requests then counter = 1 end
  return r
end

function response(status, headers, body)
  local good
  if expect_status then good = (status == expect_status)
  else good = (body ~= nil and string.find(body, expect_text, 1, true) ~= nil) end
  if good then ok = ok + 1 else
    bad = bad + 1
    if sample == "" then sample = tostring(status) .. " " .. string.sub(body or "", 1, 200) end
  end
end

local function jstr(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests_stats)
  local tok, tbad, tsample = 0, 0, ""
  for _, t in ipairs(threads) do
    tok = tok + (t:get("ok") or 0)
    tbad = tbad + (t:get("bad") or 0)
    local s = t:get("sample") or ""
    if tsample == "" then tsample = s end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"meanUs":%.1f,"maxUs":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},"ok":%d,"bad":%d,"badSample":%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.timeout, e.status, tok, tbad, jstr(tsample)))
end
