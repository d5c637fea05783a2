/*
 * The account flows of the JSON API, end to end against a real server:
 * sign-up and email verification, sign-in and its cookie, sign-out,
 * session expiry, password reset, changes of password and email,
 * signing out everywhere, the session list; the data export and account
 * deletion; and bad input on every route that reads a body. Mail is
 * read from the server's maildir; time is moved by editing rows with
 * the sqlite3 shell.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { rawRequest, requestBytes } from '../lib/http.mjs';
import { sqliteJson } from '../lib/server.mjs';
import {
	Client, PASSWORD, SESSION_COOKIE, assertAuditVerifies, assertError, cliAddUser, linkToken,
	mailTo, makeTherapist, makeUser, profileBody, signIn, signInAgain, signUp,
	sqlQuote, sqliteExec, startAccountServer, uniqueEmail, waitForMail,
} from '../lib/accounts.mjs';

let server;
/* Every secret the server handed out in this file: none may be in the database. */
const secrets = new Map();

function remember(client) {
	for (const [k, v] of client.jar)
		secrets.set(v, `cookie ${k}`);
	if (client.csrf)
		secrets.set(client.csrf, 'CSRF token');
	return client;
}

before(async () => {
	server = await startAccountServer();
});

after(async () => {
	if (server)
		await server.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const userRows = (email) => sqliteJson(server.dbPath, `SELECT * FROM users WHERE email = ${sqlQuote(email)}`);
const api = () => new Client(server.url);

describe('sign-up and verification', () => {
	test('the same 202 for a new and a taken address; only the new one gets a row and a link', async () => {
		const email = uniqueEmail('signup');
		const first = await signUp(server.url, email, PASSWORD, { display_name: 'Ana' });
		assert.equal(first.status, 202, first.where);
		assert.deepEqual(first.json, { status: 'check_your_email' });
		const link = await waitForMail(server.maildir, email, 1);
		assert.match(link.subject, /confirm your email/i);
		linkToken(link);
		assert.equal(userRows(email).length, 1);
		const usersBefore = sqliteJson(server.dbPath, 'SELECT count(*) AS n FROM users')[0].n;

		/* Again, with the address in another case and another password. */
		const second = await signUp(server.url, email.toUpperCase(), 'another long password', { role: 'therapist' });
		assert.equal(second.status, 202, second.where);
		assert.equal(second.text, first.text, 'byte-identical answers');
		assert.equal(second.headers.get('content-type'), first.headers.get('content-type'));
		const note = await waitForMail(server.maildir, email, 2);
		assert.match(note.subject, /someone tried to sign up/i);
		assert.doesNotMatch(note.body, /token=/, 'the note carries no link that signs anyone in');
		assert.equal(sqliteJson(server.dbPath, 'SELECT count(*) AS n FROM users')[0].n, usersBefore,
		    'no second user row');
		const row = userRows(email)[0];
		assert.equal(row.roles, 1, 'the second sign-up did not make the account a therapist');
		assert.equal(row.email_verified_at, null);
	});

	test('two sign-ups for one new address at once: one account, the same answers', async () => {
		const email = uniqueEmail('signup-race');
		const results = await Promise.all([1, 2].map(() => signUp(server.url, email)));
		for (const r of results)
			assert.equal(r.status, 202, r.where);
		assert.equal(results[0].text, results[1].text);
		assert.equal(userRows(email).length, 1);
		await waitForMail(server.maildir, email, 2);
		const subjects = mailTo(server.maildir, email).map((m) => m.subject).sort();
		assert.ok(subjects.some((s) => /confirm your email/i.test(s)) && subjects.some((s) => /someone tried/i.test(s)), subjects.join(' | '));
	});

	test('a role of therapist is kept; an unknown role is refused', async () => {
		const email = uniqueEmail('signup-t');
		assert.equal((await signUp(server.url, email, PASSWORD, { role: 'therapist' })).status, 202);
		assert.equal(userRows(email)[0].roles, 3);
		const bad = await signUp(server.url, uniqueEmail('signup-a'), PASSWORD, { role: 'admin' });
		assertError(bad, 400, 'invalid_parameter', 'role');
	});

	test('the verification link works once', async () => {
		const email = uniqueEmail('verify');
		await signUp(server.url, email);
		const token = linkToken(await waitForMail(server.maildir, email, 1));
		const ok = await api().post('/api/v1/accounts/verify', { token });
		assert.equal(ok.status, 200, ok.where);
		assert.deepEqual(ok.json, { status: 'email_verified' });
		assert.notEqual(userRows(email)[0].email_verified_at, null);
		assertError(await api().post('/api/v1/accounts/verify', { token }), 400, 'invalid_token', 'token');
		/* Verified: signing in works. */
		remember(await signIn(server.url, email));
	});

	test('an expired link: 400 invalid_token, and the account stays unverified', async () => {
		const email = uniqueEmail('expired');
		await signUp(server.url, email);
		const token = linkToken(await waitForMail(server.maildir, email, 1));
		const id = userRows(email)[0].id;
		sqliteExec(server.dbPath, `UPDATE email_tokens SET expires_at = ${now() - 10} WHERE user_id = ${id}`);
		assertError(await api().post('/api/v1/accounts/verify', { token }), 400, 'invalid_token', 'token');
		assert.equal(userRows(email)[0].email_verified_at, null);
	});

	test('an unknown or malformed token: 400 invalid_token', async () => {
		for (const token of ['x'.repeat(43), 'short', '../../etc/passwd', "' OR 1=1 --"])
			assertError(await api().post('/api/v1/accounts/verify', { token }), 400, 'invalid_token', 'token');
	});

	test('signing in before verifying: 403 email_not_verified, and a new link that works', async () => {
		const email = uniqueEmail('unverified');
		await signUp(server.url, email);
		await waitForMail(server.maildir, email, 1);
		const c = api();
		const res = await c.post('/api/v1/session', { email, password: PASSWORD });
		assertError(res, 403, 'email_not_verified', 'email');
		assert.equal(c.sessionCookie, undefined, 'no session cookie');
		const again = await waitForMail(server.maildir, email, 2);
		assert.match(again.subject, /confirm your email/i);
		const v = await api().post('/api/v1/accounts/verify', { token: linkToken(again) });
		assert.equal(v.status, 200, v.where);
		remember(await signIn(server.url, email));
	});

	test('the wrong password and an unknown address: 401 with byte-identical bodies', async () => {
		const email = uniqueEmail('known');
		cliAddUser(server.dbPath, email);
		const wrong = await api().post('/api/v1/session', { email, password: 'not the password at all' });
		const unknown = await api().post('/api/v1/session', { email: uniqueEmail('nobody'), password: PASSWORD });
		const malformed = await api().post('/api/v1/session', { email: 'not-an-address', password: PASSWORD });
		assertError(wrong, 401, 'invalid_credentials');
		assert.equal(unknown.status, 401);
		assert.equal(unknown.text, wrong.text);
		assert.equal(malformed.status, 401);
		assert.equal(malformed.text, wrong.text);
		for (const r of [wrong, unknown, malformed])
			assert.deepEqual(r.headers.getSetCookie(), [], 'no cookie for a failed sign-in');
	});
});

describe('sessions', () => {
	let user;
	before(async () => {
		user = await makeUser(server, { name: 'Session Person' });
		remember(user.client);
	});

	test('the session cookie: HttpOnly, SameSite=Lax, Path=/, no Secure over plain HTTP', async () => {
		const c = new Client(server.url);
		const res = await c.post('/api/v1/session', { email: user.email, password: PASSWORD });
		assert.equal(res.status, 200, res.where);
		remember(c);
		const cookies = res.headers.getSetCookie();
		assert.equal(cookies.length, 1, cookies.join(' | '));
		const [pair, ...attrs] = cookies[0].split(';').map((s) => s.trim());
		assert.match(pair, new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}$`));
		assert.ok(attrs.includes('HttpOnly'), cookies[0]);
		assert.ok(attrs.includes('SameSite=Lax'), cookies[0]);
		assert.ok(attrs.includes('Path=/'), cookies[0]);
		assert.ok(!attrs.some((a) => /^secure$/i.test(a)), cookies[0]);
		assert.equal(res.headers.get('strict-transport-security'), null);
		assert.equal(res.json.stage, 'signed_in');
		assert.equal(res.json.user.email, user.email);
		assert.match(res.json.csrf_token, /^[A-Za-z0-9_-]{43}$/);
		assert.equal(res.json.two_step_setup_required, false);
	});

	test('GET /api/v1/me describes the account and is not cached', async () => {
		const res = await user.client.get('/api/v1/me');
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.user.id, user.id);
		assert.equal(res.json.user.email, user.email);
		assert.equal(res.json.user.display_name, 'Session Person');
		assert.deepEqual(res.json.user.roles, ['client']);
		assert.equal(res.json.user.email_verified, true);
		assert.equal(res.json.user.two_step_enabled, false);
		assert.equal(res.json.stage, 'signed_in');
		assert.equal(res.json.csrf_token, user.client.csrf);
		assert.equal(res.headers.get('cache-control'), 'no-store');
		assert.ok(!/password|hash|totp_secret/i.test(Object.keys(res.json.user).join(' ')));
		assertError(await api().get('/api/v1/me'), 401, 'authentication_required');
	});

	test('PATCH /api/v1/me changes the display name', async () => {
		const res = await user.client.patch('/api/v1/me', { display_name: 'Renamed Person' });
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.user.display_name, 'Renamed Person');
		assert.equal((await user.client.get('/api/v1/me')).json.user.display_name, 'Renamed Person');
		assert.equal(sqliteJson(server.dbPath, `SELECT display_name FROM users WHERE id = ${user.id}`)[0].display_name,
		    'Renamed Person');
		/* An empty body changes nothing. */
		const same = await user.client.patch('/api/v1/me', {});
		assert.equal(same.status, 200, same.where);
		assert.equal(same.json.user.display_name, 'Renamed Person');
		assertError(await user.client.patch('/api/v1/me', { display_name: 'x'.repeat(101) }), 400,
		    'invalid_parameter', 'display_name');
	});

	test('signing out clears the cookie and ends the session', async () => {
		const c = remember(await signInAgain(server, user));
		const old = c.clone();
		const res = await c.del('/api/v1/session');
		assert.equal(res.status, 204, res.where);
		const cleared = res.headers.getSetCookie().find((s) => s.startsWith(`${SESSION_COOKIE}=`));
		assert.ok(cleared, 'a Set-Cookie clears the session cookie');
		assert.match(cleared, new RegExp(`^${SESSION_COOKIE}=;`));
		assert.match(cleared, /Max-Age=0/);
		assert.equal(c.sessionCookie, undefined);
		assertError(await old.get('/api/v1/me'), 401, 'authentication_required');
		/* The other session of the same user is untouched. */
		assert.equal((await user.client.get('/api/v1/me')).status, 200);
	});

	test('a session idle for 30 minutes has ended', async () => {
		const c = remember(await signInAgain(server, user));
		const me = await c.get('/api/v1/sessions');
		const id = me.json.sessions.find((s) => s.current).id;
		sqliteExec(server.dbPath, `UPDATE sessions SET last_seen_at = ${now() - 31 * 60} WHERE id = ${id}`);
		assertError(await c.get('/api/v1/me'), 401, 'authentication_required');
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM sessions WHERE id = ${id}`)[0].n, 0,
		    'the expired row is gone');
	});

	test('a session in use is still ended at its absolute expiry', async () => {
		const c = remember(await signInAgain(server, user));
		const id = (await c.get('/api/v1/sessions')).json.sessions.find((s) => s.current).id;
		const row = sqliteJson(server.dbPath, `SELECT created_at, expires_at FROM sessions WHERE id = ${id}`)[0];
		assert.equal(row.expires_at - row.created_at, 12 * 3600, 'sessions last 12 hours at most');
		sqliteExec(server.dbPath, `UPDATE sessions SET last_seen_at = ${now()}, expires_at = ${now() - 1} WHERE id = ${id}`);
		assertError(await c.get('/api/v1/me'), 401, 'authentication_required');
	});

	test('the session list, and revoking one session; another user\'s session is 404', async () => {
		const other = remember(await signInAgain(server, user, { userAgent: 'second-device/1.0' }));
		const list = await user.client.get('/api/v1/sessions');
		assert.equal(list.status, 200, list.where);
		const sessions = list.json.sessions;
		assert.ok(sessions.length >= 2, list.text);
		assert.equal(sessions.filter((s) => s.current).length, 1);
		const second = sessions.find((s) => s.user_agent === 'second-device/1.0');
		assert.ok(second, list.text);
		assert.equal(second.current, false);
		assert.equal(second.ip, '127.0.0.1');
		for (const s of sessions)
			assert.deepEqual(Object.keys(s).sort(), ['created_at', 'current', 'expires_at', 'id', 'ip', 'last_seen_at', 'user_agent']);

		const stranger = await makeUser(server, { tag: 'stranger' });
		remember(stranger.client);
		assertError(await stranger.client.del(`/api/v1/sessions/${second.id}`), 404, 'not_found');
		assert.equal((await other.get('/api/v1/me')).status, 200, 'a stranger cannot end it');
		for (const bad of ['0', '-1', 'abc', '99999999'])
			assertError(await user.client.del(`/api/v1/sessions/${bad}`), 404, 'not_found');

		const res = await user.client.del(`/api/v1/sessions/${second.id}`);
		assert.equal(res.status, 204, res.where);
		assertError(await other.get('/api/v1/me'), 401, 'authentication_required');
		assert.equal((await user.client.get('/api/v1/me')).status, 200);
		assert.ok(!(await user.client.get('/api/v1/sessions')).json.sessions.some((s) => s.id === second.id));
	});

	test('signing out everywhere ends every session of the account', async () => {
		const u = await makeUser(server, { tag: 'everywhere' });
		const a = remember(u.client);
		const before = a.clone();
		const b = remember(await signInAgain(server, u));
		const bystander = await makeUser(server, { tag: 'bystander' });
		const res = await a.del('/api/v1/sessions');
		assert.equal(res.status, 204, res.where);
		assert.equal(a.sessionCookie, undefined, 'its own cookie is cleared');
		assertError(await b.get('/api/v1/me'), 401, 'authentication_required');
		assertError(await before.get('/api/v1/me'), 401, 'authentication_required');
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM sessions WHERE user_id = ${u.id}`)[0].n, 0);
		assert.equal((await bystander.client.get('/api/v1/me')).status, 200, 'other accounts keep theirs');
	});
});

describe('password reset', () => {
	test('202 for a known and an unknown address alike; only the known one gets mail', async () => {
		const email = uniqueEmail('reset-known');
		cliAddUser(server.dbPath, email);
		const unknownEmail = uniqueEmail('reset-unknown');
		const known = await api().post('/api/v1/password-resets', { email });
		const unknown = await api().post('/api/v1/password-resets', { email: unknownEmail });
		assert.equal(known.status, 202, known.where);
		assert.equal(unknown.status, 202, unknown.where);
		assert.equal(unknown.text, known.text);
		assert.deepEqual(known.json, { status: 'check_your_email' });
		const mail = await waitForMail(server.maildir, email, 1);
		assert.match(mail.subject, /reset/i);
		linkToken(mail);
		/* Give the worker the time it took for the known one, then look. */
		await new Promise((r) => setTimeout(r, 300));
		assert.equal(mailTo(server.maildir, unknownEmail).length, 0);
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM outbox WHERE to_addr = ${sqlQuote(unknownEmail)}`)[0].n, 0);
		assert.equal(userRows(unknownEmail).length, 0);
	});

	test('confirming sets the new password, ends every session, and the link works once', async () => {
		const u = await makeUser(server, { tag: 'reset' });
		const second = remember(await signInAgain(server, u));
		remember(u.client);
		assert.equal((await api().post('/api/v1/password-resets', { email: u.email })).status, 202);
		const token = linkToken(await waitForMail(server.maildir, u.email, 1));
		const newPassword = 'a brand new passphrase';
		assertError(await api().post('/api/v1/password-resets/confirm', { token, password: 'short' }), 400,
		    'invalid_parameter', 'password');
		const res = await api().post('/api/v1/password-resets/confirm', { token, password: newPassword });
		assert.equal(res.status, 200, res.where);
		assert.deepEqual(res.json, { status: 'password_changed' });
		assertError(await u.client.get('/api/v1/me'), 401, 'authentication_required');
		assertError(await second.get('/api/v1/me'), 401, 'authentication_required');
		assertError(await api().post('/api/v1/session', { email: u.email, password: PASSWORD }), 401, 'invalid_credentials');
		remember(await signIn(server.url, u.email, newPassword));
		assertError(await api().post('/api/v1/password-resets/confirm', { token, password: 'yet another passphrase' }),
		    400, 'invalid_token', 'token');
		assertError(await api().post('/api/v1/session', { email: u.email, password: 'yet another passphrase' }), 401);
	});

	test('one link opened twice at once works once', async () => {
		const u = await makeUser(server, { tag: 'reset-race' });
		await api().post('/api/v1/password-resets', { email: u.email });
		const token = linkToken(await waitForMail(server.maildir, u.email, 1));
		const results = await Promise.all(['first racing passphrase', 'second racing passphrase'].map((password) =>
			api().post('/api/v1/password-resets/confirm', { token, password })));
		assert.deepEqual(results.map((r) => r.status).sort(), [200, 400], results.map((r) => r.where).join('\n'));
		const winner = results[0].status === 200 ? 'first racing passphrase' : 'second racing passphrase';
		remember(await signIn(server.url, u.email, winner));
	});

	test('an expired reset link: 400, and the password stays', async () => {
		const u = await makeUser(server, { tag: 'reset-expired' });
		await api().post('/api/v1/password-resets', { email: u.email });
		const token = linkToken(await waitForMail(server.maildir, u.email, 1));
		sqliteExec(server.dbPath, `UPDATE email_tokens SET expires_at = ${now() - 1} WHERE user_id = ${u.id}`);
		assertError(await api().post('/api/v1/password-resets/confirm', { token, password: 'a brand new passphrase' }),
		    400, 'invalid_token');
		assert.equal((await u.client.get('/api/v1/me')).status, 200, 'sessions were not ended');
		remember(await signIn(server.url, u.email, PASSWORD));
	});
});

