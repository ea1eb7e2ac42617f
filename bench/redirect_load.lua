-- wrk script of bench/redirect_load.py: clicks spread over the member links' codes, counted per link.
--
-- Arguments (after `--`): the file of click codes (one a line), the tail code, the epoch second at
-- which clicks stop, the User-Agent of the clicks, and "close" to ask for a new connection per request
-- (as phones arriving one by one do) instead of keeping connections open.
--
-- Until that second every request is a click: a GET of a random member link's /l/<code> with a
-- phone's User-Agent. After it, every request goes to the tail link without a User-Agent (a 302,
-- never a click), so the requests still in flight when wrk stops are not clicks: a click the server
-- recorded whose 302 wrk never read would otherwise look like a click nobody sent.
--
-- Each 302's Location carries utm_content, the member link's signed token: `done` prints the 302s
-- received per token, so the benchmark compares them with the Click rows of each member link.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  codes = {}
  for line in io.lines(args[1]) do
    codes[#codes + 1] = line
  end
  tail_path = "/l/" .. args[2]
  clicks_until = tonumber(args[3])
  click_headers = { ["User-Agent"] = args[4] }
  tail_headers = {}
  if args[5] == "close" then
    click_headers["Connection"] = "close"
    tail_headers["Connection"] = "close"
  end
  statuses = {}
  links = {}
  math.randomseed(os.time() * 100 + id)
end

function request()
  if os.time() < clicks_until then
    return wrk.format("GET", "/l/" .. codes[math.random(#codes)], click_headers)
  end
  return wrk.format("GET", tail_path, tail_headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 302 then
    local token = string.match(headers["Location"] or "", "[?&]utm_content=([^&#]+)") or "?"
    links[token] = (links[token] or 0) + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests %d\n", summary.requests))
  io.write(string.format("RESULT duration_us %d\n", summary.duration))
  io.write(string.format("RESULT errors %d %d %d %d %d\n", e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format(
    "RESULT latency_us %d %d %d %d %.1f\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
  ))
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("STATUS %d %d\n", status, count))
    end
    for token, count in pairs(thread:get("links")) do
      io.write(string.format("LINK %s %d\n", token, count))
    end
  end
end
