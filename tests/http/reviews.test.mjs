/*
 * Recommendations, endorsements and referrals, through the JSON API and
 * the pages, against a real server.
 *
 * Appointments that have taken place are made without the booking
 * flow: rows go straight into the appointments table with the sqlite3
 * shell (status, end time, the client's account), and a guest's manage
 * link into appointment_links as the SHA-256 of a token made here. So
 * these tests depend on the booking schema, not on booking working.
 *
 * Covers: who may recommend (no appointment, a future one, a cancelled
 * one, one with another therapist: 403; nobody signed in: 401), the
 * pending -> published -> public path with counts, declining, one
 * recommendation per appointment (409) and the most recent appointment
 * first, a guest with a manage token (API and page), other therapists
 * and admins getting 404, endorsement rules (unverified 403, self 422,
 * idempotent, removal, counts that follow the endorser's verification),
 * referrals (the mail, the link, the note, the list, the limits), bad
 * input naming its field, anonymous 401s, the pages' forms and the
 * audit log holding no text or address.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { sqliteJson } from '../lib/server.mjs';
import {
	Client, assertAuditVerifies, assertError, makeAdmin, makeTherapist, makeUser, mailTo,
	profileBody, sqlQuote, sqliteExec, startAccountServer, uniqueEmail, waitForMail,
} from '../lib/accounts.mjs';

const NOT_ELIGIBLE = /after a consultation or session with them has taken place/;
const TEXT = 'Warm, clear and practical: we argue far less since our sessions.';

let server;
const now = () => Math.floor(Date.now() / 1000);
const sha256hex = (s) => crypto.createHash('sha256').update(s).digest('hex');
const newToken = () => crypto.randomBytes(32).toString('base64url');

let refSeq = 0;
/*
 * An appointment row. endsIn: seconds from now to its end (negative:
 * it has ended). token: a manage link for it. Returns its id.
 */
function addAppointment({ therapistId, clientId = null, status = 'booked', endsIn = -3600,
	name = 'Jane Doe', email = 'jane@example.org', token = null }) {
	const ends = now() + endsIn;
	const ref = `rv-${process.pid}-${++refSeq}`;
	sqliteExec(server.dbPath, 'INSERT INTO appointments (ref, therapist_id, kind, type_name, mode,' +
	    ' starts_at, ends_at, status, client_user_id, name, email, timezone, created_at) VALUES (' +
	    `${sqlQuote(ref)}, ${therapistId}, 'consultation', 'Free consultation', 'video',` +
	    ` ${ends - 900}, ${ends}, ${sqlQuote(status)}, ${clientId ?? 'NULL'}, ${sqlQuote(name)},` +
	    ` ${sqlQuote(email)}, 'Europe/Berlin', ${now() - 86400})`);
	const id = sqliteJson(server.dbPath, `SELECT id FROM appointments WHERE ref = ${sqlQuote(ref)}`)[0].id;
	if (token)
		sqliteExec(server.dbPath, 'INSERT INTO appointment_links (token_hash, appointment_id, created_at)' +
		    ` VALUES (X'${sha256hex(token)}', ${id}, ${now()})`);
	return id;
}

/* A therapist with a listed profile; verified when asked (by the admin). */
async function therapistWithProfile(name, { verified = false } = {}) {
	const t = await makeTherapist(server, { tag: 'rv-therapist' });
	const res = await t.client.post('/api/v1/therapists', profileBody(name));
	assert.equal(res.status, 201, res.where);
	t.profileId = res.json.id;
	t.name = name;
	if (verified)
		await setVerified(t.profileId, true);
	return t;
}

let admin;
async function setVerified(id, on) {
	const res = on ? await admin.client.post(`/api/v1/admin/therapists/${id}/verification`, {})
	    : await admin.client.del(`/api/v1/admin/therapists/${id}/verification`);
	assert.equal(res.status, 200, res.where);
}

const recommend = (client, therapistId, json) => client.post(`/api/v1/therapists/${therapistId}/recommendations`, json);
const publicList = (therapistId) => new Client(server.url).get(`/api/v1/therapists/${therapistId}/recommendations`);
const profileJson = (therapistId) => new Client(server.url).get(`/api/v1/therapists/${therapistId}`);

/* POSTs an HTML form with the client's CSRF field. */
function postForm(client, path, fields, { raw } = {}) {
	const body = raw ?? new URLSearchParams({ csrf: client.csrf ?? '', ...fields }).toString();
	return client.call('POST', path, { body, contentType: 'application/x-www-form-urlencoded', keepCookies: false });
}

/* The hidden csrf field of a page (an anonymous browser's forms). */
function csrfOf(html) {
	const m = /name="csrf" value="([^"]+)"/.exec(html);
	assert.ok(m, 'a csrf field');
	return m[1];
}

let t1;	/* verified, P1: receives recommendations, endorses */
let t2;	/* verified, P2 */
let t3;	/* not verified, P3 */
let client;

before(async () => {
	server = await startAccountServer();
	admin = await makeAdmin(server, { tag: 'rv-admin' });
	t1 = await therapistWithProfile('Ada Primary', { verified: true });
	t2 = await therapistWithProfile('Bea Second', { verified: true });
	t3 = await therapistWithProfile('Cy Unverified');
	client = await makeUser(server, { tag: 'rv-client', name: 'Quinn Client' });
});

after(async () => {
	if (server)
		await server.stop();
});

