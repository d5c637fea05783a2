/*
 * Therapists' own directory profiles through the JSON API: creating one,
 * seeing it in the public API and in search at once, editing it (only
 * its owner or an admin; everyone else gets 404 or 401), verification
 * cleared by a change of licence, and claiming an imported profile by a
 * link mailed to the address on it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { importCsv, sqliteJson } from '../lib/server.mjs';
import {
	Client, assertError, linkToken, mailTo, makeAdmin, makeTherapist, makeUser, profileBody, sqliteExec,
	startAccountServer, waitForMail, waitForSearch,
} from '../lib/accounts.mjs';

/* Imported profiles: one to claim, one without an email, one to hide. */
const CSV = [
	'external_id,name,email,city,region,country,lat,lon,license_number,license_regions,bio',
	'imp-1,Clara Claimable,clara@practice.example.org,Austin,TX,US,30.27,-97.74,TX-1,US-TX,Imported profile',
	'imp-2,Nolan Nomail,,Austin,TX,US,30.27,-97.74,TX-2,US-TX,No email here',
	'imp-3,Hedda Hidden,hedda@practice.example.org,Austin,TX,US,30.27,-97.74,TX-3,US-TX,Will be hidden',
	'imp-4,Carl Contested,carl@practice.example.org,Austin,TX,US,30.27,-97.74,TX-4,US-TX,Two claimants',
].join('\n') + '\n';

let server;
let owner;
let otherTherapist;
let client;
let admin;
let profileId;
let imported;

before(async () => {
	server = await startAccountServer({ csv: CSV });
	imported = Object.fromEntries(sqliteJson(server.dbPath, 'SELECT id, external_id FROM therapists').map((r) => [r.external_id, r.id]));
	owner = await makeTherapist(server, { tag: 'prof-owner' });
	otherTherapist = await makeTherapist(server, { tag: 'prof-other' });
	client = await makeUser(server, { tag: 'prof-client' });
	admin = await makeAdmin(server, { tag: 'prof-admin' });
});

after(async () => {
	if (server)
		await server.stop();
});

const anonymous = () => new Client(server.url);
const publicProfile = (id) => anonymous().get(`/api/v1/therapists/${id}`);

describe('creating a profile', () => {
	test('201 with Location; public at once; found by search within moments', async () => {
		const res = await owner.client.post('/api/v1/therapists', profileBody('Oskar Quillfeather', { fee_min: 100, fee_max: 150, years_experience: 12 }));
		assert.equal(res.status, 201, res.where);
		profileId = res.json.id;
		assert.equal(res.headers.get('location'), `/api/v1/therapists/${profileId}`);
		assert.equal(res.json.name, 'Oskar Quillfeather');
		assert.equal(res.json.owner_user_id, owner.id);
		assert.equal(res.json.verified, false);
		assert.equal(res.json.verified_at, null);
		assert.equal(res.json.hidden, false);
		assert.equal(res.json.fee_min, 100);
		assert.ok(res.json.lat !== null, 'placed by its postal code');

		const pub = await publicProfile(profileId);
		assert.equal(pub.status, 200, pub.where);
		assert.equal(pub.json.name, 'Oskar Quillfeather');
		assert.equal(pub.json.years_experience, 12);
		assert.equal(pub.json.owner_user_id, undefined, 'the public view does not name the account');

		const found = await waitForSearch(server.url, 'Quillfeather', profileId);
		assert.equal(found.json.results.find((r) => r.id === profileId).name, 'Oskar Quillfeather');
		const mine = await owner.client.get('/api/v1/me/therapist');
		assert.equal(mine.status, 200, mine.where);
		assert.equal(mine.json.id, profileId);
		const audit = sqliteJson(server.dbPath, `SELECT * FROM audit_log WHERE action = 'therapist.create' AND target_id = '${profileId}'`);
		assert.equal(audit.length, 1);
	});

	test('one profile per account: a second is 409', async () => {
		assertError(await owner.client.post('/api/v1/therapists', profileBody('Oskar Again')), 409, 'profile_exists');
	});

	test('clients cannot have one (403); anonymous callers are 401', async () => {
		assertError(await client.client.post('/api/v1/therapists', profileBody('Client Profile')), 403, 'role_required');
		assertError(await anonymous().post('/api/v1/therapists', profileBody('Anon Profile')), 401, 'authentication_required');
		assertError(await client.client.get('/api/v1/me/therapist'), 403, 'role_required');
		assert.equal(sqliteJson(server.dbPath, "SELECT count(*) AS n FROM therapists WHERE name IN ('Client Profile', 'Anon Profile')")[0].n, 0);
	});

	test('a therapist without a profile: GET /api/v1/me/therapist is 404', async () => {
		assertError(await otherTherapist.client.get('/api/v1/me/therapist'), 404, 'not_found');
	});

	test('what only imports and admins set cannot be sent', async () => {
		const t = await makeTherapist(server, { tag: 'prof-sneaky' });
		for (const field of ['verified', 'verified_at', 'hidden', 'owner_user_id', 'external_id', 'id'])
			assertError(await t.client.post('/api/v1/therapists', { ...profileBody('Sneaky Sam'), [field]: 1 }), 400, 'invalid_parameter', field);
	});
});

