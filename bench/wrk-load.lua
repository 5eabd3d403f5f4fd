-- wrk script for bench/load.ts. Sends the paths of a file in turn, one request after the
-- other on each connection, and checks every answer against the reference answers recorded
-- before the load: same status, same ETag (when the reference has one) and same body length.
-- Prints one line "RESULT <json>" when wrk is done.
--
-- File format, one reference per line, tab-separated:
--   path, status, name of the ETag header as the server spelled it ("" if none), ETag, body length
--   and, for a POST, the form it sends (percent-encoded, so without tabs)
--
-- With a second argument n > 0, every request carries an X-Real-IP drawn at random from n
-- addresses (10.0.0.0 onwards), as nginx in front names the client: the rate limit then
-- counts a large pool of clients, as in production. With a third argument "in-turn" the
-- addresses are taken in turn instead, from the fourth argument's index (0 is the first),
-- so that a run of n requests sends each once and the next run can go on where it stopped.
--
-- wrk does not say which request an answer belongs to, so an answer is matched by its ETag
-- (an MD5 of its body) against all the references of the file. For a single path that is
-- exact; for a mix it proves each answer is one of the answers recorded for the mix.

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

local requests, next_request = {}, 0
local etag_header
-- ETag ("" when the server sends none) -> { status, length }
local expected = {}

local addresses = {}
-- Per request: the text before and after the address, or the whole request in [1].
local parts = {}
local PLACEHOLDER = "\1address\1"
local in_turn, next_address = false, 0

function init(args)
  local pool = tonumber(args[2] or "0")
  in_turn = args[3] == "in-turn"
  if in_turn then next_address = tonumber(args[4] or "0") % math.max(pool, 1) end
  for i = 0, pool - 1 do
    addresses[#addresses + 1] = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
  end
  math.randomseed(os.time())
  for line in io.lines(args[1]) do
    local path, status, header, etag, length, form = line:match("^([^\t]*)\t(%d+)\t([^\t]*)\t([^\t]*)\t(%d+)\t?([^\t]*)$")
    if not path then error("bad reference line: " .. line:sub(1, 200)) end
    local headers = {}
    if pool > 0 then headers["X-Real-IP"] = PLACEHOLDER end
    if form ~= "" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      requests[#requests + 1] = wrk.format("POST", path, headers, form)
    else
      requests[#requests + 1] = wrk.format("GET", path, headers)
    end
    if pool > 0 then
      local at = requests[#requests]:find(PLACEHOLDER, 1, true)
      parts[#requests] = { requests[#requests]:sub(1, at - 1), requests[#requests]:sub(at + #PLACEHOLDER) }
    end
    if header ~= "" then etag_header = header end
    expected[etag] = { status = tonumber(status), length = tonumber(length) }
  end
  answers, wrong = 0, 0
end

function request()
  next_request = next_request % #requests + 1
  local split = parts[next_request]
  if split then
    local address
    if in_turn then
      next_address = next_address % #addresses + 1
      address = addresses[next_address]
    else
      address = addresses[math.random(#addresses)]
    end
    return split[1] .. address .. split[2]
  end
  return requests[next_request]
end

function response(status, headers, body)
  answers = answers + 1
  local reference = expected[etag_header and headers[etag_header] or ""]
  if not reference or reference.status ~= status or reference.length ~= #body then
    wrong = wrong + 1
  end
end

function done(summary, latency)
  local checked, wrong_total = 0, 0
  for _, thread in ipairs(threads) do
    checked = checked + thread:get("answers")
    wrong_total = wrong_total + thread:get("wrong")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"durationUs":%d,"requests":%d,"checked":%d,"wrong":%d,"errors":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.duration, summary.requests, checked, wrong_total,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
