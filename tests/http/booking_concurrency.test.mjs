/*
 * Many people at the same moment: a slot is booked once however many ask
 * for it at once (the database refuses a second claim on any five-minute
 * block), every other answer is a clean 409, never a 5xx; the same holds
 * for overlapping slots of different types, for one person's pending
 * consultation, and for changes to one appointment racing each other
 * (cancel against cancel, cancel against reschedule, two moves onto one
 * slot). After each burst the database is checked directly: the
 * appointments that stand do not overlap and own exactly their blocks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sqliteJson } from '../lib/server.mjs';
import { Client, linkToken, mailTo, sqlQuote, makeTherapist, makeUser, profileBody, sleep, startAccountServer, uniqueEmail } from '../lib/accounts.mjs';
import { DAY, MINUTE, addDays, isoUtc, localDate, zonedTime } from '../lib/zones.mjs';

const PARALLEL = 30;
const BERLIN = 'Europe/Berlin';
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => `${d} 09:00-12:00`);
const TRIAL = { kind: 'trial', name: 'Trial session', minutes: 50, fee: 80, currency: 'EUR', mode: 'video', active: true };
const CONSULTATION = { kind: 'consultation', name: 'Free consultation', minutes: 15, fee: 0, currency: '', mode: 'video', active: true };

/* A Berlin date n days ahead, and a time on it. */
const ahead = (n) => addDays(localDate(BERLIN, Date.now()), n);
const at = (n, hh, mm = 0) => zonedTime(BERLIN, ahead(n), hh, mm);

/* ---- actors ---------------------------------------------------------------------- */

let server;
let therapist;
let clients = [];

async function makeBookableTherapist(tag) {
	const actor = await makeTherapist(server, { tag });
	const res = await actor.client.post('/api/v1/therapists', profileBody('Conrad Concurrent'));
	assert.equal(res.status, 201, res.where);
	actor.profileId = res.json.id;
	const acc = await actor.client.patch(`/api/v1/therapists/${actor.profileId}`, { accepting_new_clients: true });
	assert.equal(acc.status, 200, acc.where);
	const av = await actor.client.call('PUT', '/api/v1/me/availability', {
		json: { timezone: BERLIN, buffer_minutes: 10, min_notice_minutes: 0, max_days_ahead: 60, cancel_window_hours: 0, hours: EVERY_DAY, dates_off: [] },
	});
	assert.equal(av.status, 200, av.where);
	actor.types = {};
	for (const [key, body] of [['trial', TRIAL], ['consult', CONSULTATION]]) {
		const t = await actor.client.post('/api/v1/me/appointment-types', body);
		assert.equal(t.status, 201, t.where);
		actor.types[key] = t.json.type;
	}
	return actor;
}

before(async () => {
	server = await startAccountServer();
	therapist = await makeBookableTherapist('cc-therapist');
	for (let i = 0; i < PARALLEL; i++)
		clients.push(await makeUser(server, { tag: `cc-client${i}` }));
});

after(async () => {
	if (server)
		await server.stop();
});

const bookingsPath = () => `/api/v1/therapists/${therapist.profileId}/bookings`;
const bodyFor = (type, start, extra = {}) => ({ type: type.id, start: isoUtc(start), name: 'Paula Parallel', timezone: BERLIN, ...extra });
const guestBook = (type, start) => new Client(server.url).post(bookingsPath(), bodyFor(type, start, { email: uniqueEmail('cc-guest') }));
const clientBook = (c, type, start) => c.client.post(bookingsPath(), bodyFor(type, start));

/* ---- checks ------------------------------------------------------------------------- */

/* No 5xx; the answers tallied as "status code". */
function tally(results) {
	const counts = {};
	for (const r of results) {
		assert.ok(r.status < 500, `no 5xx under load: ${r.where}`);
		const key = `${r.status}${r.json?.error ? ` ${r.json.error.code}` : ''}`;
		counts[key] = (counts[key] || 0) + 1;
	}
	return counts;
}

/*
 * The database after a burst, for the appointments starting on Berlin
 * days [first, last] ahead and the blocks in that span: each appointment
 * that stands (booked, or held and not expired) owns exactly the
 * five-minute blocks from its start to its end plus its buffer; a
 * cancelled one owns none; no block belongs to nothing; the standing
 * ones do not overlap.
 */
