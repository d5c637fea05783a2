-- wrk script for `make bench`: each request is the next path from the file
-- named by $BENCH_PATHS (one "/api/v1/therapists?near=ZIP&radius=40" a
-- line), so the run cycles through all the query ZIPs instead of hitting
-- one cached answer. Each thread starts at its own offset. done() prints
-- the figures bench/run.sh reads, one "key value" a line.

local paths = {}
local file = os.getenv("BENCH_PATHS")
if file then
	local f = io.open(file, "r")
	if f then
		for line in f:lines() do
			if line ~= "" then paths[#paths + 1] = line end
		end
		f:close()
	end
end
if #paths == 0 then
	io.stderr:write("zips.lua: set BENCH_PATHS to a file of request paths\n")
	os.exit(2)
end

local threads = 0
function setup(thread)
	thread:set("offset", threads * 7919)
	threads = threads + 1
end

local at = 0
function init(args)
	at = offset or 0
end

function request()
	at = at % #paths + 1
	return wrk.format("GET", paths[at])
end

function done(summary, latency, requests)
	local e = summary.errors
	local seconds = summary.duration / 1e6
	io.write(string.format("bench_requests %d\n", summary.requests))
	io.write(string.format("bench_seconds %.3f\n", seconds))
	io.write(string.format("bench_rps %.1f\n", summary.requests / seconds))
	io.write(string.format("bench_bytes %d\n", summary.bytes))
	io.write(string.format("bench_p50_ms %.3f\n", latency:percentile(50) / 1000))
	io.write(string.format("bench_p99_ms %.3f\n", latency:percentile(99) / 1000))
	io.write(string.format("bench_max_ms %.3f\n", latency.max / 1000))
	io.write(string.format("bench_errors %d\n",
	    e.connect + e.read + e.write + e.timeout))
	io.write(string.format("bench_status_errors %d\n", e.status))
end
