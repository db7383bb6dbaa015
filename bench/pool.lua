-- wrk script: walk a pool of pre-signed requests, one nonce each, and count what came back.
-- Arguments after "--": pool file (one path?query per line), method, body file ("" for none),
-- number of wrk threads, "cycle" to walk the pool round and round (unsigned calls).
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  pool = {}
  for line in io.lines(args[1]) do pool[#pool + 1] = line end
  method = args[2]
  body = nil
  if args[3] ~= "" then
    local file = io.open(args[3], "rb")
    body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = "application/json"
  end
  wrk.headers["Accept"] = "application/json"
  step = tonumber(args[4])
  cycle = args[5] == "cycle"
  index = id - step
  non2xx, unauthorized, reused = 0, 0, 0
end

function request()
  index = index + step
  if index > #pool then
    index = (index - 1) % #pool + 1
    if not cycle then reused = reused + 1 end
  end
  return wrk.format(method, pool[index], nil, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if status == 401 then unauthorized = unauthorized + 1 end
end

function done(summary, latency, requests)
  local n, u, r = 0, 0, 0
  for _, thread in ipairs(threads) do
    n = n + thread:get("non2xx")
    u = u + thread:get("unauthorized")
    r = r + thread:get("reused")
  end
  io.write(string.format(
    "POOL requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d unauthorized=%d reused=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    n, u, r))
end
