/*
 * Abuse limits at their real size (IMAGO_RATE_LIMIT_SCALE=1): sign-in
 * per account and per address, password resets, sign-ups, emailed
 * links, one-time codes and the general write limit, each answering 429
 * with Retry-After and a JSON error naming the wait, the same whether or
 * not the address has an account. And the Argon2id concurrency limit:
 * a burst of sign-ins with slow hashing gets 401 or 503, never a hang.
 *
 * Each test speaks from its own loopback address (127.0.0.x; Linux
 * routes all of 127/8 to lo), so the per-address buckets of one test do
 * not spill into the next.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { sqliteJson, startServer } from '../lib/server.mjs';
import {
	FAST_HASH_ENV, PASSWORD, cliAddUser, freshCode, mailTo, setupTwoStep, signIn, sleep, startAccountServer,
	uniqueEmail,
} from '../lib/accounts.mjs';

let server;
let nextIp = 10;
const freshIp = () => `127.0.0.${nextIp++}`;

before(async () => {
	server = await startAccountServer({ env: { IMAGO_RATE_LIMIT_SCALE: '1' } });
});

after(async () => {
	if (server)
		await server.stop();
});

/* One request from a chosen source address (fetch cannot choose one). */
function call(ip, method, path, json, { headers = {}, port = server.port, timeoutMs = 30000 } = {}) {
	return new Promise((resolve, reject) => {
		const body = json === undefined ? undefined : JSON.stringify(json);
		const h = { ...headers };
		if (body !== undefined) {
			h['Content-Type'] = 'application/json';
			h['Content-Length'] = Buffer.byteLength(body);
		}
		const req = http.request({ host: '127.0.0.1', port, method, path, localAddress: ip, headers: h, agent: false }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => {
				let parsed = null;
				try {
					parsed = JSON.parse(text);
				} catch {
					parsed = null;
				}
				resolve({ status: res.statusCode, headers: res.headers, text, json: parsed,
					where: `${method} ${path} from ${ip} -> ${res.statusCode} ${text.slice(0, 300)}` });
			});
		});
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
		req.on('error', reject);
		if (body !== undefined)
			req.write(body);
		req.end();
	});
}

/* A 429 as documented: Retry-After in whole seconds, a JSON error naming the wait. */
function assertLimited(res) {
	assert.equal(res.status, 429, res.where);
	const wait = Number(res.headers['retry-after']);
	assert.ok(Number.isInteger(wait) && wait > 0, `Retry-After: ${res.headers['retry-after']}`);
	assert.match(res.headers['content-type'], /^application\/json/);
	assert.equal(res.json.error.code, 'rate_limited', res.where);
	assert.match(res.json.error.message, new RegExp(`\\b${wait}\\b.*second|second.*\\b${wait}\\b`), res.where);
	return wait;
}

const signInFrom = (ip, email, password) => call(ip, 'POST', '/api/v1/session', { email, password });

describe('sign-in', () => {
	test('per account: the 11th attempt for one address is 429, from any address', async () => {
		const email = uniqueEmail('limit-account');
		cliAddUser(server.dbPath, email);
		const ip = freshIp();
		for (let i = 1; i <= 10; i++) {
			const res = await signInFrom(ip, email, `wrong password ${i}`);
			assert.equal(res.status, 401, `attempt ${i}: ${res.where}`);
		}
		const wait = assertLimited(await signInFrom(ip, email, 'wrong password 11'));
		assert.ok(wait >= 60 && wait <= 15 * 60, `a wait of ${wait} s`);
		/* The right password from elsewhere does not get through either. */
		assertLimited(await signInFrom(freshIp(), email, PASSWORD));
		/* Another account from the first address is not limited by this one. */
		const other = uniqueEmail('limit-other');
		cliAddUser(server.dbPath, other);
		assert.equal((await signInFrom(ip, other, PASSWORD)).status, 200);
	});

	test('an unknown address is limited exactly like a known one', async () => {
		const known = uniqueEmail('limit-known');
		cliAddUser(server.dbPath, known);
		const unknown = uniqueEmail('limit-unknown');
		const a = freshIp();
		const b = freshIp();
		for (let i = 1; i <= 10; i++) {
			const k = await signInFrom(a, known, 'not the password');
			const u = await signInFrom(b, unknown, 'not the password');
			assert.equal(k.status, 401, k.where);
			assert.equal(u.text, k.text, `attempt ${i}: same answer`);
			assert.equal(u.headers['content-type'], k.headers['content-type']);
		}
		const k = await signInFrom(a, known, 'not the password');
		const u = await signInFrom(b, unknown, 'not the password');
		const wk = assertLimited(k);
		const wu = assertLimited(u);
		assert.ok(Math.abs(wk - wu) <= 2, `${wk} vs ${wu}`);
		assert.equal(u.text.replace(/\d+/g, 'N'), k.text.replace(/\d+/g, 'N'));
	});

	test('per address: the 31st attempt from one address is 429, whatever the account', async () => {
		const ip = freshIp();
		for (let i = 1; i <= 30; i++) {
			const res = await signInFrom(ip, uniqueEmail('scan'), PASSWORD);
			assert.equal(res.status, 401, `attempt ${i}: ${res.where}`);
		}
		const wait = assertLimited(await signInFrom(ip, uniqueEmail('scan'), PASSWORD));
		assert.ok(wait <= 15 * 60);
		/* Even a real account with its password, from that address. */
		const email = uniqueEmail('scan-victim');
		cliAddUser(server.dbPath, email);
		assertLimited(await signInFrom(ip, email, PASSWORD));
		/* Another address is fine. */
		assert.equal((await signInFrom(freshIp(), email, PASSWORD)).status, 200);
	});
});

