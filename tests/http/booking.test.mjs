/*
 * Booking through the JSON API, against a real server: a therapist's
 * availability (and what it refuses), the free slots it yields in any
 * visitor's time zone (across daylight-saving changes, with dates off,
 * notice and horizon), booking by a signed-in client and by a guest who
 * confirms by the mailed link, every conflict the rules name, the
 * invitations (.ics attachments, parsed here), managing an appointment
 * by its mailed link or as either party, the private calendar feed, and
 * mail that survives a server that stops before it could send it.
 *
 * Times are computed from the clock (the server's and ours are the
 * same): each therapist works every day, so any date a few days ahead
 * has the hours a test needs; expected instants come from Intl (the
 * tz database of node's ICU), never from the server's own answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { IMAGO_BIN, REPO_ROOT, freePort, makeTestDb, sanitizerReport, sqliteJson } from '../lib/server.mjs';
import {
	Client, FAST_ENV, decodeQuotedPrintable, linkToken, mailTo, makeTherapist, makeUser, profileBody,
	sleep, sqliteExec, startAccountServer, uniqueEmail,
} from '../lib/accounts.mjs';
import {
	MINUTE, HOUR, DAY, pad, zoneParts, offsetMinutes, zonedTime, localDate, addDays, isoUtc,
} from '../lib/zones.mjs';

/* ---- time ---------------------------------------------------------------------- */

/* "20261208T080000Z", as iCalendar writes them. */
const icsUtc = (t) => isoUtc(t).replace(/[-:]/g, '');
/* "2026-12-08T03:00:00-05:00": the wall clock in zone with its offset. */
function isoLocal(zone, t) {
	const p = zoneParts(zone, t);
	const off = offsetMinutes(zone, t);
	const a = Math.abs(off);
	return `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.hh)}:${pad(p.mm)}:${pad(p.ss)}` +
	    `${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/* The local date on which zone next changes its offset, at least a
 * week ahead (so a listing from three days before lies in the future). */
function nextTransition(zone) {
	const now = Date.now();
	for (let i = 8; i < 366; i++) {
		if (offsetMinutes(zone, now + i * DAY) !== offsetMinutes(zone, now + (i - 1) * DAY))
			return localDate(zone, now + i * DAY);
	}
	throw new Error(`${zone} has no transition within a year`);
}

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const SYDNEY = 'Australia/Sydney';
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => `${d} 09:00-12:00`);
const TRIAL = { kind: 'trial', name: 'Trial session', minutes: 50, fee: 80, currency: 'EUR', mode: 'video', active: true };
const CONSULTATION = { kind: 'consultation', name: 'Free consultation', minutes: 15, fee: 0, currency: '', mode: 'video', active: true };

/* ---- errors -------------------------------------------------------------------- */

/* An API error: status (or one of several), code and param. */
function assertErr(res, status, code, param) {
	const statuses = Array.isArray(status) ? status : [status];
	assert.ok(statuses.includes(res.status), `expected ${statuses.join(' or ')}: ${res.where}`);
	assert.match(res.headers.get('content-type') || '', /^application\/json/, res.where);
	assert.ok(res.json && res.json.error, `an error object: ${res.where}`);
	if (code !== undefined)
		assert.equal(res.json.error.code, code, res.where);
	if (param instanceof RegExp)
		assert.match(res.json.error.param || '', param, res.where);
	else if (param !== undefined)
		assert.equal(res.json.error.param, param, res.where);
	assert.ok(typeof res.json.error.message === 'string' && res.json.error.message.length > 0, res.where);
}

/* ---- mail: the multipart message and its invitation ------------------------------ */

/* The text part (decoded) and the attachment (base64 decoded) of a message. */
function mimeParts(msg) {
	const m = /boundary="([^"]+)"/.exec(msg.headers['content-type'] || '');
	if (!m)
		return { text: msg.body, attachment: null };
	const out = { text: null, attachment: null };
	for (const piece of msg.body.split(`--${m[1]}`).slice(1)) {
		if (piece.startsWith('--'))
			break;
		const part = piece.replace(/^\r\n/, '');
		const split = part.indexOf('\r\n\r\n');
		const headers = {};
		for (const line of part.slice(0, split).replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
			const colon = line.indexOf(':');
			headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
		}
		const content = part.slice(split + 4);
		const type = headers['content-type'] || '';
		if (type.startsWith('text/plain')) {
			out.text = decodeQuotedPrintable(content);
		} else {
			assert.equal((headers['content-transfer-encoding'] || '').toLowerCase(), 'base64');
			out.attachment = {
				type,
				disposition: headers['content-disposition'] || '',
				data: Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8'),
			};
		}
	}
	return out;
}

/* Parses iCalendar text into components {name, props: [{name, params, value}], children}. */
function parseIcs(text) {
	assert.ok(/\r\n/.test(text), 'iCalendar lines end in CRLF');
	const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l !== '');
	const root = { name: '', props: [], children: [] };
	const stack = [root];
	for (const line of lines) {
		const colon = line.indexOf(':');
		assert.ok(colon > 0, `an iCalendar line has a colon: ${line}`);
		const [name, ...params] = line.slice(0, colon).split(';');
		const value = line.slice(colon + 1);
		if (name === 'BEGIN') {
			const c = { name: value, props: [], children: [] };
			stack[stack.length - 1].children.push(c);
			stack.push(c);
		} else if (name === 'END') {
			assert.equal(stack.pop().name, value, 'BEGIN and END match');
		} else {
			stack[stack.length - 1].props.push({ name, params, value });
		}
	}
	assert.equal(stack.length, 1, 'every component ends');
	assert.equal(root.children.length, 1, 'one VCALENDAR');
	assert.equal(root.children[0].name, 'VCALENDAR');
	return root.children[0];
}

const prop = (c, name) => c.props.find((p) => p.name === name)?.value;
const events = (cal) => cal.children.filter((c) => c.name === 'VEVENT');

/* The invitation of a mail: checked to be an .ics attachment; returns
 * the calendar, its one event, the text and the raw .ics. */
function invitation(msg) {
	const parts = mimeParts(msg);
	assert.ok(parts.attachment, `an attachment on "${msg.subject}"`);
	assert.match(parts.attachment.type, /^text\/calendar/i, msg.subject);
	assert.match(parts.attachment.disposition, /filename="[^"]+\.ics"/, msg.subject);
	const cal = parseIcs(parts.attachment.data);
	assert.equal(prop(cal, 'VERSION'), '2.0');
	assert.ok(prop(cal, 'PRODID'), 'PRODID');
	const evs = events(cal);
	assert.equal(evs.length, 1, 'one VEVENT');
	return { cal, ev: evs[0], text: parts.text, ics: parts.attachment.data, type: parts.attachment.type };
}

/* The messages to an address whose subject matches re. */
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

/* The token of the manage link in a (multipart) booked mail. */
function manageToken(msg) {
	const text = mimeParts(msg).text;
	const m = /\/appointments\/manage\?token=([A-Za-z0-9_-]{43})\b/.exec(text);
	assert.ok(m, `a manage link in: ${text}`);
	return m[1];
}

/* ---- actors ----------------------------------------------------------------------- */

let nameSeq = 0;
const letters = (n) => { let s = ''; do { s = String.fromCharCode(97 + (n % 26)) + s; n = Math.floor(n / 26); } while (n > 0); return s; };

/*
 * A therapist with a profile, accepting new clients, the given
 * availability and appointment types (types: { key: body }). Returns the
 * actor with profileId, name and types: { key: the saved type }.
 */
async function makeBookableTherapist(server, { tag = 'bk-therapist', availability, types = { trial: TRIAL, consult: CONSULTATION }, accepting = true } = {}) {
	const actor = await makeTherapist(server, { tag });
	nameSeq++;
	actor.name = `Thea Bookable${letters(nameSeq + process.pid % 1000)}`;
	const res = await actor.client.post('/api/v1/therapists', profileBody(actor.name));
	assert.equal(res.status, 201, res.where);
	actor.profileId = res.json.id;
	const acc = await actor.client.patch(`/api/v1/therapists/${actor.profileId}`, { accepting_new_clients: accepting });
	assert.equal(acc.status, 200, acc.where);
	const av = await actor.client.call('PUT', '/api/v1/me/availability', { json: availability });
	assert.equal(av.status, 200, av.where);
	actor.types = {};
	for (const [key, body] of Object.entries(types)) {
		const t = await actor.client.post('/api/v1/me/appointment-types', body);
		assert.equal(t.status, 201, t.where);
		actor.types[key] = t.json.type;
	}
	return actor;
}

const berlinDaily = (extra = {}) => ({
	timezone: BERLIN, buffer_minutes: 10, min_notice_minutes: 0, max_days_ahead: 30,
	cancel_window_hours: 24, hours: EVERY_DAY, dates_off: [], ...extra,
});

/* ---- the server ------------------------------------------------------------------ */

let server;

before(async () => {
	/* Housekeeping (expired holds, reminders) every second, not every minute. */
	server = await startAccountServer({ env: { IMAGO_HOUSEKEEPING_SECONDS: '1' } });
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
	for (const s of res.json.slots) {
		assert.match(s.start, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, JSON.stringify(s));
		assert.equal(Date.parse(s.end) - Date.parse(s.start), type.minutes * MINUTE, `a slot lasts the type's length: ${JSON.stringify(s)}`);
	}
	return res.json;
}

const starts = (listing) => listing.slots.map((s) => Date.parse(s.start));

function book(client, therapist, type, start, extra = {}) {
	return client.post(`/api/v1/therapists/${therapist.profileId}/bookings`, {
		type: type.id, start: isoUtc(start), name: 'Robin Client', timezone: BERLIN, ...extra,
	});
}

/* A signed-in client (no two-step sign-in; clients may leave it off). */
const makeClient = (tag = 'bk-client') => makeUser(server, { tag });

/* ==== 1. availability ================================================================ */

/* booking.h allows 400 dates off (BOOKING_DATES_OFF_MAX); a JSON list
 * must be able to carry them. */
const BOOKING_LIMIT_NOTE = 'dates_off allows BOOKING_DATES_OFF_MAX (400) dates:';