describe('changing the password', () => {
	test('the wrong current password: 401, nothing changes', async () => {
		const u = await makeUser(server, { tag: 'chpw-wrong' });
		remember(u.client);
		const other = remember(await signInAgain(server, u));
		const res = await u.client.post('/api/v1/me/password', { current_password: 'not my password', new_password: 'a brand new passphrase' });
		assertError(res, 401, 'invalid_credentials', 'current_password');
		assert.equal((await other.get('/api/v1/me')).status, 200);
		remember(await signIn(server.url, u.email, PASSWORD));
	});

	test('the right one: other sessions end, this one stays, and a note is mailed', async () => {
		const u = await makeUser(server, { tag: 'chpw' });
		remember(u.client);
		const other = remember(await signInAgain(server, u));
		const mails = mailTo(server.maildir, u.email).length;
		assertError(await u.client.post('/api/v1/me/password', { current_password: PASSWORD, new_password: 'tiny' }),
		    400, 'invalid_parameter', 'new_password');
		const res = await u.client.post('/api/v1/me/password', { current_password: PASSWORD, new_password: 'a brand new passphrase' });
		assert.equal(res.status, 200, res.where);
		assert.deepEqual(res.json, { status: 'password_changed' });
		assert.equal((await u.client.get('/api/v1/me')).status, 200, 'this session is kept');
		assertError(await other.get('/api/v1/me'), 401, 'authentication_required');
		const note = await waitForMail(server.maildir, u.email, mails + 1);
		assert.match(note.subject, /password was changed/i);
		assert.doesNotMatch(note.body, /a brand new passphrase/);
		assertError(await api().post('/api/v1/session', { email: u.email, password: PASSWORD }), 401);
		remember(await signIn(server.url, u.email, 'a brand new passphrase'));
	});
});