describe('editing a profile', () => {
	test('the owner: 200, and the change shows at once, in search too', async () => {
		const res = await owner.client.patch(`/api/v1/therapists/${profileId}`, { name: 'Oskar Zephyrquill', accepting_new_clients: true, bio: 'Helps couples.' });
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.name, 'Oskar Zephyrquill');
		assert.equal(res.json.accepting_new_clients, true);
		assert.equal(res.json.fee_min, 100, 'fields not sent keep their value');
		assert.equal(res.json.city, 'Austin');
		assert.equal((await publicProfile(profileId)).json.name, 'Oskar Zephyrquill');
		await waitForSearch(server.url, 'Zephyrquill', profileId);
		await waitForSearch(server.url, 'Quillfeather', profileId, { present: false });
		const entry = sqliteJson(server.dbPath, `SELECT detail FROM audit_log WHERE action = 'therapist.update' AND target_id = '${profileId}' ORDER BY id DESC LIMIT 1`)[0];
		assert.match(entry.detail, /name/);
		assert.match(entry.detail, /accepting_new_clients/);
		assert.doesNotMatch(entry.detail, /Zephyrquill/, 'names of fields, never values');
	});

	test('another therapist: 404; a client: 404; anonymous: 401; nothing changes', async () => {
		assertError(await otherTherapist.client.patch(`/api/v1/therapists/${profileId}`, { bio: 'hijacked' }), 404, 'not_found', 'id');
		assertError(await client.client.patch(`/api/v1/therapists/${profileId}`, { bio: 'hijacked' }), 404, 'not_found', 'id');
		assertError(await anonymous().patch(`/api/v1/therapists/${profileId}`, { bio: 'hijacked' }), 401, 'authentication_required');
		/* The same answer as for a profile that does not exist. */
		const missing = await otherTherapist.client.patch('/api/v1/therapists/999999', { bio: 'x' });
		const theirs = await otherTherapist.client.patch(`/api/v1/therapists/${profileId}`, { bio: 'x' });
		assert.equal(missing.status, 404);
		assert.equal(missing.json.error.code, theirs.json.error.code);
		/* An imported profile nobody owns cannot be edited by a therapist. */
		assertError(await otherTherapist.client.patch(`/api/v1/therapists/${imported['imp-2']}`, { bio: 'mine now' }), 404, 'not_found');
		assert.notEqual((await publicProfile(profileId)).json.bio, 'hijacked');
		assert.notEqual((await publicProfile(imported['imp-2'])).json.bio, 'mine now');
	});

	test('an admin may edit any profile', async () => {
		const res = await admin.client.patch(`/api/v1/therapists/${profileId}`, { approach: 'Edited by an admin.' });
		assert.equal(res.status, 200, res.where);
		assert.equal((await publicProfile(profileId)).json.approach, 'Edited by an admin.');
		const imp = await admin.client.patch(`/api/v1/therapists/${imported['imp-2']}`, { bio: 'Corrected by an admin.' });
		assert.equal(imp.status, 200, imp.where);
		assert.equal(imp.json.owner_user_id, null);
	});

	test('a change of licence or certification clears the verification; other edits keep it', async () => {
		const v = await admin.client.post(`/api/v1/admin/therapists/${profileId}/verification`, {});
		assert.equal(v.status, 200, v.where);
		assert.equal(v.json.verified, true);
		assert.match(v.json.verified_at, /^\d{4}-\d{2}-\d{2}$/);

		const bio = await owner.client.patch(`/api/v1/therapists/${profileId}`, { bio: 'A new bio keeps the check.' });
		assert.equal(bio.json.verified, true, bio.where);
		assert.equal((await publicProfile(profileId)).json.verified, true);

		const lic = await owner.client.patch(`/api/v1/therapists/${profileId}`, { license_number: 'LIC-2' });
		assert.equal(lic.status, 200, lic.where);
		assert.equal(lic.json.verified, false);
		assert.equal(lic.json.verified_at, null);
		const pub = await publicProfile(profileId);
		assert.equal(pub.json.verified, false);
		assert.equal(pub.json.verified_at, null);
		const entry = sqliteJson(server.dbPath, `SELECT detail FROM audit_log WHERE action = 'therapist.update' AND target_id = '${profileId}' ORDER BY id DESC LIMIT 1`)[0];
		assert.match(entry.detail, /license_number.*verification cleared/);

		/* Certifications and licence regions count too. */
		for (const change of [{ certifications: ['advanced_clinician'] }, { license_regions: ['US-TX', 'US-NY'] }]) {
			assert.equal((await admin.client.post(`/api/v1/admin/therapists/${profileId}/verification`, {})).json.verified, true);
			const res = await owner.client.patch(`/api/v1/therapists/${profileId}`, change);
			assert.equal(res.json.verified, false, `${JSON.stringify(change)}: ${res.where}`);
		}
	});

	test('sending back unchanged values changes nothing and records nothing', async () => {
		const before = sqliteJson(server.dbPath, 'SELECT count(*) AS n FROM audit_log')[0].n;
		const current = (await owner.client.get('/api/v1/me/therapist')).json;
		const res = await owner.client.patch(`/api/v1/therapists/${profileId}`, { name: current.name, bio: current.bio });
		assert.equal(res.status, 200, res.where);
		assert.equal(sqliteJson(server.dbPath, 'SELECT count(*) AS n FROM audit_log')[0].n, before);
	});
});

