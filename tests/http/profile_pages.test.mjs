/*
 * The HTML pages for therapists' own profiles and for admins, driven as
 * a browser without JavaScript would: GET a page, read its CSRF field,
 * POST the form, follow the 303. Accounts come from the CLI (`imago user
 * add`), sign in through the JSON API and turn on two-step sign-in with
 * codes computed here (RFC 6238), then use their session cookie on the
 * pages.
 *
 * Covers: creating a profile with the form and seeing it in the
 * directory; editing it (a certification unticked, the city changed)
 * with the change in the page and the API; a mistake sent back with 400,
 * the field marked and the typed values kept; claiming an imported
 * listing through the emailed link (whose GET only shows a button);
 * another therapist getting 404s; an admin verifying, hiding and
 * unhiding a listing and suspending an account; a client getting 403 and
 * 404; the audit log page showing all of it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { runImago, sqliteJson, startServer } from '../lib/server.mjs';

const PASSWORD = 'correct horse battery staple';
const FAST = {
	IMAGO_RATE_LIMIT_SCALE: '1000',
	IMAGO_PWHASH_OPSLIMIT: '1',
	IMAGO_PWHASH_MEMLIMIT: '8192',
};

const CSV = [
	'external_id,name,credentials,certifications,formats,city,country,email,license_number',
	'imp-1,Morgan Listed-Claimant,LMFT,certified_imago_therapist,in_person,Denver,US,morgan@listing.example,CO-999',
	'imp-2,Nobody Emailless,,certified_imago_therapist,online,Boston,US,,',
].join('\n') + '\n';

let server;

/* ---- Helpers ---- */

function addUser(email, flags = []) {
	const r = runImago(['--db', server.dbPath, 'user', 'add', email, ...flags],
	    { input: `${PASSWORD}\n`, env: FAST });
	assert.equal(r.status, 0, r.stderr);
}

function base32Decode(s) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0;
	let value = 0;
	const out = [];
	for (const ch of s.replace(/=+$/, '').toUpperCase()) {
		const i = alphabet.indexOf(ch);
		if (i < 0)
			throw new Error(`not base32: ${ch}`);
		value = (value << 5) | i;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

/* RFC 6238 with HMAC-SHA1, 6 digits, 30-second steps. */
function totp(secret, seconds = Date.now() / 1000) {
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
	const h = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
	const off = h[h.length - 1] & 0x0f;
	const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
	return String(bin % 1000000).padStart(6, '0');
}

/* A cookie-keeping client for one person. */
class Client {
	constructor(base) {
		this.base = base;
		this.cookies = new Map();
		this.csrf = '';
	}

	cookieHeader() {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	keepCookies(res) {
		for (const c of res.headers.getSetCookie()) {
			const [pair, ...attrs] = c.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)))
				this.cookies.delete(name);
			else
				this.cookies.set(name, value);
		}
	}

	async fetch(p, init = {}) {
		const headers = { ...(init.headers || {}) };
		if (this.cookies.size)
			headers.Cookie = this.cookieHeader();
		const res = await fetch(this.base + p, { redirect: 'manual', ...init, headers,
			signal: AbortSignal.timeout(30000) });
		this.keepCookies(res);
		const text = await res.text();
		let json = null;
		try {
			json = JSON.parse(text);
		} catch {
			json = null;
		}
		return { status: res.status, headers: res.headers, text, json,
			location: res.headers.get('location') };
	}

	get(p) {
		return this.fetch(p);
	}

	api(method, p, body) {
		return this.fetch(p, {
			method,
			headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': this.csrf },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	}

	/* Posts a form: fields is an object (arrays repeat the key) or a
	 * list of [key, value] pairs. csrf is added unless given. */
	post(p, fields, { csrf = true } = {}) {
		const form = new URLSearchParams();
		const pairs = Array.isArray(fields) ? fields : Object.entries(fields)
		    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]));
		for (const [k, v] of pairs)
			form.append(k, String(v));
		if (csrf && !form.has('csrf'))
			form.append('csrf', this.csrf);
		return this.fetch(p, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: form.toString(),
		});
	}

	/* GETs a page and keeps the CSRF token of its forms. */
	async page(p, status = 200) {
		const res = await this.get(p);
		assert.equal(res.status, status, `GET ${p}: ${res.status} ${res.location || ''}\n${res.text.slice(0, 2000)}`);
		const m = /name="csrf" value="([^"]+)"/.exec(res.text);
		if (m)
			this.csrf = m[1];
		return res;
	}
}

