/*
 * The access-control matrix: every route the server has (from `imago
 * routes`) and every method on it, requested by each kind of caller,
 * with the status each must get:
 *
 *   anonymous   no cookie, no token
 *   client      signed in, two-step sign-in off (clients may leave it off)
 *   therapist   signed in with a one-time code, owns profile P1
 *   other       another therapist, signed in with a code, owns P2
 *   admin       signed in with a code
 *
 * {id} in a path is P1 for profiles, and for sessions, tokens and users
 * an id that belongs to the therapist (or to a throwaway user), so that
 * "other" and everyone else ask for someone else's resource (404). Bodies
 * are valid where they can be, so the status says who may do what, not
 * what was wrong with the request; where a route answers everyone the
 * same (a public form with a bogus token), the row says so.
 *
 * The first test fails when `imago routes` lists a route or method that
 * has no row here, or the table has a row for a route that is gone: a
 * new route must come with its expected access.
 *
 * Rows run in order, and within a row the owner (therapist) goes last,
 * so a request that deletes or revokes something does so after everyone
 * else was refused. Requests that sign out or delete an account run on
 * throwaway sessions or throwaway users of the same kind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { runImago, sqliteJson } from '../lib/server.mjs';
import {
	Client, PASSWORD, cliAddUser, makeUser, profileBody, signIn, startAccountServer, uniqueEmail,
} from '../lib/accounts.mjs';

const ACTORS = ['anonymous', 'client', 'therapist', 'other', 'admin'];
/* The owner of the row's resource answers last. */
const RUN_ORDER = ['anonymous', 'client', 'other', 'admin', 'therapist'];
const SIGNED_IN = ['client', 'therapist', 'other', 'admin'];

/* ---- expectations ---------------------------------------------------------- */

const each = (anonymous, client, therapist, other, admin) => ({ anonymous, client, therapist, other, admin });
const everyone = (s) => each(s, s, s, s, s);
/* Any signed-in caller; anonymous 401 (API) or a redirect to sign in (page GET). */
const signedIn = (s, anon = 401) => each(anon, s, s, s, s);
/* Admins only: others signed in get 404, so the area cannot be probed. */
const adminOnly = (s, anon = 401) => each(anon, 404, 404, 404, s);
/* A redirect to the sign-in page: the anonymous answer to a protected page. */
const TO_SIGNIN = '303 /signin';

/* ---- the table ---------------------------------------------------------------- */

/*
 * row(method, pattern, expect, options): options
 *   path(ctx, who)   the path to request (default: {id} -> P1, {name} -> a file)
 *   body(ctx, who)   a JSON value (API) or an object of form fields (pages)
 *   prepare(ctx)     runs once before the row (makes the resource it needs)
 *   fresh            'session': each signed-in caller uses a new session of
 *                    its own user; 'user': a new user of the same kind
 *   after(ctx, who, res)  sees each answer (to keep what it returned)
 */
const row = (method, pattern, expect, opts = {}) => ({ method, pattern, expect, ...opts });

const STATIC = { '/static/{name}': 'style.css', '/static/leaflet/{name}': 'leaflet.js', '/static/leaflet/images/{name}': 'marker-icon.png' };
const BOGUS = 'x'.repeat(43);

/* Recommendations, endorsements, referrals: a valid recommendation, a
 * pending one of P1 written straight to the database (with the
 * appointment it needs), and P2 verified by the admin. */
const REVIEW_TEXT = { author_name: 'Matrix M.', body: 'Calm, clear and kind: it helped us a lot.' };
async function seedRecommendation(ctx) {
	const { sqliteExec } = await import('../lib/accounts.mjs');
	const now = Math.floor(Date.now() / 1000);
	const ref = `mx-rec-${process.pid}-${now}-${Math.random().toString(36).slice(2)}`;
	sqliteExec(ctx.server.dbPath, 'INSERT INTO appointments (ref, therapist_id, kind, type_name, mode,' +
	    ' starts_at, ends_at, status, name, email, timezone, created_at) VALUES' +
	    ` ('${ref}', ${ctx.P1}, 'consultation', 'Consultation', 'video', ${now - 7200}, ${now - 3600},` +
	    ` 'booked', 'Matrix Client', 'mx-rec@example.org', 'UTC', ${now - 86400});` +
	    'INSERT INTO recommendations (therapist_id, appointment_id, author_name, body, status, created_at)' +
	    ` VALUES (${ctx.P1}, last_insert_rowid(), 'Matrix M.', 'Seeded for the access matrix.', 'pending', ${now});`);
	ctx.id = sqliteJson(ctx.server.dbPath, 'SELECT max(id) AS id FROM recommendations')[0].id;
}
async function verifyP2(ctx) {
	const res = await ctx.actors.admin.client.post(`/api/v1/admin/therapists/${ctx.P2}/verification`, {});
	assert.equal(res.status, 200, res.where);
}

/* Contact relay: a message delivered to P1's inbox (sent and confirmed
 * through the API), for the rows about one message. */
const CONTACT_TEXT = { name: 'Matrix Sender', message: 'Hello from the access matrix.' };
async function contactMessage(ctx) {
	const { linkToken, waitForMail } = await import('../lib/accounts.mjs');
	const email = uniqueEmail('mx-contact');
	const anon = new Client(ctx.server.url);
	let res = await anon.post(`/api/v1/therapists/${ctx.P1}/messages`, { ...CONTACT_TEXT, email });
	assert.equal(res.status, 202, res.where);
	res = await anon.post('/api/v1/contact/confirm', { token: linkToken(await waitForMail(ctx.server.maildir, email)) });
	assert.equal(res.status, 200, res.where);
	ctx.id = sqliteJson(ctx.server.dbPath, `SELECT id FROM contact_messages WHERE email = '${email}'`)[0].id;
}

/* Booking: P1 and P2 take bookings (Berlin, every day 09:00-17:00); the
 * free times of P1's trial type are handed out one per booking; an
 * appointment a throwaway client booked with P1 serves the rows about
 * one appointment, and a spare type of P1 the rows about one type. */
