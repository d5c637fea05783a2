/*
 * The HTTP layer as a client sees it: health check, security headers on
 * every response, content types, 404/405/413/431, HEAD, the access log,
 * many concurrent keep-alive connections, and slow or oversized clients
 * that must not take the server down.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { runImago, startServer } from '../lib/server.mjs';
import { request, RawConnection, rawRequest, requestBytes } from '../lib/http.mjs';
import { generateTherapists, toCsv } from '../lib/therapists.mjs';

let server;

before(async () => {
	server = await startServer({ csv: toCsv(generateTherapists(50, 3)) });
});

after(async () => {
	if (server)
		await server.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const JSON_TYPE = /^application\/json(;|$)/;
const HTML_TYPE = 'text/html; charset=utf-8';

function assertSecurityHeaders(headers, label) {
	const h = (name) => (typeof headers.get === 'function' ? headers.get(name) : headers[name]);
	assert.ok(h('content-type'), `${label}: Content-Type`);
	assert.equal(h('x-content-type-options'), 'nosniff', `${label}: X-Content-Type-Options`);
	assert.ok(h('referrer-policy'), `${label}: Referrer-Policy`);
	assert.match(h('content-security-policy') || '', /frame-ancestors 'none'/, `${label}: CSP frame-ancestors`);
}

describe('basics', () => {
	test('GET /healthz answers 200', async () => {
		const res = await request(`${server.url}/healthz`);
		assert.equal(res.status, 200);
	});

	test('every kind of response carries the security headers', async () => {
		const cases = [
			['GET', '/'],
			['GET', '/healthz'],
			['GET', '/api/v1/therapists'],
			['GET', '/api/v1/therapists?near=10001'],
			['GET', '/api/v1/therapists/1'],
			['GET', '/api/v1/places?q=Zur'],
			['GET', '/static/style.css'],
			['GET', '/no/such/page'],
			['GET', '/api/no/such/endpoint'],
			['GET', '/api/v1/therapists?limit=0'],
			['GET', '/api/v1/therapists?near=Xyzzyplugh'],
			['GET', '/api/v1/therapists/999999'],
			['POST', '/api/v1/therapists'],
			['DELETE', '/api/v1/therapists/1'],
			['PUT', '/healthz'],
			['HEAD', '/'],
			['HEAD', '/api/v1/therapists'],
		];
		for (const [method, path] of cases) {
			const res = await fetch(server.url + path, { method });
			await res.arrayBuffer();
			assertSecurityHeaders(res.headers, `${method} ${path} (${res.status})`);
		}
	});

	test('content types: JSON under /api/, HTML elsewhere', async () => {
		for (const path of ['/api/v1/therapists', '/api/v1/therapists?limit=0', '/api/nope', '/api/v1/places?q=Aus']) {
			const res = await request(server.url + path);
			assert.match(res.headers.get('content-type'), JSON_TYPE, path);
			assert.ok(res.json !== null, `${path}: body is JSON`);
		}
		for (const path of ['/', '/no/such/page', '/therapists/999999999']) {
			const res = await request(server.url + path);
			assert.equal(res.headers.get('content-type'), HTML_TYPE, path);
			assert.match(res.text, /<html/i, `${path}: body is an HTML page`);
		}
	});
});

describe('errors', () => {
	test('unknown /api/ paths: 404 JSON not_found', async () => {
		for (const path of ['/api/nope', '/api/v1/nope', '/api/v2/therapists', '/api/v1/therapists/1/2/3', '/api/']) {
			const res = await request(server.url + path);
			assert.equal(res.status, 404, path);
			assert.match(res.headers.get('content-type'), JSON_TYPE, path);
			assert.equal(res.json?.error?.code, 'not_found', `${path}: ${res.text}`);
		}
	});

	test('unknown pages: 404 HTML, and what the path echoes is escaped', async () => {
		const res = await request(`${server.url}/%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
		assert.equal(res.status, 404);
		assert.equal(res.headers.get('content-type'), HTML_TYPE);
		assert.ok(!res.text.includes('<script>alert(1)</script>'), 'the path is not echoed raw');
	});

	test('wrong method: 405 with an Allow header (JSON under /api/, HTML elsewhere)', async () => {
		for (const [method, path, type] of [
			['PUT', '/api/v1/therapists', 'json'],
			['PUT', '/api/v1/therapists/1', 'json'],
			['DELETE', '/api/v1/therapists/1', 'json'],
			['PATCH', '/api/v1/places?q=Zur', 'json'],
			['POST', '/healthz', 'html'],
			['POST', '/', 'html'],
		]) {
			const res = await request(server.url + path, { method });
			assert.equal(res.status, 405, `${method} ${path}`);
			const allow = res.headers.get('allow') || '';
			assert.match(allow, /\bGET\b/, `${method} ${path}: Allow "${allow}"`);
			assert.doesNotMatch(allow, new RegExp(`\\b${method}\\b`), `${method} ${path}: Allow "${allow}"`);
			if (type === 'json') {
				assert.match(res.headers.get('content-type'), JSON_TYPE);
				assert.equal(typeof res.json?.error?.code, 'string', res.text);
			} else {
				assert.equal(res.headers.get('content-type'), HTML_TYPE);
			}
		}
	});

	test('a body over the route\'s limit: 413, and the server carries on', async () => {
		const body = 'x'.repeat(256 * 1024);
		const res = await rawRequest(server.port, requestBytes('GET', '/api/v1/therapists', { body, close: true }))
		    .catch((err) => ({ error: err }));
		assert.ok(!res.error, `no response: ${res.error?.message}`);
		assert.equal(res.status, 413);
		assert.match(res.headers['content-type'] || '', JSON_TYPE);
		assertSecurityHeaders(res.headers, '413');
		const after413 = await request(`${server.url}/healthz`);
		assert.equal(after413.status, 200);
	});

	test('a body announced over the limit is refused on the header alone, without waiting for it', async () => {
		const announced = await rawRequest(server.port,
		    'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\n', { timeoutMs: 5000 })
		    .catch((err) => ({ error: err }));
		assert.ok(!announced.error, `no response within 5 s to an announced 1 GB body: ${announced.error?.message}`);
		assert.equal(announced.status, 413);
	});

	test('100 KB of request headers: refused with 431 or 413, no crash', async () => {
		for (const headers of [
			[`X-Big: ${'a'.repeat(100 * 1024)}`],
			Array.from({ length: 100 }, (_, i) => `X-H${i}: ${'b'.repeat(1000)}`),
		]) {
			const res = await rawRequest(server.port, requestBytes('GET', '/healthz', { headers }))
			    .catch((err) => ({ error: err }));
			assert.ok(!res.error, `no response: ${res.error?.message}`);
			assert.ok(res.status === 431 || res.status === 413, `status ${res.status}`);
		}
		assert.equal((await request(`${server.url}/healthz`)).status, 200);
	});

	test('the 431 for oversized headers carries Content-Type and the security headers too', async () => {
		const res = await rawRequest(server.port, requestBytes('GET', '/api/v1/therapists', { headers: [`X-Big: ${'a'.repeat(100 * 1024)}`] }))
		    .catch((err) => ({ error: err }));
		assert.ok(!res.error, `no response: ${res.error?.message}`);
		assertSecurityHeaders(res.headers, `${res.status} for 100 KB of headers`);
	});

	test('a request path longer than the limit is refused without a 5xx', async () => {
		const res = await request(`${server.url}/${'p'.repeat(10000)}`);
		assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
		const api = await request(`${server.url}/api/v1/${'p'.repeat(10000)}`);
		assert.ok(api.status >= 400 && api.status < 500, `status ${api.status}`);
		assert.match(api.headers.get('content-type'), JSON_TYPE);
	});

	test('garbage on the wire never gets a 5xx, and the server carries on', async () => {
		/* A 4xx, a closed connection or silence until the connection
		 * timeout are all fine; a 5xx or a dead server are not. */
		for (const junk of ['GARBAGE\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
			'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
			'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n',
			Buffer.from([0, 1, 2, 0xff, 13, 10, 13, 10])]) {
			const res = await rawRequest(server.port, junk, { timeoutMs: 2000 }).catch((err) => ({ error: err }));
			if (!res.error)
				assert.ok(res.status >= 400 && res.status < 500 || res.status === 505, `${JSON.stringify(String(junk))} -> ${res.status}`);
			else
				assert.ok(['CLOSED', 'TIMEOUT', 'ECONNRESET'].includes(res.error.code), `${JSON.stringify(String(junk))}: ${res.error.message}`);
			assert.equal((await request(`${server.url}/healthz`)).status, 200);
		}
	});
});