/* Signs in through the API; therapists and admins set up two-step
 * sign-in on the way, as they must. */
async function signIn(email) {
	const c = new Client(server.url);
	let r = await c.api('POST', '/api/v1/session', { email, password: PASSWORD });
	assert.equal(r.status, 200, r.text);
	c.csrf = r.json.csrf_token;
	if (r.json.two_step_setup_required) {
		r = await c.api('POST', '/api/v1/me/two-step', {});
		assert.equal(r.status, 200, r.text);
		r = await c.api('POST', '/api/v1/me/two-step/enable', { code: totp(r.json.secret) });
		assert.equal(r.status, 200, r.text);
	}
	return c;
}

/* The search index reloads in the background after a change: asks
 * again until the answer is the expected one (or gives up after 10 s). */
async function searchIds(q, want) {
	const deadline = Date.now() + 10000;
	for (;;) {
		const res = await new Client(server.url).get(`/api/v1/therapists?q=${encodeURIComponent(q)}`);
		assert.equal(res.status, 200, res.text);
		const ids = res.json.results.map((r) => r.id);
		if (JSON.stringify(ids) === JSON.stringify(want) || Date.now() > deadline)
			return ids;
		await new Promise((r) => setTimeout(r, 50));
	}
}

const decodeEntities = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/* The value of the form control with id f-KEY, as the page shows it. */
function fieldValue(html, key) {
	const input = new RegExp(`<input[^>]*id="f-${key}"[^>]*>`).exec(html);
	if (input) {
		const v = /value="([^"]*)"/.exec(input[0]);
		return v ? decodeEntities(v[1]) : '';
	}
	const area = new RegExp(`<textarea[^>]*id="f-${key}"[^>]*>\\n?([^<]*)</textarea>`).exec(html);
	return area ? decodeEntities(area[1]) : undefined;
}

function isChecked(html, id) {
	const m = new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(html);
	assert.ok(m, `no control ${id}`);
	return / checked[ >]/.test(m[0]);
}

/* Mail delivered into the maildir beside the database, decoded from
 * quoted-printable. */