describe('password resets', () => {
	test('per account: three an hour, and only three mails; unknown addresses alike', async () => {
		const email = uniqueEmail('reset-limit');
		cliAddUser(server.dbPath, email);
		const unknown = uniqueEmail('reset-limit-unknown');
		for (let i = 1; i <= 3; i++) {
			const k = await call(freshIp(), 'POST', '/api/v1/password-resets', { email });
			const u = await call(freshIp(), 'POST', '/api/v1/password-resets', { email: unknown });
			assert.equal(k.status, 202, k.where);
			assert.equal(u.text, k.text);
		}
		const k = await call(freshIp(), 'POST', '/api/v1/password-resets', { email });
		const u = await call(freshIp(), 'POST', '/api/v1/password-resets', { email: unknown });
		assertLimited(k);
		assertLimited(u);
		assert.equal(u.text.replace(/\d+/g, 'N'), k.text.replace(/\d+/g, 'N'));
		await sleep(500);
		assert.equal(mailTo(server.maildir, email).length, 3);
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM outbox WHERE to_addr = '${email}'`)[0].n, 3);
	});

	test('per address: ten an hour', async () => {
		const ip = freshIp();
		for (let i = 1; i <= 10; i++) {
			const res = await call(ip, 'POST', '/api/v1/password-resets', { email: uniqueEmail('reset-scan') });
			assert.equal(res.status, 202, `request ${i}: ${res.where}`);
		}
		assertLimited(await call(ip, 'POST', '/api/v1/password-resets', { email: uniqueEmail('reset-scan') }));
	});
});

describe('other limits', () => {
	test('sign-up: ten an hour per address, and the 11th writes nothing', async () => {
		const ip = freshIp();
		for (let i = 1; i <= 10; i++) {
			const res = await call(ip, 'POST', '/api/v1/accounts', { email: uniqueEmail('signup-flood'), password: PASSWORD });
			assert.equal(res.status, 202, `sign-up ${i}: ${res.where}`);
		}
		const email = uniqueEmail('signup-flood');
		assertLimited(await call(ip, 'POST', '/api/v1/accounts', { email, password: PASSWORD }));
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM users WHERE email = '${email}'`)[0].n, 0);
	});

	test('sign-up: three an hour per email address, whatever the source, and the same for a taken one', async () => {
		const fresh = uniqueEmail('signup-victim');
		const taken = uniqueEmail('signup-taken');
		cliAddUser(server.dbPath, taken, PASSWORD, { env: FAST_HASH_ENV });
		for (const email of [fresh, taken]) {
			for (let i = 1; i <= 3; i++) {
				const res = await call(freshIp(), 'POST', '/api/v1/accounts', { email, password: PASSWORD });
				assert.equal(res.status, 202, `sign-up ${i} for ${email}: ${res.where}`);
			}
			assertLimited(await call(freshIp(), 'POST', '/api/v1/accounts', { email, password: PASSWORD }));
		}
		/* Three mails reach each address (a link, then notes), no more. */
		for (let i = 0; i < 50 && (mailTo(server.maildir, fresh).length < 3 || mailTo(server.maildir, taken).length < 3); i++)
			await sleep(100);
		await sleep(500);
		assert.equal(mailTo(server.maildir, fresh).length, 3);
		assert.equal(mailTo(server.maildir, taken).length, 3);
	});

	test('emailed links: sixty a quarter-hour per address', async () => {
		const ip = freshIp();
		for (let i = 1; i <= 60; i++) {
			const res = await call(ip, 'POST', '/api/v1/accounts/verify', { token: 'x'.repeat(43) });
			assert.equal(res.status, 400, `link ${i}: ${res.where}`);
		}
		assertLimited(await call(ip, 'POST', '/api/v1/accounts/verify', { token: 'x'.repeat(43) }));
		assertLimited(await call(ip, 'POST', '/api/v1/password-resets/confirm', { token: 'x'.repeat(43), password: PASSWORD }));
		assertLimited(await call(ip, 'POST', '/api/v1/me/email/confirm', { token: 'x'.repeat(43) }));
	});

	test('any change: 120 a minute per address', async () => {
		const ip = freshIp();
		for (let i = 1; i <= 120; i++) {
			const res = await call(ip, 'DELETE', '/api/v1/session');
			assert.equal(res.status, 401, `request ${i}: ${res.where}`);
		}
		const wait = assertLimited(await call(ip, 'DELETE', '/api/v1/session'));
		assert.ok(wait <= 60);
		assertLimited(await call(ip, 'POST', '/api/v1/accounts', { email: uniqueEmail('late'), password: PASSWORD }));
		/* Reading is not limited by it. */
		assert.equal((await call(ip, 'GET', '/healthz')).status, 200);
	});

	test('one-time codes: ten a quarter-hour per account (the one that turned it on counts)', async () => {
		const email = uniqueEmail('code-limit');
		cliAddUser(server.dbPath, email, PASSWORD, { therapist: true });
		const first = await signIn(server.url, email);
		const { secret } = await setupTwoStep(first);
		const c = await signIn(server.url, email);
		assert.equal(c.me.stage, 'code_required');
		for (let i = 2; i <= 10; i++) {
			const res = await c.post('/api/v1/session/code', { code: 'aaaaa-bbbbb' });
			assert.equal(res.status, 401, `code ${i}: ${res.where}`);
		}
		const res = await c.post('/api/v1/session/code', { code: await freshCode(secret) });
		assert.equal(res.status, 429, `even the right code: ${res.where}`);
		assert.ok(Number(res.headers.get('retry-after')) > 0);
		assert.equal(res.json.error.code, 'rate_limited');
	});
});

