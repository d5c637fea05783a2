/*
 * Personal access tokens (Authorization: Bearer) and the request checks
 * around them: creating, listing, using, revoking and expiring tokens;
 * what a token may not do (manage account security); malformed
 * Authorization headers; and CSRF and Origin checks for cookie-carried
 * requests, which a bearer token does not need.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sqliteJson } from '../lib/server.mjs';
import {
	Client, PASSWORD, assertError, makeAdmin, makeTherapist, makeUser, profileBody, sqliteExec,
	startAccountServer,
} from '../lib/accounts.mjs';

let server;
let therapist;
let other;
let client;
let profileId;

before(async () => {
	server = await startAccountServer();
	therapist = await makeTherapist(server, { tag: 'tok-t' });
	other = await makeTherapist(server, { tag: 'tok-o' });
	client = await makeUser(server, { tag: 'tok-c' });
	const p = await therapist.client.post('/api/v1/therapists', profileBody('Tomas Token'));
	assert.equal(p.status, 201, p.where);
	profileId = p.json.id;
});

after(async () => {
	if (server)
		await server.stop();
});

const now = () => Math.floor(Date.now() / 1000);
/* A client that carries only a bearer token. */
const bearer = (token) => Object.assign(new Client(server.url), { bearer: token });

async function newToken(actor, body = { name: 'a token' }) {
	const res = await actor.client.post('/api/v1/tokens', body);
	assert.equal(res.status, 201, res.where);
	return res.json;
}