describe('claiming an imported profile', () => {
	test('a link goes to the profile\'s address; only the account that asked can use it', async () => {
		const claimant = await makeTherapist(server, { tag: 'claimant' });
		const id = imported['imp-1'];
		const before = mailTo(server.maildir, 'clara@practice.example.org').length;
		const res = await claimant.client.post(`/api/v1/therapists/${id}/claim`, {});
		assert.equal(res.status, 202, res.where);
		assert.deepEqual(res.json, { status: 'check_the_profile_email' });
		const mail = await waitForMail(server.maildir, 'clara@practice.example.org', before + 1);
		assert.match(mail.subject, /manage this imago listing/i);
		assert.ok(mail.body.includes('Clara Claimable'));
		const token = linkToken(mail);
		assert.equal(mailTo(server.maildir, claimant.email).length, 0, 'nothing to the claimant');

		/* Another therapist holding the link: 400, and the link still works for the claimant. */
		assertError(await otherTherapist.client.post('/api/v1/claims/confirm', { token }), 400, 'invalid_token', 'token');
		assertError(await client.client.post('/api/v1/claims/confirm', { token }), 403, 'role_required');
		assertError(await anonymous().post('/api/v1/claims/confirm', { token }), 401, 'authentication_required');
		assertError(await claimant.client.post('/api/v1/claims/confirm', { token: 'x'.repeat(43) }), 400, 'invalid_token');
		assert.equal(sqliteJson(server.dbPath, `SELECT owner_user_id FROM therapists WHERE id = ${id}`)[0].owner_user_id, null);

		const ok = await claimant.client.post('/api/v1/claims/confirm', { token });
		assert.equal(ok.status, 200, ok.where);
		assert.equal(ok.json.id, id);
		assert.equal(ok.json.owner_user_id, claimant.id);
		assert.equal((await claimant.client.get('/api/v1/me/therapist')).json.id, id);
		const edit = await claimant.client.patch(`/api/v1/therapists/${id}`, { bio: 'Now mine to edit.' });
		assert.equal(edit.status, 200, edit.where);
		assert.equal((await publicProfile(id)).json.bio, 'Now mine to edit.');
		assertError(await claimant.client.post('/api/v1/claims/confirm', { token }), 400, 'invalid_token');
		/* Claimed: nobody else may claim it now. */
		const late = await makeTherapist(server, { tag: 'late-claimant' });
		assertError(await late.client.post(`/api/v1/therapists/${id}/claim`, {}), 409, 'already_claimed');
		/* And the claimant has a profile now. */
		assertError(await claimant.client.post(`/api/v1/therapists/${imported['imp-4']}/claim`, {}), 409, 'profile_exists');
	});

	test('two claimants: the first to confirm wins; the other gets 409', async () => {
		const a = await makeTherapist(server, { tag: 'claim-a' });
		const b = await makeTherapist(server, { tag: 'claim-b' });
		const id = imported['imp-4'];
		const addr = 'carl@practice.example.org';
		const n = mailTo(server.maildir, addr).length;
		assert.equal((await a.client.post(`/api/v1/therapists/${id}/claim`, {})).status, 202);
		const tokenA = linkToken(await waitForMail(server.maildir, addr, n + 1));
		assert.equal((await b.client.post(`/api/v1/therapists/${id}/claim`, {})).status, 202);
		const tokenB = linkToken(await waitForMail(server.maildir, addr, n + 2));
		assert.equal((await b.client.post('/api/v1/claims/confirm', { token: tokenB })).status, 200);
		assertError(await a.client.post('/api/v1/claims/confirm', { token: tokenA }), 409, 'already_claimed');
		assert.equal(sqliteJson(server.dbPath, `SELECT owner_user_id FROM therapists WHERE id = ${id}`)[0].owner_user_id, b.id);
	});

	test('what cannot be claimed', async () => {
		const t = await makeTherapist(server, { tag: 'claim-no' });
		assertError(await t.client.post(`/api/v1/therapists/${imported['imp-2']}/claim`, {}), 422, 'no_email');
		assertError(await t.client.post('/api/v1/therapists/999999/claim', {}), 404, 'not_found');
		assertError(await t.client.post('/api/v1/therapists/abc/claim', {}), 404, 'not_found');
		assert.equal((await admin.client.post(`/api/v1/admin/therapists/${imported['imp-3']}/hidden`, {})).status, 200);
		assertError(await t.client.post(`/api/v1/therapists/${imported['imp-3']}/claim`, {}), 404, 'not_found');
		assertError(await owner.client.post(`/api/v1/therapists/${imported['imp-2']}/claim`, {}), 409, 'profile_exists');
		assertError(await client.client.post(`/api/v1/therapists/${imported['imp-2']}/claim`, {}), 403, 'role_required');
		assertError(await anonymous().post(`/api/v1/therapists/${imported['imp-2']}/claim`, {}), 401, 'authentication_required');
		assert.equal(mailTo(server.maildir, 'hedda@practice.example.org').length, 0);
	});

	test('an expired claim link: 400', async () => {
		const addr = 'late@practice.example.org';
		importCsv(server.dbPath, server.dir, 'external_id,name,email,lat,lon\nimp-5,Lena Late,late@practice.example.org,30.27,-97.74\n', 'late.csv');
		const id = sqliteJson(server.dbPath, "SELECT id FROM therapists WHERE external_id = 'imp-5'")[0].id;
		const t = await makeTherapist(server, { tag: 'claim-late' });
		assert.equal((await t.client.post(`/api/v1/therapists/${id}/claim`, {})).status, 202);
		const token = linkToken(await waitForMail(server.maildir, addr, 1));
		sqliteExec(server.dbPath, `UPDATE email_tokens SET expires_at = ${Math.floor(Date.now() / 1000) - 1} WHERE purpose = 'claim' AND user_id = ${t.id}`);
		assertError(await t.client.post('/api/v1/claims/confirm', { token }), 400, 'invalid_token');
	});
});