const BOOKING_HOURS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => `${d} 09:00-17:00`);
async function bookingOffered(ctx) {
	for (const [who, id] of [['therapist', ctx.P1], ['other', ctx.P2]]) {
		const c = ctx.actors[who].client;
		let res = await c.patch(`/api/v1/therapists/${id}`, { accepting_new_clients: true });
		assert.equal(res.status, 200, res.where);
		res = await c.call('PUT', '/api/v1/me/availability', { json: { timezone: 'Europe/Berlin', buffer_minutes: 10,
		    min_notice_minutes: 0, max_days_ahead: 60, cancel_window_hours: 0, hours: BOOKING_HOURS } });
		assert.equal(res.status, 200, res.where);
	}
	if (ctx.bookingType === undefined) {
		const res = await ctx.actors.therapist.client.post('/api/v1/me/appointment-types',
		    { kind: 'trial', name: 'Matrix session', minutes: 50, fee: 0, mode: 'video' });
		assert.equal(res.status, 201, res.where);
		ctx.bookingType = res.json.type.id;
		/* From three hours ahead: a time handed out must not pass before it is used. */
		const slots = await new Client(ctx.server.url).get(`/api/v1/therapists/${ctx.P1}/slots?type=${ctx.bookingType}&days=60`);
		assert.equal(slots.status, 200, slots.where);
		ctx.bookingSlots = slots.json.slots.map((x) => x.start).filter((x) => Date.parse(x) > Date.now() + 3 * 3600e3);
	}
}
function bookingSlot(ctx) {
	assert.ok(ctx.bookingSlots.length > 0, 'free times left for the matrix');
	return ctx.bookingSlots.shift();
}
async function bookingWithP1(ctx) {
	await bookingOffered(ctx);
	const booker = await makeUser(ctx.server, { tag: 'mx-booker' });
	const res = await booker.client.post(`/api/v1/therapists/${ctx.P1}/bookings`, { type: ctx.bookingType, start: bookingSlot(ctx), name: 'Matrix Booker' });
	assert.equal(res.status, 201, res.where);
	ctx.ref = res.json.appointment.ref;
	ctx.moveTo = bookingSlot(ctx);
}
async function bookingTypeOfP1(ctx) {
	const res = await ctx.actors.therapist.client.post('/api/v1/me/appointment-types',
	    { kind: 'consultation', name: 'Matrix spare type', minutes: 15, fee: 0, mode: 'video', active: false });
	assert.equal(res.status, 201, res.where);
	ctx.id = res.json.type.id;
}
const bookingBody = (ctx, who) => ({ type: ctx.bookingType, start: bookingSlot(ctx), name: `Matrix ${who}`,
    ...(who === 'anonymous' ? { email: uniqueEmail('mx-book') } : {}) });

/* Couples: an open invitation from every signed-in actor, for the rows
 * that withdraw one. */
/* A private journal entry of the therapist (the workspace page rows). */
async function workspaceItem(ctx) {
	const res = await ctx.actors.therapist.client.post('/api/v1/me/items', { kind: 'journal', fields: { title: 'Matrix entry', body: 'private' } });
	assert.equal(res.status, 201, res.where);
	ctx.id = (res.json.item ?? res.json).id;
}

async function coupleInvitations(ctx) {
	for (const who of SIGNED_IN) {
		const res = await ctx.actors[who].client.post('/api/v1/me/couple/invitations', { email: uniqueEmail('mx-partner') });
		assert.equal(res.status, 201, res.where);
	}
}

