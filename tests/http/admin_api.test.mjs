/*
 * The admin API: profiles waiting for verification, verifying and
 * hiding profiles, the user list and its search, suspending accounts
 * (their sessions and tokens stop working at once), and the audit log:
 * every action is there with who did it and from where, and never an
 * email address or a password. `imago audit verify` passes at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sqliteJson } from '../lib/server.mjs';
import {
	Client, PASSWORD, assertAuditVerifies, assertError, makeAdmin, makeTherapist, makeUser, profileBody,
	signIn, signUp, sqliteExec, startAccountServer, uniqueEmail, waitForSearch,
} from '../lib/accounts.mjs';

let server;
let admin;
let therapist;
let client;
let profileId;
const emails = [];

before(async () => {
	server = await startAccountServer();
	admin = await makeAdmin(server, { tag: 'adm' });
	therapist = await makeTherapist(server, { tag: 'adm-t' });
	client = await makeUser(server, { tag: 'adm-c' });
	emails.push(admin.email, therapist.email, client.email);
	const p = await therapist.client.post('/api/v1/therapists', profileBody('Vera Verifiable'));
	assert.equal(p.status, 201, p.where);
	profileId = p.json.id;
});

after(async () => {
	if (server)
		await server.stop();
});

const anonymous = () => new Client(server.url);
const auditRef = (id) => sqliteJson(server.dbPath, `SELECT audit_ref FROM users WHERE id = ${id}`)[0].audit_ref;
const today = () => new Date().toISOString().slice(0, 10);

describe('verification', () => {
	test('the pending list shows owned, unverified profiles; non-admins get 404', async () => {
		const res = await admin.client.get('/api/v1/admin/verifications');
		assert.equal(res.status, 200, res.where);
		const row = res.json.profiles.find((p) => p.id === profileId);
		assert.ok(row, res.text);
		assert.equal(row.name, 'Vera Verifiable');
		assert.equal(row.owner_email, therapist.email);
		assert.equal(row.license_number, 'LIC-1');
		assert.deepEqual(row.license_regions, ['US-TX']);
		assert.deepEqual(row.certifications, ['certified_imago_therapist']);
		assert.equal(res.headers.get('cache-control'), 'no-store');
		assertError(await therapist.client.get('/api/v1/admin/verifications'), 404, 'not_found');
		assertError(await client.client.get('/api/v1/admin/verifications'), 404, 'not_found');
		assertError(await anonymous().get('/api/v1/admin/verifications'), 401, 'authentication_required');
	});

	test('verify: the public profile shows verified and the date; unverify takes both back', async () => {
		assertError(await therapist.client.post(`/api/v1/admin/therapists/${profileId}/verification`, {}), 404, 'not_found');
		assert.equal((await anonymous().get(`/api/v1/therapists/${profileId}`)).json.verified, false);
		const res = await admin.client.post(`/api/v1/admin/therapists/${profileId}/verification`, {});
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.verified, true);
		assert.equal(res.json.verified_at, today());
		assert.equal(res.json.verified_by, auditRef(admin.id), 'the admin, by audit reference');
		const pub = await anonymous().get(`/api/v1/therapists/${profileId}`);
		assert.equal(pub.json.verified, true);
		assert.equal(pub.json.verified_at, today());
		/* The search index catches up in the background. */
		const deadline = Date.now() + 3000;
		for (;;) {
			const search = await waitForSearch(server.url, 'Verifiable', profileId);
			if (search.json.results.find((r) => r.id === profileId).verified)
				break;
			assert.ok(Date.now() < deadline, 'search shows the profile verified within 3 s');
			await new Promise((r) => setTimeout(r, 50));
		}
		assert.ok(!(await admin.client.get('/api/v1/admin/verifications')).json.profiles.some((p) => p.id === profileId));

		const un = await admin.client.del(`/api/v1/admin/therapists/${profileId}/verification`);
		assert.equal(un.status, 200, un.where);
		assert.equal(un.json.verified, false);
		assert.equal(un.json.verified_at, null);
		const pub2 = await anonymous().get(`/api/v1/therapists/${profileId}`);
		assert.equal(pub2.json.verified, false);
		assert.equal(pub2.json.verified_at, null);
		assert.ok((await admin.client.get('/api/v1/admin/verifications')).json.profiles.some((p) => p.id === profileId));
		/* And verified again for the rest of the file. */
		assert.equal((await admin.client.post(`/api/v1/admin/therapists/${profileId}/verification`, {})).status, 200);
	});

	test('an unknown profile: 404', async () => {
		for (const id of ['999999', '0', 'abc'])
			assertError(await admin.client.post(`/api/v1/admin/therapists/${id}/verification`, {}), 404, 'not_found');
	});
});