describe('who may recommend', () => {
	test('nobody signed in and no manage token: 401', async () => {
		const res = await recommend(new Client(server.url), t1.profileId, { author_name: 'Ann', body: TEXT });
		assertError(res, 401, 'authentication_required');
	});

	test('no appointment, a future one, a cancelled one, one with another therapist: 403 not_eligible', async () => {
		const c = await makeUser(server, { tag: 'rv-noteligible' });
		const body = { author_name: 'Nora N.', body: TEXT };
		let res = await recommend(c.client, t1.profileId, body);
		assertError(res, 403, 'not_eligible');
		assert.match(res.json.error.message, NOT_ELIGIBLE);
		addAppointment({ therapistId: t1.profileId, clientId: c.id, endsIn: 3600 });
		assertError(await recommend(c.client, t1.profileId, body), 403, 'not_eligible');
		addAppointment({ therapistId: t1.profileId, clientId: c.id, status: 'cancelled', endsIn: -7200 });
		assertError(await recommend(c.client, t1.profileId, body), 403, 'not_eligible');
		addAppointment({ therapistId: t2.profileId, clientId: c.id, endsIn: -7200 });
		assertError(await recommend(c.client, t1.profileId, body), 403, 'not_eligible');
		/* A held (unconfirmed) one that has passed does not count either. */
		addAppointment({ therapistId: t1.profileId, clientId: c.id, status: 'held', endsIn: -7200 });
		assertError(await recommend(c.client, t1.profileId, body), 403, 'not_eligible');
		/* Nor does an appointment with oneself. */
		addAppointment({ therapistId: t1.profileId, clientId: t1.id, endsIn: -7200 });
		assertError(await recommend(t1.client, t1.profileId, body), 403, 'not_eligible');
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM recommendations WHERE therapist_id = ${t1.profileId}`)[0].n, 0);
	});

	test('an unknown or hidden profile: 404 naming id', async () => {
		assertError(await recommend(client.client, 999999, { author_name: 'Ann', body: TEXT }), 404, 'not_found', 'id');
		assertError(await recommend(client.client, 'abc', { author_name: 'Ann', body: TEXT }), 404, 'not_found', 'id');
	});
});

describe('a recommendation from pending to public', () => {
	let rec;

	test('an eligible client recommends: 201 pending, the owner is mailed, nothing public yet', async () => {
		addAppointment({ therapistId: t1.profileId, clientId: client.id, endsIn: -3600 });
		const before = mailTo(server.maildir, t1.email).length;
		const res = await recommend(client.client, t1.profileId, { author_name: '  Quinn C.  ', body: `${TEXT} <b>Really</b> & more.` });
		assert.equal(res.status, 201, res.where);
		rec = res.json;
		assert.equal(rec.status, 'pending');
		assert.equal(rec.author_name, 'Quinn C.', 'surrounding spaces dropped');
		assert.equal(rec.therapist_id, t1.profileId);
		const mail = await waitForMail(server.maildir, t1.email, before + 1);
		assert.equal(mail.subject, 'A recommendation waits for your approval');
		assert.match(mail.body, /\/therapist\/recommendations/);
		assert.ok(!mail.body.includes('argue'), 'the text stays in the app');

		const pub = await publicList(t1.profileId);
		assert.equal(pub.status, 200, pub.where);
		assert.equal(pub.json.recommendation_count, 0);
		assert.deepEqual(pub.json.recommendations, []);
		assert.equal((await profileJson(t1.profileId)).json.recommendation_count, 0);
		const page = await new Client(server.url).get(`/therapists/${t1.profileId}`);
		assert.ok(!page.text.includes('argue far less'), 'a pending text is not on the page');
	});

	test('the owner sees it pending and publishes it: public, newest first, with counts', async () => {
		const own = await t1.client.get('/api/v1/me/recommendations');
		assert.equal(own.status, 200, own.where);
		assert.equal(own.json.counts.pending, 1);
		assert.equal(own.json.recommendations[0].id, rec.id);
		assert.equal(own.json.recommendations[0].status, 'pending');
		const pending = await t1.client.get('/api/v1/me/recommendations?status=pending');
		assert.deepEqual(pending.json.recommendations.map((r) => r.id), [rec.id]);

		const res = await t1.client.post(`/api/v1/me/recommendations/${rec.id}/publication`);
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.status, 'published');
		assert.match(res.json.decided_at, /^\d{4}-\d\d-\d\dT/);

		const pub = await publicList(t1.profileId);
		assert.equal(pub.json.recommendation_count, 1);
		assert.equal(pub.json.recommendations.length, 1);
		const shown = pub.json.recommendations[0];
		assert.deepEqual(Object.keys(shown).sort(), ['author_name', 'body', 'id', 'month'],
		    'the public form has no status, times or appointment');
		assert.match(shown.month, /^\d{4}-\d\d$/);
		assert.equal(shown.author_name, 'Quinn C.');
		assert.equal((await profileJson(t1.profileId)).json.recommendation_count, 1);

		const page = await new Client(server.url).get(`/therapists/${t1.profileId}`);
		assert.match(page.text, /1 recommendation from clients/);
		assert.match(page.text, /argue far less since our sessions\. &lt;b&gt;Really&lt;\/b&gt; &amp; more\./, 'escaped');
		assert.match(page.text, /Quinn C\.,/);
	});

	test('a second recommendation for the same appointment: 409 already_recommended', async () => {
		const res = await recommend(client.client, t1.profileId, { author_name: 'Quinn C.', body: TEXT });
		assertError(res, 409, 'already_recommended');
	});

	test('another appointment that took place allows another; the most recent one is used first', async () => {
		const c = await makeUser(server, { tag: 'rv-twice' });
		const older = addAppointment({ therapistId: t1.profileId, clientId: c.id, endsIn: -10 * 86400 });
		const newer = addAppointment({ therapistId: t1.profileId, clientId: c.id, endsIn: -86400 });
		const a = await recommend(c.client, t1.profileId, { author_name: 'Twice T.', body: TEXT });
		assert.equal(a.status, 201, a.where);
		const b = await recommend(c.client, t1.profileId, { author_name: 'Twice T.', body: `${TEXT} Again.` });
		assert.equal(b.status, 201, b.where);
		const rows = sqliteJson(server.dbPath, `SELECT id, appointment_id FROM recommendations WHERE id IN (${a.json.id}, ${b.json.id}) ORDER BY id`);
		assert.deepEqual(rows.map((r) => r.appointment_id), [newer, older]);
		assertError(await recommend(c.client, t1.profileId, { author_name: 'Twice T.', body: TEXT }), 409, 'already_recommended');
	});

	test('declining: not public; a published one can be taken down and published again', async () => {
		const c = await makeUser(server, { tag: 'rv-decline' });
		addAppointment({ therapistId: t1.profileId, clientId: c.id });
		const made = await recommend(c.client, t1.profileId, { author_name: 'Dee D.', body: 'Declined text, long enough to pass.' });
		assert.equal(made.status, 201, made.where);
		const del = await t1.client.del(`/api/v1/me/recommendations/${made.json.id}/publication`);
		assert.equal(del.status, 200, del.where);
		assert.equal(del.json.status, 'declined');
		let pub = await publicList(t1.profileId);
		assert.ok(!pub.json.recommendations.some((r) => r.id === made.json.id));
		const own = await t1.client.get('/api/v1/me/recommendations?status=declined');
		assert.deepEqual(own.json.recommendations.map((r) => r.id), [made.json.id]);
		assert.equal(own.json.counts.declined, 1);
		/* Published, then taken down again: the count follows. */
		assert.equal((await t1.client.post(`/api/v1/me/recommendations/${made.json.id}/publication`)).status, 200);
		const countOn = (await publicList(t1.profileId)).json.recommendation_count;
		assert.equal((await t1.client.del(`/api/v1/me/recommendations/${made.json.id}/publication`)).status, 200);
		pub = await publicList(t1.profileId);
		assert.equal(pub.json.recommendation_count, countOn - 1);
		/* Declining what is declined changes nothing and records nothing. */
		const audits = sqliteJson(server.dbPath, `SELECT count(*) AS n FROM audit_log WHERE target_id = '${made.json.id}' AND action LIKE 'recommendation.%'`)[0].n;
		assert.equal((await t1.client.del(`/api/v1/me/recommendations/${made.json.id}/publication`)).status, 200);
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM audit_log WHERE target_id = '${made.json.id}' AND action LIKE 'recommendation.%'`)[0].n, audits);
	});

	test('another therapist and an admin cannot decide: 404; a client: 403', async () => {
		const c = await makeUser(server, { tag: 'rv-others' });
		addAppointment({ therapistId: t1.profileId, clientId: c.id });
		const made = await recommend(c.client, t1.profileId, { author_name: 'Oz O.', body: TEXT });
		assert.equal(made.status, 201, made.where);
		const path = `/api/v1/me/recommendations/${made.json.id}/publication`;
		assertError(await t2.client.post(path), 404, 'not_found', 'id');
		assertError(await t2.client.del(path), 404, 'not_found', 'id');
		assertError(await admin.client.post(path), 404, 'not_found', 'id');
		assertError(await c.client.post(path), 403, 'role_required');
		assertError(await t1.client.post('/api/v1/me/recommendations/99999999/publication'), 404, 'not_found', 'id');
		const row = sqliteJson(server.dbPath, `SELECT status FROM recommendations WHERE id = ${made.json.id}`)[0];
		assert.equal(row.status, 'pending');
		/* Nor do they see it in their own lists. */
		const theirs = await t2.client.get('/api/v1/me/recommendations');
		assert.ok(!theirs.json.recommendations.some((r) => r.id === made.json.id));
	});
});