describe('availability: the therapist sets it; bad input is refused by name', () => {
	let t;
	const today = () => localDate(BERLIN, Date.now());
	let saved;

	before(async () => {
		t = await makeTherapist(server, { tag: 'bk-avail' });
		const res = await t.client.post('/api/v1/therapists', profileBody('Avery Availability'));
		assert.equal(res.status, 201, res.where);
		t.profileId = res.json.id;
	});

	test('before anything is set: defaults (in the zone of the office) and no hours', async () => {
		const res = await t.client.get('/api/v1/me/availability');
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.therapist_id, t.profileId);
		assert.equal(res.json.timezone, 'America/Chicago', 'the profile is in Austin');
		assert.deepEqual(res.json.hours, []);
		assert.deepEqual(res.json.dates_off, []);
		assert.equal(res.json.calendar_feed, false);
		/* Nothing to book yet. */
		const offer = await anonymous().get(`/api/v1/therapists/${t.profileId}/availability`);
		assert.equal(offer.status, 200, offer.where);
		assert.equal(offer.json.offered, false);
	});

	test('PUT then GET: the same settings back, hours sorted and normalised, dates sorted and unique', async () => {
		const d1 = addDays(today(), 40);
		const d2 = addDays(today(), 20);
		const body = {
			timezone: BERLIN,
			buffer_minutes: 15,
			min_notice_minutes: 120,
			max_days_ahead: 60,
			cancel_window_hours: 48,
			hours: ['WED 14:00-17:30', 'mon 13:00-15:00', 'Mon 09:00-12:00', 'fri 20:00-24:00'],
			dates_off: [d1, d2, d1],
		};
		const put = await t.client.call('PUT', '/api/v1/me/availability', { json: body });
		assert.equal(put.status, 200, put.where);
		const want = {
			timezone: BERLIN, buffer_minutes: 15, min_notice_minutes: 120, max_days_ahead: 60, cancel_window_hours: 48,
			hours: ['mon 09:00-12:00', 'mon 13:00-15:00', 'wed 14:00-17:30', 'fri 20:00-24:00'],
			dates_off: [d2, d1],
		};
		for (const res of [put, await t.client.get('/api/v1/me/availability')]) {
			assert.equal(res.status, 200, res.where);
			for (const [k, v] of Object.entries(want))
				assert.deepEqual(res.json[k], v, `${k}: ${res.where}`);
		}
		/* A PUT of one field leaves the others as they were. */
		const one = await t.client.call('PUT', '/api/v1/me/availability', { json: { buffer_minutes: 10 } });
		assert.equal(one.status, 200, one.where);
		assert.equal(one.json.buffer_minutes, 10);
		assert.deepEqual(one.json.hours, want.hours);
		assert.deepEqual(one.json.dates_off, want.dates_off);
		saved = (await t.client.get('/api/v1/me/availability')).json;
		const audit = sqliteJson(server.dbPath, `SELECT count(*) AS n FROM audit_log WHERE action = 'booking.availability' AND target_id = '${t.profileId}'`);
		assert.equal(audit[0].n, 2, 'each change is audited');
	});

	const put = (json) => t.client.call('PUT', '/api/v1/me/availability', { json });

	test('an unknown or malformed time zone: 422 unknown_time_zone naming timezone', async () => {
		for (const tz of ['Mars/Olympus_Mons', '../../etc/passwd', 'Europe/Berlin\n', '', 'x'.repeat(65), 'Europe//Berlin', '/etc/localtime'])
			assertErr(await put({ timezone: tz }), [400, 422], undefined, 'timezone');
		assertErr(await put({ timezone: 'Mars/Olympus_Mons' }), 422, 'unknown_time_zone', 'timezone');
	});

	test('hours written another way, overlapping, or off the five-minute grid: 422 naming hours', async () => {
		assertErr(await put({ hours: ['mon 9-12'] }), 422, 'invalid_parameter', 'hours');
		assertErr(await put({ hours: ['monday 09:00-12:00'] }), 422, 'invalid_parameter', 'hours');
		assertErr(await put({ hours: ['xyz 09:00-12:00'] }), 422, 'invalid_parameter', 'hours');
		assertErr(await put({ hours: ['mon 09:00-24:30'] }), 422, 'invalid_parameter', 'hours');
		assertErr(await put({ hours: ['mon 25:00-26:00'] }), 422, 'invalid_parameter', 'hours');
		assertErr(await put({ hours: ['mon 09:00-12:00', 'mon 11:00-13:00'] }), 422, 'invalid_parameter', 'hours');
		assertErr(await put({ hours: ['tue 10:00-11:00', 'tue 09:00-17:00'] }), 422, 'invalid_parameter', 'hours');
		/* An interval ending before it starts or off the grid: named by its index. */
		assertErr(await put({ hours: ['mon 09:00-12:00', 'tue 12:00-09:00'] }), 422, 'invalid_parameter', /^hours\[1\]/);
		assertErr(await put({ hours: ['mon 09:00-09:00'] }), 422, 'invalid_parameter', /^hours\[0\]/);
		assertErr(await put({ hours: ['mon 09:03-12:00'] }), 422, 'invalid_parameter', /^hours\[0\]/);
		assertErr(await put({ hours: 'mon 09:00-12:00;tue 25:00-26:00' }), [400, 422], 'invalid_parameter', 'hours');
		assertErr(await put({ hours: [1, 2] }), 400, 'invalid_parameter', 'hours');
		assertErr(await put({ hours: { mon: '09:00-12:00' } }), 400, 'invalid_parameter');
	});

	test('numbers out of range, negative, huge or not whole: refused naming the field', async () => {
		assertErr(await put({ buffer_minutes: 7 }), 422, 'invalid_parameter', 'buffer_minutes');
		const bad = [
			['buffer_minutes', [-5, 241, 1e6, 99999999999, 10.5, 1e300, '10 minutes', true]],
			['min_notice_minutes', [-1, 60 * 24 * 60 + 1, 2 ** 31, 2 ** 53]],
			['max_days_ahead', [0, -1, 366, 4294967297]],
			['cancel_window_hours', [-1, 24 * 30 + 1, 1e9]],
		];
		for (const [field, values] of bad)
			for (const v of values)
				assertErr(await put({ [field]: v }), [400, 422], 'invalid_parameter', field);
	});

	test('dates off that are not dates: 422 naming dates_off', async () => {
		for (const d of ['2026-02-30', '2027-13-01', 'tomorrow', '2027-1-1', `${addDays(today(), 3)}T00:00`])
			assertErr(await put({ dates_off: [d] }), 422, 'invalid_parameter', 'dates_off');
	});

	test('non-UTF-8, malformed JSON, an unknown field: 400 naming it', async () => {
		const raw = (bytes) => t.client.call('PUT', '/api/v1/me/availability', { body: bytes, contentType: 'application/json' });
		assertErr(await raw(Buffer.concat([Buffer.from('{"timezone":"Europe/Berl'), Buffer.from([0xff, 0xfe]), Buffer.from('in"}')])), 400, 'invalid_parameter', 'body');
		assertErr(await raw(Buffer.concat([Buffer.from('{"hours":["mon 09:00-1'), Buffer.from([0xc3]), Buffer.from('"]}')])), 400, 'invalid_parameter', 'body');
		assertErr(await raw(Buffer.from('{"timezone":')), 400, 'invalid_parameter', 'body');
		assertErr(await put({ timezone: BERLIN, holidays: ['2027-01-01'] }), 400, 'invalid_parameter', 'holidays');
		assertErr(await put({ types: [] }), 400, 'invalid_parameter', 'types');
		const form = await t.client.call('PUT', '/api/v1/me/availability', { body: 'timezone=UTC', contentType: 'application/x-www-form-urlencoded' });
		assert.equal(form.status, 415, form.where);
	});

	test('nothing refused above changed anything', async () => {
		const now = await t.client.get('/api/v1/me/availability');
		assert.deepEqual(now.json, saved);
	});

	test('a long leave: 100 dates off (the limit is 400) are accepted', async () => {
		const dates = Array.from({ length: 100 }, (_, i) => addDays(today(), 100 + i));
		const res = await put({ dates_off: dates });
		assert.equal(res.status, 200, `${BOOKING_LIMIT_NOTE} ${res.where}`);
		assert.equal(res.json.dates_off.length, 100);
	});

	test('a client gets 403, anonymous 401, a therapist without a profile 404 (GET and PUT)', async () => {
		const client = await makeClient('bk-avail-client');
		const bare = await makeTherapist(server, { tag: 'bk-avail-bare' });
		for (const method of ['GET', 'PUT']) {
			const json = method === 'PUT' ? { timezone: 'UTC' } : undefined;
			assertErr(await client.client.call(method, '/api/v1/me/availability', { json }), 403, 'role_required');
			assertErr(await anonymous().call(method, '/api/v1/me/availability', { json }), 401, 'authentication_required');
			assertErr(await bare.client.call(method, '/api/v1/me/availability', { json }), 404);
		}
		assertErr(await client.client.post('/api/v1/me/appointment-types', TRIAL), 403);
		assertErr(await anonymous().post('/api/v1/me/appointment-types', TRIAL), 401);
		assert.equal((await t.client.get('/api/v1/me/availability')).json.timezone, BERLIN, 'unchanged');
	});
});

describe('appointment types', () => {
	let t;
	before(async () => {
		t = await makeBookableTherapist(server, { tag: 'bk-types', availability: berlinDaily(), types: {} });
	});

	test('created, changed, deactivated (hidden from visitors) and deleted', async () => {
		const add = await t.client.post('/api/v1/me/appointment-types', { ...TRIAL, name: 'Séance d’essai · 50′' });
		assert.equal(add.status, 201, add.where);
		const type = add.json.type;
		assert.equal(type.name, 'Séance d’essai · 50′');
		assert.equal(type.minutes, 50);
		assert.equal(type.fee, 80);
		assert.equal(type.currency, 'EUR');
		let offer = await anonymous().get(`/api/v1/therapists/${t.profileId}/availability`);
		assert.equal(offer.json.offered, true, offer.where);
		assert.deepEqual(offer.json.types.map((x) => x.id), [type.id]);

		const patch = await t.client.patch(`/api/v1/me/appointment-types/${type.id}`, { minutes: 45, active: false });
		assert.equal(patch.status, 200, patch.where);
		assert.equal(patch.json.type.minutes, 45);
		assert.equal(patch.json.type.name, 'Séance d’essai · 50′', 'fields not sent keep their value');
		offer = await anonymous().get(`/api/v1/therapists/${t.profileId}/availability`);
		assert.equal(offer.json.offered, false, 'no active type: nothing offered');
		const mine = await t.client.get('/api/v1/me/availability');
		assert.equal(mine.json.types.length, 1, 'the therapist still sees it');

		const del = await t.client.del(`/api/v1/me/appointment-types/${type.id}`);
		assert.equal(del.status, 200, del.where);
		assertErr(await t.client.del(`/api/v1/me/appointment-types/${type.id}`), 404, 'not_found');
		assertErr(await t.client.patch(`/api/v1/me/appointment-types/${type.id}`, { minutes: 30 }), 404, 'not_found');
	});

	test('bad types: 422 naming the field; unknown fields 400', async () => {
		const post = (b) => t.client.post('/api/v1/me/appointment-types', { ...TRIAL, ...b });
		assertErr(await post({ kind: 'therapy' }), 422, 'invalid_parameter', 'kind');
		assertErr(await post({ mode: 'phone' }), 422, 'invalid_parameter', 'mode');
		assertErr(await post({ name: '' }), 422, 'invalid_parameter', 'name');
		assertErr(await post({ name: 'two\nlines' }), 422, 'invalid_parameter', 'name');
		assertErr(await post({ minutes: 52 }), 422, 'invalid_parameter', 'minutes');
		for (const m of [0, 485, -5, 1e9])
			assertErr(await post({ minutes: m }), [400, 422], 'invalid_parameter', 'minutes');
		assertErr(await post({ fee: -1 }), [400, 422], 'invalid_parameter', 'fee');
		assertErr(await post({ fee: 50, currency: '' }), 422, 'invalid_parameter', 'currency');
		assertErr(await post({ currency: 'eur' }), 422, 'invalid_parameter', 'currency');
		assertErr(await post({ therapist_id: 1 }), 400, 'invalid_parameter', 'therapist_id');
		assert.equal((await t.client.get('/api/v1/me/availability')).json.types.length, 0, 'none was saved');
	});

	test("another therapist cannot change or delete one's types (404)", async () => {
		const add = await t.client.post('/api/v1/me/appointment-types', CONSULTATION);
		assert.equal(add.status, 201, add.where);
		const other = await makeBookableTherapist(server, { tag: 'bk-types-other', availability: berlinDaily(), types: {} });
		assertErr(await other.client.patch(`/api/v1/me/appointment-types/${add.json.type.id}`, { minutes: 30 }), 404);
		assertErr(await other.client.del(`/api/v1/me/appointment-types/${add.json.type.id}`), 404);
		const mine = await t.client.get('/api/v1/me/availability');
		assert.equal(mine.json.types[0].minutes, 15, 'unchanged');
	});
});

