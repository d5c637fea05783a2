/*
 * The booking pages driven as a browser without JavaScript would: GET a
 * page (keeping the cookies), read the csrf field of its form, POST the
 * url-encoded form, follow the 303. Mail is read from the server's
 * maildir. Expected local times come from Intl (node's tz database),
 * never from the server's own answers; the JSON API is used to check
 * what a form changed.
 *
 * Covers: the therapist's availability page (hours, dates off, numbers,
 * a bad line or zone sent back with 422 and the typed text kept,
 * appointment types added and removed, the accepting-new-clients switch
 * and its effect on the public profile, the calendar feed shown once and
 * turned off); a visitor's booking page in another zone (labels, day
 * headings, the zone form and "Later dates"), booking as a guest and as
 * a signed-in client, refused bookings; a client's list, moving and
 * cancelling; a guest confirming by the page's button and managing by
 * the mailed link; the therapist's list and page, and cancelling inside
 * the client's cancellation window.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
	Client, decodeQuotedPrintable, linkToken, mailTo, makeTherapist, makeUser, profileBody,
	sleep, startAccountServer, uniqueEmail,
} from '../lib/accounts.mjs';
import {
	MINUTE, HOUR, DAY, pad, zoneParts, offsetMinutes, zonedTime, localDate, addDays, isoUtc,
} from '../lib/zones.mjs';

const FORM = 'application/x-www-form-urlencoded';

/* ---- time ---------------------------------------------------------------------- */

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
	'September', 'October', 'November', 'December'];

/* Independent of the server: the label of a time, "17:00", in zone (Intl). */
function clockIn(zone, t) {
	const f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
	return f.format(new Date(t));
}

/* A day heading, "Monday 8 December", in zone. */
function dayHeading(zone, t) {
	const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long' });
	const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
	return `${p.weekday} ${p.day} ${p.month}`;
}

/* "Monday 8 December 2026, 10:00–10:50 (Europe/Berlin)", as pages write a time. */
function whenText(zone, start, end) {
	const s = zoneParts(zone, start);
	const e = zoneParts(zone, end);
	return `${DAY_NAMES[s.weekday - 1]} ${s.d} ${MONTH_NAMES[s.m - 1]} ${s.y}, ${pad(s.hh)}:${pad(s.mm)}` +
	    `\u2013${pad(e.hh)}:${pad(e.mm)} (${zone})`;
}

const BERLIN = 'Europe/Berlin';
const TOKYO = 'Asia/Tokyo';
const NEW_YORK = 'America/New_York';
const SYDNEY = 'Australia/Sydney';
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => `${d} 09:00-12:00`);
const TRIAL = { kind: 'trial', name: 'Trial session', minutes: 50, fee: 80, currency: 'EUR', mode: 'video', active: true };

const berlinDaily = (extra = {}) => ({
	timezone: BERLIN, buffer_minutes: 10, min_notice_minutes: 0, max_days_ahead: 30,
	cancel_window_hours: 24, hours: EVERY_DAY, dates_off: [], ...extra,
});

/* ---- mail ------------------------------------------------------------------------ */

/* The text part of a (possibly multipart) message. */
function mailText(msg) {
	const m = /boundary="([^"]+)"/.exec(msg.headers['content-type'] || '');
	if (!m)
		return msg.body;
	for (const piece of msg.body.split(`--${m[1]}`).slice(1)) {
		const part = piece.replace(/^\r\n/, '');
		const split = part.indexOf('\r\n\r\n');
		if (/content-type:\s*text\/plain/i.test(part.slice(0, split)))
			return decodeQuotedPrintable(part.slice(split + 4));
	}
	return msg.body;
}

const mailMatching = (server, to, re) => mailTo(server.maildir, to).filter((m) => re.test(m.subject));

/* Waits for the n-th message to `to` with a subject matching re. */
async function waitMail(server, to, re, n = 1, timeoutMs = 10000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const list = mailMatching(server, to, re);
		if (list.length >= n)
			return list[n - 1];
		if (Date.now() > deadline) {
			const all = mailTo(server.maildir, to).map((m) => m.subject);
			throw new Error(`no mail #${n} matching ${re} to ${to} within ${timeoutMs} ms (have: ${all.join(' | ')})`);
		}
		await sleep(25);
	}
}

/* The token of the manage link in a booked mail. */
function manageToken(msg) {
	const text = mailText(msg);
	const m = /\/appointments\/manage\?token=([A-Za-z0-9_-]{43})\b/.exec(text);
	assert.ok(m, `a manage link in: ${text}`);
	return m[1];
}

/* ---- a browser, roughly ---------------------------------------------------------- */