describe('HEAD', () => {
	test('same status and headers as GET, and not one byte of body', async () => {
		const c = new RawConnection(server.port);
		await c.connect();
		try {
			for (const path of ['/', '/healthz', '/api/v1/therapists?limit=3', '/api/v1/therapists/999999', '/nope']) {
				await c.send(requestBytes('GET', path));
				const get = await c.next();
				/* HEAD then GET on one keep-alive connection: a body sent after
				 * the HEAD response would be read as the next response. */
				await c.send(requestBytes('HEAD', path), { headOnly: true });
				const head = await c.next();
				await c.send(requestBytes('GET', '/healthz'));
				const next = await c.next();
				assert.equal(head.status, get.status, `HEAD ${path}`);
				assert.equal(head.headers['content-type'], get.headers['content-type'], `HEAD ${path}`);
				assert.equal(head.body, '');
				assert.equal(next.status, 200, `the response after HEAD ${path} is intact`);
				assert.match(next.body, /ok/);
			}
		} finally {
			c.close();
		}
	});
});

describe('access log', () => {
	test('one line per request on stderr with method, path and status', async () => {
		const marks = [];
		for (let i = 0; i < 5; i++) {
			const path = `/api/v1/therapists/${900000 + i}`;
			const res = await request(server.url + path);
			assert.equal(res.status, 404);
			marks.push(path);
		}
		await request(`${server.url}/api/v1/therapists?limit=1&mark=abc`);
		await fetch(`${server.url}/healthz-log-mark`, { method: 'POST' }).then((r) => r.arrayBuffer());
		await sleep(200);
		const lines = server.stderr().split('\n');
		for (const path of marks) {
			const hits = lines.filter((l) => l.includes(`${path} `) || l.endsWith(path));
			assert.equal(hits.length, 1, `one line for ${path}: ${JSON.stringify(hits)}`);
			assert.match(hits[0], /\bGET\b/);
			assert.match(hits[0], /\b404\b/);
		}
		const post = lines.filter((l) => l.includes('/healthz-log-mark'));
		assert.equal(post.length, 1, JSON.stringify(post));
		assert.match(post[0], /\bPOST\b/);
		assert.match(post[0], /\b(404|405|413)\b/);
	});
});