describe('creating and listing', () => {
	test('201 with the token once; the list shows only its prefix', async () => {
		const res = await therapist.client.post('/api/v1/tokens', { name: 'my script', expires_in_days: 30 });
		assert.equal(res.status, 201, res.where);
		const { id, name, token } = res.json;
		assert.equal(name, 'my script');
		assert.ok(Number.isInteger(id) && id > 0);
		assert.match(token, /^imago_pat_[A-Za-z0-9_-]{43}$/);
		const list = await therapist.client.get('/api/v1/tokens');
		assert.equal(list.status, 200, list.where);
		const row = list.json.tokens.find((t) => t.id === id);
		assert.ok(row, list.text);
		assert.equal(row.name, 'my script');
		assert.equal(row.prefix, token.slice(0, 14));
		assert.ok(!list.text.includes(token), 'the list never shows the token');
		assert.ok(!('token' in row));
		assert.equal(row.last_used_at, null);
		assert.match(row.expires_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		assert.ok(Math.abs(Date.parse(row.expires_at) / 1000 - (now() + 30 * 86400)) < 60, `expires_at ${row.expires_at}`);
		/* Without expires_in_days (or 0) a token does not expire. */
		const forever = await newToken(therapist, { name: 'forever', expires_in_days: 0 });
		assert.equal((await therapist.client.get('/api/v1/tokens')).json.tokens.find((t) => t.id === forever.id).expires_at, null);
		/* Other people's tokens are not listed. */
		assert.ok(!(await other.client.get('/api/v1/tokens')).json.tokens.some((t) => t.id === id));
	});

	test('a token needs a name', async () => {
		assertError(await client.client.post('/api/v1/tokens', {}), 400, 'invalid_parameter', 'name');
		assertError(await client.client.post('/api/v1/tokens', { name: '' }), 400, 'invalid_parameter', 'name');
		assertError(await client.client.post('/api/v1/tokens', { name: 'x'.repeat(101) }), 400, 'invalid_parameter', 'name');
		assertError(await client.client.post('/api/v1/tokens', { name: 'n', expires_in_days: -1 }), 400, 'invalid_parameter', 'expires_in_days');
	});
});

describe('using a token', () => {
	test('GET /api/v1/me, PATCH /api/v1/me and PATCH of the owner\'s profile, with no CSRF token', async () => {
		const { token } = await newToken(therapist, { name: 'editor' });
		const b = bearer(token);
		const me = await b.get('/api/v1/me');
		assert.equal(me.status, 200, me.where);
		assert.equal(me.json.user.id, therapist.id);
		assert.equal(me.json.csrf_token, undefined, 'no CSRF token for a bearer');
		assert.equal(me.headers.get('cache-control'), 'no-store');
		assert.deepEqual(me.headers.getSetCookie(), [], 'a bearer gets no cookie');
		const name = await b.patch('/api/v1/me', { display_name: 'Tomas via token' });
		assert.equal(name.status, 200, name.where);
		assert.equal(name.json.user.display_name, 'Tomas via token');
		const edit = await b.patch(`/api/v1/therapists/${profileId}`, { bio: 'Edited with a token.' });
		assert.equal(edit.status, 200, edit.where);
		assert.equal(edit.json.bio, 'Edited with a token.');
		const pub = await new Client(server.url).get(`/api/v1/therapists/${profileId}`);
		assert.equal(pub.json.bio, 'Edited with a token.');
		const mine = await b.get('/api/v1/me/therapist');
		assert.equal(mine.status, 200, mine.where);
		assert.equal(mine.json.id, profileId);
		/* Used today. */
		const row = (await therapist.client.get('/api/v1/tokens')).json.tokens.find((t) => t.prefix === token.slice(0, 14));
		assert.match(row.last_used_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		assert.ok(Math.abs(Date.parse(row.last_used_at) / 1000 - now()) < 120, row.last_used_at);
		/* The audit log knows it was this person. */
		const ref = sqliteJson(server.dbPath, `SELECT audit_ref FROM users WHERE id = ${therapist.id}`)[0].audit_ref;
		const entry = sqliteJson(server.dbPath, "SELECT actor FROM audit_log WHERE action = 'therapist.update' ORDER BY id DESC LIMIT 1")[0];
		assert.equal(entry.actor, ref);
	});

	test('another therapist\'s token cannot edit the profile (404)', async () => {
		const { token } = await newToken(other, { name: 'not yours' });
		assertError(await bearer(token).patch(`/api/v1/therapists/${profileId}`, { bio: 'hijacked' }), 404, 'not_found');
		assert.notEqual((await new Client(server.url).get(`/api/v1/therapists/${profileId}`)).json.bio, 'hijacked');
	});

	test('an admin\'s token reaches the admin API', async () => {
		const admin = await makeAdmin(server, { tag: 'tok-admin' });
		const { token } = await newToken(admin, { name: 'admin script' });
		const users = await bearer(token).get('/api/v1/admin/users');
		assert.equal(users.status, 200, users.where);
		const verify = await bearer(token).post(`/api/v1/admin/therapists/${profileId}/verification`, {});
		assert.equal(verify.status, 200, verify.where);
		assert.equal(verify.json.verified, true);
		const unverify = await bearer(token).del(`/api/v1/admin/therapists/${profileId}/verification`);
		assert.equal(unverify.status, 200, unverify.where);
	});

	test('a token cannot manage account security: 403 session_required', async () => {
		const { token, id } = await newToken(therapist, { name: 'limited' });
		const b = bearer(token);
		const cases = [
			['POST', '/api/v1/tokens', { name: 'another' }],
			['GET', '/api/v1/tokens'],
			['DELETE', `/api/v1/tokens/${id}`],
			['POST', '/api/v1/me/password', { current_password: PASSWORD, new_password: 'a brand new passphrase' }],
			['POST', '/api/v1/me/email', { current_password: PASSWORD, email: 'stolen@example.org' }],
			['GET', '/api/v1/sessions'],
			['DELETE', '/api/v1/sessions'],
			['DELETE', '/api/v1/sessions/1'],
			['POST', '/api/v1/me/two-step', {}],
			['DELETE', '/api/v1/me/two-step', { password: PASSWORD }],
			['POST', '/api/v1/me/two-step/enable', { code: '123456' }],
			['POST', '/api/v1/me/recovery-codes', { password: PASSWORD }],
			['GET', '/api/v1/me/export'],
			['DELETE', '/api/v1/me', { password: PASSWORD }],
		];
		for (const [method, path, json] of cases)
			assertError(await b.call(method, path, json === undefined ? {} : { json }), 403, 'session_required');
		/* Session routes need a session: a token neither signs out nor answers a code. */
		/* A token has no session to end: revoking it is how it stops. */
		assertError(await b.del('/api/v1/session'), 403, 'session_required');
		assertError(await b.post('/api/v1/session/code', { code: '123456' }), 401, 'authentication_required');
		/* Nothing changed. */
		assert.equal((await b.get('/api/v1/me')).json.user.email, therapist.email);
		assert.ok((await therapist.client.get('/api/v1/tokens')).json.tokens.some((t) => t.id === id));
	});
});

describe('revoking and expiry', () => {
	test('a revoked token is refused (401); another user\'s token id is 404', async () => {
		const { token, id } = await newToken(therapist, { name: 'to revoke' });
		const mine = await newToken(other, { name: 'other\'s' });
		assert.equal((await bearer(token).get('/api/v1/me')).status, 200);
		assertError(await other.client.del(`/api/v1/tokens/${id}`), 404, 'not_found');
		assert.equal((await bearer(token).get('/api/v1/me')).status, 200, 'still works');
		for (const bad of ['0', 'abc', '-3', '999999999'])
			assertError(await therapist.client.del(`/api/v1/tokens/${bad}`), 404, 'not_found');
		const res = await therapist.client.del(`/api/v1/tokens/${id}`);
		assert.equal(res.status, 204, res.where);
		assertError(await bearer(token).get('/api/v1/me'), 401, 'invalid_token', 'Authorization');
		assertError(await therapist.client.del(`/api/v1/tokens/${id}`), 404, 'not_found');
		assert.ok(!(await therapist.client.get('/api/v1/tokens')).json.tokens.some((t) => t.id === id));
		assert.equal((await bearer(mine.token).get('/api/v1/me')).status, 200, 'the other user\'s token is untouched');
	});

	test('an expired token is refused (401)', async () => {
		const { token, id } = await newToken(therapist, { name: 'short-lived', expires_in_days: 1 });
		assert.equal((await bearer(token).get('/api/v1/me')).status, 200);
		sqliteExec(server.dbPath, `UPDATE access_tokens SET expires_at = ${now() - 1} WHERE id = ${id}`);
		assertError(await bearer(token).get('/api/v1/me'), 401, 'invalid_token', 'Authorization');
		assertError(await bearer(token).patch(`/api/v1/therapists/${profileId}`, { bio: 'late' }), 401, 'invalid_token');
	});

	test('signing out everywhere leaves tokens alone', async () => {
		const u = await makeUser(server, { tag: 'tok-keep' });
		const { token } = await newToken(u, { name: 'keeps working' });
		assert.equal((await u.client.del('/api/v1/sessions')).status, 204);
		assert.equal((await bearer(token).get('/api/v1/me')).status, 200);
	});
});

describe('the Authorization header', () => {
	test('anything but a valid bearer token: 401 invalid_token naming Authorization', async () => {
		const { token } = await newToken(client, { name: 'format' });
		const bad = [
			`Basic ${Buffer.from(`${client.email}:${PASSWORD}`).toString('base64')}`,
			'Bearer',
			'Bearer ',
			'Bearer garbage',
			`Bearer ${token.slice(0, -1)}`,
			`Bearer ${token}x`,
			`Bearer ${token.replace('imago_pat_', 'IMAGO_PAT_')}`,
			`Bearer ${token.slice(10)}`,
			`Bearer  ${token}`,
			`Token ${token}`,
			token,
			`Bearer ${token.slice(0, 10)}${'A'.repeat(43)}`,
			`Bearer ${'x'.repeat(4000)}`,
			"Bearer ' OR 1=1 --",
		];
		for (const h of bad) {
			const res = await new Client(server.url).get('/api/v1/me', { headers: { Authorization: h } });
			assertError(res, 401, 'invalid_token', 'Authorization');
			assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b/, h);
		}
		/* The scheme is case-insensitive. */
		const ok = await new Client(server.url).get('/api/v1/me', { headers: { Authorization: `bearer ${token}` } });
		assert.equal(ok.status, 200, ok.where);
	});

	test('a bad Authorization header is not rescued by a good cookie', async () => {
		const res = await client.client.get('/api/v1/me', { headers: { Authorization: 'Bearer nonsense' } });
		assertError(res, 401, 'invalid_token');
		/* A good token wins over a cookie: the request is the token's. */
		const { token } = await newToken(therapist, { name: 'wins' });
		const both = await client.client.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(both.json.user.id, therapist.id);
	});
});

describe('CSRF and Origin', () => {
	test('a cookie-carried change needs the X-CSRF-Token header', async () => {
		const c = client.client;
		assertError(await c.patch('/api/v1/me', { display_name: 'no token' }, { csrf: false }), 403, 'csrf_failed', 'X-CSRF-Token');
		assertError(await c.patch('/api/v1/me', { display_name: 'wrong' }, { csrf: 'x'.repeat(43) }), 403, 'csrf_failed');
		assertError(await c.patch('/api/v1/me', { display_name: 'short' }, { csrf: 'abc' }), 403, 'csrf_failed');
		assertError(await c.patch('/api/v1/me', { display_name: 'another\'s' }, { csrf: therapist.client.csrf }), 403, 'csrf_failed');
		assertError(await c.post('/api/v1/tokens', { name: 'no csrf' }, { csrf: false }), 403, 'csrf_failed');
		assertError(await c.del('/api/v1/session', undefined, { csrf: false }), 403, 'csrf_failed');
		assertError(await c.del('/api/v1/sessions', undefined, { csrf: false }), 403, 'csrf_failed');
		assertError(await therapist.client.patch(`/api/v1/therapists/${profileId}`, { bio: 'csrf' }, { csrf: false }), 403, 'csrf_failed');
		/* Still signed in, nothing changed. */
		const me = await c.get('/api/v1/me');
		assert.equal(me.status, 200);
		assert.notEqual(me.json.user.display_name, 'no token');
		assert.equal((await c.patch('/api/v1/me', { display_name: 'with token' })).status, 200);
		/* Reading needs none. */
		assert.equal((await c.get('/api/v1/tokens')).status, 200);
	});

	test('a CSRF token in a form field does not count for the API', async () => {
		const res = await client.client.call('PATCH', '/api/v1/me', {
			body: `csrf=${encodeURIComponent(client.client.csrf)}&display_name=x`,
			contentType: 'application/x-www-form-urlencoded',
			csrf: false,
		});
		assertError(res, 403, 'csrf_failed');
	});

	test('requests from another site are refused (403 cross_origin), cookie, token or none', async () => {
		const { token } = await newToken(therapist, { name: 'origin' });
		for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `http://localhost:${server.port}`,
			`http://127.0.0.1:${server.port}.evil.example`, 'file://']) {
			const h = { Origin: origin };
			assertError(await client.client.patch('/api/v1/me', { display_name: 'x-site' }, { headers: h }), 403, 'cross_origin', 'Origin');
			assertError(await bearer(token).patch('/api/v1/me', { display_name: 'x-site' }, { headers: h }), 403, 'cross_origin');
			assertError(await new Client(server.url).post('/api/v1/session', { email: client.email, password: PASSWORD }, { headers: h }),
			    403, 'cross_origin');
		}
		/* Our own origin is fine. */
		const same = await client.client.patch('/api/v1/me', { display_name: 'same site' }, { headers: { Origin: server.url } });
		assert.equal(same.status, 200, same.where);
		/* GET is not a change: no Origin check. */
		assert.equal((await client.client.get('/api/v1/me', { headers: { Origin: 'https://evil.example' } })).status, 200);
	});

	test('an API call without a cookie needs no CSRF token', async () => {
		const res = await new Client(server.url).post('/api/v1/password-resets', { email: 'nobody@example.org' });
		assert.equal(res.status, 202, res.where);
	});
});

