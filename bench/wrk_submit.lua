-- wrk script: POST /api/transaction with varied bodies, one JSON document per line of the file
-- named after `--` (and the API key in the file named next, if any); prints one JSON line of
-- results at the end (for bench/wrk.py to read).

local bodies = {}
local next_body = 1
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end

function init(args)
  local path = args[1]
  for line in io.lines(path) do
    if #line > 0 then
      table.insert(bodies, line)
    end
  end
  -- threads start at different places, so they do not send the same user at the same moment
  next_body = ((thread_index or 0) * 997) % #bodies + 1
  wrk.method = "POST"
  wrk.path = "/api/transaction"
  wrk.headers["Content-Type"] = "application/json"
  -- The API key, when access control is on: from a file named after the bodies' (mode 0600), since
  -- wrk's command line is what `ps` shows.
  local key_path = args[2]
  if key_path then
    local file = assert(io.open(key_path, "r"))
    wrk.headers["Authorization"] = "Bearer " .. file:read("*l")
    file:close()
  end
  created = 0
  rejected = 0
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    rejected = rejected + 1
  end
end

function done(summary, latency, requests)
  local created_total, rejected_total = 0, 0
  for _, thread in ipairs(threads) do
    created_total = created_total + thread:get("created")
    rejected_total = rejected_total + thread:get("rejected")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "created": %d, "rejected": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %f}}\n',
    summary.requests, summary.duration, created_total, rejected_total,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
