/*
 * GET /api/v1/places?q=...: place suggestions for the search box, from
 * the real gazetteer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from '../lib/server.mjs';
import { request } from '../lib/http.mjs';

let server;

before(async () => {
	server = await startServer();
});

after(async () => {
	if (server)
		await server.stop();
});

const places = (qs) => request(`${server.url}/api/v1/places?${qs}`);

function assertSuggestions(res, label) {
	assert.equal(res.status, 200, `${label}: ${res.text.slice(0, 200)}`);
	assert.match(res.headers.get('content-type'), /^application\/json/);
	assert.ok(Array.isArray(res.json), `${label}: an array`);
	assert.ok(res.json.length <= 10, `${label}: ${res.json.length} suggestions`);
	for (const p of res.json) {
		assert.equal(typeof p.label, 'string', label);
		assert.ok(p.label.length > 0, label);
		assert.ok(Number.isFinite(p.lat) && p.lat >= -90 && p.lat <= 90, `${label}: lat ${p.lat}`);
		assert.ok(Number.isFinite(p.lon) && p.lon >= -180 && p.lon <= 180, `${label}: lon ${p.lon}`);
	}
	return res.json;
}

test('a city prefix suggests the city, at its place', async () => {
	for (const [q, want, lat, lon] of [
		['Zur', /Zürich/, 47.37, 8.54],
		['zürich', /Zürich/, 47.37, 8.54],
		['Aust', /Austin/, 30.27, -97.74],
		['Sydn', /Sydney/, -33.87, 151.21],
	]) {
		const list = assertSuggestions(await places(`q=${encodeURIComponent(q)}`), q);
		const hit = list.find((p) => want.test(p.label) && Math.abs(p.lat - lat) < 0.2 && Math.abs(p.lon - lon) < 0.2);
		assert.ok(hit, `${q}: ${JSON.stringify(list.map((p) => p.label))}`);
	}
});

test('never more than 10 suggestions, even for one letter', async () => {
	for (const q of ['a', 'S', 'San', 'New']) {
		const list = assertSuggestions(await places(`q=${q}`), q);
		assert.equal(list.length, 10, `${q}: a common prefix fills the list`);
	}
});

test('a prefix that matches nothing: an empty list', async () => {
	assert.deepEqual(assertSuggestions(await places('q=Xyzzyplughq'), 'Xyzzyplughq'), []);
});

test('hostile q: refused as invalid_parameter, or answered, never a 5xx', async () => {
	for (const [qs, mustBe400] of [
		[`q=${'a'.repeat(10 * 1024)}`, true],
		['q=%ff%fe', true],
		['q=a%00b', true],
		["q='%20OR%201%3D1%20--", false],
		['q=%25', false],
		['q=_', false],
		['q=%22', false],
		['q=*', false],
	]) {
		const res = await places(qs);
		const label = qs.slice(0, 40);
		if (mustBe400) {
			assert.equal(res.status, 400, `${label}: ${res.text.slice(0, 200)}`);
			assert.equal(res.json?.error?.code, 'invalid_parameter');
			assert.equal(res.json.error.param, 'q');
		} else {
			assertSuggestions(res, label);
		}
	}
});

test('LIKE wildcards are not wildcards', async () => {
	/* "%" and "_" would match everything if passed to LIKE unescaped. */
	for (const q of ['%', '_', '%25a']) {
		const res = await places(`q=${encodeURIComponent(q)}`);
		assert.deepEqual(assertSuggestions(res, q), [], `${q} matched ${res.text.slice(0, 200)}`);
	}
});

test('POST is not allowed', async () => {
	const res = await request(`${server.url}/api/v1/places?q=Zur`, { method: 'POST' });
	assert.equal(res.status, 405);
	assert.match(res.headers.get('allow') || '', /GET/);
});