const decodeEntities = (s) => s
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/* The forms of a page: { method, action, fields: {name: value of hidden inputs}, html }. */
function formsOf(html) {
	const out = [];
	const re = /<form\b([^>]*)>([\s\S]*?)<\/form>/g;
	let m;
	while ((m = re.exec(html)) !== null) {
		const attrs = m[1];
		const method = (/method="([^"]*)"/.exec(attrs) || [])[1] || 'get';
		const action = decodeEntities((/action="([^"]*)"/.exec(attrs) || [])[1] || '');
		const fields = {};
		for (const h of m[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
			fields[h[1]] = decodeEntities(h[2]);
		out.push({ method, action, fields, html: m[2] });
	}
	return out;
}

function formTo(html, action, method = 'post') {
	const f = formsOf(html).find((x) => x.action === action && x.method === method);
	assert.ok(f, `a ${method} form to ${action} in:\n${html.slice(0, 3000)}`);
	return f;
}

/* The csrf field of the first post form to action (or any post form). */
function csrfOf(html, action) {
	const f = formsOf(html).find((x) => x.method === 'post' && (!action || x.action === action) && x.fields.csrf);
	assert.ok(f, `a form with a csrf field${action ? ` posting to ${action}` : ''} in:\n${html.slice(0, 3000)}`);
	return f.fields.csrf;
}

async function open(c, path) {
	return c.get(path);
}

/* POSTs a form as a browser would. */
async function send(c, path, fields, csrf) {
	const body = new URLSearchParams();
	body.append('csrf', csrf);
	for (const [k, v] of Object.entries(fields))
		body.append(k, v);
	return c.call('POST', path, { body: body.toString(), contentType: FORM });
}

/* GETs the page holding the form, then POSTs it. */
async function fill(c, pagePath, action, fields) {
	const page = await open(c, pagePath);
	assert.equal(page.status, 200, page.where);
	return send(c, action, fields, csrfOf(page.text, action));
}

function assertRedirect(res, location) {
	assert.equal(res.status, 303, res.where);
	if (location instanceof RegExp)
		assert.match(res.headers.get('location'), location, res.where);
	else
		assert.equal(res.headers.get('location'), location, res.where);
}

function assertHtml(res, status) {
	assert.equal(res.status, status, res.where);
	assert.match(res.headers.get('content-type') || '', /^text\/html/, res.where);
}

/* The element with this id, opening tag only. */
function tagWithId(html, id) {
	const m = new RegExp(`<[a-z]+[^>]* id="${id}"[^>]*>`).exec(html);
	assert.ok(m, `an element #${id}`);
	return m[0];
}

/* The text inside <textarea id=id>. */
function textareaText(html, id) {
	const m = new RegExp(`<textarea[^>]* id="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
	assert.ok(m, `a textarea #${id}`);
	return decodeEntities(m[1]);
}

/* The selected option of <select id=id>. */
function selected(html, id) {
	const m = new RegExp(`<select[^>]* id="${id}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
	assert.ok(m, `a select #${id}`);
	const all = [...m[1].matchAll(/<option value="([^"]*)" selected>/g)].map((x) => decodeEntities(x[1]));
	assert.equal(all.length, 1, `one selected option in #${id}: ${all}`);
	return all[0];
}

/* The error shown on a form page. */
function formError(html) {
	const m = /<div class="form-error" role="alert"><p>([\s\S]*?)<\/p><\/div>/.exec(html);
	assert.ok(m, `a form error on:\n${html.slice(0, 3000)}`);
	return decodeEntities(m[1]);
}

/* The free times on a page: [{ day (heading), times: [{ start (ms), iso, label, checked }] }]. */
function slotDays(html) {
	const days = [];
	for (const f of html.matchAll(/<fieldset class="slot-day"><legend>([^<]*)<\/legend><div class="slots">([\s\S]*?)<\/div><\/fieldset>/g)) {
		const times = [];
		for (const s of f[2].matchAll(/<label class="slot"><input type="radio" name="start" required value="([^"]*)"( checked)?><span>([^<]*)<\/span><\/label>/g))
			times.push({ iso: s[1], start: Date.parse(s[1]), label: s[3], checked: !!s[2] });
		days.push({ day: decodeEntities(f[1]), times });
	}
	const radios = (html.match(/name="start"/g) || []).length;
	assert.equal(days.reduce((n, d) => n + d.times.length, 0), radios, 'every radio button is inside a day');
	return days;
}
const slotStarts = (html) => slotDays(html).flatMap((d) => d.times.map((t) => t.start));

/* Checks that labels and headings are the UTC values in zone. */
function assertSlotsIn(html, zone) {
	const days = slotDays(html);
	assert.ok(days.length > 0, 'some free times');
	for (const d of days) {
		assert.ok(d.times.length > 0, `a day with times: ${d.day}`);
		for (const t of d.times) {
			assert.match(t.iso, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
			assert.equal(t.label, clockIn(zone, t.start), `${t.iso} shown in ${zone}`);
			assert.equal(d.day, dayHeading(zone, t.start), `${t.iso} under its day in ${zone}`);
		}
	}
	return days;
}

/* ---- actors ----------------------------------------------------------------------- */

let nameSeq = 0;
const letters = (n) => { let s = ''; do { s = String.fromCharCode(97 + (n % 26)) + s; n = Math.floor(n / 26); } while (n > 0); return s; };

/* A therapist with a profile, accepting new clients, the given availability and types. */
async function makeBookableTherapist(server, { tag = 'bp-therapist', availability, types = { trial: TRIAL }, accepting = true } = {}) {
	const actor = await makeTherapist(server, { tag });
	nameSeq++;
	actor.name = `Thea Pages${letters(nameSeq + process.pid % 1000)}`;
	const res = await actor.client.post('/api/v1/therapists', profileBody(actor.name));
	assert.equal(res.status, 201, res.where);
	actor.profileId = res.json.id;
	const acc = await actor.client.patch(`/api/v1/therapists/${actor.profileId}`, { accepting_new_clients: accepting });
	assert.equal(acc.status, 200, acc.where);
	if (availability) {
		const av = await actor.client.call('PUT', '/api/v1/me/availability', { json: availability });
		assert.equal(av.status, 200, av.where);
	}
	actor.types = {};
	for (const [key, body] of Object.entries(types)) {
		const t = await actor.client.post('/api/v1/me/appointment-types', body);
		assert.equal(t.status, 201, t.where);
		actor.types[key] = t.json.type;
	}
	return actor;
}

/* ---- the server ------------------------------------------------------------------ */

let server;

before(async () => {
	server = await startAccountServer();
});

after(async () => {
	if (server)
		await server.stop();
});

const anonymous = () => new Client(server.url);

async function listSlots(therapist, type, { tz, from, days } = {}) {
	const q = new URLSearchParams({ type: String(type.id) });
	if (tz)
		q.set('tz', tz);
	if (from)
		q.set('from', from);
	if (days)
		q.set('days', String(days));
	const res = await anonymous().get(`/api/v1/therapists/${therapist.profileId}/slots?${q}`);
	assert.equal(res.status, 200, res.where);
	return res.json.slots.map((s) => Date.parse(s.start));
}

function book(client, therapist, type, start, extra = {}) {
	return client.post(`/api/v1/therapists/${therapist.profileId}/bookings`, {
		type: type.id, start: isoUtc(start), name: 'Robin Client', timezone: BERLIN, ...extra,
	});
}

async function myAppointment(actor, ref, as = 'client') {
	const res = await actor.client.get(`/api/v1/me/appointments?as=${as}&when=upcoming`);
	assert.equal(res.status, 200, res.where);
	return res.json.appointments.find((a) => a.ref === ref);
}

/* ==== 1. the therapist's availability page =========================================== */

describe('the availability page', () => {
	let t;
	const PAGE = '/therapist/availability';
	const today = () => localDate(BERLIN, Date.now());

	before(async () => {
		/* No availability yet: the zone is the office's (Austin). */
		t = await makeBookableTherapist(server, { tag: 'bp-avail', types: {} });
	});

	test('GET: the form with the current zone selected and the current numbers', async () => {
		const res = await open(t.client, PAGE);
		assertHtml(res, 200);
		assert.equal(res.headers.get('cache-control'), 'no-store');
		assert.equal(selected(res.text, 'timezone'), 'America/Chicago', 'the zone of the office');
		assert.equal(textareaText(res.text, 'hours'), '');
		formTo(res.text, PAGE);
		for (const name of ['buffer_minutes', 'min_notice_hours', 'max_days_ahead', 'cancel_window_hours'])
			assert.match(tagWithId(res.text, name), new RegExp(`type="number".*name="${name}" value="\\d+"`));
		assert.match(res.text, /Start accepting new clients|Stop accepting new clients/);
	});

	test('POST hours, dates off and numbers: 303 to ?done=saved; the API and the page show them', async () => {
		const d1 = addDays(today(), 40);
		const d2 = addDays(today(), 20);
		const res = await fill(t.client, PAGE, PAGE, {
			timezone: BERLIN,
			hours: 'mon 09:00-12:00\nTUE 13:00-17:00',
			dates_off: `${d1}\r\n${d2}, ${d1}`,
			buffer_minutes: '15',
			min_notice_hours: '3',
			max_days_ahead: '45',
			cancel_window_hours: '36',
		});
		assertRedirect(res, `${PAGE}?done=saved`);
		const api = await t.client.get('/api/v1/me/availability');
		assert.equal(api.status, 200, api.where);
		assert.equal(api.json.timezone, BERLIN);
		assert.deepEqual(api.json.hours, ['mon 09:00-12:00', 'tue 13:00-17:00']);
		assert.deepEqual(api.json.dates_off, [d2, d1]);
		assert.equal(api.json.buffer_minutes, 15);
		assert.equal(api.json.min_notice_minutes, 180, 'hours on the form, minutes in the API');
		assert.equal(api.json.max_days_ahead, 45);
		assert.equal(api.json.cancel_window_hours, 36);

		const page = await open(t.client, `${PAGE}?done=saved`);
		assertHtml(page, 200);
		assert.match(page.text, /role="status">Saved\.</);
		assert.equal(selected(page.text, 'timezone'), BERLIN);
		assert.equal(textareaText(page.text, 'hours'), 'mon 09:00-12:00\ntue 13:00-17:00\n');
		assert.equal(textareaText(page.text, 'dates_off'), `${d2}\n${d1}\n`);
		assert.match(tagWithId(page.text, 'buffer_minutes'), /value="15"/);
		assert.match(tagWithId(page.text, 'min_notice_hours'), /value="3"/);
		assert.match(tagWithId(page.text, 'max_days_ahead'), /value="45"/);
		assert.match(tagWithId(page.text, 'cancel_window_hours'), /value="36"/);
	});

	test('a line written another way: 422, the format named, the typed text kept, nothing saved', async () => {
		const typed = 'mon 09:00-12:00\nmonday 9-12 <b>&';
		const res = await fill(t.client, PAGE, PAGE, {
			timezone: BERLIN, hours: typed, dates_off: '', buffer_minutes: '20', min_notice_hours: '3',
			max_days_ahead: '45', cancel_window_hours: '36',
		});
		assertHtml(res, 422);
		assert.match(formError(res.text), /mon 09:00-12:30/, 'the error shows the format');
		assert.equal(textareaText(res.text, 'hours'), typed, 'what was typed comes back (escaped)');
		assert.ok(!res.text.includes('<b>&'), 'typed text is escaped');
		assert.ok(csrfOf(res.text, PAGE), 'the form can be sent again');
		const api = await t.client.get('/api/v1/me/availability');
		assert.deepEqual(api.json.hours, ['mon 09:00-12:00', 'tue 13:00-17:00']);
		assert.equal(api.json.buffer_minutes, 15, 'nothing changed');
	});

	test('an unknown zone: 422, nothing saved', async () => {
		const res = await fill(t.client, PAGE, PAGE, { timezone: 'Mars/Olympus_Mons', hours: 'wed 10:00-11:00' });
		assertHtml(res, 422);
		assert.match(formError(res.text), /zone/i);
		assert.equal(textareaText(res.text, 'hours'), 'wed 10:00-11:00');
		const api = await t.client.get('/api/v1/me/availability');
		assert.equal(api.json.timezone, BERLIN);
		assert.deepEqual(api.json.hours, ['mon 09:00-12:00', 'tue 13:00-17:00']);
	});

	test('add a type: it is listed (page and API); remove it: gone', async () => {
		const res = await fill(t.client, PAGE, `${PAGE}/types`, {
			kind: 'trial', name: 'Paartherapie – Probe', minutes: '45', fee: '90', currency: 'EUR', mode: 'in_person',
		});
		assertRedirect(res, `${PAGE}?done=type`);
		const api = await t.client.get('/api/v1/me/availability');
		const type = api.json.types.find((x) => x.name === 'Paartherapie – Probe');
		assert.ok(type, api.where);
		assert.deepEqual([type.kind, type.minutes, type.fee, type.currency, type.mode], ['trial', 45, 90, 'EUR', 'in_person']);
		const page = await open(t.client, PAGE);
		assert.ok(page.text.includes('<li>Paartherapie – Probe (trial, 45 minutes, 90 EUR, in person)'), 'listed');
		const remove = `${PAGE}/types/${type.id}/delete`;
		formTo(page.text, remove);

		/* A second type, to be kept. */
		assertRedirect(await fill(t.client, PAGE, `${PAGE}/types`, { kind: 'consultation', name: 'Kennenlernen', minutes: '15' }),
		    `${PAGE}?done=type`);
		assertRedirect(await fill(t.client, PAGE, remove, {}), `${PAGE}?done=type`);
		const after = await t.client.get('/api/v1/me/availability');
		assert.ok(!after.json.types.some((x) => x.id === type.id), 'removed');
		assert.ok(after.json.types.some((x) => x.name === 'Kennenlernen' && x.kind === 'consultation' && x.fee === 0), 'the other stays');
		const again = await open(t.client, PAGE);
		assert.ok(!again.text.includes('Paartherapie'), 'not listed');
		assert.ok(!formsOf(again.text).some((f) => f.action === remove));
		assert.ok(again.text.includes('<li>Kennenlernen (consultation, 15 minutes, free, by video)'));
		/* Removing it again: nothing there. */
		const gone = await send(t.client, remove, {}, csrfOf(again.text));
		assert.equal(gone.status, 404, gone.where);
	});

	test('accepting new clients: the button switches it; the public profile loses and regains booking', async () => {
		const profileUrl = `/api/v1/therapists/${t.profileId}`;
		const bookLink = `/therapists/${t.profileId}/book?type=`;
		assert.equal((await anonymous().get(profileUrl)).json.accepting_new_clients, true);
		const profile = await anonymous().get(`/therapists/${t.profileId}`);
		assertHtml(profile, 200);
		assert.ok(profile.text.includes(bookLink), 'the profile offers booking');

		const page = await open(t.client, PAGE);
		assert.match(page.text, /You are <strong>accepting new clients<\/strong>/);
		const form = formTo(page.text, `${PAGE}/accepting`);
		assert.equal(form.fields.accepting, 'false');
		assert.match(form.html, /Stop accepting new clients/);
		assertRedirect(await send(t.client, `${PAGE}/accepting`, { accepting: form.fields.accepting }, form.fields.csrf),
		    `${PAGE}?done=accepting`);
		assert.equal((await anonymous().get(profileUrl)).json.accepting_new_clients, false);
		const hidden = await anonymous().get(`/therapists/${t.profileId}`);
		assertHtml(hidden, 200);
		assert.ok(!hidden.text.includes(bookLink), 'no booking on the profile');
		assert.ok(!hidden.text.includes('id="book"'));
		const type = (await t.client.get('/api/v1/me/availability')).json.types[0];
		assert.equal((await anonymous().get(`/therapists/${t.profileId}/book?type=${type.id}`)).status, 404);

		const off = await open(t.client, PAGE);
		assert.match(off.text, /not accepting new\s+clients/);
		const back = formTo(off.text, `${PAGE}/accepting`);
		assert.equal(back.fields.accepting, 'true');
		assertRedirect(await send(t.client, `${PAGE}/accepting`, { accepting: 'true' }, back.fields.csrf), `${PAGE}?done=accepting`);
		assert.equal((await anonymous().get(profileUrl)).json.accepting_new_clients, true);
		assert.ok((await anonymous().get(`/therapists/${t.profileId}`)).text.includes(bookLink), 'booking is back');
	});

	test('the calendar feed: its address shown once, answering text/calendar; "Turn off" ends it', async () => {
		const page = await open(t.client, PAGE);
		const form = formTo(page.text, `${PAGE}/feed`);
		assert.match(form.html, /name="feed" value="new">Turn on the feed/);
		assert.ok(!/value="off"/.test(form.html), 'nothing to turn off yet');
		const res = await send(t.client, `${PAGE}/feed`, { feed: 'new' }, form.fields.csrf);
		assertHtml(res, 200);
		const m = /<code class="feed-url">[^<]*?(\/calendar\/[A-Za-z0-9_-]{43}\.ics)<\/code>/.exec(res.text);
		assert.ok(m, `the address on the page: ${res.text.slice(0, 3000)}`);
		const url = m[1];
		const feed = await anonymous().get(url);
		assert.equal(feed.status, 200, feed.where);
		assert.match(feed.headers.get('content-type'), /^text\/calendar/);
		assert.match(feed.text, /^BEGIN:VCALENDAR\r\n/);
		assert.equal((await t.client.get('/api/v1/me/availability')).json.calendar_feed, true);

		const later = await open(t.client, PAGE);
		assert.ok(!later.text.includes(url), 'shown only once');
		assert.ok(!/\/calendar\/[A-Za-z0-9_-]{43}\.ics/.test(later.text));
		const on = formTo(later.text, `${PAGE}/feed`);
		assert.match(on.html, /name="feed" value="off"[^>]*>Turn off</);
		assertRedirect(await send(t.client, `${PAGE}/feed`, { feed: 'off' }, on.fields.csrf), `${PAGE}?done=feed`);
		assert.equal((await anonymous().get(url)).status, 404, 'the old address is dead');
		assert.equal((await t.client.get('/api/v1/me/availability')).json.calendar_feed, false);
	});

	test('a client gets 403 and anonymous is sent to sign in', async () => {
		const c = await makeUser(server, { tag: 'bp-avail-client' });
		assert.equal((await c.client.get(PAGE)).status, 403);
		const anon = await anonymous().get(PAGE);
		assert.ok([303, 401].includes(anon.status), anon.where);
	});
});

/* ==== 2. a visitor books through the forms ============================================ */

describe('booking through the forms', () => {
	let t;
	let path;
	let day;			/* a Berlin date three days ahead */

	before(async () => {
		t = await makeBookableTherapist(server, { tag: 'bp-book', availability: berlinDaily() });
		path = `/therapists/${t.profileId}/book`;
		day = addDays(localDate(BERLIN, Date.now()), 3);
	});

	test('the times listed in Asia/Tokyo: labels and day headings from the UTC values; the zone form and "Later dates" keep type and tz', async () => {
		const res = await open(anonymous(), `${path}?type=${t.types.trial.id}&tz=${encodeURIComponent(TOKYO)}`);
		assertHtml(res, 200);
		assert.ok(res.text.includes(`<h1>Book with ${t.name}</h1>`));
		assert.ok(res.text.includes('<span class="zone">(Asia/Tokyo)</span>'));
		const days = assertSlotsIn(res.text, TOKYO);
		/* 09:00, 10:00, 11:00 in Berlin: three a day, the same as the API lists. */
		const api = await listSlots(t, t.types.trial, { tz: TOKYO, days: 14 });
		assert.deepEqual(days.flatMap((d) => d.times.map((x) => x.start)), api);
		assert.ok(days.slice(1).every((d) => d.times.length === 3), 'three times on each whole day');
		assert.equal(new Set(days.map((d) => d.day)).size, days.length, 'one heading per day');
		const want = zonedTime(BERLIN, day, 10);
		assert.ok(slotStarts(res.text).includes(want), '10:00 in Berlin three days ahead is offered');

		const zone = formTo(res.text, path, 'get');
		assert.equal(zone.fields.type, String(t.types.trial.id));
		assert.equal(selected(zone.html, 'tz'), TOKYO);
		const post = formTo(res.text, path);
		assert.equal(post.fields.type, String(t.types.trial.id));
		assert.equal(post.fields.tz, TOKYO);

		const link = /<p class="later"><a href="([^"]*)">Later dates/.exec(res.text);
		assert.ok(link, 'a link to later dates');
		const later = new URL(decodeEntities(link[1]), server.url);
		assert.equal(later.pathname, path);
		assert.equal(later.searchParams.get('type'), String(t.types.trial.id));
		assert.equal(later.searchParams.get('tz'), TOKYO);
		assert.equal(later.searchParams.get('from'), addDays(localDate(TOKYO, Date.now()), 14));
		const next = await open(anonymous(), later.pathname + later.search);
		assertHtml(next, 200);
		const nextDays = assertSlotsIn(next.text, TOKYO);
		for (const x of nextDays.flatMap((d) => d.times))
			assert.ok(localDate(TOKYO, x.start) >= later.searchParams.get('from'), `${x.iso} is on a later date`);
		assert.deepEqual(nextDays.flatMap((d) => d.times.map((x) => x.start)),
		    await listSlots(t, t.types.trial, { tz: TOKYO, from: later.searchParams.get('from'), days: 14 }));

		/* The same page in the therapist's zone, by default. */
		const dflt = await open(anonymous(), `${path}?type=${t.types.trial.id}`);
		assert.equal(selected(formTo(dflt.text, path, 'get').html, 'tz'), BERLIN);
		assertSlotsIn(dflt.text, BERLIN);
	});

	test('a guest: 200 "Check your email" with the time in their zone; the confirm mail goes out', async () => {
		const c = anonymous();
		const start = zonedTime(BERLIN, day, 10);
		const email = uniqueEmail('bp-guest');
		const page = await open(c, `${path}?type=${t.types.trial.id}&tz=${encodeURIComponent(TOKYO)}`);
		const form = formTo(page.text, path);
		const res = await send(c, path, {
			type: form.fields.type, tz: form.fields.tz, start: isoUtc(start), name: 'Åsa Gäst', email, note: 'Hallo',
		}, form.fields.csrf);
		assertHtml(res, 200);
		assert.match(res.text, /<h1>Check your email<\/h1>/);
		assert.ok(res.text.includes(whenText(TOKYO, start, start + 50 * MINUTE)), `the time in Tokyo on: ${res.text.slice(0, 3000)}`);
		assert.ok(res.text.includes(email));
		const held = await waitMail(server, email, /^Please confirm/);
		assert.match(held.body, /\/appointments\/confirm\?token=/);
		assert.ok(!(await listSlots(t, t.types.trial, { from: day, days: 1 })).includes(start), 'held');
	});

	test('a refused booking (the same time again): 409, the message, the typed name, email and note kept', async () => {
		const c = anonymous();
		const start = zonedTime(BERLIN, day, 10);
		const page = await open(c, `${path}?type=${t.types.trial.id}&tz=${encodeURIComponent(TOKYO)}`);
		assert.ok(!slotStarts(page.text).includes(start), 'no longer offered');
		const email = uniqueEmail('bp-guest-late');
		const note = 'Zweite Zeile <i>&\nüber';
		const res = await send(c, path, {
			type: String(t.types.trial.id), tz: TOKYO, start: isoUtc(start), name: 'Øle <Late>', email, note,
		}, csrfOf(page.text, path));
		assertHtml(res, 409);
		assert.match(formError(res.text), /Someone has just booked this time/);
		assert.match(tagWithId(res.text, 'name'), /value="Øle &lt;Late&gt;"/);
		assert.match(tagWithId(res.text, 'email'), new RegExp(`value="${email}"`));
		assert.equal(textareaText(res.text, 'note'), note);
		assert.ok(!res.text.includes('<Late>') && !res.text.includes('<i>&'), 'escaped');
		/* Still a working form, in the zone that was sent. */
		const form = formTo(res.text, path);
		assert.equal(form.fields.tz, TOKYO);
		assertSlotsIn(res.text, TOKYO);
		await sleep(200);
		assert.equal(mailTo(server.maildir, email).length, 0, 'no mail for a refused booking');
	});

	test('no time chosen: 400 page asking for one, nothing booked', async () => {
		const c = anonymous();
		const page = await open(c, `${path}?type=${t.types.trial.id}`);
		const email = uniqueEmail('bp-guest-nostart');
		const res = await send(c, path, { type: String(t.types.trial.id), tz: BERLIN, name: 'No Start', email }, csrfOf(page.text, path));
		assertHtml(res, 400);
		assert.match(formError(res.text), /Choose one of the free times/);
		assert.match(tagWithId(res.text, 'name'), /value="No Start"/);
		const bogus = await send(c, path, { type: String(t.types.trial.id), tz: BERLIN, start: 'tomorrow', name: 'No Start', email },
		    csrfOf(page.text, path));
		assertHtml(bogus, 400);
		await sleep(200);
		assert.equal(mailTo(server.maildir, email).length, 0);
	});
});

/* ==== 3. a signed-in client: book, list, move, cancel ================================= */

describe('a signed-in client books, moves and cancels with the pages', () => {
	let t;
	let client;
	let path;
	let day;
	let ref;
	let start;

	before(async () => {
		t = await makeBookableTherapist(server, { tag: 'bp-client-t', availability: berlinDaily() });
		client = await makeUser(server, { tag: 'bp-client', name: 'Casey Client' });
		path = `/therapists/${t.profileId}/book`;
		day = addDays(localDate(BERLIN, Date.now()), 4);
		start = zonedTime(BERLIN, day, 9);
	});

	test('booking: 303 to /appointments/REF?done=booked; that page says Booked', async () => {
		const page = await open(client.client, `${path}?type=${t.types.trial.id}&tz=${encodeURIComponent(TOKYO)}`);
		assertHtml(page, 200);
		assert.match(tagWithId(page.text, 'name'), /value="Casey Client"/, 'the account\'s name filled in');
		assert.ok(!/id="email"/.test(page.text), 'no email field when signed in');
		const res = await send(client.client, path, {
			type: String(t.types.trial.id), tz: TOKYO, start: isoUtc(start), name: 'Casey Client',
		}, csrfOf(page.text, path));
		assertRedirect(res, /^\/appointments\/[A-Za-z0-9_-]{16,}\?done=booked$/);
		ref = /^\/appointments\/([^?]+)/.exec(res.headers.get('location'))[1];
		const shown = await open(client.client, res.headers.get('location'));
		assertHtml(shown, 200);
		assert.match(shown.text, /role="status">Booked\./);
		assert.match(shown.text, /<dd class="status">Booked<\/dd>/);
		assert.ok(shown.text.includes(whenText(TOKYO, start, start + 50 * MINUTE)), 'in the client\'s zone');
		assert.ok(shown.text.includes(t.name));
		const a = await myAppointment(client, ref);
		assert.ok(a, 'in the API');
		assert.equal(a.start, isoUtc(start));
		assert.equal(a.status, 'booked');
		await waitMail(server, client.email, /^Booked: /);
	});

	test('/account/appointments lists it, in the client\'s zone, with a link', async () => {
		const res = await open(client.client, '/account/appointments');
		assertHtml(res, 200);
		const row = new RegExp(`<tr><td>([^<]*)</td><td>Trial session</td><td>${t.name}</td><td>Booked</td><td><a href="/appointments/${ref}">Open</a></td></tr>`).exec(res.text);
		assert.ok(row, `a row for ${ref} in: ${res.text.slice(0, 3000)}`);
		assert.equal(decodeEntities(row[1]), whenText(TOKYO, start, start + 50 * MINUTE));
	});

	test('another client: 404 for the page, the move and the cancel', async () => {
		const other = await makeUser(server, { tag: 'bp-client-other' });
		assert.equal((await other.client.get(`/appointments/${ref}`)).status, 404);
		assert.equal((await other.client.get(`/appointments/${ref}?move=1`)).status, 404);
		const csrf = csrfOf((await open(other.client, '/account/appointments')).text, '/signout');
		assert.equal((await send(other.client, `/appointments/${ref}/cancel`, {}, csrf)).status, 404);
		assert.equal((await send(other.client, `/appointments/${ref}/move`, { start: isoUtc(zonedTime(BERLIN, day, 11)) }, csrf)).status, 404);
		assert.ok(!(await open(other.client, '/account/appointments')).text.includes(ref));
		assert.equal((await myAppointment(client, ref)).status, 'booked', 'untouched');
	});

	test('the move page: free times in the client\'s zone, a form to /appointments/REF/move, a zone form keeping move=1', async () => {
		const page = await open(client.client, `/appointments/${ref}`);
		assert.ok(page.text.includes(`href="/appointments/${ref}?move=1">Choose another time`));
		formTo(page.text, `/appointments/${ref}/cancel`);
		const res = await open(client.client, `/appointments/${ref}?move=1`);
		assertHtml(res, 200);
		assert.ok(res.text.includes(`<h1>Choose a new time with ${t.name}</h1>`));
		const days = assertSlotsIn(res.text, TOKYO);
		assert.ok(!days.flatMap((d) => d.times).some((x) => x.start === start), 'its own time is not offered');
		const form = formTo(res.text, `/appointments/${ref}/move`);
		assert.equal(form.fields.tz, TOKYO);
		assert.equal(form.fields.type, undefined);
		const zone = formTo(res.text, `/appointments/${ref}`, 'get');
		assert.equal(zone.fields.move, '1');
		assert.equal(selected(zone.html, 'tz'), TOKYO);
		/* Another zone by that form. */
		const ny = await open(client.client, `/appointments/${ref}?move=1&tz=${encodeURIComponent(NEW_YORK)}`);
		assertHtml(ny, 200);
		assertSlotsIn(ny.text, NEW_YORK);
		const later = /<p class="later"><a href="([^"]*)">/.exec(ny.text);
		assert.ok(later);
		const u = new URL(decodeEntities(later[1]), server.url);
		assert.equal(u.pathname, `/appointments/${ref}`);
		assert.equal(u.searchParams.get('move'), '1');
		assert.equal(u.searchParams.get('tz'), NEW_YORK);
	});

	test('moving: 303 ?done=moved; the API shows the new time; the old one is free again', async () => {
		const to = zonedTime(BERLIN, addDays(day, 1), 11);
		const page = await open(client.client, `/appointments/${ref}?move=1`);
		assert.ok(slotStarts(page.text).includes(to));
		const res = await send(client.client, `/appointments/${ref}/move`, { tz: TOKYO, start: isoUtc(to) },
		    csrfOf(page.text, `/appointments/${ref}/move`));
		assertRedirect(res, `/appointments/${ref}?done=moved`);
		assert.equal((await myAppointment(client, ref)).start, isoUtc(to));
		const shown = await open(client.client, res.headers.get('location'));
		assert.match(shown.text, /role="status">Moved\./);
		assert.ok(shown.text.includes(whenText(TOKYO, to, to + 50 * MINUTE)));
		assert.ok((await listSlots(t, t.types.trial, { from: day, days: 1 })).includes(start), 'the old time is free');
		await waitMail(server, client.email, /^New time: /);
		start = to;
		/* No time chosen: 400 on the move page. */
		const none = await send(client.client, `/appointments/${ref}/move`, { tz: TOKYO }, csrfOf(page.text));
		assertHtml(none, 400);
		assert.match(formError(none.text), /Choose one of the free times/);
	});

	test('cancelling: 303 ?done=cancelled; status cancelled', async () => {
		const page = await open(client.client, `/appointments/${ref}`);
		const res = await send(client.client, `/appointments/${ref}/cancel`, {}, csrfOf(page.text, `/appointments/${ref}/cancel`));
		assertRedirect(res, `/appointments/${ref}?done=cancelled`);
		const list = await client.client.get('/api/v1/me/appointments?as=client');
		assert.equal(list.json.appointments.find((a) => a.ref === ref).status, 'cancelled');
		const shown = await open(client.client, res.headers.get('location'));
		assert.match(shown.text, /role="status">Cancelled\./);
		assert.match(shown.text, /<dd class="status">Cancelled<\/dd>/);
		assert.ok(!formsOf(shown.text).some((f) => f.action === `/appointments/${ref}/cancel`), 'nothing left to cancel');
		assert.ok((await listSlots(t, t.types.trial, { from: localDate(BERLIN, start), days: 1 })).includes(start), 'free again');
		await waitMail(server, t.email, /^Cancelled: /);
	});
});