/* ==== 2. slots ============================================================================ */

describe('slots: the therapist\'s hours in the visitor\'s zone', () => {
	let t;

	before(async () => {
		t = await makeBookableTherapist(server, { tag: 'bk-slots', availability: berlinDaily({ max_days_ahead: 365 }) });
	});

	const berlinToday = () => localDate(BERLIN, Date.now());

	/* The slots of Berlin dates [from, from + days) at 09:00, 10:00, 11:00 there. */
	function expected(from, days, keep = () => true) {
		const out = [];
		for (let i = 0; i < days; i++)
			for (const h of [9, 10, 11])
				out.push(zonedTime(BERLIN, addDays(from, i), h));
		return out.filter(keep);
	}

	test('what is offered: the zone, the limits and the active types', async () => {
		const res = await anonymous().get(`/api/v1/therapists/${t.profileId}/availability`);
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.offered, true);
		assert.equal(res.json.timezone, BERLIN);
		assert.equal(res.json.max_days_ahead, 365);
		assert.deepEqual(res.json.types.map((x) => x.id).sort(), [t.types.trial.id, t.types.consult.id].sort());
		assert.equal(res.json.types.find((x) => x.id === t.types.trial.id).minutes, 50);
		assertErr(await anonymous().get('/api/v1/therapists/99999999/availability'), 404);
		assertErr(await anonymous().get('/api/v1/therapists/abc/availability'), 404);
	});

	test('a 50-minute trial with a 10-minute buffer: 09:00, 10:00 and 11:00 in Berlin each day', async () => {
		const from = addDays(berlinToday(), 2);
		const res = await listSlots(t, t.types.trial, { from, days: 7 });
		assert.equal(res.timezone, BERLIN, 'the therapist\'s zone when none is asked for');
		assert.deepEqual(starts(res), expected(from, 7));
		for (const s of res.slots) {
			assert.equal(s.local_start, isoLocal(BERLIN, Date.parse(s.start)));
			assert.equal(s.local_end, isoLocal(BERLIN, Date.parse(s.end)));
			assert.match(s.local_start, /T(09|10|11):00:00\+0[12]:00$/);
		}
	});

	test('the same slots listed in New York: local times and offsets of New York on each date', async () => {
		const from = addDays(berlinToday(), 2);
		const res = await listSlots(t, t.types.trial, { tz: NEW_YORK, from, days: 7 });
		assert.equal(res.timezone, NEW_YORK);
		assert.equal(res.therapist_timezone, BERLIN);
		assert.deepEqual(starts(res), expected(from, 7));
		for (const s of res.slots) {
			const start = Date.parse(s.start);
			assert.equal(s.local_start, isoLocal(NEW_YORK, start), JSON.stringify(s));
			const off = offsetMinutes(NEW_YORK, start);
			assert.ok(s.local_start.endsWith(off === -300 ? '-05:00' : '-04:00'), `New York's offset on that date: ${s.local_start}`);
		}
	});

	test('zones with odd offsets (-03:30, +05:45, +12:45/+13:45, +14:00): local times and offsets right to the minute', async () => {
		const from = addDays(berlinToday(), 2);
		for (const zone of ['America/St_Johns', 'Asia/Kathmandu', 'Pacific/Chatham', 'Pacific/Kiritimati', 'Asia/Kolkata', 'UTC']) {
			const res = await listSlots(t, t.types.trial, { tz: zone, from, days: 3 });
			assert.equal(res.timezone, zone);
			assert.ok(res.slots.length >= 6, `${zone}: ${res.slots.length} slots`);
			for (const s of res.slots) {
				const start = Date.parse(s.start);
				assert.equal(zoneParts(BERLIN, start).mm, 0, 'still on the hour in Berlin');
				const want = isoLocal(zone, start);
				/* UTC may be written +00:00 or Z. */
				assert.ok(s.local_start === want || (zone === 'UTC' && s.local_start === want.replace('+00:00', 'Z')), `${zone}: ${s.local_start}, expected ${want}`);
			}
		}
	});

	for (const zone of [BERLIN, NEW_YORK]) {
		test(`across ${zone}'s next change of the clocks: 09:00 in Berlin stays 09:00, listed in New York`, async () => {
			const change = nextTransition(zone);
			const from = addDays(change, -3);
			assert.ok(from > addDays(berlinToday(), 1), `${from} lies ahead`);
			const res = await listSlots(t, t.types.trial, { tz: NEW_YORK, from, days: 7 });
			assert.deepEqual(starts(res), expected(from, 7), `every day at 09:00, 10:00, 11:00 Berlin time, ${from} + 7 days`);
			const nyHours = new Set();
			for (const s of res.slots) {
				const start = Date.parse(s.start);
				assert.equal(s.local_start, isoLocal(NEW_YORK, start));
				assert.equal(zoneParts(BERLIN, start).mm, 0);
				if (zoneParts(BERLIN, start).hh === 9)
					nyHours.add(zoneParts(NEW_YORK, start).hh);
			}
			/* The two zones change on different dates: the first slot of a
			 * day is at 03:00 in New York on one side and 04:00 on the other. */
			assert.deepEqual([...nyHours].sort(), [3, 4], `New York hours of Berlin's 09:00 around ${change}`);
			const utcHours = new Set(res.slots.filter((s) => zoneParts(BERLIN, Date.parse(s.start)).hh === 9).map((s) => new Date(s.start).getUTCHours()));
			if (zone === BERLIN)
				assert.equal(utcHours.size, 2, 'Berlin\'s 09:00 moves in UTC');
		});
	}

	test('southern hemisphere: a therapist in Sydney, across its next change of the clocks', async () => {
		const syd = await makeBookableTherapist(server, {
			tag: 'bk-sydney', availability: berlinDaily({ timezone: SYDNEY, max_days_ahead: 365 }), types: { trial: TRIAL },
		});
		const change = nextTransition(SYDNEY);
		const from = addDays(change, -3);
		const res = await listSlots(syd, syd.types.trial, { from, days: 7 });
		assert.equal(res.timezone, SYDNEY);
		const want = [];
		for (let i = 0; i < 7; i++)
			for (const h of [9, 10, 11])
				want.push(zonedTime(SYDNEY, addDays(from, i), h));
		assert.deepEqual(starts(res), want);
		assert.equal(new Set(res.slots.map((s) => s.local_start.slice(-6))).size, 2, 'two offsets: +10:00 and +11:00');
		/* Listed in Berlin: the same instants, each with Berlin's offset. */
		const inBerlin = await listSlots(syd, syd.types.trial, { tz: BERLIN, from: addDays(from, -1), days: 9 });
		const set = new Set(starts(inBerlin));
		for (const s of want)
			assert.ok(set.has(s), `${isoUtc(s)} listed in Berlin too`);
		for (const s of inBerlin.slots) {
			assert.equal(s.local_start, isoLocal(BERLIN, Date.parse(s.start)));
			assert.ok([9, 10, 11].includes(zoneParts(SYDNEY, Date.parse(s.start)).hh));
		}
	});

	test('a date off removes that day, and only that day', async () => {
		const from = addDays(berlinToday(), 3);
		const off = addDays(from, 2);
		const put = await t.client.call('PUT', '/api/v1/me/availability', { json: { dates_off: [off] } });
		assert.equal(put.status, 200, put.where);
		try {
			const res = await listSlots(t, t.types.trial, { from, days: 5 });
			assert.deepEqual(starts(res), expected(from, 5, (s) => localDate(BERLIN, s) !== off));
			/* The date is the therapist's: listed in New York, it is still
			 * Berlin's day that is off. */
			const ny = await listSlots(t, t.types.consult, { tz: NEW_YORK, from, days: 5 });
			assert.ok(ny.slots.length > 0);
			assert.ok(ny.slots.every((s) => localDate(BERLIN, Date.parse(s.start)) !== off));
		} finally {
			const undo = await t.client.call('PUT', '/api/v1/me/availability', { json: { dates_off: [] } });
			assert.equal(undo.status, 200, undo.where);
		}
	});

	test('minimum notice: nothing starts sooner', async () => {
		const notice = 2 * 24 * 60 + 90;
		const put = await t.client.call('PUT', '/api/v1/me/availability', { json: { min_notice_minutes: notice } });
		assert.equal(put.status, 200, put.where);
		try {
			const from = berlinToday();
			const before = Date.now();
			const res = await listSlots(t, t.types.trial, { from, days: 5 });
			const got = starts(res);
			assert.deepEqual(got, expected(from, 5, (s) => s >= before + notice * MINUTE));
			assert.ok(got.length >= 6, 'the later days are there');
		} finally {
			await t.client.call('PUT', '/api/v1/me/availability', { json: { min_notice_minutes: 0 } });
		}
	});

	test('furthest date: max_days_ahead whole days in the therapist\'s zone, nothing after', async () => {
		const put = await t.client.call('PUT', '/api/v1/me/availability', { json: { max_days_ahead: 3 } });
		assert.equal(put.status, 200, put.where);
		try {
			const today = berlinToday();
			const res = await listSlots(t, t.types.trial, { from: addDays(today, 1), days: 10 });
			assert.deepEqual(starts(res), expected(addDays(today, 1), 3), 'tomorrow and the two days after: the last is today + 3');
			const beyond = await listSlots(t, t.types.trial, { from: addDays(today, 4), days: 5 });
			assert.deepEqual(beyond.slots, []);
		} finally {
			await t.client.call('PUT', '/api/v1/me/availability', { json: { max_days_ahead: 365 } });
		}
	});

	test('accepting_new_clients off: offered false, slots 404 booking_not_offered, no booking', async () => {
		const off = await t.client.patch(`/api/v1/therapists/${t.profileId}`, { accepting_new_clients: false });
		assert.equal(off.status, 200, off.where);
		try {
			const offer = await anonymous().get(`/api/v1/therapists/${t.profileId}/availability`);
			assert.equal(offer.status, 200, offer.where);
			assert.equal(offer.json.offered, false);
			assert.equal(offer.json.types, undefined, 'nothing to pick from');
			assertErr(await anonymous().get(`/api/v1/therapists/${t.profileId}/slots?type=${t.types.trial.id}`), 404, 'booking_not_offered');
			const start = zonedTime(BERLIN, addDays(berlinToday(), 3), 9);
			assertErr(await book(anonymous(), t, t.types.trial, start, { email: uniqueEmail('bk-off') }), 404, 'booking_not_offered');
		} finally {
			const on = await t.client.patch(`/api/v1/therapists/${t.profileId}`, { accepting_new_clients: true });
			assert.equal(on.status, 200, on.where);
		}
		const back = await anonymous().get(`/api/v1/therapists/${t.profileId}/availability`);
		assert.equal(back.json.offered, true);
	});

	test('bad parameters: 400 or 422 naming the parameter', async () => {
		const get = (qs) => anonymous().get(`/api/v1/therapists/${t.profileId}/slots?${qs}`);
		const type = `type=${t.types.trial.id}`;
		assertErr(await get(''), 400, 'invalid_parameter', 'type');
		assertErr(await get('days=3'), 400, 'invalid_parameter', 'type');
		for (const v of ['abc', '0', '-1', '1.5', '%00', '1e3', '99999999999999999999999'])
			assertErr(await get(`type=${v}`), 400, 'invalid_parameter', 'type');
		for (const v of ['0', '-1', '121', '1000', 'ten', '7.5', ''])
			assertErr(await get(`${type}&days=${v}`), 400, 'invalid_parameter', 'days');
		for (const v of ['../../etc/passwd', 'Not/AZone', 'Europe/Berlin%00', '%2Fetc%2Flocaltime', 'x'.repeat(200)])
			assertErr(await get(`${type}&tz=${v}`), [400, 422], undefined, 'tz');
		assertErr(await get(`${type}&tz=..%2F..%2Fetc`), 422, 'unknown_time_zone', 'tz');
		for (const v of ['2026-02-30', '2027-13-01', '27-01-01', 'today', '2027-01-01T00:00:00Z', '1969-12-31'])
			assertErr(await get(`${type}&from=${v}`), 400, 'invalid_parameter', 'from');
		/* Another therapist's type, or none at all. */
		const other = await makeBookableTherapist(server, { tag: 'bk-slots-other', availability: berlinDaily(), types: { trial: TRIAL } });
		assertErr(await get(`type=${other.types.trial.id}`), 404, undefined, 'type');
		assertErr(await anonymous().get(`/api/v1/therapists/99999999/slots?${type}`), 404);
	});

	test('a from date in the past lists from today; one far ahead lists nothing', async () => {
		const past = await listSlots(t, t.types.trial, { from: addDays(berlinToday(), -30), days: 3 });
		assert.ok(past.slots.every((s) => Date.parse(s.start) > Date.now() - MINUTE), 'nothing in the past');
		const far = await listSlots(t, t.types.trial, { from: '2999-01-01', days: 3 });
		assert.deepEqual(far.slots, []);
	});
});

