/*
 * Bad and hostile input to the search API: each parameter with values it
 * must refuse (400 invalid_parameter naming the parameter), places that
 * resolve to nothing (422 unknown_location), and strings meant to break a
 * parser or a query. Nothing may produce a 500 or take the server down.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from '../lib/server.mjs';
import { request } from '../lib/http.mjs';
import { generateTherapists, toCsv } from '../lib/therapists.mjs';

let server;
const N = 200;

before(async () => {
	server = await startServer({ csv: toCsv(generateTherapists(N, 7)) });
});

after(async () => {
	if (server)
		await server.stop();
});

const get = (qs) => request(`${server.url}/api/v1/therapists${qs === null ? '' : `?${qs}`}`);

function assertError(res, status, code, param, label) {
	const where = `${label} -> ${res.status} ${res.text.slice(0, 300)}`;
	assert.equal(res.status, status, where);
	assert.match(res.headers.get('content-type') || '', /^application\/json/, `content type, ${where}`);
	assert.ok(res.json && typeof res.json.error === 'object', `error object, ${where}`);
	assert.equal(res.json.error.code, code, where);
	if (param !== undefined)
		assert.equal(res.json.error.param, param, where);
	assert.equal(typeof res.json.error.message, 'string', where);
	assert.ok(res.json.error.message.length > 0, `non-empty message, ${where}`);
}

const KB10 = 'a'.repeat(10 * 1024);
const KB1 = 'b'.repeat(1024);

/* [raw query string, param]: each must be 400 invalid_parameter naming param. */
const INVALID = [
	/* radius (with a valid near, so only the radius is wrong) */
	...['0', '-1', '-0.5', '1000.0001', '1001', '1e4', 'abc', 'NaN', 'nan', 'Infinity', 'inf', '-Infinity',
	    '0x10', '0x1p3', '%205', '5%20', '5km', '1e400', '1,5', '..5', '1e', '5%00']
	    .map((v) => [`near=10001&radius=${v}`, 'radius']),
	['near=10001&radius=621&unit=mi', 'radius'],
	['near=10001&radius=620.001&unit=mi', 'radius'],
	['near=10001&radius=1000&unit=mi', 'radius'],
	/* unit */
	...['furlongs', 'kmm', 'm', 'mi%00', 'km%20', '%ff%fe'].map((v) => [`near=10001&unit=${v}`, 'unit']),
	/* specialty */
	...['astrology', 'lgbtq%00', 'lgbtq,premarital', '%3Cscript%3E', 'premarital%20OR%201%3D1', KB1]
	    .map((v) => [`specialty=${v}`, 'specialty']),
	['specialty=lgbtq&specialty=bogus', 'specialty'],
	/* format */
	...['hybrid', 'online,in_person', 'in%20person', 'video'].map((v) => [`format=${v}`, 'format']),
	/* language */
	...['english', 'e', 'e1', '12', 'eng', '%ff%fe', 'e%00'].map((v) => [`language=${v}`, 'language']),
	/* certification */
	...['doctor', 'certified%20imago%20therapist', 'supervisor%3B'].map((v) => [`certification=${v}`, 'certification']),
	['certification=supervisor&certification=nope', 'certification'],
	/* accepting */
	...['maybe', '2', 'truee', 'yes%20please', '%00'].map((v) => [`accepting=${v}`, 'accepting']),
	/* fee_max */
	...['-1', 'abc', 'NaN', 'Infinity', '0x10', '%205', '12abc', '1e999'].map((v) => [`fee_max=${v}`, 'fee_max']),
	/* q */
	[`q=${KB10}`, 'q'],
	['q=%ff%fe', 'q'],
	['q=abc%00def', 'q'],
	['q=%c0%af', 'q'], /* overlong encoding of '/' */
	['q=%ed%a0%80', 'q'], /* a UTF-16 surrogate */
	/* limit */
	...['0', '101', '-5', 'abc', '1.5', 'NaN', 'Infinity', '0x10', '%205', '1e2', '99999999999999999999999']
	    .map((v) => [`limit=${v}`, 'limit']),
	/* offset */
	...['-1', '10001', 'abc', '1.5', 'NaN', 'Infinity', '0x10', '%205', '99999999999999999999'].map((v) => [`offset=${v}`, 'offset']),
	/* near */
	[`near=${KB10}`, 'near'],
	[`near=${KB1}`, 'near'],
	['near=%ff%fe', 'near'],
	['near=New%00York', 'near'],
	['near=91,0', 'near'],
	['near=-90.0001,0', 'near'],
	['near=0,181', 'near'],
	['near=0,-180.5', 'near'],
	/* a scalar given twice is ambiguous: refuse it rather than guess */
	['limit=5&limit=6', 'limit'],
	['offset=0&offset=20', 'offset'],
	['near=10001&near=Zurich', 'near'],
	['near=10001&radius=5&radius=50', 'radius'],
	['near=10001&unit=km&unit=mi', 'unit'],
	['format=online&format=in_person', 'format'],
	['language=en&language=de', 'language'],
	['accepting=true&accepting=false', 'accepting'],
	['fee_max=100&fee_max=200', 'fee_max'],
	['q=couples&q=trust', 'q'],
];