describe('a guest with a booking\'s manage link', () => {
	test('the API: the token\'s appointment, once; with another therapist 403; a bogus token 400', async () => {
		const token = newToken();
		addAppointment({ therapistId: t2.profileId, token, name: 'Gail Guest' });
		const guest = new Client(server.url);
		const wrong = await recommend(guest, t1.profileId, { author_name: 'Gail G.', body: TEXT, manage_token: token });
		assertError(wrong, 403, 'not_eligible');
		const res = await recommend(guest, t2.profileId, { author_name: 'Gail G.', body: TEXT, manage_token: token });
		assert.equal(res.status, 201, res.where);
		const row = sqliteJson(server.dbPath, `SELECT author_user_id, status FROM recommendations WHERE id = ${res.json.id}`)[0];
		assert.equal(row.author_user_id, null);
		assert.equal(row.status, 'pending');
		assertError(await recommend(guest, t2.profileId, { author_name: 'Gail G.', body: TEXT, manage_token: token }), 409, 'already_recommended');
		assertError(await recommend(guest, t2.profileId, { author_name: 'Gail G.', body: TEXT, manage_token: newToken() }), 400, 'invalid_token', 'manage_token');
		assertError(await recommend(guest, t2.profileId, { author_name: 'Gail G.', body: TEXT, manage_token: 'short' }), 400, 'invalid_token', 'manage_token');
		/* An appointment still to come. */
		const later = newToken();
		addAppointment({ therapistId: t2.profileId, token: later, endsIn: 86400 });
		assertError(await recommend(guest, t2.profileId, { author_name: 'Gail G.', body: TEXT, manage_token: later }), 403, 'not_eligible');
		/* A link past its life (the booking module's: weeks after the appointment). */
		const old = newToken();
		addAppointment({ therapistId: t2.profileId, token: old, endsIn: -400 * 86400 });
		assertError(await recommend(guest, t2.profileId, { author_name: 'Gail G.', body: TEXT, manage_token: old }), 400, 'invalid_token', 'manage_token');
	});

	test('the page: GET shows the form (not cached, token in a hidden field), POST sends it', async () => {
		const token = newToken();
		addAppointment({ therapistId: t2.profileId, token, name: 'Hanna Zoë Ängström' });
		const guest = new Client(server.url);
		const page = await guest.get(`/recommend?token=${token}`);
		assert.equal(page.status, 200, page.where);
		assert.equal(page.headers.get('cache-control'), 'no-store');
		assert.match(page.text, /Recommend Bea Second/);
		assert.match(page.text, new RegExp(`<input type="hidden" name="token" value="${token}">`));
		assert.match(page.text, /name="author_name"[^>]*value="Hanna Ä\."/, 'first name and initial suggested');
		const csrf = csrfOf(page.text);
		/* Too short: the form again, 400, the field named, the token kept. */
		const short = await guest.call('POST', '/recommend', {
			body: new URLSearchParams({ csrf, token, author_name: 'Hanna Ä.', body: 'Too short.' }).toString(),
			contentType: 'application/x-www-form-urlencoded',
		});
		assert.equal(short.status, 400, short.where);
		assert.match(short.text, /class="field-error" id="recommend-body-error"/);
		assert.match(short.text, new RegExp(`name="token" value="${token}"`));
		assert.equal(short.headers.get('cache-control'), 'no-store');
		const ok = await guest.call('POST', '/recommend', {
			body: new URLSearchParams({ csrf, token, author_name: 'Hanna Ä.', body: 'Sehr einfühlsam und klar – danke!' }).toString(),
			contentType: 'application/x-www-form-urlencoded',
		});
		assert.equal(ok.status, 303, ok.where);
		assert.equal(ok.headers.get('location'), `/therapists/${t2.profileId}?done=recommended#recommendations`);
		assert.ok(!ok.headers.get('location').includes(token));
		const row = sqliteJson(server.dbPath, `SELECT author_name, body FROM recommendations WHERE author_name = 'Hanna Ä.'`);
		assert.equal(row.length, 1);
		assert.equal(row[0].body, 'Sehr einfühlsam und klar – danke!');
		/* Used: the link now says so. */
		const again = await guest.get(`/recommend?token=${token}`);
		assert.equal(again.status, 409, again.where);
		assert.match(again.text, /already recommended/);
		const bogus = await guest.get(`/recommend?token=${newToken()}`);
		assert.equal(bogus.status, 400, bogus.where);
		assert.match(bogus.text, /This link cannot be used/);
		assert.equal((await guest.get('/recommend')).status, 400);
	});
});