function checkStore(first, last = first) {
	const id = therapist.profileId;
	const lo = zonedTime(BERLIN, ahead(first), 0) / 1000;
	const hi = zonedTime(BERLIN, ahead(last + 1), 0) / 1000;
	const now = Math.floor(Date.now() / 1000);
	const appts = sqliteJson(server.dbPath, `SELECT id, ref, status, starts_at, ends_at, buffer_minutes, hold_expires_at FROM appointments WHERE therapist_id = ${id} AND starts_at >= ${lo} AND starts_at < ${hi} ORDER BY starts_at`);
	const blocks = sqliteJson(server.dbPath, `SELECT block, appointment_id FROM appointment_blocks WHERE therapist_id = ${id} AND block >= ${lo / 300} AND block < ${hi / 300} ORDER BY block`);
	const owned = new Map();
	for (const b of blocks) {
		if (!owned.has(b.appointment_id))
			owned.set(b.appointment_id, []);
		owned.get(b.appointment_id).push(b.block);
	}
	const standing = appts.filter((a) => a.status === 'booked' || (a.status === 'held' && a.hold_expires_at > now));
	for (const a of appts) {
		const want = [];
		if (standing.includes(a))
			for (let b = a.starts_at / 300; b < Math.ceil((a.ends_at + a.buffer_minutes * 60) / 300); b++)
				want.push(b);
		assert.deepEqual(owned.get(a.id) || [], want, `appointment ${a.ref} (${a.status}, ${isoUtc(a.starts_at * 1000)}) owns exactly its blocks`);
		owned.delete(a.id);
	}
	const strays = [...owned].map(([appt, bl]) => {
		const row = sqliteJson(server.dbPath, `SELECT ref, status, starts_at FROM appointments WHERE id = ${appt}`)[0];
		return `${bl.length} blocks from ${isoUtc(bl[0] * 300000)} owned by ${row ? `${row.ref} (${row.status}, starting ${isoUtc(row.starts_at * 1000)})` : `missing appointment ${appt}`}`;
	});
	assert.deepEqual(strays, [], 'every block in the span belongs to an appointment standing there');
	for (let i = 1; i < standing.length; i++) {
		const p = standing[i - 1];
		assert.ok(standing[i].starts_at >= p.ends_at + p.buffer_minutes * 60, `${p.ref} and ${standing[i].ref} do not overlap`);
	}
	return appts;
}

const standingAt = (appts, start) => appts.filter((a) => a.starts_at === start / 1000 && a.status !== 'cancelled');

/* ---- bursts ---------------------------------------------------------------------------- */

describe('many requests for one slot at the same moment', () => {
	test(`${PARALLEL} guests, one slot: exactly one 202, every other answer 409 slot_taken`, async () => {
		const start = at(3, 10);
		const results = await Promise.all(Array.from({ length: PARALLEL }, () => guestBook(therapist.types.trial, start)));
		assert.deepEqual(tally(results), { 202: 1, '409 slot_taken': PARALLEL - 1 });
		const appts = checkStore(3);
		const held = standingAt(appts, start);
		assert.equal(held.length, 1, 'one appointment at that time');
		assert.equal(held[0].status, 'held');
		assert.equal(held[0].ref, results.find((r) => r.status === 202).json.appointment.ref);
		assert.equal(appts.filter((a) => a.starts_at === start / 1000).length, 1, 'the refused ones left no rows');
	});

	test(`${PARALLEL} signed-in clients, one slot: exactly one 201, every other answer 409 slot_taken`, async () => {
		const start = at(3, 11);
		const results = await Promise.all(clients.map((c) => clientBook(c, therapist.types.trial, start)));
		assert.deepEqual(tally(results), { 201: 1, '409 slot_taken': PARALLEL - 1 });
		const appts = checkStore(3);
		const booked = standingAt(appts, start);
		assert.equal(booked.length, 1);
		assert.equal(booked[0].status, 'booked');
		/* One invitation to the winner, none to the others. */
		const winner = clients[results.findIndex((r) => r.status === 201)];
		await sleep(500);
		let invited = 0;
		for (const c of clients)
			invited += mailTo(server.maildir, c.email).filter((m) => /^Booked: /.test(m.subject)).length;
		assert.equal(invited, 1);
		assert.equal(mailTo(server.maildir, winner.email).filter((m) => /^Booked: /.test(m.subject)).length, 1);
	});

	test('overlapping slots of two types (a trial at 10:00, a consultation at 10:15), half and half: exactly one wins', async () => {
		const trial = at(4, 10);
		const consult = at(4, 10, 15);
		const results = await Promise.all([
			...clients.slice(0, PARALLEL / 2).map((c) => clientBook(c, therapist.types.trial, trial)),
			...Array.from({ length: PARALLEL / 2 }, () => guestBook(therapist.types.consult, consult)),
		]);
		const counts = tally(results);
		const wins = results.filter((r) => r.status === 201 || r.status === 202);
		assert.equal(wins.length, 1, JSON.stringify(counts));
		assert.equal(counts['409 slot_taken'], PARALLEL - 1, JSON.stringify(counts));
		const appts = checkStore(4);
		assert.equal(standingAt(appts, trial).length + standingAt(appts, consult).length, 1);
	});

	test('a trial against three consultations it overlaps (09:50, 10:15, 10:40): the winners never overlap', async () => {
		const day = 5;
		const times = [[therapist.types.trial, at(day, 10)], [therapist.types.consult, at(day, 9, 50)],
		    [therapist.types.consult, at(day, 10, 15)], [therapist.types.consult, at(day, 10, 40)]];
		const requests = [];
		for (let i = 0; i < PARALLEL; i++) {
			const [type, start] = times[i % times.length];
			requests.push(type.kind === 'trial' ? clientBook(clients[i], type, start) : guestBook(type, start));
		}
		const results = await Promise.all(requests);
		const counts = tally(results);
		const wins = results.filter((r) => r.status === 201 || r.status === 202);
		assert.ok(wins.length >= 1 && wins.length <= 3, JSON.stringify(counts));
		assert.equal(counts['409 slot_taken'], PARALLEL - wins.length, JSON.stringify(counts));
		/* Either the trial alone, or consultations only, one per time. */
		const kinds = wins.map((r) => r.json.appointment.kind);
		assert.ok(kinds.includes('trial') ? wins.length === 1 : true, `a trial shares its hour with nothing: ${kinds}`);
		assert.equal(new Set(wins.map((r) => r.json.appointment.start)).size, wins.length, 'one winner per time');
		checkStore(day);
	});

	test('one person, ten consultations at once at different times: exactly one, the rest 409 consultation_pending', async () => {
		const c = clients[0];
		/* Consultations every 25 minutes (15 + 10) from 09:00. */
		const times = [[9, 0], [9, 25], [9, 50], [10, 15], [10, 40]];
		const starts = [...times.map(([h, m]) => at(6, h, m)), ...times.map(([h, m]) => at(7, h, m))];
		const results = await Promise.all(starts.map((s) => clientBook(c, therapist.types.consult, s)));
		assert.deepEqual(tally(results), { 201: 1, '409 consultation_pending': starts.length - 1 });
		checkStore(6, 7);
	});
});