async function waitForMail(to, count = 1) {
	const dir = path.join(server.dir, 'mail', 'new');
	const deadline = Date.now() + 15000;
	for (;;) {
		const found = [];
		if (fs.existsSync(dir)) {
			for (const f of fs.readdirSync(dir).sort()) {
				const raw = fs.readFileSync(path.join(dir, f), 'utf8');
				if (!new RegExp(`^To: .*${to.replace(/[.]/g, '\\.')}`, 'mi').test(raw))
					continue;
				found.push(raw.replace(/=\r?\n/g, '')
				    .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
			}
		}
		if (found.length >= count)
			return found;
		if (Date.now() > deadline)
			throw new Error(`no mail to ${to} in ${dir}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

const fullProfile = {
	name: 'Avery Formwright',
	credentials: 'PhD, LMFT',
	license_number: 'NY-12345',
	license_regions: 'US-NY, US-NJ',
	certifications: ['certified_imago_therapist', 'advanced_clinician'],
	specialties: ['premarital', 'lgbtq'],
	formats: ['in_person', 'online'],
	languages: 'en, es',
	years_experience: '12',
	accepting_new_clients: 'true',
	fee_min: '120',
	fee_max: '180',
	sliding_scale: 'true',
	address: '350 5th Ave',
	city: 'New York',
	region: 'NY',
	postal_code: '10118',
	country: 'US',
	phone: '+1 212 555 0100',
	email: 'avery@practice.example',
	website: 'https://practice.example/avery',
	bio: 'We work with **couples**.\n\nSecond paragraph.',
	approach: 'Imago Dialogue.',
};

let avery;		/* therapist who creates a profile */
let averyId;
let morgan;		/* therapist who claims an imported listing */
let other;		/* another therapist */
let admin;
let client;

before(async () => {
	server = await startServer({ csv: CSV, env: FAST });
	addUser('avery@example.org', ['--therapist']);
	addUser('morgan@example.org', ['--therapist']);
	addUser('other@example.org', ['--therapist']);
	addUser('admin@example.org', ['--admin']);
	addUser('client@example.org');
	avery = await signIn('avery@example.org');
	morgan = await signIn('morgan@example.org');
	other = await signIn('other@example.org');
	admin = await signIn('admin@example.org');
	client = await signIn('client@example.org');
});

after(async () => {
	await server?.stop();
});

describe('a therapist creates and edits a profile', () => {
	test('without a profile: the choice to claim or create', async () => {
		const res = await avery.page('/account/profile');
		assert.match(res.text, /Claim my existing listing/);
		assert.match(res.text, /Create my profile/);
		assert.match(res.text, /<form method="post" action="\/account\/profile">/);
		assert.match(res.text, /<label for="f-name">Name/);
		assert.equal(fieldValue(res.text, 'name'), '');
		assert.ok(!/<script>/.test(res.text), 'no inline script');
	});

	test('anonymous visitors are sent to sign in', async () => {
		const res = await new Client(server.url).get('/account/profile');
		assert.equal(res.status, 303);
		assert.match(res.location, /^\/signin\?next=/);
	});

	test('a form without its CSRF field is refused', async () => {
		const res = await avery.post('/account/profile', { name: 'X' }, { csrf: false });
		assert.equal(res.status, 403);
	});

	test('the form creates the profile and the directory shows it', async () => {
		await avery.page('/account/profile');
		const res = await avery.post('/account/profile', fullProfile);
		assert.equal(res.status, 303, res.text.slice(0, 2000));
		assert.equal(res.location, '/account/profile?saved=1');
		const page = await avery.page(res.location);
		assert.match(page.text, /Saved\./);
		assert.match(page.text, /Not yet verified/);
		assert.match(page.text, /clears the verification/);
		const m = /href="\/therapists\/(\d+)">See your public page/.exec(page.text);
		assert.ok(m, 'a link to the public page');
		averyId = Number(m[1]);
		assert.equal(fieldValue(page.text, 'city'), 'New York');
		assert.equal(fieldValue(page.text, 'license_regions'), 'US-NJ, US-NY');
		assert.equal(fieldValue(page.text, 'bio'), fullProfile.bio);
		assert.ok(isChecked(page.text, 'f-certifications-advanced_clinician'));
		assert.ok(isChecked(page.text, 'f-sliding_scale'));

		const pub = await new Client(server.url).get(`/therapists/${averyId}`);
		assert.equal(pub.status, 200);
		assert.match(pub.text, /<h1>Avery Formwright<\/h1>/);
		assert.match(pub.text, /<strong>couples<\/strong>/);
		assert.ok(!/Verified by imago|Not yet verified/.test(pub.text),
		    'an unverified profile says nothing about verification');
		assert.deepEqual(await searchIds('Formwright', [averyId]), [averyId]);
	});

	test('editing: a certification unticked and the city changed', async () => {
		const page = await avery.page('/account/profile');
		assert.match(page.text, /Save changes/);
		const edited = { ...fullProfile, city: 'Brooklyn', postal_code: '',
			certifications: ['certified_imago_therapist'], sliding_scale: undefined };
		delete edited.sliding_scale;
		const res = await avery.post('/account/profile', edited);
		assert.equal(res.status, 303, res.text.slice(0, 2000));
		const after = await avery.page('/account/profile?saved=1');
		assert.equal(fieldValue(after.text, 'city'), 'Brooklyn');
		assert.ok(!isChecked(after.text, 'f-certifications-advanced_clinician'));
		assert.ok(isChecked(after.text, 'f-certifications-certified_imago_therapist'));
		assert.ok(!isChecked(after.text, 'f-sliding_scale'), 'an unticked box clears the flag');

		const api = await new Client(server.url).get(`/api/v1/therapists/${averyId}`);
		assert.equal(api.json.city, 'Brooklyn');
		assert.deepEqual(api.json.certifications, ['certified_imago_therapist']);
		assert.equal(api.json.sliding_scale, false);
		assert.equal(api.json.url, `/therapists/${averyId}`);
		const pub = await new Client(server.url).get(`/therapists/${averyId}`);
		assert.match(pub.text, /Brooklyn/);
		assert.ok(!/Advanced Clinician/i.test(pub.text));
	});

	test('a mistake comes back with 400, the field marked and the typed values kept', async () => {
		await avery.page('/account/profile');
		const res = await avery.post('/account/profile', { ...fullProfile, name: 'Typed <New> Name',
			country: 'USA', certifications: ['supervisor'] });
		assert.equal(res.status, 400, res.text.slice(0, 2000));
		assert.match(res.text, /role="alert"/);
		assert.match(res.text, /<input[^>]*id="f-country"[^>]*aria-invalid="true"/);
		assert.match(res.text, /<input[^>]*id="f-country"[^>]*aria-describedby="[^"]*f-country-error/);
		assert.match(res.text, /id="f-country-error"/);
		assert.equal(fieldValue(res.text, 'country'), 'USA');
		assert.equal(fieldValue(res.text, 'name'), 'Typed <New> Name');
		assert.match(res.text, /Typed &lt;New&gt; Name/, 'escaped');
		assert.ok(isChecked(res.text, 'f-certifications-supervisor'));
		assert.ok(!isChecked(res.text, 'f-certifications-certified_imago_therapist'));
		/* Nothing was saved. */
		const api = await new Client(server.url).get(`/api/v1/therapists/${averyId}`);
		assert.equal(api.json.name, 'Avery Formwright');
	});

	test('a number that is not one: 400 naming it, typed text kept', async () => {
		await avery.page('/account/profile');
		const res = await avery.post('/account/profile', { ...fullProfile, fee_min: 'lots' });
		assert.equal(res.status, 400);
		assert.match(res.text, /<input[^>]*id="f-fee_min"[^>]*aria-invalid="true"/);
		assert.equal(fieldValue(res.text, 'fee_min'), 'lots');
	});

	test('a second profile cannot be created by claiming', async () => {
		const page = await avery.page('/account/profile');
		assert.ok(!/Claim my existing listing/.test(page.text));
	});
});

describe('claiming an imported listing', () => {
	let listingId;

	before(() => {
		listingId = sqliteJson(server.dbPath, "SELECT id FROM therapists WHERE external_id = 'imp-1'")[0].id;
	});

	test('a name search lists the listing, never its email address', async () => {
		const res = await morgan.page('/account/profile?claim=Listed-Claimant');
		assert.match(res.text, /Morgan Listed-Claimant/);
		assert.match(res.text, /This is me \u2014 send the link/);
		assert.match(res.text, new RegExp(`name="therapist_id" value="${listingId}"`));
		assert.ok(!res.text.includes('morgan@listing.example'), 'the listing\'s email is not shown');
		const none = await morgan.page('/account/profile?claim=Formwright');
		assert.match(none.text, /No listing that can be claimed matches/, 'owned profiles are not offered');
	});

	test('a listing without an email: 422 with the message beside the search', async () => {
		await morgan.page('/account/profile?claim=Emailless');
		const id = sqliteJson(server.dbPath, "SELECT id FROM therapists WHERE external_id = 'imp-2'")[0].id;
		const res = await morgan.post('/account/profile/claim', { therapist_id: id, claim: 'Emailless' });
		assert.equal(res.status, 422);
		assert.match(res.text, /no email address/);
		assert.match(res.text, /Nobody Emailless/, 'the search is shown again');
	});

	test('the request mails a link; its GET shows a button and claims nothing', async () => {
		await morgan.page('/account/profile?claim=Listed-Claimant');
		const res = await morgan.post('/account/profile/claim', { therapist_id: listingId, claim: 'Listed-Claimant' });
		assert.equal(res.status, 303, res.text.slice(0, 1000));
		assert.equal(res.location, '/account/profile?sent=1');
		const sent = await morgan.page(res.location);
		assert.match(sent.text, /We emailed the address on that listing/);
		assert.ok(!sent.text.includes('morgan@listing.example'));

		const [mail] = await waitForMail('morgan@listing.example');
		const m = /\/account\/claim\?token=([A-Za-z0-9_-]+)/.exec(mail);
		assert.ok(m, mail);
		const token = m[1];

		const confirm = await morgan.page(`/account/claim?token=${token}`);
		assert.match(confirm.text, /<form method="post" action="\/account\/claim">/);
		assert.match(confirm.text, new RegExp(`name="token" value="${token}"`));
		const owner = sqliteJson(server.dbPath, `SELECT owner_user_id FROM therapists WHERE id = ${listingId}`)[0];
		assert.equal(owner.owner_user_id, null, 'opening the link claims nothing');

		/* Another therapist cannot use Morgan's link. */
		await other.page(`/account/claim?token=${token}`);
		const stolen = await other.post('/account/claim', { token });
		assert.equal(stolen.status, 400);

		const done = await morgan.post('/account/claim', { token });
		assert.equal(done.status, 303, done.text.slice(0, 1000));
		assert.equal(done.location, '/account/profile?claimed=1');
		const mine = await morgan.page(done.location);
		assert.equal(fieldValue(mine.text, 'name'), 'Morgan Listed-Claimant');
		assert.match(mine.text, /This listing is now yours/);

		const again = await morgan.post('/account/claim', { token });
		assert.equal(again.status, 400, 'a link works once');
		assert.match(again.text, /invalid or has expired/);
	});

	test('another therapist cannot see or edit it', async () => {
		const page = await other.page('/account/profile');
		assert.ok(!page.text.includes('Listed-Claimant'));
		assert.match(page.text, /Create my profile/);
		const patch = await other.api('PATCH', `/api/v1/therapists/${listingId}`, { city: 'Nowhere' });
		assert.equal(patch.status, 404);
		const adminPage = await other.get(`/admin/therapists/${listingId}`);
		assert.equal(adminPage.status, 404);
		const claim = await other.post('/account/profile/claim', { therapist_id: listingId });
		assert.equal(claim.status, 409, 'it already has an owner');
	});
});

describe('admins', () => {
	test('the overview counts profiles waiting', async () => {
		const res = await admin.page('/admin');
		assert.match(res.text, /2 profiles are waiting/);
		assert.match(res.text, /href="\/admin\/users"/);
	});

	test('the verifications table and Verify', async () => {
		const res = await admin.page('/admin/verifications');
		assert.match(res.text, /Avery Formwright/);
		assert.match(res.text, /avery@example\.org/, 'the owner\'s account');
		assert.match(res.text, /NY-12345/);
		assert.match(res.text, /Certified Imago Therapist/);
		const action = `/admin/therapists/${averyId}/verify`;
		assert.match(res.text, new RegExp(`action="${action}"`));
		const done = await admin.post(action, { back: '/admin/verifications' });
		assert.equal(done.status, 303);
		assert.equal(done.location, '/admin/verifications');
		const after = await admin.page('/admin/verifications');
		assert.ok(!after.text.includes('Avery Formwright'), 'verified profiles leave the list');

		const pub = await new Client(server.url).get(`/therapists/${averyId}`);
		assert.match(pub.text, /Verified by imago on \d{4}-\d{2}-\d{2}/);
		const mine = await avery.page('/account/profile');
		assert.match(mine.text, /Verified on \d{4}-\d{2}-\d{2}/);
	});

	test('a back field that leaves /admin is not followed', async () => {
		await admin.page(`/admin/therapists/${averyId}`);
		const res = await admin.post(`/admin/therapists/${averyId}/verify`, { back: '//evil.example/' });
		assert.equal(res.status, 303);
		assert.equal(res.location, '/admin/verifications');
	});

	test('hide takes the listing out of the directory; unhide brings it back', async () => {
		const page = await admin.page(`/admin/therapists/${averyId}`);
		assert.match(page.text, /Unverify/);
		assert.match(page.text, new RegExp(`action="/admin/therapists/${averyId}/hide"`));
		let res = await admin.post(`/admin/therapists/${averyId}/hide`, { back: `/admin/therapists/${averyId}` });
		assert.equal(res.status, 303);
		assert.equal(res.location, `/admin/therapists/${averyId}`);
		const hidden = await admin.page(res.location);
		assert.match(hidden.text, /Hidden by an admin/);
		assert.equal((await new Client(server.url).get(`/therapists/${averyId}`)).status, 404);
		assert.deepEqual(await searchIds('Formwright', []), [], 'search no longer lists it');
		const results = await new Client(server.url).get('/therapists?q=Formwright');
		assert.ok(!results.text.includes('Avery Formwright'));
		const mine = await avery.page('/account/profile');
		assert.match(mine.text, /Hidden by an admin/);

		res = await admin.post(`/admin/therapists/${averyId}/unhide`, { back: `/admin/therapists/${averyId}` });
		assert.equal(res.status, 303);
		assert.equal((await new Client(server.url).get(`/therapists/${averyId}`)).status, 200);
		assert.deepEqual(await searchIds('Formwright', [averyId]), [averyId]);
	});

	test('the public profile offers admins the listing\'s controls', async () => {
		const res = await admin.get(`/therapists/${averyId}`);
		assert.match(res.text, new RegExp(`href="/admin/therapists/${averyId}"`));
		const anon = await new Client(server.url).get(`/therapists/${averyId}`);
		assert.ok(!anon.text.includes('/admin/'));
	});

	test('unverify', async () => {
		await admin.page(`/admin/therapists/${averyId}`);
		const res = await admin.post(`/admin/therapists/${averyId}/unverify`, {});
		assert.equal(res.status, 303);
		const pub = await new Client(server.url).get(`/therapists/${averyId}`);
		assert.ok(!/Verified by imago/.test(pub.text));
	});

	test('users: search, and a suspended account\'s session stops working', async () => {
		const res = await admin.page('/admin/users?q=other%40');
		assert.match(res.text, /other@example\.org/);
		assert.ok(!res.text.includes('avery@example.org'));
		const id = sqliteJson(server.dbPath, "SELECT id FROM users WHERE email = 'other@example.org'")[0].id;
		assert.match(res.text, new RegExp(`action="/admin/users/${id}/suspend"`));
		assert.equal((await other.get('/account/profile')).status, 200);

		const done = await admin.post(`/admin/users/${id}/suspend`, { back: '/admin/users?q=other%40' });
		assert.equal(done.status, 303);
		assert.equal(done.location, '/admin/users?q=other%40');
		const list = await admin.page(done.location);
		assert.match(list.text, new RegExp(`action="/admin/users/${id}/unsuspend"`));

		const after = await other.get('/account/profile');
		assert.equal(after.status, 303, 'signed out');
		assert.match(after.location, /^\/signin/);
		const signin = await new Client(server.url).api('POST', '/api/v1/session',
		    { email: 'other@example.org', password: PASSWORD });
		assert.equal(signin.status, 403);

		const restore = await admin.post(`/admin/users/${id}/unsuspend`, {});
		assert.equal(restore.status, 303);
		assert.equal(restore.location, '/admin/users');
	});

	test('a bad page link on the users page: 400 with the form', async () => {
		const res = await admin.get('/admin/users?before=abc');
		assert.equal(res.status, 400);
		assert.match(res.text, /action="\/admin\/users"/);
	});

	test('the audit log lists what happened, and records being read', async () => {
		const res = await admin.page('/admin/audit');
		for (const action of ['therapist.create', 'therapist.update', 'therapist.claim_requested',
			'therapist.claimed', 'therapist.verify', 'therapist.unverify', 'therapist.hide',
			'therapist.unhide', 'user.suspend', 'user.unsuspend'])
			assert.match(res.text, new RegExp(`>${action.replace('.', '\\.')}<`), action);
		const filtered = await admin.page('/admin/audit?action=therapist.hide');
		assert.match(filtered.text, />therapist\.hide</);
		assert.ok(!/>therapist\.unhide</.test(filtered.text));
		const prefix = await admin.page('/admin/audit?action=user.');
		assert.match(prefix.text, />user\.suspend</);
		assert.ok(!/>therapist\./.test(prefix.text));
		const viewed = sqliteJson(server.dbPath, "SELECT count(*) AS n FROM audit_log WHERE action = 'audit.viewed'")[0].n;
		assert.ok(viewed >= 3, `audit.viewed recorded (${viewed})`);
	});
});

describe('other roles', () => {
	test('a client gets 403 on the profile page and 404 on the admin pages', async () => {
		assert.equal((await client.get('/account/profile')).status, 403);
		for (const p of ['/admin', '/admin/verifications', '/admin/users', '/admin/audit', `/admin/therapists/${averyId}`])
			assert.equal((await client.get(p)).status, 404, p);
		await client.page('/');
		const post = await client.post(`/admin/therapists/${averyId}/hide`, {});
		assert.equal(post.status, 404);
	});

	test('a therapist gets 404 on the admin pages', async () => {
		assert.equal((await avery.get('/admin')).status, 404);
		assert.equal((await avery.get('/admin/audit')).status, 404);
	});
});