describe('password hashing under load', () => {
	let slow;
	before(async () => {
		/* Default (slow) Argon2id parameters, one hash at a time. */
		slow = await startServer({
			env: { IMAGO_PWHASH_CONCURRENCY: '1', IMAGO_PWHASH_OPSLIMIT: '', IMAGO_PWHASH_MEMLIMIT: '',
				IMAGO_RATE_LIMIT_SCALE: '1', IMAGO_SMTP_URL: '', IMAGO_MAILDIR: '' },
		});
	});
	after(async () => {
		if (slow)
			await slow.stop();
	});

	test('20 concurrent sign-ins: each 401 or 503 with Retry-After, none hangs, the server still answers', async () => {
		const email = uniqueEmail('burst');
		cliAddUser(slow.dbPath, email, PASSWORD, { env: FAST_HASH_ENV });
		const started = Date.now();
		const attempts = [];
		for (let i = 0; i < 20; i++) {
			const who = i % 4 === 0 ? email : uniqueEmail('burst-unknown');
			attempts.push(call(freshIp(), 'POST', '/api/v1/session', { email: who, password: `wrong password ${i}` },
			    { port: slow.port, timeoutMs: 60000 }));
		}
		/* While the hashes run one at a time on the worker pool, other
		 * requests are answered at once: each health check here comes
		 * back before the last sign-in does (an order, not a timing). */
		let signInsDone = 0;
		for (const a of attempts)
			a.then(() => { signInsDone++; });
		const during = [];
		for (let i = 0; i < 5; i++)
			during.push(await call(freshIp(), 'GET', '/healthz', undefined, { port: slow.port, timeoutMs: 60000 }));
		assert.ok(signInsDone < attempts.length,
		    `health checks answered before the sign-ins finished (${signInsDone} of ${attempts.length} done)`);
		for (const h of during)
			assert.equal(h.status, 200, h.where);
		const results = await Promise.all(attempts);
		const elapsed = Date.now() - started;
		const counts = {};
		for (const r of results) {
			counts[r.status] = (counts[r.status] || 0) + 1;
			assert.ok([401, 503].includes(r.status), r.where);
			if (r.status === 503) {
				assert.ok(Number(r.headers['retry-after']) > 0, `Retry-After on ${r.where}`);
				assert.equal(r.json.error.code, 'busy');
			} else {
				assert.equal(r.json.error.code, 'invalid_credentials');
			}
		}
		assert.ok(elapsed < 45000, `took ${elapsed} ms (${JSON.stringify(counts)})`);
		const health = await call(freshIp(), 'GET', '/healthz', undefined, { port: slow.port, timeoutMs: 10000 });
		assert.equal(health.status, 200, health.where);
		/* And a real sign-in still works afterwards. */
		const ok = await call(freshIp(), 'POST', '/api/v1/session', { email, password: PASSWORD }, { port: slow.port });
		assert.equal(ok.status, 200, ok.where);
	});
});