/* ==== 3. booking as a signed-in client =============================================================== */

describe('booking as a signed-in client', () => {
	let t;
	let c1;
	let day;		/* a Berlin date three days ahead */
	let booked;		/* the first appointment */
	const NOTICE = 24 * 60;
	const HORIZON = 14;

	before(async () => {
		t = await makeBookableTherapist(server, {
			tag: 'bk-book', availability: berlinDaily({ min_notice_minutes: NOTICE, max_days_ahead: HORIZON }),
		});
		c1 = await makeClient('bk-book-c1');
		day = addDays(localDate(BERLIN, Date.now()), 3);
	});

	test('201 booked; the answer in the client\'s zone', async () => {
		const start = zonedTime(BERLIN, day, 10);
		const res = await book(c1.client, t, t.types.trial, start, {
			name: 'Zoë Ñúñez-Øster', phone: '+49 (30) 123-456', note: 'Erstgespräch.\nZweite Zeile: äöü ß 😀', timezone: NEW_YORK,
			email: 'someone-else@example.org',
		});
		assert.equal(res.status, 201, res.where);
		const a = res.json.appointment;
		booked = a;
		assert.equal(a.status, 'booked');
		assert.match(a.ref, /^[A-Za-z0-9_-]{16,}$/);
		assert.equal(a.therapist_id, t.profileId);
		assert.equal(a.therapist_name, t.name);
		assert.equal(a.kind, 'trial');
		assert.equal(a.type_name, 'Trial session');
		assert.equal(a.fee, 80);
		assert.equal(a.currency, 'EUR');
		assert.equal(a.start, isoUtc(start));
		assert.equal(a.end, isoUtc(start + 50 * MINUTE));
		assert.equal(a.timezone, NEW_YORK);
		assert.equal(a.local_start, isoLocal(NEW_YORK, start));
		assert.equal(a.name, 'Zoë Ñúñez-Øster');
		assert.equal(a.email, undefined, 'the client view does not echo contact details');
		assert.equal(a.changeable_until, isoUtc(start - 24 * HOUR));
		const rows = sqliteJson(server.dbPath, `SELECT status, client_user_id, email, starts_at, ends_at, buffer_minutes FROM appointments WHERE ref = '${a.ref}'`);
		assert.equal(rows.length, 1);
		assert.equal(rows[0].client_user_id, c1.id);
		assert.equal(rows[0].email, c1.email, 'the account\'s address, not the one sent');
		assert.equal(rows[0].starts_at, start / 1000);
		const blocks = sqliteJson(server.dbPath, `SELECT count(*) AS n FROM appointment_blocks b JOIN appointments a ON a.id = b.appointment_id WHERE a.ref = '${a.ref}'`);
		assert.equal(blocks[0].n, 12, '60 minutes (50 + 10 of buffer) of five-minute blocks');
	});

	test('both sides get a mail with an .ics invitation: VEVENT at the right UTC time, UID, in their own zone', async () => {
		const start = Date.parse(booked.start);
		const toClient = await waitMail(server, c1.email, /^Booked: /);
		const ci = invitation(toClient);
		assert.equal(prop(ci.cal, 'METHOD'), 'PUBLISH');
		assert.match(ci.type, /method=PUBLISH/i);
		assert.equal(prop(ci.ev, 'DTSTART'), icsUtc(start));
		assert.equal(prop(ci.ev, 'DTEND'), icsUtc(start + 50 * MINUTE));
		assert.equal(prop(ci.ev, 'UID'), `${booked.ref}@imago`);
		assert.equal(prop(ci.ev, 'SEQUENCE'), '0');
		assert.equal(prop(ci.ev, 'STATUS'), 'CONFIRMED');
		assert.match(prop(ci.ev, 'DTSTAMP'), /^\d{8}T\d{6}Z$/);
		assert.match(prop(ci.ev, 'SUMMARY'), new RegExp(t.name));
		/* The text is in the client's zone and has a manage link. */
		const ny = zoneParts(NEW_YORK, start);
		assert.ok(ci.text.includes(`${pad(ny.hh)}:${pad(ny.mm)}`), `New York time in: ${ci.text}`);
		assert.ok(ci.text.includes('(America/New_York)'), ci.text);
		assert.ok(ci.text.includes('Zoë Ñúñez-Øster'), 'non-ASCII names intact');
		manageToken(toClient);

		const toTherapist = await waitMail(server, t.email, /^New booking: /);
		const ti = invitation(toTherapist);
		assert.equal(prop(ti.ev, 'DTSTART'), icsUtc(start));
		assert.equal(prop(ti.ev, 'UID'), `${booked.ref}@imago`, 'one UID for both calendars');
		assert.ok(ti.text.includes('(Europe/Berlin)') && ti.text.includes(`${pad(zoneParts(BERLIN, start).hh)}:00`), ti.text);
		assert.match(prop(ti.ev, 'SUMMARY'), /Zoë Ñúñez-Øster/, 'the client\'s name in the therapist\'s event');
		assert.ok(!/manage\?token=/.test(ti.text), 'the therapist does not get the client\'s manage link');
		assert.ok(!/manage\?token=/.test(ti.ics));
	});

	test('the slot is gone from the list, and so are the consultations it overlaps', async () => {
		const trial = starts(await listSlots(t, t.types.trial, { from: day, days: 1 }));
		assert.deepEqual(trial, [9, 11].map((h) => zonedTime(BERLIN, day, h)));
		/* Consultations every 25 minutes (15 + 10): 09:00 09:25 [09:50
		 * 10:15 10:40 overlap 10:00-11:00 with buffers] 11:05 11:30. */
		const consult = starts(await listSlots(t, t.types.consult, { from: day, days: 1 }));
		assert.deepEqual(consult, [[9, 0], [9, 25], [11, 5], [11, 30]].map(([h, m]) => zonedTime(BERLIN, day, h, m)));
	});

	test('the same slot again: 409 slot_taken; overlapping consultations too (inside the trial, into its buffer)', async () => {
		const c2 = await makeClient('bk-book-c2');
		assertErr(await book(c2.client, t, t.types.trial, zonedTime(BERLIN, day, 10)), 409, 'slot_taken', 'start');
		assertErr(await book(c2.client, t, t.types.trial, zonedTime(BERLIN, day, 10), { type: t.types.trial.id }), 409, 'slot_taken');
		for (const [h, m] of [[9, 50], [10, 15], [10, 40]])
			assertErr(await book(c2.client, t, t.types.consult, zonedTime(BERLIN, day, h, m)), 409, 'slot_taken', 'start');
		const guest = await book(anonymous(), t, t.types.trial, zonedTime(BERLIN, day, 10), { email: uniqueEmail('bk-guest-taken') });
		assertErr(guest, 409, 'slot_taken');
		const rows = sqliteJson(server.dbPath, `SELECT count(*) AS n FROM appointments WHERE therapist_id = ${t.profileId}`);
		assert.equal(rows[0].n, 1, 'a refused booking leaves nothing behind');
		/* Right after the trial's buffer is free. */
		const next = await book(c2.client, t, t.types.consult, zonedTime(BERLIN, day, 11, 5));
		assert.equal(next.status, 201, next.where);
	});

	test('a past time: 409 slot_past', async () => {
		const yesterday = addDays(localDate(BERLIN, Date.now()), -1);
		assertErr(await book(c1.client, t, t.types.trial, zonedTime(BERLIN, yesterday, 10)), 409, 'slot_past', 'start');
		assertErr(await book(c1.client, t, t.types.trial, Date.parse('2020-01-06T09:00:00Z')), 409, 'slot_past');
	});

	test('off the grid, outside the hours or on a date off: 422 outside_availability', async () => {
		const c = await makeClient('bk-book-grid');
		const d = addDays(day, 1);
		for (const [h, m] of [[9, 5], [10, 30], [14, 0], [11, 30], [8, 0], [7, 0]])
			assertErr(await book(c.client, t, t.types.trial, zonedTime(BERLIN, d, h, m)), 422, 'outside_availability', 'start');
		assertErr(await book(c.client, t, t.types.consult, zonedTime(BERLIN, d, 9, 10)), 422, 'outside_availability');
		/* Seconds off the grid. */
		const res = await c.client.post(`/api/v1/therapists/${t.profileId}/bookings`, {
			type: t.types.trial.id, start: isoUtc(zonedTime(BERLIN, d, 9) + 30e3), name: 'Sec Onds',
		});
		assertErr(res, 422, 'outside_availability');
		const put = await t.client.call('PUT', '/api/v1/me/availability', { json: { dates_off: [d] } });
		assert.equal(put.status, 200, put.where);
		try {
			assertErr(await book(c.client, t, t.types.trial, zonedTime(BERLIN, d, 9)), 422, 'outside_availability');
		} finally {
			await t.client.call('PUT', '/api/v1/me/availability', { json: { dates_off: [] } });
		}
		/* The same instant written with an offset is the same slot. */
		const withOffset = await c.client.post(`/api/v1/therapists/${t.profileId}/bookings`, {
			type: t.types.trial.id, start: isoLocal(BERLIN, zonedTime(BERLIN, d, 9)), name: 'Off Set',
		});
		assert.equal(withOffset.status, 201, withOffset.where);
		assert.equal(withOffset.json.appointment.start, isoUtc(zonedTime(BERLIN, d, 9)));
	});

	test('inside the minimum notice: 422 too_soon; beyond the horizon: 422 too_far; the last day is bookable', async () => {
		const c = await makeClient('bk-book-limits');
		const now = Date.now();
		let soon = null;
		for (let i = 0; i <= 1 && soon === null; i++)
			for (const h of [9, 10, 11]) {
				const s = zonedTime(BERLIN, addDays(localDate(BERLIN, now), i), h);
				if (s > now + 2 * MINUTE && s < now + NOTICE * MINUTE - 2 * MINUTE) {
					soon = s;
					break;
				}
			}
		assert.ok(soon, 'a slot within the next 24 hours');
		assertErr(await book(c.client, t, t.types.trial, soon), 422, 'too_soon', 'start');
		const today = localDate(BERLIN, now);
		assertErr(await book(c.client, t, t.types.trial, zonedTime(BERLIN, addDays(today, HORIZON + 1), 9)), 422, 'too_far', 'start');
		assertErr(await book(c.client, t, t.types.trial, zonedTime(BERLIN, addDays(today, 200), 9)), 422, 'too_far');
		const last = await book(c.client, t, t.types.trial, zonedTime(BERLIN, addDays(today, HORIZON), 11));
		assert.equal(last.status, 201, last.where);
	});

	test('one pending consultation per person and therapist (409 consultation_pending); a trial is still allowed', async () => {
		const c = await makeClient('bk-book-consult');
		const d1 = addDays(day, 2);
		const first = await book(c.client, t, t.types.consult, zonedTime(BERLIN, d1, 9));
		assert.equal(first.status, 201, first.where);
		assertErr(await book(c.client, t, t.types.consult, zonedTime(BERLIN, addDays(d1, 1), 9)), 409, 'consultation_pending', 'type');
		/* The same person as a guest, by their address in other letters. */
		assertErr(await book(anonymous(), t, t.types.consult, zonedTime(BERLIN, addDays(d1, 1), 9, 25), { email: c.email.toUpperCase() }), 409, 'consultation_pending');
		const trial = await book(c.client, t, t.types.trial, zonedTime(BERLIN, d1, 11));
		assert.equal(trial.status, 201, trial.where);
		/* With another therapist, a consultation is fine. */
		const t2 = await makeBookableTherapist(server, { tag: 'bk-book-t2', availability: berlinDaily() });
		const elsewhere = await book(c.client, t2, t2.types.consult, zonedTime(BERLIN, d1, 9));
		assert.equal(elsewhere.status, 201, elsewhere.where);
		/* Once cancelled, another may be booked. */
		const cancel = await c.client.post(`/api/v1/me/appointments/${first.json.appointment.ref}/cancel`);
		assert.equal(cancel.status, 200, cancel.where);
		const again = await book(c.client, t, t.types.consult, zonedTime(BERLIN, addDays(d1, 1), 9));
		assert.equal(again.status, 201, again.where);
	});

	test('a client name of 100 characters (the most a booking takes), two bytes each in UTF-8: booked, and mailed', async () => {
		/* 100 characters (the most a booking takes), two bytes each in UTF-8. */
		const longName = 'Αλέξανδρος Παπαδόπουλος-Κωνσταντινίδης '.repeat(3).slice(0, 100);
		assert.equal([...longName].length, 100);
		const c = await makeClient('bk-book-longname');
		const start = zonedTime(BERLIN, addDays(day, 5), 9);
		const told = mailMatching(server, t.email, /^New booking: /).length;
		const res = await book(c.client, t, t.types.trial, start, { name: longName });
		assert.equal(res.status, 201, res.where);
		await waitMail(server, c.email, /^Booked: /);
		const toTherapist = await waitMail(server, t.email, /^New booking: /, told + 1);
		assert.ok(invitation(toTherapist).text.includes(longName), 'the therapist gets the whole name');
		const guest = await book(anonymous(), t, t.types.trial, zonedTime(BERLIN, addDays(day, 5), 10), { name: longName, email: uniqueEmail('bk-longname') });
		assert.equal(guest.status, 202, guest.where);
	});

	test('a therapist with a long name (150 of 200 characters) and a long type name (68 of 80) can be booked', async () => {
		/* The subjects of the mails hold both names. */
		const long = await makeBookableTherapist(server, {
			tag: 'bk-longname-t', availability: berlinDaily(), types: { trial: { ...TRIAL, name: 'Kostenloses Erstgespräch für Paare nach der Imago-Methode, per Video' } },
		});
		const longTherapistName = `Dr. med. ${'Müller-Lüdenscheidt '.repeat(8)}`.trim().slice(0, 150);
		const patch = await long.client.patch(`/api/v1/therapists/${long.profileId}`, { name: longTherapistName });
		assert.equal(patch.status, 200, patch.where);
		const toLong = await book(anonymous(), long, long.types.trial, zonedTime(BERLIN, addDays(day, 5), 9), { email: uniqueEmail('bk-longname-g') });
		assert.equal(toLong.status, 202, toLong.where);
	});

	test('bad requests: 400 or 422 naming the field, nothing booked', async () => {
		const c = await makeClient('bk-book-bad');
		const url = `/api/v1/therapists/${t.profileId}/bookings`;
		const ok = { type: t.types.trial.id, start: isoUtc(zonedTime(BERLIN, addDays(day, 4), 9)), name: 'Bad Input' };
		const cases = [
			[{ ...ok, type: undefined }, 400, 'type'],
			[{ ...ok, type: 'trial' }, 400, 'type'],
			[{ ...ok, type: 0 }, 400, 'type'],
			[{ ...ok, type: 99999999 }, 422, 'type'],
			[{ ...ok, start: undefined }, 400, 'start'],
			[{ ...ok, start: 'tomorrow at nine' }, 400, 'start'],
			[{ ...ok, start: '2027-02-30T09:00:00Z' }, 400, 'start'],
			[{ ...ok, start: '2027-01-05T09:00:00' }, 400, 'start'],
			[{ ...ok, start: 1767000000 }, 400, 'start'],
			[{ ...ok, name: 'x'.repeat(101) }, 400, 'name'],
			[{ ...ok, name: 'two\nlines' }, 400, 'name'],
			[{ ...ok, phone: 'call me maybe' }, 400, 'phone'],
			[{ ...ok, phone: '1'.repeat(41) }, 400, 'phone'],
			[{ ...ok, note: 'n'.repeat(2001) }, 400, 'note'],
			[{ ...ok, timezone: 'Mars/Base' }, 422, 'timezone'],
			[{ ...ok, timezone: '../../etc/passwd' }, 422, 'timezone'],
			[{ ...ok, status: 'booked' }, 400, 'status'],
			[{ ...ok, client_user_id: 1 }, 400, 'client_user_id'],
		];
		for (const [body, status, param] of cases)
			assertErr(await c.client.post(url, body), status, undefined, param);
		const raw = await c.client.call('POST', url, { body: Buffer.concat([Buffer.from(`{"type":${t.types.trial.id},"start":"${ok.start}","name":"`), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), contentType: 'application/json' });
		assertErr(raw, 400, 'invalid_parameter', 'body');
		assertErr(await c.client.post('/api/v1/therapists/99999999/bookings', ok), 404);
		/* A guest needs an address. */
		assertErr(await book(anonymous(), t, t.types.trial, Date.parse(ok.start)), 400, 'invalid_parameter', 'email');
		assertErr(await book(anonymous(), t, t.types.trial, Date.parse(ok.start), { email: 'not-an-address' }), [400, 422], undefined, 'email');
		const rows = sqliteJson(server.dbPath, `SELECT count(*) AS n FROM appointments WHERE therapist_id = ${t.profileId} AND starts_at = ${Date.parse(ok.start) / 1000}`);
		assert.equal(rows[0].n, 0);
	});
});

/* ==== 4. guests ===================================================================================== */

describe('booking as a guest: held, confirmed by the mailed link, managed by another', () => {
	let t;
	let day;

	before(async () => {
		t = await makeBookableTherapist(server, { tag: 'bk-guest', availability: berlinDaily({ max_days_ahead: 20 }) });
		day = addDays(localDate(BERLIN, Date.now()), 4);
	});

	/* Books as a guest, confirms by the link; returns { email, appointment, manage, booked (the mail) }. */
	async function guestBooking(start, { type = t.types.trial, name = 'Gustav Gast' } = {}) {
		const email = uniqueEmail('bk-guest');
		const res = await book(anonymous(), t, type, start, { email, name, timezone: SYDNEY });
		assert.equal(res.status, 202, res.where);
		const held = await waitMail(server, email, /^Please confirm/);
		const conf = await anonymous().post('/api/v1/bookings/confirm', { token: linkToken(held) });
		assert.equal(conf.status, 200, conf.where);
		const booked = await waitMail(server, email, /^Booked: /);
		return { email, appointment: conf.json.appointment, booked, manage: manageToken(booked) };
	}

	test('202 held; the slot is no longer listed; the confirm link books it; mails to both with .ics', async () => {
		const start = zonedTime(BERLIN, day, 9);
		const email = uniqueEmail('bk-guest-main');
		const therapistMail = mailTo(server.maildir, t.email).length;
		const res = await book(anonymous(), t, t.types.trial, start, { email, name: 'Åsa Gäst', timezone: SYDNEY, note: 'Hallo' });
		assert.equal(res.status, 202, res.where);
		const a = res.json.appointment;
		assert.equal(a.status, 'held');
		assert.match(res.json.next, /link/);
		assert.ok(!starts(await listSlots(t, t.types.trial, { from: day, days: 1 })).includes(start), 'a held slot is not offered');

		const held = await waitMail(server, email, /^Please confirm/);
		assert.match(held.body, /\/appointments\/confirm\?token=/);
		assert.equal(mailTo(server.maildir, t.email).length, therapistMail, 'the therapist hears of it once it is confirmed');
		const token = linkToken(held);
		/* Not visible to the therapist while held. */
		const list = await t.client.get('/api/v1/me/appointments?as=therapist');
		assert.ok(!list.json.appointments.some((x) => x.ref === a.ref), 'held bookings are not listed');

		const conf = await anonymous().post('/api/v1/bookings/confirm', { token });
		assert.equal(conf.status, 200, conf.where);
		assert.equal(conf.json.appointment.status, 'booked');
		assert.equal(conf.json.appointment.ref, a.ref);
		assert.equal(conf.json.appointment.local_start, isoLocal(SYDNEY, start));

		const toGuest = invitation(await waitMail(server, email, /^Booked: /));
		assert.equal(prop(toGuest.ev, 'DTSTART'), icsUtc(start));
		assert.equal(prop(toGuest.ev, 'UID'), `${a.ref}@imago`);
		assert.ok(toGuest.text.includes('(Australia/Sydney)'), 'the guest\'s own zone');
		const toTherapist = invitation(await waitMail(server, t.email, /^New booking: .*Åsa Gäst/));
		assert.equal(prop(toTherapist.ev, 'DTSTART'), icsUtc(start));
		assert.equal(prop(toTherapist.ev, 'UID'), `${a.ref}@imago`);

		/* The link opened twice (a mail client's preview, then the person). */
		const again = await anonymous().post('/api/v1/bookings/confirm', { token });
		assert.equal(again.status, 200, again.where);
		assert.equal(again.json.appointment.status, 'booked');
		await sleep(300);
		assert.equal(mailMatching(server, email, /^Booked: /).length, 1, 'no second invitation');
		assert.equal(sqliteJson(server.dbPath, `SELECT status FROM appointments WHERE ref = '${a.ref}'`)[0].status, 'booked');
	});

	test('confirm with a bogus or malformed token: 404; without one 400', async () => {
		assertErr(await anonymous().post('/api/v1/bookings/confirm', { token: 'x'.repeat(43) }), 404);
		assertErr(await anonymous().post('/api/v1/bookings/confirm', { token: 'short' }), [400, 404]);
		assertErr(await anonymous().post('/api/v1/bookings/confirm', {}), 400, 'invalid_parameter', 'token');
		assertErr(await anonymous().post('/api/v1/bookings/confirm', { token: 'x'.repeat(43), extra: 1 }), 400, 'invalid_parameter', 'extra');
	});

	test('a hold not confirmed in time: the slot is free again and the link says 410 hold_expired', async () => {
		const start = zonedTime(BERLIN, day, 10);
		const email = uniqueEmail('bk-guest-late');
		const res = await book(anonymous(), t, t.types.trial, start, { email });
		assert.equal(res.status, 202, res.where);
		const token = linkToken(await waitMail(server, email, /^Please confirm/));
		const ref = res.json.appointment.ref;
		/* Thirty minutes pass. */
		sqliteExec(server.dbPath, `UPDATE appointments SET hold_expires_at = strftime('%s','now') - 1 WHERE ref = '${ref}'`);
		assert.ok(starts(await listSlots(t, t.types.trial, { from: day, days: 1 })).includes(start), 'listed again at once');
		/* Housekeeping releases it: cancelled by the system, its blocks freed. */
		const deadline = Date.now() + 10000;
		let row;
		while ((row = sqliteJson(server.dbPath, `SELECT a.status, a.cancelled_by, (SELECT count(*) FROM appointment_blocks b WHERE b.appointment_id = a.id) AS blocks FROM appointments a WHERE a.ref = '${ref}'`)[0]).status === 'held' && Date.now() < deadline)
			await sleep(100);
		assert.deepEqual(row, { status: 'cancelled', cancelled_by: 'system', blocks: 0 });
		assertErr(await anonymous().post('/api/v1/bookings/confirm', { token }), 410, 'hold_expired');
		const c = await makeClient('bk-guest-late-taker');
		const taken = await book(c.client, t, t.types.trial, start);
		assert.equal(taken.status, 201, taken.where);
		assertErr(await anonymous().post('/api/v1/bookings/confirm', { token }), 410, 'hold_expired');
		assert.equal(sqliteJson(server.dbPath, `SELECT status FROM appointments WHERE ref = '${ref}'`)[0].status, 'cancelled');
	});

	test('the manage link: shows the appointment; cancel frees the slot and mails both a CANCEL', async () => {
		const start = zonedTime(BERLIN, addDays(day, 1), 9);
		const g = await guestBooking(start);
		const show = await anonymous().post('/api/v1/appointments/manage', { token: g.manage });
		assert.equal(show.status, 200, show.where);
		assert.equal(show.json.appointment.ref, g.appointment.ref);
		assert.equal(show.json.appointment.status, 'booked');
		assert.ok(!starts(await listSlots(t, t.types.trial, { from: addDays(day, 1), days: 1 })).includes(start));
		const therapistCancels = mailMatching(server, t.email, /^Cancelled: /).length;

		const cancel = await anonymous().post('/api/v1/appointments/manage/cancel', { token: g.manage });
		assert.equal(cancel.status, 200, cancel.where);
		assert.equal(cancel.json.status, 'cancelled');
		assert.ok(starts(await listSlots(t, t.types.trial, { from: addDays(day, 1), days: 1 })).includes(start), 'listed again');

		for (const [to, n] of [[g.email, 1], [t.email, therapistCancels + 1]]) {
			const inv = invitation(await waitMail(server, to, /^Cancelled: /, n));
			assert.equal(prop(inv.cal, 'METHOD'), 'CANCEL', to);
			assert.match(inv.type, /method=CANCEL/i);
			assert.equal(prop(inv.ev, 'STATUS'), 'CANCELLED');
			assert.equal(prop(inv.ev, 'UID'), `${g.appointment.ref}@imago`);
			assert.equal(prop(inv.ev, 'DTSTART'), icsUtc(start));
			assert.ok(Number(prop(inv.ev, 'SEQUENCE')) > 0, 'a cancellation is a newer version');
		}
		const after = await anonymous().post('/api/v1/appointments/manage', { token: g.manage });
		assert.equal(after.status, 200, after.where);
		assert.equal(after.json.appointment.status, 'cancelled');
		assert.equal(after.json.appointment.cancelled_by, 'client');
		assertErr(await anonymous().post('/api/v1/appointments/manage/cancel', { token: g.manage }), 409, 'cancelled');
		assertErr(await anonymous().post('/api/v1/appointments/manage/reschedule', { token: g.manage, start: isoUtc(zonedTime(BERLIN, addDays(day, 2), 9)) }), 409, 'cancelled');
		/* Someone else takes the freed slot. */
		const c = await makeClient('bk-guest-freed');
		assert.equal((await book(c.client, t, t.types.trial, start)).status, 201);
	});

	test('the manage link: reschedule moves it (SEQUENCE grows), frees the old slot, takes the new one', async () => {
		const d = addDays(day, 2);
		const oldStart = zonedTime(BERLIN, d, 10);
		const newStart = zonedTime(BERLIN, addDays(d, 1), 11);
		const g = await guestBooking(oldStart);
		const seq0 = Number(prop(invitation(g.booked).ev, 'SEQUENCE'));
		const moved = await anonymous().post('/api/v1/appointments/manage/reschedule', { token: g.manage, start: isoUtc(newStart) });
		assert.equal(moved.status, 200, moved.where);
		assert.equal(moved.json.appointment.start, isoUtc(newStart));
		assert.equal(moved.json.appointment.end, isoUtc(newStart + 50 * MINUTE));
		assert.equal(moved.json.appointment.ref, g.appointment.ref);
		assert.ok(starts(await listSlots(t, t.types.trial, { from: d, days: 1 })).includes(oldStart), 'the old slot is free');
		assert.ok(!starts(await listSlots(t, t.types.trial, { from: addDays(d, 1), days: 1 })).includes(newStart), 'the new one is taken');

		const toGuest = invitation(await waitMail(server, g.email, /^New time: /));
		assert.equal(prop(toGuest.ev, 'DTSTART'), icsUtc(newStart));
		assert.equal(prop(toGuest.ev, 'UID'), `${g.appointment.ref}@imago`, 'the same event, updated');
		assert.ok(Number(prop(toGuest.ev, 'SEQUENCE')) > seq0, 'SEQUENCE grows');
		const toTherapist = invitation(await waitMail(server, t.email, /^Moved: /));
		assert.equal(prop(toTherapist.ev, 'DTSTART'), icsUtc(newStart));
		assert.ok(Number(prop(toTherapist.ev, 'SEQUENCE')) > seq0);
		const blocks = sqliteJson(server.dbPath, `SELECT min(block) AS lo, max(block) AS hi, count(*) AS n FROM appointment_blocks b JOIN appointments a ON a.id = b.appointment_id WHERE a.ref = '${g.appointment.ref}'`)[0];
		assert.deepEqual(blocks, { lo: newStart / 1000 / 300, hi: newStart / 1000 / 300 + 11, n: 12 }, 'the blocks moved with it');

		/* Onto a taken slot, off the grid, into the past: refused, nothing changes. */
		const c = await makeClient('bk-guest-blocker');
		const blocker = zonedTime(BERLIN, addDays(d, 2), 9);
		assert.equal((await book(c.client, t, t.types.trial, blocker)).status, 201);
		assertErr(await anonymous().post('/api/v1/appointments/manage/reschedule', { token: g.manage, start: isoUtc(blocker) }), 409, 'slot_taken');
		assertErr(await anonymous().post('/api/v1/appointments/manage/reschedule', { token: g.manage, start: isoUtc(blocker + 5 * MINUTE) }), 422, 'outside_availability');
		assertErr(await anonymous().post('/api/v1/appointments/manage/reschedule', { token: g.manage, start: '2020-01-06T09:00:00Z' }), 409, 'slot_past');
		assertErr(await anonymous().post('/api/v1/appointments/manage/reschedule', { token: g.manage, start: 'soon' }), 400, 'invalid_parameter', 'start');
		const still = await anonymous().post('/api/v1/appointments/manage', { token: g.manage });
		assert.equal(still.json.appointment.start, isoUtc(newStart));
	});

	test('manage with a bogus token: 404 for show, cancel and reschedule', async () => {
		const bogus = 'y'.repeat(43);
		assertErr(await anonymous().post('/api/v1/appointments/manage', { token: bogus }), 404);
		assertErr(await anonymous().post('/api/v1/appointments/manage/cancel', { token: bogus }), 404);
		assertErr(await anonymous().post('/api/v1/appointments/manage/reschedule', { token: bogus, start: isoUtc(zonedTime(BERLIN, addDays(day, 5), 9)) }), 404);
		assertErr(await anonymous().post('/api/v1/appointments/manage', {}), 400, 'invalid_parameter', 'token');
	});
});

/* ==== 5. the therapist's side ============================================================================= */

describe('the therapist\'s side: the list, cancelling at any time, the client\'s window, others\' refs', () => {
	let t;
	let client;
	let appt;
	let start;

	before(async () => {
		/* A window of 30 days: every appointment here is inside it. */
		t = await makeBookableTherapist(server, { tag: 'bk-side', availability: berlinDaily({ cancel_window_hours: 720, max_days_ahead: 20 }) });
		client = await makeClient('bk-side-client');
		start = zonedTime(BERLIN, addDays(localDate(BERLIN, Date.now()), 2), 10);
		const res = await book(client.client, t, t.types.trial, start, { name: 'Clara Client', phone: '+1 555 0100', note: 'About us', timezone: NEW_YORK });
		assert.equal(res.status, 201, res.where);
		appt = res.json.appointment;
	});

	test('GET /api/v1/me/appointments?as=therapist: the client\'s name, email, phone and note, in the therapist\'s zone', async () => {
		const res = await t.client.get('/api/v1/me/appointments?as=therapist&when=upcoming');
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.as, 'therapist');
		const a = res.json.appointments.find((x) => x.ref === appt.ref);
		assert.ok(a, res.where);
		assert.equal(a.name, 'Clara Client');
		assert.equal(a.email, client.email);
		assert.equal(a.phone, '+1 555 0100');
		assert.equal(a.note, 'About us');
		assert.equal(a.client_timezone, NEW_YORK);
		assert.equal(a.timezone, BERLIN);
		assert.equal(a.local_start, isoLocal(BERLIN, start));
		assert.equal(a.status, 'booked');
		/* The therapist's default view is their practice. */
		const dflt = await t.client.get('/api/v1/me/appointments');
		assert.equal(dflt.json.as, 'therapist');
		const past = await t.client.get('/api/v1/me/appointments?as=therapist&when=past');
		assert.ok(!past.json.appointments.some((x) => x.ref === appt.ref));
		/* The client sees it as theirs, without the contact fields. */
		const mine = await client.client.get('/api/v1/me/appointments?as=client');
		const m = mine.json.appointments.find((x) => x.ref === appt.ref);
		assert.ok(m, mine.where);
		assert.equal(m.email, undefined);
		assert.equal(m.local_start, isoLocal(NEW_YORK, start));
		/* Nobody else sees it. */
		const other = await makeBookableTherapist(server, { tag: 'bk-side-other', availability: berlinDaily() });
		const theirs = await other.client.get('/api/v1/me/appointments?as=therapist');
		assert.ok(!theirs.json.appointments.some((x) => x.ref === appt.ref));
		const stranger = await makeClient('bk-side-stranger');
		assert.ok(!(await stranger.client.get('/api/v1/me/appointments?as=client')).json.appointments.some((x) => x.ref === appt.ref));
		assertErr(await t.client.get('/api/v1/me/appointments?as=admin'), 400, 'invalid_parameter', 'as');
		assertErr(await t.client.get('/api/v1/me/appointments?when=tomorrow'), 400, 'invalid_parameter', 'when');
		assertErr(await anonymous().get('/api/v1/me/appointments'), 401);
	});

	test('inside the cancellation window the client can neither cancel nor move it: 409 cancellation_window', async () => {
		assertErr(await client.client.post(`/api/v1/me/appointments/${appt.ref}/cancel`), 409, 'cancellation_window');
		const to = isoUtc(zonedTime(BERLIN, addDays(localDate(BERLIN, Date.now()), 3), 9));
		assertErr(await client.client.post(`/api/v1/me/appointments/${appt.ref}/reschedule`, { start: to }), 409, 'cancellation_window');
		const mail = await waitMail(server, client.email, /^Booked: /);
		assertErr(await anonymous().post('/api/v1/appointments/manage/cancel', { token: manageToken(mail) }), 409, 'cancellation_window');
		assert.equal(sqliteJson(server.dbPath, `SELECT status FROM appointments WHERE ref = '${appt.ref}'`)[0].status, 'booked');
	});

	test('another therapist, another client, an admin: 404 for someone else\'s ref; anonymous 401', async () => {
		const other = await makeBookableTherapist(server, { tag: 'bk-side-other2', availability: berlinDaily() });
		const stranger = await makeClient('bk-side-stranger2');
		const admin = await makeUser(server, { admin: true, tag: 'bk-side-admin' });
		const to = isoUtc(zonedTime(BERLIN, addDays(localDate(BERLIN, Date.now()), 3), 9));
		for (const who of [other, stranger, admin]) {
			assertErr(await who.client.post(`/api/v1/me/appointments/${appt.ref}/cancel`), 404, 'not_found');
			assertErr(await who.client.post(`/api/v1/me/appointments/${appt.ref}/reschedule`, { start: to }), 404, 'not_found');
		}
		assertErr(await anonymous().post(`/api/v1/me/appointments/${appt.ref}/cancel`), 401);
		assertErr(await client.client.post('/api/v1/me/appointments/nosuchref/cancel'), 404, 'not_found');
		assertErr(await client.client.post(`/api/v1/me/appointments/${'r'.repeat(500)}/cancel`), 404);
		assert.equal(sqliteJson(server.dbPath, `SELECT status, starts_at FROM appointments WHERE ref = '${appt.ref}'`)[0].starts_at, start / 1000, 'untouched');
	});

	test('the therapist moves it (any time), then cancels it; both get the mails; the slot is free again', async () => {
		const newStart = zonedTime(BERLIN, addDays(localDate(BERLIN, Date.now()), 3), 9);
		const moved = await t.client.post(`/api/v1/me/appointments/${appt.ref}/reschedule`, { start: isoUtc(newStart) });
		assert.equal(moved.status, 200, moved.where);
		assert.equal(moved.json.appointment.start, isoUtc(newStart));
		assert.equal(moved.json.appointment.email, client.email, 'the therapist\'s view');
		invitation(await waitMail(server, client.email, /^New time: /));

		const cancel = await t.client.post(`/api/v1/me/appointments/${appt.ref}/cancel`);
		assert.equal(cancel.status, 200, cancel.where);
		const toClient = invitation(await waitMail(server, client.email, /^Cancelled: /));
		assert.equal(prop(toClient.cal, 'METHOD'), 'CANCEL');
		assert.equal(prop(toClient.ev, 'DTSTART'), icsUtc(newStart));
		invitation(await waitMail(server, t.email, /^Cancelled: /));
		const row = sqliteJson(server.dbPath, `SELECT status, cancelled_by FROM appointments WHERE ref = '${appt.ref}'`)[0];
		assert.deepEqual(row, { status: 'cancelled', cancelled_by: 'therapist' });
		assert.ok(starts(await listSlots(t, t.types.trial, { from: localDate(BERLIN, newStart), days: 1 })).includes(newStart));
		assertErr(await t.client.post(`/api/v1/me/appointments/${appt.ref}/cancel`), 409, 'cancelled');
	});

	test('outside the window the client cancels and moves it themselves', async () => {
		const put = await t.client.call('PUT', '/api/v1/me/availability', { json: { cancel_window_hours: 24 } });
		assert.equal(put.status, 200, put.where);
		const d = addDays(localDate(BERLIN, Date.now()), 5);
		const res = await book(client.client, t, t.types.trial, zonedTime(BERLIN, d, 9));
		assert.equal(res.status, 201, res.where);
		const ref = res.json.appointment.ref;
		const moved = await client.client.post(`/api/v1/me/appointments/${ref}/reschedule`, { start: isoUtc(zonedTime(BERLIN, d, 11)) });
		assert.equal(moved.status, 200, moved.where);
		assert.equal(moved.json.appointment.email, undefined, 'the client\'s view');
		const cancel = await client.client.post(`/api/v1/me/appointments/${ref}/cancel`);
		assert.equal(cancel.status, 200, cancel.where);
		assert.equal(sqliteJson(server.dbPath, `SELECT cancelled_by FROM appointments WHERE ref = '${ref}'`)[0].cancelled_by, 'client');
		/* A body on cancel is refused; reschedule needs a start. */
		assertErr(await client.client.post(`/api/v1/me/appointments/${ref}/cancel`, { reason: 'x' }), 400);
		assertErr(await client.client.post(`/api/v1/me/appointments/${ref}/reschedule`, {}), 400, 'invalid_parameter', 'start');
	});
});

