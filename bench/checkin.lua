-- wrk script for bench/checkin.py: POST check-ins with the bearer tokens of the seeded
-- devices (sdd_bench_00000000 ... sdd_bench_<N-1>), each thread from its own offset,
-- and a JSON line with the figures at the end.
local devices = tonumber(os.getenv("BENCH_DEVICES") or "100000")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local token = string.format("sdd_bench_%08d", (offset + counter) % devices)
  return wrk.format("POST", nil, { ["Authorization"] = "Bearer " .. token }, "")
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non_2xx": %d, '
      .. '"socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