const API_ROWS = [
	/* The directory and the server. */
	row('GET', '/', everyone(200)),
	row('GET', '/therapists', everyone(200)),
	row('GET', '/therapists/{id}', everyone(200)),
	row('GET', '/static/{name}', everyone(200)),
	row('GET', '/static/leaflet/{name}', everyone(200)),
	row('GET', '/static/leaflet/images/{name}', everyone(200)),
	row('GET', '/healthz', everyone(200)),
	row('GET', '/api/v1/therapists', everyone(200)),
	row('GET', '/api/v1/therapists/{id}', everyone(200)),
	row('GET', '/api/v1/places', everyone(200), { path: () => '/api/v1/places?q=Aus' }),

	/* Accounts: public forms answer everyone alike. */
	row('POST', '/api/v1/accounts', everyone(202), { body: () => ({ email: uniqueEmail('matrix-signup'), password: PASSWORD }) }),
	row('POST', '/api/v1/accounts/verify', everyone(400), { body: () => ({ token: BOGUS }) }),
	row('POST', '/api/v1/session', everyone(200), { body: (ctx) => ({ email: ctx.spare.email, password: PASSWORD }) }),
	/* Only a session waiting for its code may send one: none of these is. */
	row('POST', '/api/v1/session/code', everyone(401), { body: () => ({ code: '123456' }) }),
	row('DELETE', '/api/v1/session', signedIn(204), { fresh: 'session' }),
	row('GET', '/api/v1/sessions', signedIn(200)),
	row('DELETE', '/api/v1/sessions', signedIn(204), { fresh: 'user' }),
	row('DELETE', '/api/v1/sessions/{id}', each(401, 404, 204, 404, 404), {
		prepare: async (ctx) => { ctx.id = await ctx.throwawaySessionId(); },
	}),
	row('POST', '/api/v1/password-resets', everyone(202), { body: () => ({ email: uniqueEmail('matrix-reset') }) }),
	row('POST', '/api/v1/password-resets/confirm', everyone(400), { body: () => ({ token: BOGUS, password: PASSWORD }) }),
	row('GET', '/api/v1/me', signedIn(200)),
	row('PATCH', '/api/v1/me', signedIn(200), { body: (ctx, who) => ({ display_name: `Matrix ${who}` }) }),
	/* The same password again: a change that leaves the actor usable. */
	row('POST', '/api/v1/me/password', signedIn(200), { body: () => ({ current_password: PASSWORD, new_password: PASSWORD }) }),
	row('POST', '/api/v1/me/email', signedIn(202), { body: () => ({ current_password: PASSWORD, email: uniqueEmail('matrix-newmail') }) }),
	row('POST', '/api/v1/me/email/confirm', everyone(400), { body: () => ({ token: BOGUS }) }),
	/* Begin: clients get a secret; the others have two-step sign-in on already. */
	row('POST', '/api/v1/me/two-step', each(401, 200, 409, 409, 409), { body: () => ({}) }),
	/* Off: clients may (it is not on: nothing to do); therapists and admins may not. */
	row('DELETE', '/api/v1/me/two-step', each(401, 204, 403, 403, 403), { body: () => ({ password: PASSWORD }) }),
	/* A code that cannot be right: the client has no pending secret now
	 * (turning off forgot it), the others have an enabled one. */
	row('POST', '/api/v1/me/two-step/enable', each(401, 409, 409, 409, 409), { body: () => ({ code: '123456' }) }),
	row('POST', '/api/v1/me/recovery-codes', each(401, 409, 200, 200, 200), {
		body: () => ({ password: PASSWORD }),
		after: (ctx, who, res) => { if (res.status === 200) ctx.actors[who].recoveryCodes = res.json.recovery_codes; },
	}),
	row('GET', '/api/v1/me/export', signedIn(200)),
	row('DELETE', '/api/v1/me', signedIn(204), { fresh: 'user', body: () => ({ password: PASSWORD }) }),
	row('GET', '/api/v1/tokens', signedIn(200)),
	row('POST', '/api/v1/tokens', signedIn(201), { body: (ctx, who) => ({ name: `matrix ${who}` }) }),
	row('DELETE', '/api/v1/tokens/{id}', each(401, 404, 204, 404, 404), {
		prepare: async (ctx) => {
			const res = await ctx.actors.therapist.client.post('/api/v1/tokens', { name: 'matrix victim' });
			assert.equal(res.status, 201, res.where);
			ctx.id = res.json.id;
		},
	}),

	/* Therapists' profiles. */
	row('GET', '/api/v1/me/therapist', each(401, 403, 200, 200, 404)),
	/* One profile per account; admins are not therapists. */
	row('POST', '/api/v1/therapists', each(401, 403, 409, 409, 403), { body: () => profileBody('Matrix Newprofile') }),
	row('PATCH', '/api/v1/therapists/{id}', each(401, 404, 200, 404, 200), { body: (ctx, who) => ({ approach: `edited by ${who}` }) }),
	/* Claiming P3 (imported, unowned): those with a profile already get 409. */
	row('POST', '/api/v1/therapists/{id}/claim', each(401, 403, 409, 409, 403), { path: (ctx) => `/api/v1/therapists/${ctx.P3}/claim`, body: () => ({}) }),
	row('POST', '/api/v1/claims/confirm', each(401, 403, 400, 400, 403), { body: () => ({ token: BOGUS }) }),

	/* Admins. */
	row('GET', '/api/v1/admin/verifications', adminOnly(200)),
	row('POST', '/api/v1/admin/therapists/{id}/verification', adminOnly(200), { body: () => ({}) }),
	row('DELETE', '/api/v1/admin/therapists/{id}/verification', adminOnly(200)),
	row('POST', '/api/v1/admin/therapists/{id}/hidden', adminOnly(200), { body: () => ({}) }),
	row('DELETE', '/api/v1/admin/therapists/{id}/hidden', adminOnly(200)),
	row('GET', '/api/v1/admin/users', adminOnly(200)),
	row('POST', '/api/v1/admin/users/{id}/suspension', adminOnly(200), {
		prepare: (ctx) => { ctx.id = ctx.spare.id; }, body: () => ({}),
	}),
	row('DELETE', '/api/v1/admin/users/{id}/suspension', adminOnly(200), { prepare: (ctx) => { ctx.id = ctx.spare.id; } }),
	row('GET', '/api/v1/admin/audit', adminOnly(200)),

	/* Recommendations, endorsements, referrals. Nobody here has had an
	 * appointment, so recommending is refused to all alike; P2 is
	 * verified so that its owner ("other") may endorse P1, while P1's
	 * owner may not endorse itself. Admins have no profile. */
	row('GET', '/api/v1/therapists/{id}/recommendations', everyone(200)),
	row('POST', '/api/v1/therapists/{id}/recommendations', each(401, 403, 403, 403, 403), { body: () => REVIEW_TEXT }),
	row('GET', '/api/v1/me/recommendations', each(401, 403, 200, 200, 404)),
	row('POST', '/api/v1/me/recommendations/{id}/publication', each(401, 403, 200, 404, 404), { prepare: seedRecommendation }),
	row('DELETE', '/api/v1/me/recommendations/{id}/publication', each(401, 403, 200, 404, 404), { prepare: seedRecommendation }),
	row('POST', '/api/v1/therapists/{id}/endorsement', each(401, 403, 422, 201, 403), { prepare: verifyP2 }),
	row('DELETE', '/api/v1/therapists/{id}/endorsement', each(401, 403, 200, 200, 403)),
	row('GET', '/api/v1/therapists/{id}/endorsements', everyone(200)),
	row('GET', '/api/v1/me/referrals', each(401, 403, 200, 200, 404)),
	row('POST', '/api/v1/me/referrals', each(401, 403, 201, 201, 403), {
		body: (ctx, who) => ({ to_therapist_id: who === 'therapist' ? ctx.P2 : ctx.P1, email: uniqueEmail('matrix-referred') }),
	}),

	/* Contact relay: anyone writes to a listed profile; only the owner
	 * of P1 reads, answers and sorts its messages (admins have no
	 * profile: an empty inbox, and someone else's message is a 404). */
	row('POST', '/api/v1/therapists/{id}/messages', everyone(202), { body: () => ({ ...CONTACT_TEXT, email: uniqueEmail('mx-contact-api') }) }),
	row('POST', '/api/v1/contact/confirm', everyone(404), { body: () => ({ token: BOGUS }) }),
	row('GET', '/api/v1/me/messages', each(401, 403, 200, 200, 200)),
	row('GET', '/api/v1/me/messages/{id}', each(401, 403, 200, 404, 404), { prepare: contactMessage }),
	row('POST', '/api/v1/me/messages/{id}/reply', each(401, 403, 200, 404, 404), { prepare: contactMessage, body: () => ({ message: 'Thank you for writing.' }) }),
	row('POST', '/api/v1/me/messages/{id}/spam', each(401, 403, 200, 404, 404), { prepare: contactMessage, body: () => ({}) }),
	row('DELETE', '/api/v1/me/messages/{id}/spam', each(401, 403, 200, 404, 404), { prepare: contactMessage }),
	/* Booking. Public: what P1 offers, its free times, a booking (a guest
	 * is held until the mailed link is opened: 202; anyone signed in is
	 * booked: 201), and the emailed links (bogus here: 404 to all). The
	 * parties' own: an appointment with P1 is its therapist's to change,
	 * nobody else's to see (404). A therapist's own availability, types
	 * and feed (admins pass the role check but have no profile: 404). */
	row('GET', '/api/v1/therapists/{id}/availability', everyone(200), { prepare: bookingOffered }),
	row('GET', '/api/v1/therapists/{id}/slots', everyone(200), { prepare: bookingOffered, path: (ctx) => `/api/v1/therapists/${ctx.P1}/slots?type=${ctx.bookingType}` }),
	row('POST', '/api/v1/therapists/{id}/bookings', each(202, 201, 201, 201, 201), { prepare: bookingOffered, body: bookingBody }),
	row('POST', '/api/v1/bookings/confirm', everyone(404), { body: () => ({ token: BOGUS }) }),
	row('POST', '/api/v1/appointments/manage', everyone(404), { body: () => ({ token: BOGUS }) }),
	row('POST', '/api/v1/appointments/manage/cancel', everyone(404), { body: () => ({ token: BOGUS }) }),
	row('POST', '/api/v1/appointments/manage/reschedule', everyone(404), { prepare: bookingOffered, body: (ctx) => ({ token: BOGUS, start: ctx.bookingSlots[0] }) }),
	row('GET', '/api/v1/me/appointments', signedIn(200)),
	row('POST', '/api/v1/me/appointments/{ref}/cancel', each(401, 404, 200, 404, 404), { prepare: bookingWithP1, path: (ctx) => `/api/v1/me/appointments/${ctx.ref}/cancel` }),
	row('POST', '/api/v1/me/appointments/{ref}/reschedule', each(401, 404, 200, 404, 404), {
		prepare: bookingWithP1, path: (ctx) => `/api/v1/me/appointments/${ctx.ref}/reschedule`, body: (ctx) => ({ start: ctx.moveTo }),
	}),
	row('GET', '/api/v1/me/availability', each(401, 403, 200, 200, 404)),
	row('PUT', '/api/v1/me/availability', each(401, 403, 200, 200, 404), { prepare: bookingOffered, body: () => ({ buffer_minutes: 10 }) }),
	row('POST', '/api/v1/me/appointment-types', each(401, 403, 201, 201, 404), {
		body: (ctx, who) => ({ kind: 'trial', name: `Matrix type ${who}`, minutes: 30, fee: 0, mode: 'video', active: false }),
	}),
	row('PATCH', '/api/v1/me/appointment-types/{id}', each(401, 403, 200, 404, 404), { prepare: bookingTypeOfP1, body: (ctx, who) => ({ name: `Renamed by ${who}` }) }),
	row('DELETE', '/api/v1/me/appointment-types/{id}', each(401, 403, 200, 404, 404), { prepare: bookingTypeOfP1 }),
	row('POST', '/api/v1/me/calendar-feed', each(401, 403, 201, 201, 404), { prepare: bookingOffered, body: () => ({}) }),
	row('DELETE', '/api/v1/me/calendar-feed', each(401, 403, 200, 200, 404), { prepare: bookingOffered }),
	/* A feed is open to whoever has its address. */
	row('GET', '/calendar/{name}', everyone(200), {
		prepare: async (ctx) => {
			await bookingOffered(ctx);
			const res = await ctx.actors.therapist.client.post('/api/v1/me/calendar-feed', {});
			assert.equal(res.status, 201, res.where);
			ctx.feedPath = new URL(res.json.url, ctx.server.url).pathname;
		},
		path: (ctx) => ctx.feedPath,
	}),
	/* Couples: anyone signed in, each about their own couple. The actors
	 * are in none (leaving is a 404); links here are bogus. */
	row('GET', '/api/v1/me/couple', signedIn(200)),
	row('DELETE', '/api/v1/me/couple', signedIn(404)),
	row('POST', '/api/v1/me/couple/invitations', signedIn(201), { body: () => ({ email: uniqueEmail('mx-partner') }) }),
	row('DELETE', '/api/v1/me/couple/invitations', signedIn(200), { prepare: coupleInvitations }),
	row('POST', '/api/v1/couple/accept', signedIn(404), { body: () => ({ token: BOGUS }) }),
	/* Dialogue: the actors are in no couple, so starting one is 404
	 * not_in_couple and {id} (P1's number) names no dialogue of theirs. */
	row('GET', '/api/v1/me/dialogues', signedIn(200)),
	row('POST', '/api/v1/me/dialogues', signedIn(404), { body: () => ({ topic: 'Matrix topic' }) }),
	row('GET', '/api/v1/dialogues/{id}', signedIn(404)),
	row('POST', '/api/v1/dialogues/{id}/actions', signedIn(404), { body: () => ({ version: 1, action: 'accept' }) }),
	row('GET', '/api/v1/dialogues/{id}/events', signedIn(404)),
	row('POST', '/api/v1/dialogues/{id}/record', signedIn(404), { body: () => ({ notes: '' }) }),
	/* Workspace: {id} is a journal entry of the therapist's, 404 to
	 * everyone else; the actors are in no couple (safety answers and
	 * merging are 404 not_in_couple). The owner's own response is 422. */
	row('GET', '/api/v1/workspace/kinds', everyone(200)),
	row('GET', '/api/v1/me/items', signedIn(200)),
	row('POST', '/api/v1/me/items', signedIn(201), { body: () => ({ kind: 'journal', fields: { title: 'Matrix', body: 'entry' } }) }),
	row('GET', '/api/v1/me/items/{id}', each(401, 404, 200, 404, 404), { prepare: workspaceItem }),
	row('PUT', '/api/v1/me/items/{id}', each(401, 404, 200, 404, 404), {
		prepare: workspaceItem, body: () => ({ version: 1, fields: { title: 'Matrix', body: 'changed' } }),
	}),
	row('DELETE', '/api/v1/me/items/{id}', each(401, 404, 200, 404, 404), { prepare: workspaceItem }),
	row('POST', '/api/v1/me/items/{id}/share', each(401, 404, 200, 404, 404), { prepare: workspaceItem, body: () => ({ partner: false }) }),
	row('POST', '/api/v1/me/items/{id}/response', each(401, 404, 422, 404, 404), { prepare: workspaceItem, body: () => ({ response: { mirror: 'x' } }) }),
	row('POST', '/api/v1/me/couple/vision/merge', signedIn(404)),
	row('GET', '/api/v1/me/safety', signedIn(200)),
	row('POST', '/api/v1/me/safety', signedIn(404), {
		body: () => ({ afraid: false, hurt: false, controlled: false, speak_freely: true, want_joint: true }),
	}),
	row('GET', '/api/v1/me/share-targets', signedIn(200)),
	row('GET', '/api/v1/therapist/shared', each(401, 403, 200, 200, 200)),
	row('GET', '/api/v1/therapist/shared/{id}', each(401, 403, 404, 404, 404), { prepare: workspaceItem }),
];