describe('endorsements', () => {
	const endorse = (who, id) => who.client.post(`/api/v1/therapists/${id}/endorsement`);
	const unendorse = (who, id) => who.client.del(`/api/v1/therapists/${id}/endorsement`);
	const endorsers = (id) => new Client(server.url).get(`/api/v1/therapists/${id}/endorsements`);

	test('an unverified therapist 403, oneself 422, a client 403, no such profile 404', async () => {
		assertError(await endorse(t3, t1.profileId), 403, 'not_verified');
		assertError(await endorse(t1, t1.profileId), 422, 'self_endorsement', 'id');
		assertError(await endorse(client, t1.profileId), 403, 'role_required');
		assertError(await endorse(t1, 99999999), 404, 'not_found', 'id');
		const noProfile = await makeTherapist(server, { tag: 'rv-noprofile' });
		assertError(await endorse(noProfile, t1.profileId), 403, 'profile_required');
		assert.equal((await endorsers(t1.profileId)).json.endorsement_count, 0);
	});

	test('endorsing is idempotent (201, then 200, count 1); the list names and links the endorser; removal', async () => {
		const first = await endorse(t1, t2.profileId);
		assert.equal(first.status, 201, first.where);
		assert.equal(first.json.endorsement_count, 1);
		const second = await endorse(t1, t2.profileId);
		assert.equal(second.status, 200, second.where);
		assert.equal(second.json.changed, false);
		assert.equal(second.json.endorsement_count, 1);
		const list = await endorsers(t2.profileId);
		assert.equal(list.status, 200, list.where);
		assert.equal(list.json.endorsement_count, 1);
		assert.deepEqual(list.json.endorsers, [{ id: t1.profileId, name: 'Ada Primary', url: `/therapists/${t1.profileId}` }]);
		assert.equal(list.json.endorsed_by_you, undefined, 'only for a caller with a profile');
		const mine = await t1.client.get(`/api/v1/therapists/${t2.profileId}/endorsements`);
		assert.equal(mine.json.endorsed_by_you, true);
		assert.equal((await profileJson(t2.profileId)).json.endorsement_count, 1);
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM audit_log WHERE action = 'endorsement.add' AND target_id = '${t2.profileId}'`)[0].n, 1,
		    'the repeated endorsement recorded nothing');

		const gone = await unendorse(t1, t2.profileId);
		assert.equal(gone.status, 200, gone.where);
		assert.equal(gone.json.endorsed, false);
		assert.equal(gone.json.endorsement_count, 0);
		const again = await unendorse(t1, t2.profileId);
		assert.equal(again.status, 200, again.where);
		assert.equal(again.json.changed, false);
		assert.deepEqual((await endorsers(t2.profileId)).json.endorsers, []);
	});

	test('an endorsement counts while its endorser is verified', async () => {
		assert.equal((await endorse(t2, t1.profileId)).status, 201);
		assert.equal((await endorsers(t1.profileId)).json.endorsement_count, 1);
		await setVerified(t2.profileId, false);
		assert.equal((await endorsers(t1.profileId)).json.endorsement_count, 0);
		assert.equal((await profileJson(t1.profileId)).json.endorsement_count, 0);
		assertError(await endorse(t2, t3.profileId), 403, 'not_verified');
		await setVerified(t2.profileId, true);
		assert.equal((await endorsers(t1.profileId)).json.endorsement_count, 1);
	});

	test('the profile page: counts, the endorser, and the button for a verified colleague', async () => {
		const anon = await new Client(server.url).get(`/therapists/${t1.profileId}`);
		assert.match(anon.text, /Endorsed by 1 therapist/);
		assert.match(anon.text, new RegExp(`<a href="/therapists/${t2.profileId}">Bea Second</a>`));
		assert.ok(!anon.text.includes('>Endorse<'), 'no button for a visitor');

		const own = await t1.client.get(`/therapists/${t1.profileId}`);
		assert.ok(!own.text.includes('>Endorse<'), 'no button on one\'s own profile');
		assert.match(own.text, /href="\/therapist\/recommendations"/);
		const unverified = await t3.client.get(`/therapists/${t1.profileId}`);
		assert.ok(!unverified.text.includes('>Endorse<'), 'no button for an unverified therapist');

		const page = await t1.client.get(`/therapists/${t3.profileId}`);
		assert.match(page.text, new RegExp(`action="/therapists/${t3.profileId}/endorse"`));
		const res = await postForm(t1.client, `/therapists/${t3.profileId}/endorse`, {});
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), `/therapists/${t3.profileId}?done=endorsed#recommendations`);
		const after = await t1.client.get(`/therapists/${t3.profileId}?done=endorsed`);
		assert.match(after.text, /You endorse Cy Unverified\./);
		assert.match(after.text, new RegExp(`action="/therapists/${t3.profileId}/unendorse"[^]*Remove endorsement`));
		const off = await postForm(t1.client, `/therapists/${t3.profileId}/unendorse`, {});
		assert.equal(off.status, 303, off.where);
		assert.equal((await endorsers(t3.profileId)).json.endorsement_count, 0);
		/* Without the form's csrf field: refused. */
		const forged = await postForm(t1.client, `/therapists/${t3.profileId}/endorse`, {}, { raw: '' });
		assert.equal(forged.status, 403, forged.where);
		assert.equal((await endorsers(t3.profileId)).json.endorsement_count, 0);
	});
});