describe('changing the email address', () => {
	test('a link to the new address; confirming changes it and tells the old one', async () => {
		const u = await makeUser(server, { tag: 'chmail' });
		remember(u.client);
		const newEmail = uniqueEmail('chmail-new');
		const oldMails = mailTo(server.maildir, u.email).length;
		assertError(await u.client.post('/api/v1/me/email', { current_password: 'wrong password!!', email: newEmail }),
		    401, 'invalid_credentials', 'current_password');
		const res = await u.client.post('/api/v1/me/email', { current_password: PASSWORD, email: newEmail });
		assert.equal(res.status, 202, res.where);
		assert.deepEqual(res.json, { status: 'check_your_email' });
		const link = await waitForMail(server.maildir, newEmail, 1);
		assert.match(link.subject, /confirm your new email/i);
		assert.equal(userRows(u.email).length, 1, 'nothing changes before the link is opened');
		const ok = await api().post('/api/v1/me/email/confirm', { token: linkToken(link) });
		assert.equal(ok.status, 200, ok.where);
		assert.deepEqual(ok.json, { status: 'email_changed' });
		assert.equal((await u.client.get('/api/v1/me')).json.user.email, newEmail);
		assert.equal(userRows(u.email).length, 0);
		assert.equal(userRows(newEmail).length, 1);
		const note = await waitForMail(server.maildir, u.email, oldMails + 1);
		assert.match(note.subject, /email address was changed/i);
		assert.doesNotMatch(note.body, new RegExp(newEmail.replace(/[.]/g, '\\.')), 'the old address is not told the new one');
		assertError(await api().post('/api/v1/me/email/confirm', { token: linkToken(link) }), 400, 'invalid_token');
		assertError(await api().post('/api/v1/session', { email: u.email, password: PASSWORD }), 401);
		remember(await signIn(server.url, newEmail, PASSWORD));
	});

	test('a taken address: the same 202, no change, and its owner is told', async () => {
		const u = await makeUser(server, { tag: 'chmail-taken' });
		const owner = await makeUser(server, { tag: 'chmail-owner' });
		remember(u.client);
		const free = await u.client.post('/api/v1/me/email', { current_password: PASSWORD, email: uniqueEmail('chmail-free') });
		const ownerMails = mailTo(server.maildir, owner.email).length;
		const taken = await u.client.post('/api/v1/me/email', { current_password: PASSWORD, email: owner.email.toUpperCase() });
		assert.equal(taken.status, 202, taken.where);
		assert.equal(taken.text, free.text);
		const note = await waitForMail(server.maildir, owner.email, ownerMails + 1);
		assert.match(note.subject, /someone tried to use your email/i);
		assert.doesNotMatch(note.body, /token=/);
		assert.doesNotMatch(note.body, new RegExp(u.email.replace(/[.]/g, '\\.')));
		assert.equal((await u.client.get('/api/v1/me')).json.user.email, u.email);
		assert.equal((await owner.client.get('/api/v1/me')).json.user.email, owner.email);
		assertError(await u.client.post('/api/v1/me/email', { current_password: PASSWORD, email: u.email }),
		    400, 'invalid_parameter', 'email');
	});
});