/* HTML pages: forms are posted with the csrf field of the caller's
 * session (or, anonymous, of its pre-session cookie from a page it saw). */
const page = (method, pattern, expect, opts = {}) => row(method, pattern, expect, { ...opts, page: true });
const bogusLink = (pattern) => () => `${pattern}?token=${BOGUS}`;
/* A protected page: anonymous GETs are sent to sign in, POSTs refused. */
const PAGE_ROWS = [
	/* Public forms. */
	page('GET', '/signup', everyone(200)),
	page('POST', '/signup', everyone('303 /signup?done=sent'), { body: () => ({ email: uniqueEmail('mx-page-signup'), password: PASSWORD }) }),
	page('GET', '/verify', everyone(200), { path: bogusLink('/verify') }),
	page('POST', '/verify', everyone(400), { body: () => ({ token: BOGUS }) }),
	/* Someone signed in is sent on to their account. */
	page('GET', '/signin', each(200, '303 /account', '303 /account', '303 /account', '303 /account')),
	page('POST', '/signin', everyone('303 /account'), { body: (ctx) => ({ email: ctx.spare.email, password: PASSWORD }) }),
	/* Only for a session waiting for its code: none of these is. */
	page('GET', '/signin/code', everyone(TO_SIGNIN)),
	page('POST', '/signin/code', everyone(401), { body: () => ({ code: '123456' }) }),
	page('POST', '/signout', signedIn('303 /'), { fresh: 'session' }),
	page('GET', '/reset', everyone(200)),
	page('POST', '/reset', everyone('303 /reset?done=sent'), { body: () => ({ email: uniqueEmail('mx-page-reset') }) }),
	page('GET', '/reset/confirm', everyone(200), { path: bogusLink('/reset/confirm') }),
	page('POST', '/reset/confirm', everyone(400), { body: () => ({ token: BOGUS, password: PASSWORD }) }),

	/* The account. */
	page('GET', '/account', signedIn(200, TO_SIGNIN)),
	page('POST', '/account/name', signedIn('303 /account?done=name'), { body: (ctx, who) => ({ display_name: `Page ${who}` }) }),
	page('POST', '/account/password', signedIn('303 /account?done=password'), { body: () => ({ current_password: PASSWORD, new_password: PASSWORD }) }),
	page('POST', '/account/email', signedIn('303 /account?done=email'), { body: () => ({ current_password: PASSWORD, email: uniqueEmail('mx-page-newmail') }) }),
	page('GET', '/account/email/confirm', everyone(200), { path: bogusLink('/account/email/confirm') }),
	page('POST', '/account/email/confirm', everyone(400), { body: () => ({ token: BOGUS }) }),
	page('POST', '/account/sessions/{id}/revoke', each(401, 404, '303 /account', 404, 404), {
		prepare: async (ctx) => { ctx.id = await ctx.throwawaySessionId(); },
	}),
	page('POST', '/account/sessions/signout-all', signedIn('303 /signin?done=everywhere'), { fresh: 'user' }),
	/* The new token is shown on the answer itself, not after a redirect. */
	page('POST', '/account/tokens', signedIn(201), { body: (ctx, who) => ({ name: `page ${who}` }) }),
	page('POST', '/account/tokens/{id}/revoke', each(401, 404, '303 /account', 404, 404), {
		prepare: async (ctx) => {
			const res = await ctx.actors.therapist.client.post('/api/v1/tokens', { name: 'page victim' });
			assert.equal(res.status, 201, res.where);
			ctx.id = res.json.id;
		},
	}),
	page('GET', '/account/export', signedIn(200, TO_SIGNIN)),
	page('POST', '/account/delete', signedIn(200), { fresh: 'user', body: () => ({ password: PASSWORD, confirm: 'on' }) }),
	page('GET', '/account/two-step', signedIn(200, TO_SIGNIN)),
	/* A code that cannot be right: the client has a new pending secret (the
	 * GET above made one), the others have two-step sign-in on already. */
	page('POST', '/account/two-step', each(401, 400, 409, 409, 409), { body: () => ({ code: '123456' }) }),
	page('POST', '/account/two-step/disable', each(401, '303 /account', 403, 403, 403), { body: () => ({ password: PASSWORD }) }),
	page('POST', '/account/recovery-codes', each(401, 409, 200, 200, 200), {
		body: () => ({ password: PASSWORD }),
		after: (ctx, who, res) => {
			if (res.status === 200)
				ctx.actors[who].recoveryCodes = [...res.text.matchAll(/<code>([a-z0-9]{5}-[a-z0-9]{5})<\/code>/g)].map((m) => m[1]);
		},
	}),

	/* The therapist's own profile. */
	page('GET', '/account/profile', each(TO_SIGNIN, 403, 200, 200, 200)),
	page('POST', '/account/profile', each(401, 403, '303 /account/profile?saved=1', '303 /account/profile?saved=1', 403), {
		body: (ctx, who) => ({ name: who === 'other' ? 'Otto Other' : 'Petra Primary', bio: `Saved by ${who} on the page.` }),
	}),
	page('POST', '/account/profile/claim', each(401, 403, 409, 409, 403), { body: (ctx) => ({ therapist_id: String(ctx.P3) }) }),
	page('GET', '/account/claim', each(TO_SIGNIN, 403, 200, 200, 200), { path: bogusLink('/account/claim') }),
	page('POST', '/account/claim', each(401, 403, 400, 400, 403), { body: () => ({ token: BOGUS }) }),

	/* Admin pages: anyone else signed in finds nothing there. */
	page('GET', '/admin', adminOnly(200, TO_SIGNIN)),
	page('GET', '/admin/verifications', adminOnly(200, TO_SIGNIN)),
	page('GET', '/admin/therapists/{id}', adminOnly(200, TO_SIGNIN)),
	page('POST', '/admin/therapists/{id}/verify', adminOnly('303 /admin')),
	page('POST', '/admin/therapists/{id}/unverify', adminOnly('303 /admin')),
	page('POST', '/admin/therapists/{id}/hide', adminOnly('303 /admin')),
	page('POST', '/admin/therapists/{id}/unhide', adminOnly('303 /admin')),
	page('GET', '/admin/users', adminOnly(200, TO_SIGNIN)),
	page('POST', '/admin/users/{id}/suspend', adminOnly('303 /admin'), { prepare: (ctx) => { ctx.id = ctx.spare.id; } }),
	page('POST', '/admin/users/{id}/unsuspend', adminOnly('303 /admin'), { prepare: (ctx) => { ctx.id = ctx.spare.id; } }),
	page('GET', '/admin/audit', adminOnly(200, TO_SIGNIN)),

	/* Recommendations, endorsements, referrals (see the API rows). */
	page('POST', '/therapists/{id}/recommend', each(401, 403, 403, 403, 403), { body: () => REVIEW_TEXT }),
	page('GET', '/recommend', everyone(400), { path: bogusLink('/recommend') }),
	page('POST', '/recommend', everyone(400), { body: () => ({ token: BOGUS, ...REVIEW_TEXT }) }),
	page('POST', '/therapists/{id}/endorse', each(401, 403, 422, '303 /therapists/', 403), { prepare: verifyP2 }),
	page('POST', '/therapists/{id}/unendorse', each(401, 403, '303 /therapists/', '303 /therapists/', 403)),
	page('GET', '/therapist/recommendations', each(TO_SIGNIN, 403, 200, 200, 200)),
	page('POST', '/therapist/recommendations/{id}/publish', each(401, 403, '303 /therapist/recommendations', 404, 404), { prepare: seedRecommendation }),
	page('POST', '/therapist/recommendations/{id}/decline', each(401, 403, '303 /therapist/recommendations', 404, 404), { prepare: seedRecommendation }),
	page('GET', '/therapist/referrals', each(TO_SIGNIN, 403, 200, 200, 200)),
	page('POST', '/therapist/referrals', each(401, 403, '303 /therapist/referrals', '303 /therapist/referrals', 403), {
		body: (ctx, who) => ({ email: uniqueEmail('mx-page-referred'), therapist: String(who === 'therapist' ? ctx.P2 : ctx.P1), note: '' }),
	}),

	/* Contact relay (see the API rows). */
	page('GET', '/therapists/{id}/message', everyone(200)),
	page('POST', '/therapists/{id}/message', everyone('303 /therapists/'), { body: () => ({ ...CONTACT_TEXT, email: uniqueEmail('mx-contact-page') }) }),
	page('GET', '/contact/confirm', everyone(200), { path: bogusLink('/contact/confirm') }),
	page('POST', '/contact/confirm', everyone(404), { body: () => ({ token: BOGUS }) }),
	page('GET', '/therapist/messages', each(TO_SIGNIN, 403, 200, 200, 200)),
	page('GET', '/therapist/messages/{id}', each(TO_SIGNIN, 403, 200, 404, 404), { prepare: contactMessage }),
	page('POST', '/therapist/messages/{id}/reply', each(401, 403, '303 /therapist/messages/', 404, 404), { prepare: contactMessage, body: () => ({ message: 'Thank you for writing.' }) }),
	page('POST', '/therapist/messages/{id}/spam', each(401, 403, '303 /therapist/messages?done=spam', 404, 404), { prepare: contactMessage }),
	page('POST', '/therapist/messages/{id}/not-spam', each(401, 403, '303 /therapist/messages/', 404, 404), { prepare: contactMessage }),
	/* Booking (see the API rows). A guest's booking asks them to check
	 * their email (200); anyone signed in is booked and sent to it. */
	page('GET', '/therapists/{id}/book', everyone(200), { prepare: bookingOffered }),
	page('POST', '/therapists/{id}/book', each(200, '303 /appointments/', '303 /appointments/', '303 /appointments/', '303 /appointments/'), {
		prepare: bookingOffered, body: (ctx, who) => ({ ...bookingBody(ctx, who), type: String(ctx.bookingType), tz: 'Europe/Berlin' }),
	}),
	page('GET', '/appointments/confirm', everyone(200), { path: bogusLink('/appointments/confirm') }),
	page('POST', '/appointments/confirm', everyone(404), { body: () => ({ token: BOGUS }) }),
	page('GET', '/appointments/manage', everyone(404), { path: bogusLink('/appointments/manage') }),
	page('POST', '/appointments/manage/cancel', everyone(404), { body: () => ({ token: BOGUS }) }),
	page('POST', '/appointments/manage/move', everyone(404), { prepare: bookingOffered, body: (ctx) => ({ token: BOGUS, start: ctx.bookingSlots[0] }) }),
	page('GET', '/account/appointments', signedIn(200, TO_SIGNIN)),
	page('GET', '/therapist/appointments', each(TO_SIGNIN, 403, 200, 200, 200)),
	page('GET', '/appointments/{ref}', each(TO_SIGNIN, 404, 200, 404, 404), { prepare: bookingWithP1, path: (ctx) => `/appointments/${ctx.ref}` }),
	page('POST', '/appointments/{ref}/cancel', each(401, 404, '303 /appointments/', 404, 404), { prepare: bookingWithP1, path: (ctx) => `/appointments/${ctx.ref}/cancel` }),
	page('POST', '/appointments/{ref}/move', each(401, 404, '303 /appointments/', 404, 404), {
		prepare: bookingWithP1, path: (ctx) => `/appointments/${ctx.ref}/move`, body: (ctx) => ({ start: ctx.moveTo }),
	}),
	page('GET', '/therapist/availability', each(TO_SIGNIN, 403, 200, 200, 404)),
	page('POST', '/therapist/availability', each(401, 403, '303 /therapist/availability', '303 /therapist/availability', 404), {
		prepare: bookingOffered, body: () => ({ buffer_minutes: '10' }),
	}),
	page('POST', '/therapist/availability/types', each(401, 403, '303 /therapist/availability', '303 /therapist/availability', 404), {
		body: (ctx, who) => ({ kind: 'trial', name: `Page type ${who}`, minutes: '30', mode: 'video' }),
	}),
	page('POST', '/therapist/availability/types/{id}/delete', each(401, 403, '303 /therapist/availability', 404, 404), { prepare: bookingTypeOfP1 }),
	page('POST', '/therapist/availability/accepting', each(401, 403, '303 /therapist/availability', '303 /therapist/availability', 404), { body: () => ({ accepting: 'on' }) }),
	/* A new feed address is shown once, on the page itself. */
	page('POST', '/therapist/availability/feed', each(401, 403, 200, 200, 404), { prepare: bookingOffered, body: () => ({ feed: 'new' }) }),
	/* Couples (see the API rows); the invitation link sends a visitor
	 * who is not signed in to sign in and back. */
	page('GET', '/account/couple', signedIn(200, TO_SIGNIN)),
	page('POST', '/account/couple/invite', signedIn('303 /account/couple?done=invited', 401), { body: () => ({ email: uniqueEmail('mx-partner-page') }) }),
	page('POST', '/account/couple/revoke', signedIn('303 /account/couple?done=revoked', 401), { prepare: coupleInvitations }),
	page('POST', '/account/couple/leave', signedIn(404, 401)),
	page('GET', '/couple/accept', signedIn(200, TO_SIGNIN), { path: bogusLink('/couple/accept') }),
	page('POST', '/couple/accept', signedIn(404, 401), { body: () => ({ token: BOGUS }) }),
	/* Workspace pages: anyone signed in, each in their own workspace; an
	 * item is the therapist's journal entry (others 404). Nobody here is
	 * in a couple, so the check-in, a response and the merge are 404. */
	page('GET', '/workspace', signedIn(200, TO_SIGNIN)),
	page('GET', '/workspace/safety', signedIn(200, TO_SIGNIN)),
	page('POST', '/workspace/safety', signedIn(404, 401), { body: () => ({ afraid: 'no', hurt: 'no', controlled: 'no', speak_freely: 'yes', want_joint: 'yes' }) }),
	page('GET', '/workspace/new/{kind}', signedIn(200, TO_SIGNIN), { path: () => '/workspace/new/journal' }),
	page('POST', '/workspace/new/{kind}', signedIn('303 /workspace/items/', 401), { path: () => '/workspace/new/journal', body: () => ({ title: 'Matrix', body: 'entry' }) }),
	page('GET', '/workspace/items/{id}', each(TO_SIGNIN, 404, 200, 404, 404), { prepare: workspaceItem }),
	page('GET', '/workspace/items/{id}/edit', each(TO_SIGNIN, 404, 200, 404, 404), { prepare: workspaceItem }),
	page('POST', '/workspace/items/{id}/edit', each(401, 404, '303 /workspace/items/', 404, 404), { prepare: workspaceItem, body: () => ({ version: '1', title: 'Matrix edit', body: 'changed' }) }),
	page('POST', '/workspace/items/{id}/delete', each(401, 404, '303 /workspace?done=deleted', 404, 404), { prepare: workspaceItem, body: () => ({ confirm: 'on' }) }),
	page('POST', '/workspace/items/{id}/share/partner', each(401, 404, '303 /workspace/items/', 404, 404), { prepare: workspaceItem, body: () => ({ shared: 'off' }) }),
	/* P1 is no share target of its own owner (no booking): 404 for all. */
	page('POST', '/workspace/items/{id}/share/therapist', signedIn(404, 401), { prepare: workspaceItem, body: (ctx) => ({ therapist: String(ctx.P1), shared: 'on' }) }),
	page('POST', '/workspace/items/{id}/response', signedIn(404, 401), { prepare: workspaceItem, body: () => ({ mirror: 'If I got it' }) }),
	page('POST', '/workspace/vision/merge', signedIn(404, 401)),
	page('GET', '/therapist/shared', each(TO_SIGNIN, 403, 200, 200, 200)),
	page('GET', '/therapist/shared/{id}', each(TO_SIGNIN, 403, 404, 404, 404), { prepare: workspaceItem }),
	/* Dialogue (see the API rows). */
	page('GET', '/couple/dialogue', signedIn(200, TO_SIGNIN)),
	page('POST', '/couple/dialogue', signedIn(404, 401), { body: () => ({ topic: 'Matrix topic', mode: 'two_devices' }) }),
	page('GET', '/couple/dialogue/{id}', signedIn(404, TO_SIGNIN)),
	page('POST', '/couple/dialogue/{id}/act', signedIn(404, 401), { body: () => ({ version: '1', action: 'accept' }) }),
	page('POST', '/couple/dialogue/{id}/record', signedIn(404, 401), { body: () => ({ notes: '' }) }),
];

