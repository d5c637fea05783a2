/*
 * A burst of sign-ins against a running `imago serve`, to show what the
 * Argon2id slots are for: COUNT sign-ins start at once (each a 64 MiB
 * hash with the default parameters), while one client keeps searching.
 * Prints "key value" lines for bench/run.sh:
 *   burst_count, burst_seconds, burst_401, burst_503, burst_other,
 *   search_p50_ms_idle, search_p99_ms_idle, search_p50_ms_burst,
 *   search_p99_ms_burst, hwm_mb_before, hwm_mb_after
 *
 * Each sign-in comes from its own loopback address and names its own
 * unknown account, so the abuse limits (per address, per account) do not
 * answer first: every request reaches the hashing (an unknown account
 * costs one Argon2id check, like a known one).
 *
 * usage: node bench/signin_burst.mjs BASE_URL SERVER_PID SEARCH_PATH [COUNT]
 */
import fs from 'node:fs';
import http from 'node:http';

const [base, pid, searchPath, countArg] = process.argv.slice(2);
const COUNT = Number(countArg || 64);
const url = new URL(base);

function call(method, path, { body, from } = {}) {
	return new Promise((resolve) => {
		const t0 = process.hrtime.bigint();
		const req = http.request({
			host: url.hostname, port: url.port, method, path, localAddress: from,
			headers: body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {},
			agent: false,
		}, (res) => {
			res.resume();
			res.on('end', () => resolve({ status: res.statusCode,
			    ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
		});
		req.setTimeout(120000, () => req.destroy());
		req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
		if (body)
			req.write(body);
		req.end();
	});
}

const pct = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

function hwmMb() {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
	return kb / 1024;
}

async function searchFor(ms) {
	const times = [];
	const until = Date.now() + ms;
	while (Date.now() < until)
		times.push((await call('GET', searchPath, { from: '127.0.0.2' })).ms);
	return times;
}

const idle = await searchFor(2000);
const hwmBefore = hwmMb();
let burstDone = false;
const burstStart = process.hrtime.bigint();
const burst = Promise.all(Array.from({ length: COUNT }, (_, i) => call('POST', '/api/v1/session', {
	from: `127.0.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`,
	body: JSON.stringify({ email: `burst-${i}-${process.pid}@example.org`, password: 'not the password at all' }),
}))).then((r) => {
	burstDone = true;
	return r;
});
const during = [];
while (!burstDone)
	during.push((await call('GET', searchPath, { from: '127.0.0.2' })).ms);
const results = await burst;
const seconds = Number(process.hrtime.bigint() - burstStart) / 1e9;
const count = (f) => results.filter(f).length;

const out = {
	burst_count: COUNT,
	burst_seconds: seconds.toFixed(2),
	burst_401: count((r) => r.status === 401),
	burst_503: count((r) => r.status === 503),
	burst_other: count((r) => r.status !== 401 && r.status !== 503),
	search_p50_ms_idle: pct(idle, 0.5).toFixed(2),
	search_p99_ms_idle: pct(idle, 0.99).toFixed(2),
	search_p50_ms_burst: pct(during, 0.5).toFixed(2),
	search_p99_ms_burst: pct(during, 0.99).toFixed(2),
	search_requests_burst: during.length,
	hwm_mb_before: hwmBefore.toFixed(0),
	hwm_mb_after: hwmMb().toFixed(0),
};
for (const [k, v] of Object.entries(out))
	console.log(`${k} ${v}`);