describe('referrals', () => {
	const refer = (who, json) => who.client.post('/api/v1/me/referrals', json);

	test('the person is mailed a link to the colleague\'s profile with the note; the list has it', async () => {
		const email = uniqueEmail('rv-referred');
		const note = 'Bea works with couples in your area.\nShe is lovely — try her.';
		const res = await refer(t1, { to_therapist_id: t2.profileId, email: email.toUpperCase(), note });
		assert.equal(res.status, 201, res.where);
		assert.equal(res.json.email, email, 'lower-cased');
		assert.equal(res.json.to_url, `/therapists/${t2.profileId}`);
		const mail = await waitForMail(server.maildir, email);
		assert.equal(mail.subject, 'Ada Primary referred you to Bea Second');
		assert.match(mail.body, new RegExp(`/therapists/${t2.profileId}\\b`));
		assert.ok(mail.body.includes(note), mail.body);
		const list = await t1.client.get('/api/v1/me/referrals');
		assert.equal(list.status, 200, list.where);
		assert.equal(list.json.referrals[0].id, res.json.id);
		assert.equal(list.json.referrals[0].note, note);
		assert.equal(list.json.referrals[0].to_name, 'Bea Second');
		/* Not in anyone else's list. */
		assert.ok(!(await t2.client.get('/api/v1/me/referrals')).json.referrals.some((r) => r.id === res.json.id));
	});

	test('refused: oneself 422, no such profile 404, bad fields 400 naming them, no profile 403, a client 403', async () => {
		const email = uniqueEmail('rv-refused');
		assertError(await refer(t1, { to_therapist_id: t1.profileId, email }), 422, 'self_referral', 'to_therapist_id');
		assertError(await refer(t1, { to_therapist_id: 99999999, email }), 404, 'not_found', 'to_therapist_id');
		assertError(await refer(t1, { email }), 400, 'invalid_parameter', 'to_therapist_id');
		assertError(await refer(t1, { to_therapist_id: 'two', email }), 400, 'invalid_parameter', 'to_therapist_id');
		assertError(await refer(t1, { to_therapist_id: t2.profileId }), 400, 'invalid_parameter', 'email');
		assertError(await refer(t1, { to_therapist_id: t2.profileId, email: 'not-an-address' }), 400, 'invalid_parameter', 'email');
		assertError(await refer(t1, { to_therapist_id: t2.profileId, email, note: 'x'.repeat(1001) }), 400, 'invalid_parameter', 'note');
		assertError(await refer(t1, { to_therapist_id: t2.profileId, email, extra: 1 }), 400, 'invalid_parameter', 'extra');
		const noProfile = await makeTherapist(server, { tag: 'rv-noprofile2' });
		assertError(await refer(noProfile, { to_therapist_id: t2.profileId, email }), 403, 'profile_required');
		assertError(await noProfile.client.get('/api/v1/me/referrals'), 404, 'not_found');
		assertError(await refer(client, { to_therapist_id: t2.profileId, email }), 403, 'role_required');
		/* A note of exactly 1,000 characters, not all ASCII, is fine. */
		const ok = await refer(t1, { to_therapist_id: t2.profileId, email, note: 'ü'.repeat(1000) });
		assert.equal(ok.status, 201, ok.where);
		await waitForMail(server.maildir, email);
		assert.equal(mailTo(server.maildir, email).length, 1, 'one mail, for the accepted referral only');
	});

	test('the page: a profile address as the colleague, the list, a bad address named', async () => {
		const page = await t1.client.get(`/therapist/referrals?to=${t2.profileId}`);
		assert.equal(page.status, 200, page.where);
		assert.match(page.text, new RegExp(`name="therapist"[^>]*value="${t2.profileId}"`));
		const email = uniqueEmail('rv-page-ref');
		const res = await postForm(t1.client, '/therapist/referrals', {
			email, therapist: `${server.url}/therapists/${t2.profileId}?from=search#top`, note: 'Via the page.',
		});
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), '/therapist/referrals?done=sent');
		const mail = await waitForMail(server.maildir, email);
		assert.match(mail.body, /Via the page\./);
		const list = await t1.client.get('/therapist/referrals?done=sent');
		assert.match(list.text, /The referral was sent\./);
		assert.ok(list.text.includes(email));
		const bad = await postForm(t1.client, '/therapist/referrals', { email, therapist: 'somebody nice', note: '' });
		assert.equal(bad.status, 400, bad.where);
		assert.match(bad.text, /id="referral-therapist-error"/);
		assert.match(bad.text, /value="somebody nice"/, 'what was typed is kept');
		const self = await postForm(t1.client, '/therapist/referrals', { email, therapist: String(t1.profileId) });
		assert.equal(self.status, 422, self.where);
		assert.match(self.text, /id="referral-therapist-error"/);
	});

	test('the audit log records referrals and recommendations without addresses or text', async () => {
		const rows = sqliteJson(server.dbPath, "SELECT action, detail FROM audit_log WHERE action LIKE 'referral.%' OR action LIKE 'recommendation.%' OR action LIKE 'endorsement.%'");
		const actions = new Set(rows.map((r) => r.action));
		for (const a of ['referral.create', 'recommendation.create', 'recommendation.publish', 'recommendation.decline', 'endorsement.add', 'endorsement.remove'])
			assert.ok(actions.has(a), `an audit entry ${a}`);
		for (const r of rows) {
			assert.ok(!r.detail.includes('@'), `no address: ${r.detail}`);
			assert.ok(!/argue|lovely|Via the page/.test(r.detail), `no text: ${r.detail}`);
		}
		assertAuditVerifies(server.dbPath);
	});
});

