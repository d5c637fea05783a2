/*
 * Two-step sign-in (RFC 6238 one-time codes and recovery codes) through
 * the JSON API: required set-up for therapists and admins, turning it on
 * with a code from the app, the code step of signing in (and what a
 * half-signed-in session may do), replays, recovery codes, turning it
 * off, and the accepted clock drift. Codes are computed here with
 * node:crypto from the secret the server hands out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sqliteJson } from '../lib/server.mjs';
import {
	Client, PASSWORD, SESSION_COOKIE, assertError, awayFromStepEdge, cliAddUser, currentStep, freshCode,
	makeUser, noteStepUsed, setupTwoStep, signIn, sqliteExec, startAccountServer, totpCode, uniqueEmail,
} from '../lib/accounts.mjs';

let server;

before(async () => {
	server = await startAccountServer();
});

after(async () => {
	if (server)
		await server.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const codeAtStep = (secret, step) => totpCode(secret, step * 30 + 1);

/* Signs in with the password only; returns the half-signed-in client. */
async function passwordStep(email, password = PASSWORD) {
	const c = new Client(server.url);
	const res = await c.post('/api/v1/session', { email, password });
	assert.equal(res.status, 200, res.where);
	c.csrf = res.json.csrf_token;
	c.me = res.json;
	return c;
}

