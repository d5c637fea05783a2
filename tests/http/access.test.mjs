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