describe('connections', () => {
	test('64 concurrent keep-alive connections are all served, twice each', async () => {
		const conns = [];
		try {
			for (let i = 0; i < 64; i++)
				conns.push(await new RawConnection(server.port).connect());
			for (const round of [1, 2]) {
				await Promise.all(conns.map((c, i) => c.send(requestBytes('GET', `/api/v1/therapists?limit=1&offset=${i % 50}`))));
				const responses = await Promise.all(conns.map((c) => c.next(20000).catch((err) => ({ error: err }))));
				const bad = responses.map((r, i) => [i, r]).filter(([, r]) => r.error || r.status !== 200);
				assert.deepEqual(bad.map(([i, r]) => `conn ${i}: ${r.error ? r.error.message : r.status}`), [],
				    `round ${round}`);
				for (const r of responses)
					assert.equal(JSON.parse(r.body).results.length, 1);
			}
			assert.ok(conns.every((c) => !c.closed), 'connections stay open between requests');
		} finally {
			for (const c of conns)
				c.close();
		}
	});

	test('slow clients that never finish their headers do not block others', async () => {
		const slow = [];
		try {
			for (let i = 0; i < 16; i++) {
				const c = await new RawConnection(server.port).connect();
				await c.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
				slow.push(c);
			}
			const started = Date.now();
			let served = 0;
			while (Date.now() - started < 2500) {
				for (const c of slow)
					await c.send(`X-Drip-${Date.now()}: 1\r\n`);
				const t0 = Date.now();
				const res = await request(`${server.url}/api/v1/therapists?limit=5`);
				assert.equal(res.status, 200);
				assert.ok(Date.now() - t0 < 5000, `a request took ${Date.now() - t0} ms while slow clients dripped`);
				served++;
				await sleep(100);
			}
			assert.ok(served >= 5, `only ${served} requests served`);
		} finally {
			for (const c of slow)
				c.close();
		}
	});
});

describe('connection timeout', () => {
	let timed;
	before(async () => {
		timed = await startServer({ args: ['--timeout', '2'] });
	});
	after(async () => {
		await timed?.stop();
	});

	test('a client that stops mid-request is disconnected after --timeout', async () => {
		const idle = await new RawConnection(timed.port).connect();
		try {
			await idle.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
			const t0 = Date.now();
			const closed = await idle.waitClosed(8000);
			const waited = Date.now() - t0;
			assert.ok(closed, 'the idle connection was never closed');
			assert.ok(waited >= 1000 && waited < 6000, `closed after ${waited} ms, want about 2 s`);
			/* A new connection: the pool's keep-alive one from startServer
			 * has been closed by the same timeout. */
			const res = await rawRequest(timed.port, requestBytes('GET', '/healthz', { close: true }));
			assert.equal(res.status, 200, 'the server still serves others');
			assert.equal(res.headers['keep-alive'], 'timeout=2', 'the Keep-Alive header announces the timeout');
		} finally {
			idle.close();
		}
	});
});

describe('map tile setting', () => {
	let tiled;
	before(async () => {
		tiled = await startServer({ args: ['--tiles', 'https://{s}.tiles.example.org/{z}/{x}/{y}.png'] });
	});
	after(async () => {
		await tiled?.stop();
	});

	test('the tile server is allowed by the CSP and handed to the map', async () => {
		const res = await request(`${tiled.url}/therapists?near=10001`);
		assert.equal(res.status, 200);
		const csp = res.headers.get('content-security-policy');
		assert.match(csp, /img-src 'self' data: https:\/\/\*\.tiles\.example\.org;/);
		assert.doesNotMatch(csp, /openstreetmap/);
	});

	test('a tile setting that is not an http(s) URL is refused at start', () => {
		const bad = runImago(['--db', tiled.dbPath, 'serve', '--listen', '127.0.0.1:0', '--tiles', "https://x.org'; script-src *"]);
		assert.equal(bad.status, 2);
		assert.match(bad.stderr, /--tiles must be an http\(s\) URL/);
	});
});