const ROWS = [...API_ROWS, ...PAGE_ROWS];

/* ---- running it ------------------------------------------------------------ */

let server;
const ctx = { actors: {} };

before(async () => {
	server = await startAccountServer({
		csv: 'external_id,name,email,lat,lon\nmatrix-p3,Paula Imported,paula@practice.example.org,30.27,-97.74\n',
	});
	ctx.server = server;
	ctx.P3 = sqliteJson(server.dbPath, "SELECT id FROM therapists WHERE external_id = 'matrix-p3'")[0].id;
	const { actors } = ctx;
	actors.anonymous = { client: new Client(server.url) };
	actors.client = await makeUser(server, { tag: 'mx-client' });
	actors.therapist = await makeUser(server, { therapist: true, tag: 'mx-therapist' });
	actors.other = await makeUser(server, { therapist: true, tag: 'mx-other' });
	actors.admin = await makeUser(server, { admin: true, tag: 'mx-admin' });
	for (const [who, name] of [['therapist', 'Petra Primary'], ['other', 'Otto Other']]) {
		const res = await actors[who].client.post('/api/v1/therapists', profileBody(name));
		assert.equal(res.status, 201, res.where);
		actors[who].profileId = res.json.id;
	}
	ctx.P1 = actors.therapist.profileId;
	ctx.P2 = actors.other.profileId;
	/* A spare client account: signed in to by public rows, suspended by admin rows. */
	const spareEmail = uniqueEmail('mx-spare');
	ctx.spare = { email: spareEmail, id: cliAddUser(server.dbPath, spareEmail) };
	/* An anonymous browser: a pre-session cookie and the csrf of its forms. */
	ctx.anonPage = new Client(server.url);
	const form = await ctx.anonPage.get('/signin');
	assert.equal(form.status, 200, form.where);
	assert.ok(ctx.anonPage.jar.has('imago_pre'), 'a pre-session cookie');
	const m = /name="csrf"\s+value="([^"]+)"/.exec(form.text);
	assert.ok(m, 'a csrf field on the sign-in form');
	ctx.anonCsrf = m[1];

	/* A new session for an actor's own user (recovery codes spare the one-time codes). */
	ctx.newSession = async (who) => {
		const a = actors[who];
		if (!a.secret)
			return signIn(server.url, a.email, a.password);
		return signIn(server.url, a.email, a.password, { recoveryCode: a.recoveryCodes.shift() });
	};
	ctx.throwawaySessionId = async () => {
		const c = await ctx.newSession('therapist');
		const res = await c.get('/api/v1/sessions');
		return res.json.sessions.find((s) => s.current).id;
	};
	/* A new user of the same kind as an actor. */
	ctx.newUser = async (who) => {
		const u = await makeUser(server, { therapist: who === 'therapist' || who === 'other', admin: who === 'admin', tag: `mx-fresh-${who}` });
		return u.client;
	};
});