describe('bad input names its field', () => {
	let c;
	before(async () => {
		c = await makeUser(server, { tag: 'rv-badinput' });
		addAppointment({ therapistId: t3.profileId, clientId: c.id });
	});
	const send = (json) => recommend(c.client, t3.profileId, json);

	test('lengths, line breaks, types, missing and unknown fields: 400 naming them', async () => {
		assertError(await send({ author_name: 'A'.repeat(61), body: TEXT }), 400, 'invalid_parameter', 'author_name');
		assertError(await send({ author_name: '   ', body: TEXT }), 400, 'invalid_parameter', 'author_name');
		assertError(await send({ author_name: 'Ann\nB.', body: TEXT }), 400, 'invalid_parameter', 'author_name');
		assertError(await send({ body: TEXT }), 400, 'invalid_parameter', 'author_name');
		assertError(await send({ author_name: 'Ann' }), 400, 'invalid_parameter', 'body');
		assertError(await send({ author_name: 'Ann', body: 'x'.repeat(19) }), 400, 'invalid_parameter', 'body');
		assertError(await send({ author_name: 'Ann', body: `   ${'x'.repeat(19)}   ` }), 400, 'invalid_parameter', 'body');
		assertError(await send({ author_name: 'Ann', body: 'x'.repeat(2001) }), 400, 'invalid_parameter', 'body');
		assertError(await send({ author_name: 'Ann', body: 12345678901234567890 }), 400, 'invalid_parameter', 'body');
		assertError(await send({ author_name: 'Ann', body: `${TEXT}\u0007` }), 400, 'invalid_parameter', 'body');
		assertError(await send({ author_name: 'Ann', body: TEXT, stars: 5 }), 400, 'invalid_parameter', 'stars');
		const notJson = await c.client.call('POST', `/api/v1/therapists/${t3.profileId}/recommendations`,
		    { body: 'author_name=Ann', contentType: 'application/x-www-form-urlencoded' });
		assertError(notJson, 415, 'unsupported_media_type');
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM recommendations WHERE therapist_id = ${t3.profileId}`)[0].n, 0);
	});

	test('bytes that are not UTF-8: 400 naming the field (a form) or the body (JSON), never 500', async () => {
		const raw = `csrf=${encodeURIComponent(c.client.csrf)}&author_name=Ann&body=${'%FF%FE'.repeat(15)}`;
		const res = await postForm(c.client, `/therapists/${t3.profileId}/recommend`, {}, { raw });
		assert.equal(res.status, 400, res.where);
		assert.match(res.text, /not valid UTF-8 text \(the <code>body<\/code> field\)/);
		const rawName = `csrf=${encodeURIComponent(c.client.csrf)}&author_name=%C3%28&body=${encodeURIComponent(TEXT)}`;
		const res2 = await postForm(c.client, `/therapists/${t3.profileId}/recommend`, {}, { raw: rawName });
		assert.equal(res2.status, 400, res2.where);
		assert.match(res2.text, /<code>author_name<\/code>/);
		const json = Buffer.concat([Buffer.from('{"author_name":"Ann","body":"'), Buffer.from([0xff, 0xfe]),
			Buffer.from(TEXT), Buffer.from('"}')]);
		const res3 = await c.client.call('POST', `/api/v1/therapists/${t3.profileId}/recommendations`,
		    { body: json, contentType: 'application/json' });
		assertError(res3, 400, 'invalid_parameter', 'body');
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM recommendations WHERE therapist_id = ${t3.profileId}`)[0].n, 0);
	});

	test('the longest text in four-byte characters, and twenty characters exactly, are accepted', async () => {
		const res = await send({ author_name: '😀'.repeat(60), body: '🌍'.repeat(2000) });
		assert.equal(res.status, 201, res.where);
		assert.equal([...res.json.body].length, 2000);
		addAppointment({ therapistId: t3.profileId, clientId: c.id, endsIn: -60 });
		const twenty = await send({ author_name: 'Zoë', body: 'ü'.repeat(20) });
		assert.equal(twenty.status, 201, twenty.where);
	});
});