/* ==== 4. a guest: the confirm button and the manage link ================================ */

describe('a guest confirms with the page and manages by the mailed link', () => {
	let t;
	let day;
	let email;
	let ref;
	let manage;
	const c = new Client('');

	before(async () => {
		c.base = server.url;
		t = await makeBookableTherapist(server, { tag: 'bp-manage', availability: berlinDaily() });
		day = addDays(localDate(BERLIN, Date.now()), 5);
	});

	test('the confirm link shows a button (GET confirms nothing); its POST books', async () => {
		const start = zonedTime(BERLIN, day, 9);
		email = uniqueEmail('bp-manage');
		const res = await book(anonymous(), t, t.types.trial, start, { email, name: 'Gustav Gast', timezone: SYDNEY });
		assert.equal(res.status, 202, res.where);
		ref = res.json.appointment.ref;
		const token = linkToken(await waitMail(server, email, /^Please confirm/));
		const page = await open(c, `/appointments/confirm?token=${token}`);
		assertHtml(page, 200);
		assert.equal(page.headers.get('cache-control'), 'no-store');
		const form = formTo(page.text, '/appointments/confirm');
		assert.equal(form.fields.token, token);
		assert.match(form.html, /Confirm my booking<\/button>/);
		const held = await book(anonymous(), t, t.types.trial, start, { email: uniqueEmail('bp-manage-x') });
		assert.equal(held.status, 409, 'still held after the GET');

		const done = await send(c, '/appointments/confirm', { token }, form.fields.csrf);
		assertHtml(done, 200);
		assert.match(done.text, /<h1>Booked<\/h1>/);
		assert.match(done.text, /<dd class="status">Booked<\/dd>/);
		assert.ok(done.text.includes(whenText(SYDNEY, start, start + 50 * MINUTE)));
		const booked = await waitMail(server, email, /^Booked: /);
		manage = manageToken(booked);
		await waitMail(server, t.email, /^New booking: /);
	});

	test('the manage page: the appointment, "Choose another time" and "Cancel this appointment"; no-store', async () => {
		const res = await open(c, `/appointments/manage?token=${manage}`);
		assertHtml(res, 200);
		assert.equal(res.headers.get('cache-control'), 'no-store');
		assert.match(res.text, /<dd class="status">Booked<\/dd>/);
		assert.ok(res.text.includes(t.name));
		assert.ok(res.text.includes(whenText(SYDNEY, zonedTime(BERLIN, day, 9), zonedTime(BERLIN, day, 9) + 50 * MINUTE)));
		assert.ok(res.text.includes(`href="/appointments/manage?token=${manage}&amp;move=1">Choose another time`));
		const cancel = formTo(res.text, '/appointments/manage/cancel');
		assert.equal(cancel.fields.token, manage);
		assert.match(cancel.html, /Cancel this appointment<\/button>/);
		assert.ok(!res.text.includes('gustav'), 'no contact details shown to the link holder (beyond the name)');
		/* A bogus or cut link. */
		assert.equal((await anonymous().get(`/appointments/manage?token=${'x'.repeat(43)}`)).status, 404);
		assert.equal((await anonymous().get('/appointments/manage?token=short')).status, 404);
	});

	test('the move page by the link lists times; POST /appointments/manage/move: 303, moved', async () => {
		const res = await open(c, `/appointments/manage?token=${manage}&move=1`);
		assertHtml(res, 200);
		assert.equal(res.headers.get('cache-control'), 'no-store');
		assertSlotsIn(res.text, SYDNEY);
		const form = formTo(res.text, '/appointments/manage/move');
		assert.equal(form.fields.token, manage);
		assert.equal(form.fields.tz, SYDNEY);
		const zone = formTo(res.text, '/appointments/manage', 'get');
		assert.equal(zone.fields.token, manage);
		assert.equal(zone.fields.move, '1');
		const to = zonedTime(BERLIN, addDays(day, 1), 10);
		assert.ok(slotStarts(res.text).includes(to));
		const moved = await send(c, '/appointments/manage/move', { token: manage, tz: SYDNEY, start: isoUtc(to) }, form.fields.csrf);
		assertRedirect(moved, `/appointments/manage?token=${manage}&done=moved`);
		const api = await anonymous().post('/api/v1/appointments/manage', { token: manage });
		assert.equal(api.status, 200, api.where);
		assert.equal(api.json.appointment.start, isoUtc(to));
		assert.equal(api.json.appointment.ref, ref);
		const shown = await open(c, moved.headers.get('location'));
		assert.match(shown.text, /role="status">Moved\./);
		assert.ok(shown.text.includes(whenText(SYDNEY, to, to + 50 * MINUTE)));
		/* A time someone else has: the move page again, with the message. */
		const other = zonedTime(BERLIN, addDays(day, 2), 9);
		const theirs = await book((await makeUser(server, { tag: 'bp-manage-other' })).client, t, t.types.trial, other);
		assert.equal(theirs.status, 201, theirs.where);
		const taken = await send(c, '/appointments/manage/move', { token: manage, tz: SYDNEY, start: isoUtc(other) }, form.fields.csrf);
		assertHtml(taken, 409);
		assert.match(formError(taken.text), /Someone has just booked this time/);
		assertSlotsIn(taken.text, SYDNEY);
		assert.equal(formTo(taken.text, '/appointments/manage/move').fields.token, manage);
		assert.equal((await anonymous().post('/api/v1/appointments/manage', { token: manage })).json.appointment.start, isoUtc(to), 'not moved');
	});

	test('POST /appointments/manage/cancel: 303; cancelled; the therapist gets a "Cancelled" mail', async () => {
		const before = mailMatching(server, t.email, /^Cancelled: /).length;
		const page = await open(c, `/appointments/manage?token=${manage}`);
		const form = formTo(page.text, '/appointments/manage/cancel');
		const res = await send(c, '/appointments/manage/cancel', { token: manage }, form.fields.csrf);
		assertRedirect(res, `/appointments/manage?token=${manage}&done=cancelled`);
		await waitMail(server, t.email, /^Cancelled: /, before + 1);
		await waitMail(server, email, /^Cancelled: /);
		const shown = await open(c, res.headers.get('location'));
		assert.match(shown.text, /role="status">Cancelled\./);
		assert.match(shown.text, /<dd class="status">Cancelled<\/dd>/);
		assert.ok(!shown.text.includes('Choose another time'));
		assert.ok(!formsOf(shown.text).some((f) => f.action === '/appointments/manage/cancel'));
		/* Again: 409 on the page. */
		const again = await send(c, '/appointments/manage/cancel', { token: manage }, form.fields.csrf);
		assertHtml(again, 409);
		assert.match(formError(again.text), /cancelled/i);
	});
});