describe('bodies where a route reads no field', () => {
	test('only JSON, and no field at all: 415 for other types, 400 naming a stray field', async () => {
		const admin = await makeAdmin(server, { tag: 'tok-nobody' });
		for (const [method, path] of [
			['POST', '/api/v1/me/two-step'],
			['POST', `/api/v1/admin/therapists/${profileId}/verification`],
			['DELETE', '/api/v1/sessions'],
		]) {
			const actor = path.startsWith('/api/v1/admin') ? admin : client;
			assertError(await actor.client.call(method, path, { body: 'not json at all', contentType: 'text/plain' }),
			    415, 'unsupported_media_type', 'Content-Type');
			assertError(await actor.client.call(method, path, { json: { surprise: 1 } }), 400, 'invalid_parameter', 'surprise');
		}
		/* Nothing happened: still unverified, still signed in. */
		assert.equal(sqliteJson(server.dbPath, `SELECT verified FROM therapists WHERE id = ${profileId}`)[0].verified, 0);
		assert.equal((await client.client.get('/api/v1/me')).status, 200);
	});
});

describe('a password reset ends every way in', () => {
	test('sessions and access tokens both stop working', async () => {
		const u = await makeUser(server, { tag: 'tok-reset' });
		const { token } = await newToken(u);
		assert.equal((await bearer(token).get('/api/v1/me')).status, 200);
		const anon = new Client(server.url);
		assert.equal((await anon.post('/api/v1/password-resets', { email: u.email })).status, 202);
		const { waitForMail, linkToken } = await import('../lib/accounts.mjs');
		const link = linkToken(await waitForMail(server.maildir, u.email, 1));
		const done = await anon.post('/api/v1/password-resets/confirm', { token: link, password: 'a brand new passphrase' });
		assert.equal(done.status, 200, done.where);
		assertError(await bearer(token).get('/api/v1/me'), 401, 'invalid_token', 'Authorization');
		assertError(await u.client.get('/api/v1/me'), 401, 'authentication_required');
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM access_tokens WHERE user_id = ${u.id}`)[0].n, 0);
	});
});

describe('the pre-session cookie of the pages', () => {
	test('does not make the JSON API ask for a CSRF token', async () => {
		const c = new Client(server.url);
		const page = await c.get('/signin');
		assert.equal(page.status, 200);
		assert.ok(c.jar.has('imago_pre'), 'the sign-in page set the pre-session cookie');
		const res = await c.post('/api/v1/session', { email: client.email, password: PASSWORD }, { csrf: false });
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.stage, 'signed_in');
	});
});