describe('password hashes follow the configured parameters', () => {
	test('a hash made with the defaults is redone with the server\'s at sign-in', async () => {
		const email = uniqueEmail('rehash');
		/* The CLI with libsodium's interactive defaults (no IMAGO_PWHASH_* at all). */
		const id = cliAddUser(server.dbPath, email, PASSWORD, { env: { IMAGO_PWHASH_OPSLIMIT: '', IMAGO_PWHASH_MEMLIMIT: '' } });
		const hash = () => sqliteJson(server.dbPath, `SELECT password_hash FROM users WHERE id = ${id}`)[0].password_hash;
		const before = hash();
		assert.match(before, /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
		const c = remember(await signIn(server.url, email));
		const after = hash();
		assert.match(after, /^\$argon2id\$v=19\$m=8,t=1,p=1\$/);
		assert.equal((await c.get('/api/v1/me')).status, 200);
		/* The new hash works, and is not redone again. */
		remember(await signIn(server.url, email));
		assert.equal(hash(), after);
		assertError(await api().post('/api/v1/session', { email, password: 'not the password' }), 401);
	});
});

describe('--https', () => {
	let tls;
	before(async () => {
		tls = await startAccountServer({ args: ['--https'] });
	});
	after(async () => {
		if (tls)
			await tls.stop();
	});

	test('Secure cookies and Strict-Transport-Security', async () => {
		const email = uniqueEmail('https');
		cliAddUser(tls.dbPath, email);
		const c = new Client(tls.url);
		const res = await c.post('/api/v1/session', { email, password: PASSWORD });
		assert.equal(res.status, 200, res.where);
		c.csrf = res.json.csrf_token;
		const cookie = res.headers.getSetCookie()[0];
		assert.match(cookie, /;\s*Secure(;|$)/, cookie);
		assert.match(cookie, /HttpOnly/);
		assert.match(cookie, /SameSite=Lax/);
		assert.match(res.headers.get('strict-transport-security') || '', /max-age=\d{7,}/);
		const me = await c.get('/api/v1/me');
		assert.equal(me.status, 200, me.where);
		assert.match(me.headers.get('strict-transport-security') || '', /max-age=/);
		const out = await c.del('/api/v1/session');
		assert.equal(out.status, 204);
		assert.match(out.headers.getSetCookie()[0], /Secure/);
	});
});

describe('privacy: export and deletion', () => {
	let t;
	let profileId;
	let tokenId;
	let tokenText;
	let auditRef;
	before(async () => {
		t = await makeTherapist(server, { tag: 'privacy' });
		remember(t.client);
		const p = await t.client.post('/api/v1/therapists', profileBody('Priya Privacy'));
		assert.equal(p.status, 201, p.where);
		profileId = p.json.id;
		const tok = await t.client.post('/api/v1/tokens', { name: 'export test' });
		assert.equal(tok.status, 201, tok.where);
		secrets.set(tok.json.token, 'access token');
		tokenText = tok.json.token;
		tokenId = tok.json.id;
		auditRef = sqliteJson(server.dbPath, `SELECT audit_ref FROM users WHERE id = ${t.id}`)[0].audit_ref;
	});

	test('the export holds the account, sessions, tokens, activity and the profile', async () => {
		const res = await t.client.get('/api/v1/me/export');
		assert.equal(res.status, 200, res.where);
		assert.match(res.headers.get('content-disposition') || '', /attachment/);
		assert.equal(res.headers.get('cache-control'), 'no-store');
		assert.doesNotThrow(() => JSON.parse(res.text), 'valid JSON');
		const x = res.json;
		assert.equal(x.account.id, t.id);
		assert.equal(x.account.email, t.email);
		assert.ok(Array.isArray(x.sessions) && x.sessions.some((s) => s.current), res.text.slice(0, 300));
		assert.ok(x.tokens.some((k) => k.id === tokenId && k.name === 'export test'));
		assert.ok(!res.text.includes(tokenText), 'the token itself is not exported');
		assert.equal(x.format, 'imago-export-1');
		assert.ok(Array.isArray(x.activity) && x.activity.length > 0, 'activity: every audit entry of the person');
		const actions = x.activity.map((e) => e.action);
		for (const a of ['user.sign_in', 'user.two_step_enabled', 'therapist.create', 'token.create'])
			assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
		assert.equal(x.therapist_profile.id, profileId);
		assert.equal(x.therapist_profile.name, 'Priya Privacy');
		assert.doesNotMatch(res.text, /\$argon2|password_hash|totp_secret/);
		/* A client without a profile exports null for it. */
		const client = await makeUser(server, { tag: 'export-client' });
		const ce = await client.client.get('/api/v1/me/export');
		assert.equal(ce.status, 200, ce.where);
		assert.equal(ce.json.therapist_profile, null);
	});

	test('deleting needs the password; then every row of the account is gone but the audit log', async () => {
		/* Unsent mail to the account: a reset link the worker has not sent yet. */
		const other = remember(await signInAgain(server, t));
		assertError(await t.client.del('/api/v1/me', { password: 'not my password' }), 401, 'invalid_credentials', 'password');
		assertError(await t.client.del('/api/v1/me', {}), 400, 'invalid_parameter', 'password');
		assert.equal((await t.client.get('/api/v1/me')).status, 200, 'still there');
		sqliteExec(server.dbPath, 'INSERT INTO outbox (to_addr, subject, body, created_at, next_attempt_at) VALUES ' +
		    `(${sqlQuote(t.email)}, 'later', 'a body', ${now()}, ${now() + 3600})`);
		const auditBefore = sqliteJson(server.dbPath, `SELECT count(*) AS n FROM audit_log WHERE actor = ${sqlQuote(auditRef)}`)[0].n;
		assert.ok(auditBefore > 0);

		const res = await t.client.del('/api/v1/me', { password: PASSWORD });
		assert.equal(res.status, 204, res.where);
		assert.equal(t.client.sessionCookie, undefined, 'the cookie is cleared');
		assertError(await other.get('/api/v1/me'), 401, 'authentication_required');
		assertError(await api().post('/api/v1/session', { email: t.email, password: PASSWORD }), 401, 'invalid_credentials');

		const count = (sql) => sqliteJson(server.dbPath, sql)[0].n;
		assert.equal(count(`SELECT count(*) AS n FROM users WHERE id = ${t.id} OR email = ${sqlQuote(t.email)}`), 0);
		for (const table of ['sessions', 'access_tokens', 'email_tokens', 'recovery_codes'])
			assert.equal(count(`SELECT count(*) AS n FROM ${table} WHERE user_id = ${t.id}`), 0, table);
		assert.equal(count(`SELECT count(*) AS n FROM outbox WHERE to_addr = ${sqlQuote(t.email)}`), 0, 'mail to the address, sent or not');
		assert.equal(count(`SELECT count(*) AS n FROM therapists WHERE id = ${profileId} OR owner_user_id = ${t.id}`), 0);
		assert.equal((await api().get(`/api/v1/therapists/${profileId}`)).status, 404);

		const entries = sqliteJson(server.dbPath, `SELECT * FROM audit_log WHERE actor = ${sqlQuote(auditRef)}`);
		assert.ok(entries.length > auditBefore, 'the entries stay, and the deletion is one more');
		assert.ok(entries.some((e) => e.action === 'user.delete'));
		const all = JSON.stringify(sqliteJson(server.dbPath, 'SELECT * FROM audit_log'));
		assert.ok(!all.includes(t.email), 'the audit log never names the address');
		assert.ok(!all.includes('@'), 'no email address at all in the audit log');
		assertAuditVerifies(server.dbPath);
	});
});

describe('bad input on every route that reads a body', () => {
	/* Actors for routes that need one. */
	let client;
	let pending;
	let therapist;
	let profileId;
	before(async () => {
		client = await makeUser(server, { tag: 'bad-input' });
		remember(client.client);
		therapist = await makeTherapist(server, { tag: 'bad-input-t' });
		remember(therapist.client);
		const p = await therapist.client.post('/api/v1/therapists', profileBody('Bea Badinput'));
		assert.equal(p.status, 201, p.where);
		profileId = p.json.id;
		/* A session waiting for its one-time code. */
		pending = new Client(server.url);
		const r = await pending.post('/api/v1/session', { email: therapist.email, password: PASSWORD });
		assert.equal(r.json.stage, 'code_required', r.where);
		pending.csrf = r.json.csrf_token;
	});

	/* [method, path, who, a valid-looking body, required fields, string field, max body] */
	const routes = () => [
		['POST', '/api/v1/accounts', null, { email: uniqueEmail('bad'), password: PASSWORD }, ['email', 'password'], 'display_name', 16384],
		['POST', '/api/v1/accounts/verify', null, { token: 'x'.repeat(43) }, ['token'], 'token', 16384],
		['POST', '/api/v1/session', null, { email: uniqueEmail('bad'), password: PASSWORD }, ['email', 'password'], 'email', 16384],
		['POST', '/api/v1/session/code', pending, { code: '000000' }, ['code'], 'code', 16384],
		['POST', '/api/v1/password-resets', null, { email: uniqueEmail('bad') }, ['email'], 'email', 16384],
		['POST', '/api/v1/password-resets/confirm', null, { token: 'x'.repeat(43), password: PASSWORD }, ['token', 'password'], 'password', 16384],
		['PATCH', '/api/v1/me', client.client, { display_name: 'Still Me' }, [], 'display_name', 16384],
		['POST', '/api/v1/me/password', client.client, { current_password: 'wrong password!', new_password: PASSWORD }, ['current_password', 'new_password'], 'new_password', 16384],
		['POST', '/api/v1/me/email', client.client, { current_password: 'wrong password!', email: uniqueEmail('bad') }, ['current_password', 'email'], 'email', 16384],
		['POST', '/api/v1/me/email/confirm', null, { token: 'x'.repeat(43) }, ['token'], 'token', 16384],
		['DELETE', '/api/v1/me/two-step', client.client, { password: 'wrong password!' }, ['password'], 'password', 16384],
		['POST', '/api/v1/me/two-step/enable', client.client, { code: '000000' }, ['code'], 'code', 16384],
		['POST', '/api/v1/me/recovery-codes', therapist.client, { password: 'wrong password!' }, ['password'], 'password', 16384],
		['DELETE', '/api/v1/me', client.client, { password: 'wrong password!' }, ['password'], 'password', 16384],
		['POST', '/api/v1/tokens', client.client, { name: 'a token' }, ['name'], 'name', 16384],
		['POST', '/api/v1/therapists', therapist.client, profileBody('Never Created'), [], 'name', 262144],
		['PATCH', `/api/v1/therapists/${profileId}`, therapist.client, { bio: 'unchanged' }, [], 'bio', 262144],
		['POST', '/api/v1/claims/confirm', therapist.client, { token: 'x'.repeat(43) }, ['token'], 'token', 16384],
	];

	const send = (who, method, path, opts) => (who || new Client(server.url)).call(method, path, opts);

	test('malformed JSON: 400 naming the body', async () => {
		for (const [method, path, who] of routes()) {
			for (const body of ['{', '{"email": }', '[1, 2]', '"text"', '{"a": 1,}', 'null', "{'a': 1}"]) {
				const res = await send(who, method, path, { body, contentType: 'application/json' });
				assertError(res, 400, 'invalid_parameter', 'body');
			}
		}
	});

	test('a body that is not application/json: 415', async () => {
		for (const [method, path, who, valid] of routes()) {
			for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data; boundary=x']) {
				const res = await send(who, method, path, { body: JSON.stringify(valid), contentType: type });
				assertError(res, 415, 'unsupported_media_type', 'Content-Type');
			}
			const none = await send(who, method, path, { body: JSON.stringify(valid) });
			assert.equal(none.status, 415, `no Content-Type: ${none.where}`);
		}
	});

	test('a field of the wrong type: 400 naming it', async () => {
		for (const [method, path, who, valid, , field] of routes()) {
			for (const v of [5, true, ['a'], { nested: 'x' }, 1.5]) {
				const res = await send(who, method, path, { json: { ...valid, [field]: v } });
				assertError(res, 400, 'invalid_parameter', field);
			}
		}
		/* Numbers and booleans of the profile. */
		for (const [field, v] of [['fee_min', 'cheap'], ['years_experience', true], ['accepting_new_clients', 'yes'],
			['specialties', 'premarital'], ['certifications', [1]], ['fee_max', -1], ['years_experience', 81]]) {
			const res = await therapist.client.patch(`/api/v1/therapists/${profileId}`, { [field]: v });
			assertError(res, 400, 'invalid_parameter', field);
		}
		assertError(await client.client.post('/api/v1/tokens', { name: 'n', expires_in_days: '30' }), 400,
		    'invalid_parameter', 'expires_in_days');
		assertError(await client.client.post('/api/v1/tokens', { name: 'n', expires_in_days: 367 }), 400,
		    'invalid_parameter', 'expires_in_days');
	});

	test('an unknown field: 400 naming it', async () => {
		for (const [method, path, who, valid] of routes()) {
			const res = await send(who, method, path, { json: { ...valid, is_admin: true } });
			assertError(res, 400, 'invalid_parameter', 'is_admin');
		}
		assertError(await therapist.client.patch(`/api/v1/therapists/${profileId}`, { owner_user_id: client.id }), 400,
		    'invalid_parameter', 'owner_user_id');
		assertError(await therapist.client.patch(`/api/v1/therapists/${profileId}`, { verified: true }), 400,
		    'invalid_parameter', 'verified');
		assertError(await signUp(server.url, uniqueEmail('bad'), PASSWORD, { roles: ['admin'] }), 400, 'invalid_parameter', 'roles');
	});

	test('a missing required field: 400 naming it (also when null or empty)', async () => {
		for (const [method, path, who, valid, required] of routes()) {
			for (const field of required) {
				for (const variant of ['absent', 'null', 'empty']) {
					const body = { ...valid };
					if (variant === 'absent')
						delete body[field];
					else
						body[field] = variant === 'null' ? null : '';
					const res = await send(who, method, path, { json: body });
					assertError(res, 400, 'invalid_parameter', field);
				}
			}
			if (required.length) {
				const empty = await send(who, method, path, {});
				assertError(empty, 400, 'invalid_parameter', required[0]);
			}
		}
		/* A profile needs a name. */
		const noName = profileBody('x');
		delete noName.name;
		const t2 = await makeTherapist(server, { tag: 'bad-input-t2' });
		assertError(await t2.client.post('/api/v1/therapists', noName), 400, 'invalid_parameter', 'name');
		assertError(await therapist.client.patch(`/api/v1/therapists/${profileId}`, { name: '' }), 400, 'invalid_parameter', 'name');
	});

	test('a body over the route\'s limit: 413', async () => {
		for (const [method, path, who, , , field, max] of routes()) {
			const res = await send(who, method, path, { json: { [field]: 'x'.repeat(max) } });
			assertError(res, 413, 'payload_too_large');
		}
		/* Routes that take no body refuse one (fetch will not send a GET body). */
		const raw = await rawRequest(server.port, requestBytes('GET', '/api/v1/me/export', {
			headers: [`Cookie: ${client.client.cookieHeader()}`, 'Content-Type: application/json'], body: '{}', close: true }));
		assert.equal(raw.status, 413, raw.body);
		assert.equal(JSON.parse(raw.body).error.code, 'payload_too_large');
	});

	test('hostile strings in email, password and name: 400 or 401, never 500', async () => {
		const nasty = [
			'x'.repeat(300), 'y'.repeat(5000), `${'a'.repeat(300)}@example.org`, 'a@b', '@example.org', 'a@.org', 'a@example..org',
			"' OR '1'='1", "a@example.org'; DROP TABLE users; --", '<script>alert(1)</script>@example.org',
			'a@example.org\r\nBcc: victim@example.org', 'a@example.org\nX: y', 'a\u0000b@example.org', '\u202e@example.org',
			'ä@例え.jp', '%00@example.org', '"quoted"@example.org', 'a b@example.org', '', ' ', '\ud800',
		];
		const statuses = new Set();
		for (const s of nasty) {
			const checks = [
				['POST', '/api/v1/accounts', null, { email: s, password: PASSWORD }],
				['POST', '/api/v1/accounts', null, { email: uniqueEmail('nasty'), password: s }],
				['POST', '/api/v1/accounts', null, { email: uniqueEmail('nasty'), password: PASSWORD, display_name: s }],
				['POST', '/api/v1/session', null, { email: s, password: PASSWORD }],
				['POST', '/api/v1/session', null, { email: client.email, password: s }],
				['POST', '/api/v1/password-resets', null, { email: s }],
				['PATCH', '/api/v1/me', client.client, { display_name: s }],
				['POST', '/api/v1/me/email', client.client, { current_password: PASSWORD, email: s }],
				['POST', '/api/v1/tokens', client.client, { name: s }],
			];
			for (const [method, path, who, body] of checks) {
				const res = await send(who, method, path, { json: body });
				statuses.add(res.status);
				assert.ok(res.status < 500, `${JSON.stringify(s).slice(0, 60)}: ${res.where}`);
				assert.ok(res.json, `JSON answer: ${res.where}`);
			}
		}
		/* Raw bytes JSON.stringify cannot make: invalid UTF-8, and an escaped NUL. */
		for (const raw of [
			Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('@example.org","password":"correct horse battery"}')]),
			Buffer.from('{"email":"a\\u0000b@example.org","password":"correct horse battery"}'),
			Buffer.from('{"email":"a@example.org","password":"correct horse battery","email":"b@example.org"}'),
		]) {
			for (const path of ['/api/v1/accounts', '/api/v1/session', '/api/v1/password-resets']) {
				const res = await api().call('POST', path, { body: raw, contentType: 'application/json' });
				assert.ok([400, 401].includes(res.status), res.where);
			}
		}
		assert.ok(!statuses.has(500));
		/* The display name was never set to anything hostile that slipped through as something else. */
		assert.equal((await client.client.get('/api/v1/me')).status, 200);
		assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
	});

	test('an address mail cannot be sent to is refused as "email", not "to"', async () => {
		const u = await makeUser(server, { tag: 'idn' });
		for (const email of ['ab@exa_mple.org', 'ä@例え.jp', `${'a'.repeat(64)}@${'b'.repeat(185)}.org`]) {
			assertError(await signUp(server.url, email), 400, 'invalid_parameter', 'email');
			assertError(await u.client.post('/api/v1/me/email', { current_password: PASSWORD, email }), 400, 'invalid_parameter', 'email');
		}
	});

	test('a refused request leaves nothing half-written', async () => {
		const count = (sql) => sqliteJson(server.dbPath, sql)[0].n;
		const tables = ['users', 'sessions', 'access_tokens', 'email_tokens', 'outbox', 'therapists'];
		const snapshot = () => Object.fromEntries(tables.map((t) => [t, count(`SELECT count(*) AS n FROM ${t}`)]));
		const before = snapshot();
		const email = uniqueEmail('halfway');
		for (const body of [
			{ email, password: 'short' },
			{ email, password: 'aaaaaaaaaaaaaaaa' },
			{ email, password: email },
			{ email, password: PASSWORD, role: 'admin' },
			{ email, password: PASSWORD, display_name: 'x'.repeat(101) },
			{ email, password: PASSWORD, extra: 1 },
		]) {
			const res = await signUp(server.url, body.email, body.password, Object.fromEntries(Object.entries(body).filter(([k]) => !['email', 'password'].includes(k))));
			assert.equal(res.status, 400, res.where);
		}
		assert.equal(userRows(email).length, 0);
		assert.equal(count(`SELECT count(*) AS n FROM outbox WHERE to_addr = ${sqlQuote(email)}`), 0);
		/* A profile that fails validation, and tokens and changes that were refused. */
		const t3 = await makeTherapist(server, { tag: 'halfway-t' });
		const mid = snapshot();
		assertError(await t3.client.post('/api/v1/therapists', profileBody('Half Written', { fee_min: 200, fee_max: 100 })), 400);
		assertError(await t3.client.post('/api/v1/therapists', profileBody('Half Written', { website: 'javascript:alert(1)' })), 400);
		assertError(await t3.client.post('/api/v1/tokens', { name: '' }), 400);
		assertError(await t3.client.post('/api/v1/me/password', { current_password: PASSWORD, new_password: 'short' }), 400);
		assert.deepEqual(snapshot().therapists, mid.therapists);
		assert.deepEqual(snapshot().access_tokens, mid.access_tokens);
		assert.equal(count(`SELECT count(*) AS n FROM therapists WHERE name = 'Half Written'`), 0);
		assert.ok(snapshot().users >= before.users);
		await new Promise((r) => setTimeout(r, 200));
		assert.equal(mailTo(server.maildir, email).length, 0);
	});
});