describe('the pages a client and a therapist use', () => {
	test('an eligible client sees the form on the profile and recommends; the therapist publishes on their page', async () => {
		const c = await makeUser(server, { tag: 'rv-pages', name: 'Robin Page-Tester' });
		const before = await c.client.get(`/therapists/${t2.profileId}`);
		assert.ok(!before.text.includes(`action="/therapists/${t2.profileId}/recommend"`), 'no form before an appointment');
		addAppointment({ therapistId: t2.profileId, clientId: c.id, name: 'Robin Page-Tester' });
		const page = await c.client.get(`/therapists/${t2.profileId}`);
		assert.match(page.text, new RegExp(`action="/therapists/${t2.profileId}/recommend"`));
		assert.match(page.text, /name="author_name"[^>]*value="Robin P\."/);
		const res = await postForm(c.client, `/therapists/${t2.profileId}/recommend`, {
			author_name: 'Robin P.', body: 'Through the page: calm and very helpful.',
		});
		assert.equal(res.status, 303, res.where);
		const thanks = await c.client.get(`/therapists/${t2.profileId}?done=recommended`);
		assert.match(thanks.text, /Your recommendation shows here once Bea Second publishes it\./);
		assert.match(thanks.text, /You have recommended Bea Second/);
		const again = await postForm(c.client, `/therapists/${t2.profileId}/recommend`, {
			author_name: 'Robin P.', body: 'Through the page: calm and very helpful.',
		});
		assert.equal(again.status, 409, again.where);

		const id = sqliteJson(server.dbPath, "SELECT id FROM recommendations WHERE author_name = 'Robin P.'")[0].id;
		const mine = await t2.client.get('/therapist/recommendations');
		assert.equal(mine.status, 200, mine.where);
		assert.match(mine.text, /Waiting for you \(\d+\)/);
		assert.match(mine.text, new RegExp(`action="/therapist/recommendations/${id}/publish"`));
		assert.ok(mine.text.includes('Through the page: calm and very helpful.'));
		assertError(await t1.client.get('/api/v1/me/recommendations?status=maybe'), 400, 'invalid_parameter', 'status');
		const other = await postForm(t1.client, `/therapist/recommendations/${id}/publish`, {});
		assert.equal(other.status, 404, other.where);
		const pub = await postForm(t2.client, `/therapist/recommendations/${id}/publish`, {});
		assert.equal(pub.status, 303, pub.where);
		assert.equal(pub.headers.get('location'), '/therapist/recommendations?done=published');
		const profile = await new Client(server.url).get(`/therapists/${t2.profileId}`);
		assert.ok(profile.text.includes('Through the page: calm and very helpful.'));
		assert.match(profile.text, /Robin P\., [A-Z][a-z]+ \d{4}/, 'author and month');
		const dec = await postForm(t2.client, `/therapist/recommendations/${id}/decline`, {});
		assert.equal(dec.status, 303, dec.where);
		const hidden = await new Client(server.url).get(`/therapists/${t2.profileId}`);
		assert.ok(!hidden.text.includes('Through the page: calm and very helpful.'));
	});

	test('a client who is not eligible gets 403 from the page; a therapist without a profile is told to make one', async () => {
		const c = await makeUser(server, { tag: 'rv-pages-no' });
		const res = await postForm(c.client, `/therapists/${t2.profileId}/recommend`, { author_name: 'N', body: TEXT });
		assert.equal(res.status, 403, res.where);
		assert.match(res.text, NOT_ELIGIBLE);
		const noProfile = await makeTherapist(server, { tag: 'rv-pages-noprofile' });
		const mine = await noProfile.client.get('/therapist/recommendations');
		assert.equal(mine.status, 200, mine.where);
		assert.match(mine.text, /You have no directory profile yet/);
	});
});