/* ==== reminders ========================================================================================= */

describe('reminders: a day ahead, to both, once', () => {
	test('an appointment booked days ago and now within 24 hours gets one reminder with its invitation; one booked today does not; one further ahead not yet', async () => {
		const t = await makeBookableTherapist(server, { tag: 'bk-remind', availability: berlinDaily({ max_days_ahead: 10 }) });
		const c = await makeClient('bk-remind-client');
		const d = await makeClient('bk-remind-today');
		const now = Date.now();
		const listing = await listSlots(t, t.types.trial, { from: localDate(BERLIN, now), days: 2 });
		const within = starts(listing).filter((s) => s > now + 10 * MINUTE && s < now + 23 * HOUR);
		assert.ok(within.length >= 2, 'two free times within the next day');
		const [soon, today] = within;
		const near = await book(c.client, t, t.types.trial, soon, { timezone: NEW_YORK });
		assert.equal(near.status, 201, near.where);
		/* As if booked three days ago: the reminder is then due. */
		sqliteExec(server.dbPath, `UPDATE appointments SET created_at = created_at - 259200,
			confirmed_at = confirmed_at - 259200 WHERE ref = '${near.json.appointment.ref}'`);
		const fresh = await book(d.client, t, t.types.trial, today);
		assert.equal(fresh.status, 201, fresh.where);
		const later = await book(c.client, t, t.types.trial, zonedTime(BERLIN, addDays(localDate(BERLIN, now), 4), 9));
		assert.equal(later.status, 201, later.where);

		const toClient = await waitMail(server, c.email, /^Reminder: /);
		const ci = invitation(toClient);
		assert.equal(prop(ci.ev, 'UID'), `${near.json.appointment.ref}@imago`);
		assert.equal(prop(ci.ev, 'DTSTART'), icsUtc(soon));
		assert.ok(ci.text.includes('(America/New_York)'), 'in the client\'s zone');
		manageToken(toClient);
		const ti = invitation(await waitMail(server, t.email, /^Reminder: /));
		assert.equal(prop(ti.ev, 'UID'), `${near.json.appointment.ref}@imago`);
		/* Several rounds of housekeeping later: still one each, none for
		 * the later one, none for the one booked today (its confirmation
		 * has just gone out). */
		await sleep(3000);
		assert.equal(mailMatching(server, c.email, /^Reminder: /).length, 1, 'one reminder, not one a round');
		assert.equal(mailMatching(server, t.email, /^Reminder: /).length, 1);
		assert.equal(mailMatching(server, d.email, /^Reminder: /).length, 0, 'no reminder for a booking made within the day');
		assert.equal(sqliteJson(server.dbPath, `SELECT reminder_sent FROM appointments WHERE ref = '${later.json.appointment.ref}'`)[0].reminder_sent, 0);
	});
});