after(async () => {
	if (server)
		await server.stop();
});

function routeKeys() {
	const r = runImago(['routes']);
	assert.equal(r.status, 0, r.stderr);
	const keys = [];
	for (const line of r.stdout.trim().split('\n')) {
		const route = JSON.parse(line);
		for (const m of route.methods)
			keys.push(`${m} ${route.pattern}`);
	}
	return keys;
}

function defaultPath(row) {
	if (STATIC[row.pattern])
		return row.pattern.replace('{name}', STATIC[row.pattern]);
	return row.pattern.replace('{id}', String(ctx.id ?? ctx.P1));
}

/* Compares an answer with an expectation: 200, or '303 /signin' (status and Location prefix). */
function matches(res, want) {
	if (typeof want === 'number')
		return res.status === want;
	const [status, location] = want.split(' ');
	return res.status === Number(status) && (res.headers.get('location') || '').startsWith(location);
}

async function request(row, who, client) {
	const p = row.path ? row.path(ctx, who) : defaultPath(row);
	const opts = { keepCookies: false };
	const body = row.body ? row.body(ctx, who) : undefined;
	if (row.page) {
		if (row.method !== 'GET') {
			const fields = { csrf: who === 'anonymous' ? ctx.anonCsrf : client.csrf, ...(body || {}) };
			opts.body = new URLSearchParams(fields).toString();
			opts.contentType = 'application/x-www-form-urlencoded';
		}
	} else if (body !== undefined) {
		opts.json = body;
	}
	return client.call(row.method, p, opts);
}

