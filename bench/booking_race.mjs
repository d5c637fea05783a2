/*
 * Many clients competing for one therapist's free slots, against a
 * running `imago serve`: CLIENTS guests at once, each from its own
 * loopback address, pick a random slot from the list they all saw and
 * book it, until every slot is gone or SECONDS pass. Each answer is 202
 * (held for that guest) or 409 (someone was first). Prints "key value"
 * lines for bench/booking.sh: race_slots, race_seconds, race_requests,
 * race_booked, race_conflicts, race_other, race_requests_per_s,
 * race_booked_per_s, race_p50_ms, race_p99_ms.
 *
 * usage: node bench/booking_race.mjs BASE_URL THERAPIST TYPE CLIENTS SECONDS
 */
import http from 'node:http';

const [base, therapist, type, clientsArg, secondsArg] = process.argv.slice(2);
const CLIENTS = Number(clientsArg || 32);
const SECONDS = Number(secondsArg || 10);
const url = new URL(base);

function call(method, path, { body, from } = {}) {
	return new Promise((resolve) => {
		const t0 = process.hrtime.bigint();
		const req = http.request({
			host: url.hostname, port: url.port, method, path, localAddress: from,
			headers: body ? { 'Content-Type': 'application/json',
			    'Content-Length': Buffer.byteLength(body) } : {},
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode,
			    body: Buffer.concat(chunks).toString(),
			    ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
		});
		req.on('error', () => resolve({ status: 0, body: '', ms: 0 }));
		if (body)
			req.write(body);
		req.end();
	});
}

const pct = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

const list = await call('GET', `/api/v1/therapists/${therapist}/slots?type=${type}&days=90`);
if (list.status !== 200) {
	console.error(`slots: ${list.status} ${list.body}`);
	process.exit(1);
}
const free = JSON.parse(list.body).slots.map((s) => s.start);
const total = free.length;
let booked = 0, conflicts = 0, other = 0, requests = 0, serial = 0;
const times = [];
const t0 = Date.now();
const deadline = t0 + SECONDS * 1000;

async function client(k) {
	const from = `127.0.${1 + Math.floor(k / 250)}.${1 + (k % 250)}`;
	while (free.length > 0 && Date.now() < deadline) {
		const start = free[Math.floor(Math.random() * free.length)];
		const body = JSON.stringify({ type: Number(type), start, name: `Guest ${k}`,
		    email: `race-${k}-${serial++}@example.org`, timezone: 'America/New_York' });
		const r = await call('POST', `/api/v1/therapists/${therapist}/bookings`, { body, from });
		requests++;
		times.push(r.ms);
		if (r.status === 202 || r.status === 201)
			booked++;
		else if (r.status === 409)
			conflicts++;
		else {
			other++;
			if (other <= 3)
				console.error(`unexpected ${r.status}: ${r.body}`);
		}
		if (r.status === 202 || r.status === 201 || r.status === 409) {
			const i = free.indexOf(start);
			if (i >= 0)
				free.splice(i, 1);
		}
	}
}

await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k)));
const seconds = (Date.now() - t0) / 1000;
const out = {
	race_slots: total, race_clients: CLIENTS, race_seconds: seconds.toFixed(2),
	race_requests: requests, race_booked: booked, race_conflicts: conflicts,
	race_other: other, race_requests_per_s: (requests / seconds).toFixed(0),
	race_booked_per_s: (booked / seconds).toFixed(0),
	race_p50_ms: pct(times, 0.5).toFixed(2), race_p99_ms: pct(times, 0.99).toFixed(2),
};
for (const [k, v] of Object.entries(out))
	console.log(`${k} ${v}`);