describe('hiding', () => {
	test('a hidden profile is 404 to the public and out of search; unhiding brings it back', async () => {
		assertError(await therapist.client.post(`/api/v1/admin/therapists/${profileId}/hidden`, {}), 404, 'not_found');
		const res = await admin.client.post(`/api/v1/admin/therapists/${profileId}/hidden`, {});
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.hidden, true);
		assertError(await anonymous().get(`/api/v1/therapists/${profileId}`), 404, 'not_found');
		assert.equal((await anonymous().get(`/therapists/${profileId}`)).status, 404, 'the page too');
		await waitForSearch(server.url, 'Verifiable', profileId, { present: false });
		/* The owner still sees it, marked hidden. */
		const mine = await therapist.client.get('/api/v1/me/therapist');
		assert.equal(mine.status, 200, mine.where);
		assert.equal(mine.json.hidden, true);

		const un = await admin.client.del(`/api/v1/admin/therapists/${profileId}/hidden`);
		assert.equal(un.status, 200, un.where);
		assert.equal(un.json.hidden, false);
		assert.equal((await anonymous().get(`/api/v1/therapists/${profileId}`)).status, 200);
		await waitForSearch(server.url, 'Verifiable', profileId);
		assertError(await admin.client.post('/api/v1/admin/therapists/999999/hidden', {}), 404, 'not_found');
	});
});