test('the helper computes the RFC 6238 test vectors (SHA-1)', () => {
	const secret = Buffer.from('12345678901234567890');
	for (const [t, code] of [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
		[1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130']])
		assert.equal(totpCode(secret, t, { digits: 8 }), code, `T=${t}`);
});

describe('required for therapists and admins', () => {
	for (const role of ['therapist', 'admin']) {
		test(`a ${role} must set it up before anything but the set-up works`, async () => {
			const email = uniqueEmail(`${role}-setup`);
			cliAddUser(server.dbPath, email, PASSWORD, { therapist: role === 'therapist', admin: role === 'admin' });
			const c = await passwordStep(email);
			assert.equal(c.me.stage, 'signed_in');
			assert.equal(c.me.two_step_setup_required, true);

			const me = await c.get('/api/v1/me');
			assert.equal(me.status, 200, me.where);
			assert.equal(me.json.two_step_setup_required, true);
			assertError(await c.get('/api/v1/tokens'), 403, 'two_step_required');
			assertError(await c.get('/api/v1/sessions'), 403, 'two_step_required');
			assertError(await c.get('/api/v1/me/export'), 403, 'two_step_required');
			if (role === 'therapist') {
				assertError(await c.get('/api/v1/me/therapist'), 403, 'two_step_required');
				assertError(await c.post('/api/v1/therapists', { name: 'Too Soon' }), 403, 'two_step_required');
			} else {
				assertError(await c.get('/api/v1/admin/users'), 403, 'two_step_required');
				assertError(await c.get('/api/v1/admin/audit'), 403, 'two_step_required');
			}

			/* Turning it on. */
			assertError(await c.post('/api/v1/me/two-step/enable', { code: '123456' }), 409, 'no_pending_secret');
			const begin = await c.post('/api/v1/me/two-step', {});
			assert.equal(begin.status, 200, begin.where);
			const { secret, otpauth_uri: uri } = begin.json;
			assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits in base32');
			const u = new URL(uri);
			assert.equal(u.protocol, 'otpauth:');
			assert.equal(u.host, 'totp');
			assert.equal(decodeURIComponent(u.pathname), `/imago:${email}`);
			assert.equal(u.searchParams.get('secret'), secret);
			assert.equal(u.searchParams.get('issuer'), 'imago');
			for (const [k, v] of [['algorithm', 'SHA1'], ['digits', '6'], ['period', '30']])
				assert.ok([null, v].includes(u.searchParams.get(k)), `${k}=${u.searchParams.get(k)}`);
			const pending = sqliteJson(server.dbPath, `SELECT totp_enabled_at FROM users WHERE email = '${email}'`)[0];
			assert.equal(pending.totp_enabled_at, null, 'pending until a code proves the app has it');

			assertError(await c.post('/api/v1/me/two-step/enable', { code: '000000' === totpCode(secret) ? '111111' : '000000' }),
			    400, 'invalid_code', 'code');
			assertError(await c.post('/api/v1/me/two-step/enable', { code: 'abcdef' }), 400, 'invalid_code', 'code');
			assertError(await c.get('/api/v1/tokens'), 403, 'two_step_required');

			const enable = await c.post('/api/v1/me/two-step/enable', { code: await freshCode(secret) });
			assert.equal(enable.status, 200, enable.where);
			assert.equal(enable.json.two_step_enabled, true);
			const codes = enable.json.recovery_codes;
			assert.equal(codes.length, 10);
			assert.equal(new Set(codes).size, 10);
			for (const rc of codes)
				assert.match(rc, /^[a-z0-9]{5}-[a-z0-9]{5}$/);

			/* The same session goes on, now set up. */
			const tokens = await c.get('/api/v1/tokens');
			assert.equal(tokens.status, 200, tokens.where);
			const me2 = await c.get('/api/v1/me');
			assert.equal(me2.json.two_step_setup_required, false);
			assert.equal(me2.json.user.two_step_enabled, true);
			assert.equal(me2.json.recovery_codes_left, 10);
			assertError(await c.post('/api/v1/me/two-step', {}), 409, 'two_step_enabled');
			/* It cannot be turned off again. */
			assertError(await c.del('/api/v1/me/two-step', { password: PASSWORD }), 403, 'two_step_required');
			assert.equal((await c.get('/api/v1/me')).json.user.two_step_enabled, true);
		});
	}

	test('a client is not asked to set it up', async () => {
		const u = await makeUser(server, { tag: 'client-optional' });
		assert.equal(u.client.me.two_step_setup_required, false);
		assert.equal((await u.client.get('/api/v1/tokens')).status, 200);
	});
});

describe('signing in with a code', () => {
	/* A therapist of its own for each test: a code works once, so each
	 * account has only so many a minute. */
	const fresh = () => makeUser(server, { therapist: true, tag: 'code' });

	test('the password step gives a session that can only send the code (or sign out)', async () => {
		const t = await fresh();
		const c = await passwordStep(t.email);
		assert.equal(c.me.stage, 'code_required');
		assert.equal(c.me.user.email, t.email);
		assert.match(c.me.csrf_token, /^[A-Za-z0-9_-]{43}$/);
		assert.ok(c.sessionCookie, 'a cookie for the half-signed-in session');
		assert.equal(c.me.recovery_codes_left, undefined);
		/* GET /api/v1/me says who is asking and at which stage (and gives
		 * the CSRF token); nothing else is open to a pending session. */
		const me = await c.get('/api/v1/me');
		assert.equal(me.status, 200, me.where);
		assert.equal(me.json.stage, 'code_required');
		assert.equal(me.json.csrf_token, c.me.csrf_token);
		assert.equal(me.json.recovery_codes_left, undefined);
		assertError(await c.patch('/api/v1/me', { display_name: 'x' }), 401, 'authentication_required');
		assertError(await c.get('/api/v1/tokens'), 401, 'authentication_required');
		assertError(await c.get('/api/v1/sessions'), 401, 'authentication_required');
		assertError(await c.get('/api/v1/me/therapist'), 401, 'authentication_required');
		assertError(await c.post('/api/v1/me/two-step', {}), 401, 'authentication_required');
		assertError(await c.post('/api/v1/therapists', { name: 'x' }), 401, 'authentication_required');
		assertError(await c.get('/api/v1/me/export'), 401, 'authentication_required');
		/* Signing out works in either stage. */
		const out = await c.del('/api/v1/session');
		assert.equal(out.status, 204, out.where);
		assert.equal(c.sessionCookie, undefined);
		assertError(await c.post('/api/v1/session/code', { code: totpCode(t.secret) }), 401, 'authentication_required');
	});

	test('a wrong code: 401 invalid_code, and the session still waits for the right one', async () => {
		const t = await fresh();
		const c = await passwordStep(t.email);
		for (const code of ['000000', '12345', '1234567', 'abcdef', '99999999999', 'aaaaa-bbbbb'])
			assertError(await c.post('/api/v1/session/code', { code }), 401, 'invalid_code', 'code');
		const pendingCookie = c.sessionCookie;
		const ok = await c.post('/api/v1/session/code', { code: await freshCode(t.secret) });
		assert.equal(ok.status, 200, ok.where);
		assert.equal(ok.json.stage, 'signed_in');
		assert.equal(ok.json.two_step_setup_required, false);
		assert.notEqual(c.sessionCookie, pendingCookie, 'a new token for the signed-in session');
		assert.notEqual(ok.json.csrf_token, c.csrf, 'and with it a new CSRF token');
		const setCookie = ok.headers.getSetCookie().join(' | ');
		assert.match(setCookie, /HttpOnly/);
		assert.match(setCookie, /SameSite=Lax/);
		c.csrf = ok.json.csrf_token;
		const me = await c.get('/api/v1/me');
		assert.equal(me.status, 200, me.where);
		assert.equal(me.json.stage, 'signed_in');
		assert.equal((await c.get('/api/v1/tokens')).status, 200);
		/* The half-signed-in token is gone. */
		const old = new Client(server.url);
		old.jar.set(SESSION_COOKIE, pendingCookie);
		assertError(await old.get('/api/v1/me'), 401, 'authentication_required');
		assertError(await old.post('/api/v1/session/code', { code: '123456' }), 401, 'authentication_required');
	});

	test('the code route needs a pending session, and its CSRF token', async () => {
		const t = await fresh();
		assertError(await new Client(server.url).post('/api/v1/session/code', { code: '123456' }), 401, 'authentication_required');
		const signedIn = await signIn(server.url, t.email, PASSWORD, { secret: t.secret });
		assertError(await signedIn.post('/api/v1/session/code', { code: '123456' }), 401, 'authentication_required');
		const c = await passwordStep(t.email);
		assertError(await c.post('/api/v1/session/code', { code: '123456' }, { csrf: false }), 403, 'csrf_failed');
	});

	test('a code cannot be used twice', async () => {
		const t = await fresh();
		await awayFromStepEdge(4);
		const code = await freshCode(t.secret);
		const a = await passwordStep(t.email);
		const ok = await a.post('/api/v1/session/code', { code });
		assert.equal(ok.status, 200, ok.where);
		const b = await passwordStep(t.email);
		assertError(await b.post('/api/v1/session/code', { code }), 401, 'invalid_code', 'code');
		/* Something else that is right still works for that session. */
		const next = await b.post('/api/v1/session/code', { code: t.recoveryCodes[0] });
		assert.equal(next.status, 200, next.where);
	});

	test('the same code (or recovery code) sent twice at once signs in only one session', async () => {
		const t = await fresh();
		for (const code of [await freshCode(t.secret), t.recoveryCodes[3]]) {
			const a = await passwordStep(t.email);
			const b = await passwordStep(t.email);
			const results = await Promise.all([a, b].map((c) => c.post('/api/v1/session/code', { code })));
			assert.deepEqual(results.map((r) => r.status).sort(), [200, 401], results.map((r) => r.where).join('\n'));
		}
	});

	test('a pending session lasts five minutes', async () => {
		const t = await fresh();
		const c = await passwordStep(t.email);
		const id = sqliteJson(server.dbPath, `SELECT id, expires_at - created_at AS ttl FROM sessions WHERE user_id = ${t.id} AND stage = 1 ORDER BY id DESC LIMIT 1`)[0];
		assert.equal(id.ttl, 300);
		sqliteExec(server.dbPath, `UPDATE sessions SET expires_at = ${now() - 1} WHERE id = ${id.id}`);
		assertError(await c.post('/api/v1/session/code', { code: t.recoveryCodes[0] }), 401, 'authentication_required');
	});
});

describe('recovery codes', () => {
	let t;
	before(async () => {
		t = await makeUser(server, { therapist: true, tag: 'recovery' });
	});

	test('a recovery code signs in once, written any way', async () => {
		const [first, second] = t.recoveryCodes;
		const c = await passwordStep(t.email);
		const ok = await c.post('/api/v1/session/code', { code: ` ${first.toUpperCase().replace('-', ' ')} ` });
		assert.equal(ok.status, 200, ok.where);
		c.csrf = ok.json.csrf_token;
		const me = await c.get('/api/v1/me');
		assert.equal(me.json.recovery_codes_left, 9);
		const again = await passwordStep(t.email);
		assertError(await again.post('/api/v1/session/code', { code: first }), 401, 'invalid_code');
		const ok2 = await again.post('/api/v1/session/code', { code: second.replace('-', '') });
		assert.equal(ok2.status, 200, ok2.where);
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM recovery_codes WHERE user_id = ${t.id} AND used_at IS NULL`)[0].n, 8);
		const audit = sqliteJson(server.dbPath, "SELECT detail FROM audit_log WHERE action = 'user.sign_in' ORDER BY id DESC LIMIT 1")[0];
		assert.equal(audit.detail, 'recovery code');
	});

	test('replacing them needs the password and voids the old ones', async () => {
		const c = await signIn(server.url, t.email, PASSWORD, { secret: t.secret });
		assertError(await c.post('/api/v1/me/recovery-codes', { password: 'not my password' }), 401, 'invalid_credentials', 'password');
		const res = await c.post('/api/v1/me/recovery-codes', { password: PASSWORD });
		assert.equal(res.status, 200, res.where);
		const fresh = res.json.recovery_codes;
		assert.equal(fresh.length, 10);
		assert.ok(!fresh.some((x) => t.recoveryCodes.includes(x)));
		assert.equal((await c.get('/api/v1/me')).json.recovery_codes_left, 10);
		const old = await passwordStep(t.email);
		assertError(await old.post('/api/v1/session/code', { code: t.recoveryCodes[5] }), 401, 'invalid_code');
		const ok = await old.post('/api/v1/session/code', { code: fresh[0] });
		assert.equal(ok.status, 200, ok.where);
		t.recoveryCodes = fresh;
	});

	test('an account without two-step sign-in has no recovery codes to replace', async () => {
		const u = await makeUser(server, { tag: 'no-recovery' });
		assertError(await u.client.post('/api/v1/me/recovery-codes', { password: PASSWORD }), 409, 'two_step_disabled');
	});
});

describe('a client may turn it on and off', () => {
	test('on: sign-in asks for a code; off (with the password): it no longer does', async () => {
		const u = await makeUser(server, { tag: 'client-2step' });
		const { secret } = await setupTwoStep(u.client);
		const c = await passwordStep(u.email);
		assert.equal(c.me.stage, 'code_required');
		const ok = await c.post('/api/v1/session/code', { code: await freshCode(secret) });
		assert.equal(ok.status, 200, ok.where);
		c.csrf = ok.json.csrf_token;

		assertError(await c.del('/api/v1/me/two-step', { password: 'not my password' }), 401, 'invalid_credentials', 'password');
		const off = await c.del('/api/v1/me/two-step', { password: PASSWORD });
		assert.equal(off.status, 204, off.where);
		const me = await c.get('/api/v1/me');
		assert.equal(me.json.user.two_step_enabled, false);
		assert.equal(me.json.recovery_codes_left, undefined);
		const row = sqliteJson(server.dbPath, `SELECT totp_secret IS NULL AS gone, totp_enabled_at FROM users WHERE id = ${u.id}`)[0];
		assert.equal(row.gone, 1, 'the secret is forgotten');
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM recovery_codes WHERE user_id = ${u.id}`)[0].n, 0);
		const again = await passwordStep(u.email);
		assert.equal(again.me.stage, 'signed_in');
	});
});

describe('clock drift (RFC 6238 window)', () => {
	test('codes one step off are accepted, three steps off are refused', async () => {
		const u = await makeUser(server, { therapist: true, twoStep: false, tag: 'drift' });
		const begin = await u.client.post('/api/v1/me/two-step', {});
		const { secret } = begin.json;
		await awayFromStepEdge(6);
		const T = currentStep();
		/* Turning it on: three steps either way is too far; one step behind is fine. */
		assertError(await u.client.post('/api/v1/me/two-step/enable', { code: codeAtStep(secret, T - 3) }), 400, 'invalid_code');
		assertError(await u.client.post('/api/v1/me/two-step/enable', { code: codeAtStep(secret, T + 3) }), 400, 'invalid_code');
		const code = codeAtStep(secret, T - 1);
		const en = await u.client.post('/api/v1/me/two-step/enable', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
		assert.equal(en.status, 200, `one step behind, typed with a space: ${en.where}`);
		/* Signing in: three steps ahead is refused, one step ahead accepted. */
		const a = await passwordStep(u.email);
		assertError(await a.post('/api/v1/session/code', { code: codeAtStep(secret, T + 3) }), 401, 'invalid_code');
		const ok = await a.post('/api/v1/session/code', { code: codeAtStep(secret, T + 1) });
		assert.equal(ok.status, 200, `one step ahead: ${ok.where}`);
		/* A code from before the last one used is refused even inside the window. */
		const b = await passwordStep(u.email);
		assertError(await b.post('/api/v1/session/code', { code: codeAtStep(secret, T) }), 401, 'invalid_code');
		assert.equal(Date.now() / 30000 < T + 1, true, 'the test ran within one step');
		noteStepUsed(secret, T + 1);
	});
});