describe('anonymous callers', () => {
	test('401 on every /me route and on endorsing; public lists answer', async () => {
		const anon = new Client(server.url);
		assertError(await anon.get('/api/v1/me/recommendations'), 401, 'authentication_required');
		assertError(await anon.post('/api/v1/me/recommendations/1/publication'), 401, 'authentication_required');
		assertError(await anon.del('/api/v1/me/recommendations/1/publication'), 401, 'authentication_required');
		assertError(await anon.get('/api/v1/me/referrals'), 401, 'authentication_required');
		assertError(await anon.post('/api/v1/me/referrals', { to_therapist_id: t2.profileId, email: 'x@example.org' }), 401, 'authentication_required');
		assertError(await anon.post(`/api/v1/therapists/${t2.profileId}/endorsement`), 401, 'authentication_required');
		assertError(await anon.del(`/api/v1/therapists/${t2.profileId}/endorsement`), 401, 'authentication_required');
		const page = await anon.get('/therapist/recommendations');
		assert.equal(page.status, 303, page.where);
		assert.match(page.headers.get('location'), /^\/signin/);
		assert.equal((await anon.get(`/api/v1/therapists/${t2.profileId}/endorsements`)).status, 200);
		assert.equal((await anon.get(`/api/v1/therapists/${t2.profileId}/recommendations?limit=1`)).status, 200);
		assertError(await anon.get(`/api/v1/therapists/${t2.profileId}/recommendations?limit=0`), 400, 'invalid_parameter', 'limit');
		assertError(await anon.get(`/api/v1/therapists/${t2.profileId}/recommendations?before=x`), 400, 'invalid_parameter', 'before');
		assertError(await anon.get('/api/v1/therapists/99999999/endorsements'), 404, 'not_found', 'id');
	});

	test('a hidden profile\'s lists are 404', async () => {
		const t = await therapistWithProfile('Hidden Person', { verified: true });
		const res = await admin.client.post(`/api/v1/admin/therapists/${t.profileId}/hidden`, {});
		assert.equal(res.status, 200, res.where);
		assertError(await publicList(t.profileId), 404, 'not_found', 'id');
		assertError(await new Client(server.url).get(`/api/v1/therapists/${t.profileId}/endorsements`), 404, 'not_found', 'id');
		assertError(await t1.client.post(`/api/v1/therapists/${t.profileId}/endorsement`), 404, 'not_found', 'id');
		/* A hidden endorser does not count, and cannot refer. */
		assert.equal((await t.client.post(`/api/v1/therapists/${t1.profileId}/endorsement`)).status, 403);
		assertError(await t.client.post('/api/v1/me/referrals', { to_therapist_id: t1.profileId, email: uniqueEmail('rv-hidden') }), 403, 'profile_hidden');
	});
});

describe('referral limits at their real size', () => {
	let limited;
	after(async () => {
		if (limited)
			await limited.stop();
	});

	test('20 referrals a day per therapist, 3 a day to one address: then 429 with Retry-After', async () => {
		limited = await startAccountServer({ env: { IMAGO_RATE_LIMIT_SCALE: '1' } });
		const make = async (name) => {
			const t = await makeTherapist(limited, { tag: 'rv-limit' });
			const res = await t.client.post('/api/v1/therapists', profileBody(name));
			assert.equal(res.status, 201, res.where);
			t.profileId = res.json.id;
			return t;
		};
		const a = await make('Lim One');
		const b = await make('Lim Two');
		const target = b.profileId;
		for (let i = 0; i < 20; i++) {
			const res = await a.client.post('/api/v1/me/referrals', { to_therapist_id: target, email: uniqueEmail(`rv-lim-${i}`) });
			assert.equal(res.status, 201, `referral ${i + 1}: ${res.where}`);
		}
		const over = await a.client.post('/api/v1/me/referrals', { to_therapist_id: target, email: uniqueEmail('rv-lim-over') });
		assertError(over, 429, 'rate_limited');
		assert.ok(Number(over.headers.get('retry-after')) > 0);

		const same = uniqueEmail('rv-lim-same');
		for (let i = 0; i < 3; i++) {
			const res = await b.client.post('/api/v1/me/referrals', { to_therapist_id: a.profileId, email: same });
			assert.equal(res.status, 201, `to one address ${i + 1}: ${res.where}`);
		}
		assertError(await b.client.post('/api/v1/me/referrals', { to_therapist_id: a.profileId, email: same }), 429, 'rate_limited');
		const mails = () => mailTo(limited.maildir, same).length;
		await waitForMail(limited.maildir, same, 3);
		assert.equal(mails(), 3);
		assert.equal(sqliteJson(limited.dbPath, `SELECT count(*) AS n FROM referrals WHERE from_therapist_id = ${a.profileId}`)[0].n, 20);
	});
});