describe('users', () => {
	test('the list, newest first, with search and pages', async () => {
		const res = await admin.client.get('/api/v1/admin/users');
		assert.equal(res.status, 200, res.where);
		const ids = res.json.users.map((u) => u.id);
		assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
		for (const id of [admin.id, therapist.id, client.id])
			assert.ok(ids.includes(id), `${id} in ${ids}`);
		const row = res.json.users.find((u) => u.id === therapist.id);
		assert.equal(row.email, therapist.email);
		assert.deepEqual(row.roles, ['client', 'therapist']);
		assert.doesNotMatch(res.text, /argon2|password/);

		const found = await admin.client.get(`/api/v1/admin/users?q=${encodeURIComponent(client.email.split('@')[0].toUpperCase())}`);
		assert.equal(found.status, 200, found.where);
		assert.deepEqual(found.json.users.map((u) => u.id), [client.id]);
		const none = await admin.client.get('/api/v1/admin/users?q=%25');
		assert.deepEqual(none.json.users, [], 'a % is a character, not a wildcard');
		assert.deepEqual((await admin.client.get('/api/v1/admin/users?q=_')).json.users, []);

		const page1 = await admin.client.get('/api/v1/admin/users?limit=1');
		assert.equal(page1.json.users.length, 1);
		assert.equal(typeof page1.json.next_before, 'number');
		const page2 = await admin.client.get(`/api/v1/admin/users?limit=1&before=${page1.json.next_before}`);
		assert.equal(page2.json.users.length, 1);
		assert.ok(page2.json.users[0].id < page1.json.users[0].id);
		for (const qs of ['limit=0', 'limit=201', 'limit=x', 'before=0', 'before=-1', `q=${'a'.repeat(255)}`])
			assertError(await admin.client.get(`/api/v1/admin/users?${qs}`), 400, 'invalid_parameter');
		assertError(await client.client.get('/api/v1/admin/users'), 404, 'not_found');
		assertError(await therapist.client.get('/api/v1/admin/users'), 404, 'not_found');
	});

	test('suspending: sessions and tokens stop at once, sign-in is refused; unsuspending restores sign-in', async () => {
		const u = await makeUser(server, { tag: 'suspend' });
		emails.push(u.email);
		const tok = await u.client.post('/api/v1/tokens', { name: 'before suspension' });
		assert.equal(tok.status, 201, tok.where);
		const token = tok.json.token;
		const bearer = Object.assign(new Client(server.url), { bearer: token });
		assert.equal((await bearer.get('/api/v1/me')).status, 200);

		assertError(await therapist.client.post(`/api/v1/admin/users/${u.id}/suspension`, {}), 404, 'not_found');
		const res = await admin.client.post(`/api/v1/admin/users/${u.id}/suspension`, {});
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.id, u.id);
		assert.equal(res.json.suspended, true);

		assertError(await u.client.get('/api/v1/me'), 401, 'authentication_required');
		assertError(await bearer.get('/api/v1/me'), 401, 'invalid_token');
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM sessions WHERE user_id = ${u.id}`)[0].n, 0);
		assertError(await anonymous().post('/api/v1/session', { email: u.email, password: PASSWORD }), 403, 'account_suspended');
		/* Only someone who knows the password learns that. */
		assertError(await anonymous().post('/api/v1/session', { email: u.email, password: 'not the password' }), 401, 'invalid_credentials');
		/* No reset mail for a suspended account, but the same answer. */
		const reset = await anonymous().post('/api/v1/password-resets', { email: u.email });
		assert.equal(reset.status, 202);
		const listed = (await admin.client.get(`/api/v1/admin/users?q=${encodeURIComponent(u.email)}`)).json.users[0];
		assert.equal(listed.suspended, true);

		const un = await admin.client.del(`/api/v1/admin/users/${u.id}/suspension`);
		assert.equal(un.status, 200, un.where);
		assert.equal(un.json.suspended, false);
		assertError(await u.client.get('/api/v1/me'), 401, 'authentication_required');
		const again = await signIn(server.url, u.email, PASSWORD);
		assert.equal((await again.get('/api/v1/me')).status, 200);
	});

	test('suspending a therapist hides nothing but stops their edits', async () => {
		const t = await makeTherapist(server, { tag: 'suspend-t' });
		emails.push(t.email);
		const p = await t.client.post('/api/v1/therapists', profileBody('Sigrid Suspended'));
		assert.equal(p.status, 201, p.where);
		assert.equal((await admin.client.post(`/api/v1/admin/users/${t.id}/suspension`, {})).status, 200);
		assertError(await t.client.patch(`/api/v1/therapists/${p.json.id}`, { bio: 'after suspension' }), 401);
		assert.notEqual((await anonymous().get(`/api/v1/therapists/${p.json.id}`)).json.bio, 'after suspension');
	});

	test('an admin cannot suspend themselves; unknown users are 404', async () => {
		assertError(await admin.client.post(`/api/v1/admin/users/${admin.id}/suspension`, {}), 409, 'self_suspend');
		assert.equal((await admin.client.get('/api/v1/me')).status, 200);
		for (const id of ['999999', '0', 'x'])
			assertError(await admin.client.post(`/api/v1/admin/users/${id}/suspension`, {}), 404, 'not_found');
	});
});

function auditJson(res) {
	assert.equal(res.status, 200, res.where);
	assert.ok(res.json, res.text.slice(0, 200));
	return res.json;
}

describe('the audit log', () => {
	test('the answer is valid JSON', async () => {
		const res = await admin.client.get('/api/v1/admin/audit?limit=2');
		assert.equal(res.status, 200, res.where);
		assert.doesNotThrow(() => JSON.parse(res.text), res.text.slice(0, 300));
		assert.match(res.headers.get('content-type'), /^application\/json/);
	});

	test('records the actions with actor references and addresses', async () => {
		/* A few anonymous events too. */
		await signUp(server.url, uniqueEmail('audit-signup'));
		await anonymous().post('/api/v1/session', { email: uniqueEmail('audit-nobody'), password: PASSWORD });
		const res = await admin.client.get('/api/v1/admin/audit?limit=500');
		const entries = auditJson(res).entries;
		assert.ok(entries.length > 10, res.text.slice(0, 300));
		const ids = entries.map((e) => e.id);
		assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
		const adminRef = auditRef(admin.id);
		for (const action of ['therapist.verify', 'therapist.unverify', 'therapist.hide', 'therapist.unhide',
			'user.suspend', 'user.unsuspend', 'admin.users_viewed']) {
			const e = entries.find((x) => x.action === action);
			assert.ok(e, `${action} in the log`);
			assert.equal(e.actor, adminRef, action);
			assert.equal(e.ip, '127.0.0.1', action);
			assert.match(e.at, /^\d{4}-\d{2}-\d{2}T/);
		}
		const verify = entries.find((x) => x.action === 'therapist.verify');
		assert.equal(verify.target_type, 'therapist');
		assert.equal(verify.target_id, String(profileId));
		const created = entries.find((x) => x.action === 'therapist.create' && x.target_id === String(profileId));
		assert.equal(created.actor, auditRef(therapist.id));
		assert.ok(entries.some((x) => x.action === 'user.sign_in_failed' && x.actor === 'anonymous'), 'failed anonymous sign-in');
		assert.ok(entries.some((x) => x.action === 'user.sign_in_suspended'));
		assert.ok(entries.some((x) => x.action === 'user.signup'));
		/* Reading the log is itself recorded. */
		const again = auditJson(await admin.client.get('/api/v1/admin/audit?limit=1'));
		assert.equal(again.entries[0].action, 'audit.viewed');
		assert.equal(again.entries[0].actor, adminRef);
	});

	test('filters and pages', async () => {
		const adminRef = auditRef(admin.id);
		const byActor = auditJson(await admin.client.get(`/api/v1/admin/audit?actor=${adminRef}&limit=500`));
		assert.ok(byActor.entries.length > 0);
		assert.ok(byActor.entries.every((e) => e.actor === adminRef));
		const byAction = auditJson(await admin.client.get('/api/v1/admin/audit?action=therapist.'));
		assert.ok(byAction.entries.length > 0);
		assert.ok(byAction.entries.every((e) => e.action.startsWith('therapist.')), 'a trailing dot is a prefix');
		const byTarget = auditJson(await admin.client.get(`/api/v1/admin/audit?target_type=therapist&target_id=${profileId}`));
		assert.ok(byTarget.entries.length > 0);
		assert.ok(byTarget.entries.every((e) => e.target_type === 'therapist' && e.target_id === String(profileId)));
		const page1 = auditJson(await admin.client.get('/api/v1/admin/audit?limit=2'));
		assert.equal(page1.entries.length, 2);
		assert.equal(typeof page1.next_before, 'number');
		const page2 = auditJson(await admin.client.get(`/api/v1/admin/audit?limit=2&before=${page1.next_before}`));
		assert.equal(page2.entries.length, 2);
		assert.ok(page2.entries.every((e) => e.id < page1.entries[1].id));
		for (const qs of ['limit=0', 'limit=501', 'before=abc'])
			assertError(await admin.client.get(`/api/v1/admin/audit?${qs}`), 400, 'invalid_parameter');
		assertError(await therapist.client.get('/api/v1/admin/audit'), 404, 'not_found');
		assertError(await client.client.get('/api/v1/admin/audit'), 404, 'not_found');
		assertError(await anonymous().get('/api/v1/admin/audit'), 401, 'authentication_required');
	});

	test('no email address or password anywhere in it, and the chain verifies', async () => {
		const text = JSON.stringify(sqliteJson(server.dbPath, 'SELECT * FROM audit_log'));
		assert.ok(!text.includes('@'), 'no email address');
		for (const e of emails)
			assert.ok(!text.includes(e.split('@')[0]), e);
		assert.ok(!text.includes(PASSWORD));
		assert.ok(!text.includes('$argon2'));
		assertAuditVerifies(server.dbPath);
	});

	test('the log is append-only', () => {
		for (const sql of ["UPDATE audit_log SET detail = 'x'", 'DELETE FROM audit_log'])
			assert.throws(() => sqliteExec(server.dbPath, sql), /append-only/);
		assertAuditVerifies(server.dbPath);
	});
});