/* ==== 6. the calendar feed =================================================================================== */

describe('the therapist\'s private calendar feed', () => {
	let t;
	let client;
	const booked = [];

	before(async () => {
		t = await makeBookableTherapist(server, { tag: 'bk-feed', availability: berlinDaily() });
		client = await makeClient('bk-feed-client');
		const d = addDays(localDate(BERLIN, Date.now()), 2);
		for (const h of [9, 10]) {
			const res = await book(client.client, t, t.types.trial, zonedTime(BERLIN, addDays(d, h - 9), h), { name: 'Fiona Feedclient' });
			assert.equal(res.status, 201, res.where);
			booked.push(res.json.appointment);
		}
		/* A held one and a cancelled one stay out of the feed. */
		const held = await book(anonymous(), t, t.types.trial, zonedTime(BERLIN, addDays(d, 3), 9), { email: uniqueEmail('bk-feed-held') });
		assert.equal(held.status, 202, held.where);
		const gone = await book(client.client, t, t.types.trial, zonedTime(BERLIN, addDays(d, 4), 9));
		assert.equal(gone.status, 201, gone.where);
		assert.equal((await t.client.post(`/api/v1/me/appointments/${gone.json.appointment.ref}/cancel`)).status, 200);
	});

	const feedPath = (url) => new URL(url, server.url).pathname;

	test('POST gives a URL; GET it: text/calendar with the booked appointments, no email address', async () => {
		const res = await t.client.post('/api/v1/me/calendar-feed');
		assert.equal(res.status, 201, res.where);
		assert.match(res.json.url, /\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
		const feed = await anonymous().get(feedPath(res.json.url));
		assert.equal(feed.status, 200, feed.where);
		assert.match(feed.headers.get('content-type'), /^text\/calendar/);
		assert.match(feed.headers.get('cache-control') || '', /private/);
		const cal = parseIcs(feed.text);
		const evs = events(cal);
		assert.equal(evs.length, booked.length, feed.text);
		assert.deepEqual(evs.map((e) => prop(e, 'UID')).sort(), booked.map((a) => `${a.ref}@imago`).sort());
		for (const a of booked) {
			const ev = evs.find((e) => prop(e, 'UID') === `${a.ref}@imago`);
			assert.equal(prop(ev, 'DTSTART'), icsUtc(Date.parse(a.start)));
			assert.equal(prop(ev, 'DTEND'), icsUtc(Date.parse(a.end)));
		}
		assert.ok(feed.text.includes('Fiona Feedclient'), 'who');
		assert.ok(!feed.text.toLowerCase().includes(client.email.toLowerCase()), 'no client email in the feed');
		assert.ok(!/@example\.org/i.test(feed.text), 'no address at all');
		assert.ok(!/manage\?token=/.test(feed.text), 'no manage links');
		const mine = await t.client.get('/api/v1/me/availability');
		assert.equal(mine.json.calendar_feed, true);
		t.feed = res.json.url;
	});

	test('a new POST ends the old URL (404); DELETE turns the feed off (404)', async () => {
		const res = await t.client.post('/api/v1/me/calendar-feed');
		assert.equal(res.status, 201, res.where);
		assert.notEqual(res.json.url, t.feed);
		/* Not an API path: a 404 page, whatever its type. */
		assert.equal((await anonymous().get(feedPath(t.feed))).status, 404, 'the old URL');
		assert.equal((await anonymous().get(feedPath(res.json.url))).status, 200);
		const del = await t.client.del('/api/v1/me/calendar-feed');
		assert.equal(del.status, 200, del.where);
		assert.equal((await anonymous().get(feedPath(res.json.url))).status, 404, 'a feed turned off');
		assert.equal((await t.client.get('/api/v1/me/availability')).json.calendar_feed, false);
	});

	test('bogus feed names: 404; clients and anonymous may not make one', async () => {
		for (const name of [`${'z'.repeat(43)}.ics`, 'x.ics', `${'z'.repeat(43)}.txt`, '..%2F..%2Fetc%2Fpasswd'])
			assert.equal((await anonymous().get(`/calendar/${name}`)).status, 404, name);
		assertErr(await client.client.post('/api/v1/me/calendar-feed'), 403);
		assertErr(await anonymous().post('/api/v1/me/calendar-feed'), 401);
	});
});

/* ==== 8. mail that could not be sent yet ========================================================================== */

/*
 * A server on a database of our own, so that it can be stopped and
 * started again on the same file. The maildir is <dir>/mail (FAST_ENV
 * leaves IMAGO_MAILDIR empty).
 */
async function serveDb({ dbPath, dir }, env = {}) {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const child = spawn(IMAGO_BIN, ['--db', dbPath, 'serve', '--listen', `127.0.0.1:${port}`], {
		cwd: REPO_ROOT,
		env: {
			...process.env,
			ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
			UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1',
			...FAST_ENV,
			...env,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.setEncoding('utf8');
	child.stderr.on('data', (s) => { stderr += s; });
	child.stdout.resume();
	let exit = null;
	const exited = new Promise((resolve) => child.on('exit', (code, signal) => { exit = { code, signal }; resolve(exit); }));
	const deadline = Date.now() + 30000;
	for (;;) {
		if (exit)
			throw new Error(`imago serve exited (${JSON.stringify(exit)}):\n${stderr.slice(-4000)}`);
		try {
			const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
			await res.arrayBuffer();
			if (res.status === 200)
				break;
		} catch {
			/* not yet */
		}
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`imago serve did not start:\n${stderr.slice(-4000)}`);
		}
		await sleep(50);
	}
	return {
		url, dbPath, dir, maildir: path.join(dir, 'mail'),
		stderr: () => stderr,
		/* SIGTERM: must exit 0 within 5 s with no sanitizer report. */
		async stop() {
			if (!exit) {
				child.kill('SIGTERM');
				const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
				await exited;
				clearTimeout(timer);
			}
			await sleep(20);
			const report = sanitizerReport(stderr);
			assert.equal(report, null, `sanitizer report:\n${report}`);
			assert.deepEqual(exit, { code: 0, signal: null }, `a clean exit on SIGTERM:\n${stderr.slice(-3000)}`);
		},
		async kill() {
			if (!exit) {
				child.kill('SIGKILL');
				await exited;
			}
		},
	};
}

/* An SMTP server that accepts connections and never says a word: a
 * delivery to it hangs until the process gives up or stops. */
async function silentSmtp() {
	const sockets = new Set();
	const srv = net.createServer((s) => {
		sockets.add(s);
		s.on('error', () => {});
		s.on('close', () => sockets.delete(s));
	});
	await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
	let connections = 0;
	srv.on('connection', () => { connections++; });
	return {
		port: srv.address().port,
		connections: () => connections,
		close: () => new Promise((resolve) => {
			for (const s of sockets)
				s.destroy();
			srv.close(() => resolve());
		}),
	};
}

describe('durability: the booking stands and its mail goes out after a restart', () => {
	const dirs = [];
	after(() => {
		for (const d of dirs)
			fs.rmSync(d, { recursive: true, force: true });
	});

	/* A fresh database with a bookable therapist and a client, and a booking made while mail cannot go out. */
	async function bookWhileMailIsStuck(env) {
		const db = makeTestDb('imago-booking-durable-');
		dirs.push(db.dir);
		const s1 = await serveDb(db, env);
		try {
			const therapist = await makeBookableTherapist(s1, { tag: 'bk-durable', availability: berlinDaily() });
			const client = await makeUser(s1, { tag: 'bk-durable-client' });
			const start = zonedTime(BERLIN, addDays(localDate(BERLIN, Date.now()), 3), 10);
			const res = await book(client.client, therapist, therapist.types.trial, start);
			assert.equal(res.status, 201, res.where);
			return { db, s1, therapist, client, start, ref: res.json.appointment.ref };
		} catch (err) {
			await s1.kill();
			throw err;
		}
	}

	function pending(dbPath) {
		return sqliteJson(dbPath, "SELECT to_addr, attempts, sent_at, failed_at, attachment_name, length(attachment) AS att FROM outbox WHERE subject LIKE 'Booked:%' OR subject LIKE 'New booking:%' ORDER BY id");
	}

	async function waitFor(what, fn, timeoutMs = 15000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const v = fn();
			if (v)
				return v;
			if (Date.now() > deadline)
				throw new Error(`timed out waiting for ${what}`);
			await sleep(50);
		}
	}

	/* After the restart: both invitations arrive, the appointment is as it was. */
	async function expectDelivered(s2, b) {
		const srv = { maildir: s2.maildir };
		const toClient = invitation(await waitMail(srv, b.client.email, /^Booked: /, 1, 15000));
		assert.equal(prop(toClient.ev, 'DTSTART'), icsUtc(b.start));
		assert.equal(prop(toClient.ev, 'UID'), `${b.ref}@imago`);
		manageToken(await waitMail(srv, b.client.email, /^Booked: /));
		const toTherapist = invitation(await waitMail(srv, b.therapist.email, /^New booking: /, 1, 15000));
		assert.equal(prop(toTherapist.ev, 'UID'), `${b.ref}@imago`);
		assert.equal(sqliteJson(b.db.dbPath, `SELECT status FROM appointments WHERE ref = '${b.ref}'`)[0].status, 'booked');
		await waitFor('the outbox rows marked sent', () => pending(b.db.dbPath).every((r) => r.sent_at !== null));
		await sleep(300);
		assert.equal(mailMatching(srv, b.client.email, /^Booked: /).length, 1, 'sent once');
	}

	test('SMTP unreachable: 201 all the same, the mail is kept and retried, and goes out from the restarted server', async () => {
		const dead = await freePort();
		const b = await bookWhileMailIsStuck({ IMAGO_SMTP_URL: `smtp://127.0.0.1:${dead}` });
		let s2 = null;
		try {
			await waitFor('a failed attempt', () => {
				const rows = pending(b.db.dbPath);
				return rows.length === 2 && rows.every((r) => r.attempts >= 1) && rows;
			});
			const rows = pending(b.db.dbPath);
			for (const r of rows) {
				assert.equal(r.sent_at, null);
				assert.equal(r.failed_at, null, 'not given up');
				assert.equal(r.attachment_name, 'invitation.ics');
				assert.ok(r.att > 0, 'the invitation is kept for the retry');
			}
			await b.s1.stop();
			s2 = await serveDb(b.db, {});
			/* The retry is due a minute after the failure; we do not wait that long. */
			sqliteExec(b.db.dbPath, 'UPDATE outbox SET next_attempt_at = CAST(strftime(\'%s\',\'now\') AS INTEGER) WHERE sent_at IS NULL');
			await expectDelivered(s2, b);
		} finally {
			await b.s1.kill();
			if (s2)
				await s2.stop();
		}
	});

	test('stopped (SIGTERM) while the mail is being sent: it goes out after the restart', async () => {
		const smtp = await silentSmtp();
		let s2 = null;
		let b = null;
		try {
			b = await bookWhileMailIsStuck({ IMAGO_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
			await waitFor('a delivery attempt', () => smtp.connections() > 0);
			await b.s1.stop();
			assert.ok(pending(b.db.dbPath).every((r) => r.sent_at === null && r.failed_at === null));
			s2 = await serveDb(b.db, {});
			await expectDelivered(s2, b);
		} finally {
			if (b)
				await b.s1.kill();
			if (s2)
				await s2.stop();
			await smtp.close();
		}
	});

	test('killed (kill -9) while the mail is being sent: nothing is lost', async () => {
		const smtp = await silentSmtp();
		let s2 = null;
		let b = null;
		try {
			b = await bookWhileMailIsStuck({ IMAGO_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
			await waitFor('a delivery attempt', () => smtp.connections() > 0);
			await b.s1.kill();
			const rows = pending(b.db.dbPath);
			assert.equal(rows.length, 2);
			assert.ok(rows.every((r) => r.sent_at === null && r.failed_at === null && r.att > 0));
			assert.equal(sqliteJson(b.db.dbPath, `SELECT status FROM appointments WHERE ref = '${b.ref}'`)[0].status, 'booked');
			s2 = await serveDb(b.db, {});
			/* The dead process held a lease on the message it was sending
			 * (two minutes); let that time pass. */
			sqliteExec(b.db.dbPath, 'UPDATE outbox SET next_attempt_at = CAST(strftime(\'%s\',\'now\') AS INTEGER) WHERE sent_at IS NULL');
			await expectDelivered(s2, b);
		} finally {
			if (b)
				await b.s1.kill();
			if (s2)
				await s2.stop();
			await smtp.close();
		}
	});
});