test('every route and method of `imago routes` has a row, and every row a route', () => {
	const routes = routeKeys();
	const table = ROWS.map((r) => `${r.method} ${r.pattern}`);
	const dupes = table.filter((k, i) => table.indexOf(k) !== i);
	assert.deepEqual(dupes, [], 'rows listed twice');
	const missing = routes.filter((k) => !table.includes(k));
	const stale = table.filter((k) => !routes.includes(k));
	assert.deepEqual(missing, [], 'routes without a row in tests/http/access.test.mjs');
	assert.deepEqual(stale, [], 'rows for routes that no longer exist');
	for (const r of ROWS)
		assert.deepEqual(Object.keys(r.expect).sort(), [...ACTORS].sort(), `${r.method} ${r.pattern}: one expectation per actor`);
});

describe('the matrix', () => {
	const existing = new Set(routeKeys());
	for (const r of ROWS) {
		/* A row whose route is gone is reported by the test above. */
		test(`${r.method} ${r.pattern}`, { skip: existing.has(`${r.method} ${r.pattern}`) ? false : 'no such route' }, async () => {
			ctx.id = undefined;
			if (r.prepare)
				await r.prepare(ctx);
			const wrong = [];
			for (const who of RUN_ORDER) {
				let client = ctx.actors[who].client;
				if (who !== 'anonymous' && r.fresh === 'session')
					client = await ctx.newSession(who);
				else if (who !== 'anonymous' && r.fresh === 'user')
					client = await ctx.newUser(who);
				else if (who === 'anonymous' && r.page)
					client = ctx.anonPage;
				const res = await request(r, who, client);
				if (r.after)
					r.after(ctx, who, res);
				const want = r.expect[who];
				if (!matches(res, want))
					wrong.push(`${who}: expected ${want}, got ${res.status}${res.headers.get('location') ? ` -> ${res.headers.get('location')}` : ''} ${res.text.slice(0, 160).replace(/\s+/g, ' ')}`);
				assert.ok(res.status < 500, `${who}: ${res.where}`);
			}
			assert.deepEqual(wrong, [], `${r.method} ${r.pattern}`);
		});
	}
});