/* ==== 5. the therapist's side ============================================================ */

describe('the therapist\'s pages and the cancellation window', () => {
	let t;
	let client;
	let ref;
	let start;

	before(async () => {
		/* Clients may change nothing online within 30 days. */
		t = await makeBookableTherapist(server, { tag: 'bp-side', availability: berlinDaily({ cancel_window_hours: 720 }) });
		client = await makeUser(server, { tag: 'bp-side-client' });
		start = zonedTime(BERLIN, addDays(localDate(BERLIN, Date.now()), 2), 10);
		const res = await book(client.client, t, t.types.trial, start, { name: 'Clara Client', phone: '+1 555 0100', note: 'About us', timezone: NEW_YORK });
		assert.equal(res.status, 201, res.where);
		ref = res.json.appointment.ref;
	});

	test('/therapist/appointments lists it with the client\'s name and the time in the therapist\'s zone', async () => {
		const res = await open(t.client, '/therapist/appointments');
		assertHtml(res, 200);
		const row = new RegExp(`<tr><td>([^<]*)</td><td>Trial session</td><td>([^<]*)</td><td>Booked</td><td><a href="/appointments/${ref}">Open</a></td></tr>`).exec(res.text);
		assert.ok(row, `a row for ${ref} in: ${res.text.slice(0, 3000)}`);
		assert.equal(decodeEntities(row[1]), whenText(BERLIN, start, start + 50 * MINUTE));
		assert.equal(decodeEntities(row[2]), 'Clara Client');
		/* The client's own list has the New York time. */
		const mine = await open(client.client, '/account/appointments');
		assert.ok(mine.text.includes(whenText(NEW_YORK, start, start + 50 * MINUTE)));
		assert.ok(!mine.text.includes(whenText(BERLIN, start, start + 50 * MINUTE)));
	});

	test('the therapist\'s page shows the client\'s email, phone and note, and a cancel button', async () => {
		const res = await open(t.client, `/appointments/${ref}`);
		assertHtml(res, 200);
		assert.ok(res.text.includes(`<dt>Email</dt><dd>${client.email}</dd>`));
		assert.ok(res.text.includes('<dt>Phone</dt><dd>+1 555 0100</dd>'));
		assert.ok(res.text.includes('<dd class="note">About us</dd>'));
		assert.ok(res.text.includes(whenText(BERLIN, start, start + 50 * MINUTE)));
		formTo(res.text, `/appointments/${ref}/cancel`);
		/* The client's page has no email and no buttons: too late online. */
		const theirs = await open(client.client, `/appointments/${ref}`);
		assertHtml(theirs, 200);
		assert.ok(!theirs.text.includes(client.email), 'the client view does not echo contact details');
		assert.match(theirs.text, /too late to change this\s+appointment online/);
		assert.ok(!formsOf(theirs.text).some((f) => f.action === `/appointments/${ref}/cancel`));
	});

	test('inside the window the client gets a 409 page; the therapist cancels: 303', async () => {
		const csrf = csrfOf((await open(client.client, `/appointments/${ref}`)).text, '/signout');
		const refused = await send(client.client, `/appointments/${ref}/cancel`, {}, csrf);
		assertHtml(refused, 409);
		assert.match(formError(refused.text), /too late to change this appointment online/);
		assert.match(refused.text, /<dd class="status">Booked<\/dd>/);
		const moveRefused = await send(client.client, `/appointments/${ref}/move`,
		    { start: isoUtc(zonedTime(BERLIN, addDays(localDate(BERLIN, Date.now()), 3), 9)) }, csrf);
		assertHtml(moveRefused, 409);
		assert.equal((await myAppointment(client, ref)).status, 'booked');

		const page = await open(t.client, `/appointments/${ref}`);
		const res = await send(t.client, `/appointments/${ref}/cancel`, {}, csrfOf(page.text, `/appointments/${ref}/cancel`));
		assertRedirect(res, `/appointments/${ref}?done=cancelled`);
		const list = await client.client.get('/api/v1/me/appointments?as=client');
		assert.equal(list.json.appointments.find((a) => a.ref === ref).status, 'cancelled');
		await waitMail(server, client.email, /^Cancelled: /);
		const shown = await open(t.client, `/therapist/appointments`);
		assert.match(shown.text, new RegExp(`<td>Cancelled</td><td><a href="/appointments/${ref}">`));
	});
});