describe('secrets at rest', () => {
	const dbFiles = () => [server.dbPath, `${server.dbPath}-wal`].filter((f) => fs.existsSync(f));
	function findIn(files, map) {
		const found = [];
		for (const f of files) {
			const bytes = fs.readFileSync(f);
			for (const [s, what] of map) {
				assert.ok(s.length >= 40, s);
				if (bytes.indexOf(Buffer.from(s)) >= 0)
					found.push(`${what} ${s} in ${f}`);
			}
		}
		return found;
	}

	test('no session cookie, CSRF token or access token is stored in the clear', async () => {
		const u = await makeUser(server, { tag: 'at-rest' });
		remember(u.client);
		const tok = await u.client.post('/api/v1/tokens', { name: 'at rest' });
		secrets.set(tok.json.token, 'access token');
		assert.ok(secrets.size > 20, `${secrets.size} secrets`);
		assert.ok(dbFiles().length >= 1);
		assert.deepEqual(findIn(dbFiles(), secrets), []);
		/* Their hashes are there instead. */
		assert.ok(sqliteJson(server.dbPath, 'SELECT count(*) AS n FROM sessions WHERE length(token_hash) = 32')[0].n > 0);
		assert.ok(sqliteJson(server.dbPath, 'SELECT count(*) AS n FROM access_tokens WHERE length(token_hash) = 32')[0].n > 0);
	});

	test('a mailed link token is not kept in the clear once the mail is sent', async () => {
		const u = await makeUser(server, { tag: 'link-at-rest' });
		await api().post('/api/v1/password-resets', { email: u.email });
		const token = linkToken(await waitForMail(server.maildir, u.email, 1));
		assert.deepEqual(findIn(dbFiles(), new Map([[token, 'reset link token']])), []);
	});

	test('the audit chain verifies after all of the above', () => {
		assertAuditVerifies(server.dbPath);
		const all = JSON.stringify(sqliteJson(server.dbPath, 'SELECT * FROM audit_log'));
		assert.ok(!all.includes('@example.org'), 'no email address in the audit log');
		assert.ok(!all.includes(PASSWORD));
	});
});