/* Places that are well-formed but resolve to nothing: 422 unknown_location. */
const UNKNOWN_PLACES = [
	'Xyzzyplugh%20Nowhereville',
	'00000',
	"'%3B%20DROP%20TABLE%20therapists%3B%20--",
	'%3Cscript%3Ealert(1)%3C%2Fscript%3E',
	'Atlantis%2C%20XX',
	'%F0%9F%98%80', /* an emoji */
];

/* Accepted values at the edges: 200. */
const VALID = [
	'near=10001&radius=1000',
	'near=10001&radius=620&unit=mi',
	'near=10001&radius=0.5',
	'near=10001&radius=0.001',
	'near=10001&unit=km',
	'near=90,180',
	'near=-90,-180',
	'limit=1', 'limit=100', 'offset=0', 'offset=10000',
	'accepting=true', 'fee_max=0', 'language=en',
	'specialty=lgbtq&specialty=premarital',
	'certification=supervisor&certification=advanced_clinician',
	'foo=bar&page=2', /* unknown keys are ignored */
];

describe('400 invalid_parameter', () => {
	test('each bad value names its parameter', async () => {
		const failures = [];
		for (const [qs, param] of INVALID) {
			const res = await get(qs);
			try {
				assertError(res, 400, 'invalid_parameter', param, qs.length > 80 ? `${qs.slice(0, 80)}... (${qs.length} bytes)` : qs);
			} catch (err) {
				failures.push(err.message.split('\n')[0]);
			}
		}
		assert.deepEqual(failures, [], `${failures.length} of ${INVALID.length} bad queries mishandled`);
	});
});

describe('422 unknown_location', () => {
	test('places that resolve to nothing', async () => {
		const failures = [];
		for (const near of UNKNOWN_PLACES) {
			const res = await get(`near=${near}`);
			try {
				assertError(res, 422, 'unknown_location', 'near', `near=${near}`);
			} catch (err) {
				failures.push(err.message.split('\n')[0]);
			}
		}
		assert.deepEqual(failures, []);
	});
});

describe('valid edge values', () => {
	test('are accepted', async () => {
		const failures = [];
		for (const qs of VALID) {
			const res = await get(qs);
			if (res.status !== 200 || !res.json || !Array.isArray(res.json.results))
				failures.push(`${qs} -> ${res.status} ${res.text.slice(0, 200)}`);
		}
		assert.deepEqual(failures, []);
	});
});

describe('hostile strings', () => {
	/* Text people type: the search must treat it as text, never as query syntax. */
	const TEXT_Q = ['"', '""', "O'Brien", "''''", 'a"b', 'a OR b', 'NEAR(a b)', '*', 'name:foo', '-foo', '^foo',
		'foo AND', '(', ')', '+', ':', '{a b}', '\\', '%', '_', 'a* b*', 'couples NOT trust', "1' OR '1'='1",
		'"); DROP TABLE therapists; --', '<script>alert(1)</script>', 'ünïcödé', '日本語', '   '];

	test('q: punctuation and query-language words are plain text (200)', async () => {
		const failures = [];
		for (const q of TEXT_Q) {
			const res = await get(`q=${encodeURIComponent(q)}`);
			if (res.status !== 200 || !res.json || typeof res.json.total !== 'number')
				failures.push(`q=${JSON.stringify(q)} -> ${res.status} ${res.text.slice(0, 200)}`);
		}
		assert.deepEqual(failures, []);
	});

	test('malformed query strings never give a 5xx', async () => {
		const cases = [
			'near=%zz', 'q=%', 'q=%e', 'q=%%%', '&&&&', '=', '==', 'near', '=10001', 'near==10001',
			`${'x'.repeat(3000)}=1`, Array.from({ length: 100 }, (_, i) => `k${i}=v`).join('&'),
			Array.from({ length: 100 }, () => 'specialty=lgbtq').join('&'),
			'near=10001&radius=%', 'limit=%2', 'q=%u0041', 'q=+++', 'q=%2B%2B',
		];
		const failures = [];
		for (const qs of cases) {
			const res = await get(qs);
			if (res.status >= 500)
				failures.push(`${qs.slice(0, 60)} -> ${res.status}`);
			if (res.status >= 400 && !(res.json && res.json.error && typeof res.json.error.code === 'string'))
				failures.push(`${qs.slice(0, 60)} -> ${res.status} without a JSON error: ${res.text.slice(0, 100)}`);
		}
		assert.deepEqual(failures, []);
	});

	test('error messages that echo input stay JSON-escaped', async () => {
		const res = await get('near=%3Cscript%3E%22%5C%0A');
		assert.ok(res.status === 400 || res.status === 422, `${res.status}`);
		assert.ok(res.json, `body is valid JSON: ${res.text}`);
		assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
	});

	test('the data survives: every therapist is still there', async () => {
		const res = await get(null);
		assert.equal(res.status, 200);
		assert.equal(res.json.total, N);
		const health = await request(`${server.url}/healthz`);
		assert.equal(health.status, 200);
	});
});