describe('access tokens against the route table', () => {
	test('session-only routes and signing out refuse a token (403 session_required); the code step does not know one (401)', async () => {
		const res = await ctx.actors.admin.client.post('/api/v1/tokens', { name: 'matrix bearer' });
		assert.equal(res.status, 201, res.where);
		const bearer = Object.assign(new Client(server.url), { bearer: res.json.token });
		const r = runImago(['routes']);
		const wrong = [];
		for (const line of r.stdout.trim().split('\n')) {
			const route = JSON.parse(line);
			const path = route.pattern.replace('{id}', String(ctx.P1)).replace('{name}', 'style.css');
			for (const method of route.methods) {
				let want = null;
				if (route.session_only || route.access === 'any_session')
					want = 403;
				else if (route.access === 'code_pending')
					want = 401;
				if (want === null)
					continue;
				const api = route.pattern.startsWith('/api/');
				/* A page sends someone not signed in to the sign-in page instead. */
				if (!api && method === 'GET' && want === 401)
					want = 303;
				const out = await bearer.call(method, path, { keepCookies: false });
				const code = api ? out.json?.error?.code : null;
				if (out.status !== want || (api && code !== (want === 403 ? 'session_required' : 'authentication_required')) ||
				    (want === 303 && !(out.headers.get('location') || '').startsWith('/signin')))
					wrong.push(`${method} ${route.pattern}: expected ${want}, got ${out.status} ${out.text.slice(0, 120)}`);
			}
		}
		assert.deepEqual(wrong, []);
		/* The token itself still works where tokens may go. */
		assert.equal((await bearer.get('/api/v1/admin/users')).status, 200);
	});
});

describe('after the matrix', () => {
	test('every actor is still signed in and the audit chain verifies', async () => {
		for (const who of SIGNED_IN) {
			const res = await ctx.actors[who].client.get('/api/v1/me');
			assert.equal(res.status, 200, `${who}: ${res.where}`);
		}
		const r = runImago(['--db', server.dbPath, 'audit', 'verify']);
		assert.equal(r.status, 0, r.stdout + r.stderr);
	});
});