describe('changes to one appointment racing each other', () => {
	/* A booked appointment of a client, with the manage token from its mail. */
	async function bookedFor(c, start) {
		const before = mailTo(server.maildir, c.email).filter((m) => /^Booked: /.test(m.subject)).length;
		const res = await clientBook(c, therapist.types.trial, start);
		assert.equal(res.status, 201, res.where);
		for (let i = 0; i < 400; i++) {
			const list = mailTo(server.maildir, c.email).filter((m) => /^Booked: /.test(m.subject));
			if (list.length > before) {
				const text = list[list.length - 1].body.replace(/=\r\n/g, '').replace(/=3D/g, '=');
				const m = /\/appointments\/manage\?token=([A-Za-z0-9_-]{43})/.exec(text);
				assert.ok(m, 'a manage link');
				return { ref: res.json.appointment.ref, manage: m[1], client: c, start };
			}
			await sleep(25);
		}
		throw new Error('no booked mail');
	}

	/* Counted in the outbox, where the mail is written in the same
	 * transaction as the cancellation: not racing the delivery worker. */
	const cancelMails = (to) => sqliteJson(server.dbPath, `SELECT id FROM outbox
		WHERE to_addr = ${sqlQuote(to)} AND subject LIKE 'Cancelled: %'`);

	test('the same appointment cancelled eight times at once (client, therapist, manage link): one 200, the rest 409 cancelled, one mail each', async () => {
		/* A race shows only now and then: many rounds, each on a time the last one freed. */
		for (let round = 0; round < 12; round++) {
			const c = clients[10 + (round % 4)];
			const a = await bookedFor(c, at(8 + (round % 4), 9));
			const clientMailsBefore = cancelMails(c.email).length;
			const therapistMailsBefore = cancelMails(therapist.email).length;
			const anon = () => new Client(server.url);
			const results = await Promise.all([
				c.client.post(`/api/v1/me/appointments/${a.ref}/cancel`),
				therapist.client.post(`/api/v1/me/appointments/${a.ref}/cancel`),
				anon().post('/api/v1/appointments/manage/cancel', { token: a.manage }),
				c.client.post(`/api/v1/me/appointments/${a.ref}/cancel`),
				therapist.client.post(`/api/v1/me/appointments/${a.ref}/cancel`),
				anon().post('/api/v1/appointments/manage/cancel', { token: a.manage }),
				c.client.post(`/api/v1/me/appointments/${a.ref}/cancel`),
				therapist.client.post(`/api/v1/me/appointments/${a.ref}/cancel`),
			]);
			const counts = tally(results);
			const mails = `cancellation mails: ${cancelMails(c.email).length - clientMailsBefore} to the client, ` +
			    `${cancelMails(therapist.email).length - therapistMailsBefore} to the therapist`;
			assert.deepEqual(counts, { 200: 1, '409 cancelled': 7 }, `round ${round}; ${mails}`);
			assert.equal(cancelMails(c.email).length - clientMailsBefore, 1, 'one cancellation mail to the client');
			assert.equal(cancelMails(therapist.email).length - therapistMailsBefore, 1, 'one to the therapist');
			const seq = sqliteJson(server.dbPath, `SELECT sequence FROM appointments WHERE ref = '${a.ref}'`)[0].sequence;
			assert.equal(seq, 1, 'cancelled once');
			checkStore(8 + (round % 4));
		}
	});

	test('cancels and reschedules of one appointment at the same moment: it ends cancelled, owning no blocks, both times free', async () => {
		for (let round = 0; round < 28; round++) {
			const c = clients[(14 + round) % PARALLEL];
			const a = await bookedFor(c, at(12 + round, 9));
			const to = isoUtc(at(12 + round, 11));
			const anon = () => new Client(server.url);
			/* A move checks the new time before its transaction, a cancel
			 * does not: the cancel starts a little later, by a few
			 * milliseconds more each round, so that it lands in that gap. */
			const requests = [
				c.client.post(`/api/v1/me/appointments/${a.ref}/reschedule`, { start: to }),
				therapist.client.post(`/api/v1/me/appointments/${a.ref}/reschedule`, { start: to }),
				anon().post('/api/v1/appointments/manage/reschedule', { token: a.manage, start: to }),
			];
			await sleep(round % 8);
			requests.push(
				therapist.client.post(`/api/v1/me/appointments/${a.ref}/cancel`),
				anon().post('/api/v1/appointments/manage/cancel', { token: a.manage }),
				c.client.post(`/api/v1/me/appointments/${a.ref}/cancel`),
			);
			const results = await Promise.all(requests);
			const counts = tally(results);
			const outcome = results.map((r) => `${r.method === 'POST' && /cancel/.test(r.path) ? 'cancel' : 'move'} ${r.status}`).join(', ');
			/* Every change either happened or was told the appointment is cancelled. */
			for (const r of results)
				assert.ok(r.status === 200 || (r.status === 409 && r.json.error.code === 'cancelled'), `${outcome}: ${r.where}`);
			assert.ok(counts[200] >= 1, outcome);
			const row = sqliteJson(server.dbPath, `SELECT status FROM appointments WHERE ref = '${a.ref}'`)[0];
			assert.equal(row.status, 'cancelled', outcome);
			/* Both times are offered again, and can be booked again. */
			const listed = await anon().get(`/api/v1/therapists/${therapist.profileId}/slots?type=${therapist.types.trial.id}&from=${ahead(12 + round)}&days=1`);
			const free = listed.json.slots.map((x) => Date.parse(x.start));
			const other = clients[(15 + round) % PARALLEL];
			for (const s of [a.start, Date.parse(to)]) {
				assert.ok(free.includes(s), `${isoUtc(s)} listed as free`);
				const res = await clientBook(other, therapist.types.trial, s);
				assert.equal(res.status, 201, `round ${round} (${outcome}): the listed time ${isoUtc(s)} can be booked again: ${res.where}`);
				assert.equal((await therapist.client.post(`/api/v1/me/appointments/${res.json.appointment.ref}/cancel`)).status, 200);
			}
			checkStore(12 + round);
		}
	});

	test('two appointments moved onto the same free slot at once: one 200, one 409 slot_taken', async () => {
		for (let round = 0; round < 4; round++) {
			const a = await bookedFor(clients[22 + round], at(40 + round, 9));
			const b = await bookedFor(clients[26 + round], at(40 + round, 10));
			const target = at(40 + round, 11);
			const results = await Promise.all([
				a.client.client.post(`/api/v1/me/appointments/${a.ref}/reschedule`, { start: isoUtc(target) }),
				b.client.client.post(`/api/v1/me/appointments/${b.ref}/reschedule`, { start: isoUtc(target) }),
			]);
			assert.deepEqual(tally(results), { 200: 1, '409 slot_taken': 1 }, `round ${round}`);
			const appts = checkStore(40 + round);
			assert.equal(standingAt(appts, target).length, 1);
			/* The loser kept its time. */
			const loser = results[0].status === 200 ? b : a;
			assert.equal(standingAt(appts, loser.start).length, 1);
		}
	});
});
