/*
 * Booking a free consultation, as people do it in the browser (issue 4):
 * a therapist in Sydney sets weekly hours, a date off and a 15-minute
 * video consultation on their own pages; a visitor whose browser is in
 * New York finds them in the directory, picks the first free time,
 * confirms by the link in the mail and gets the invitation; the
 * therapist sees the booking in their own zone; the same time cannot be
 * booked a second time, from a tab opened before it was taken or
 * through the API.
 *
 * Times are checked against Intl.DateTimeFormat, never against what the
 * server says elsewhere: every slot's label is its UTC value (the radio's
 * value) in the visitor's zone, within the therapist's hours in theirs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, decodeQuotedPrintable, freshCode, linkToken, mailTo, waitForMail } from '../lib/accounts.mjs';
import { BASE, assertNoProblems, launch, openPage, url } from './browser.mjs';
import { MAILDIR, waitForLink } from './mail.mjs';

const TIMEOUT = { timeout: 180000 };
const PASSWORD = 'quiet river under the bridge';
const THERAPIST_ZONE = 'Australia/Sydney';
const VISITOR_ZONE = 'America/New_York';
/* The therapist's hours, every day, so there are slots whatever today is. */
const OPEN = '09:00';
const CLOSE = '17:00';
const MINUTES = 15;
const NOTICE_HOURS = 1;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/* Types into a control the way a person does: click, then keys. */
async function typeInto(locator, text) {
	await locator.click();
	await locator.press('ControlOrMeta+a');
	await locator.press('Delete');
	await locator.pressSequentially(text);
}

/* Submits by clicking and waits for the page it leads to; returns its response. */
async function clickAndLoad(page, target) {
	const [response] = await Promise.all([page.waitForNavigation(), target.click()]);
	return response;
}

const path = (page) => new URL(page.url()).pathname;
const h1 = async (page) => (await page.locator('h1').first().textContent()).trim();

/* ---- time, computed here ------------------------------------------------------ */

/* Formatters are costly to make and there are hundreds of slots. */
const formatters = new Map();
function formatter(zone) {
	if (!formatters.has(zone))
		formatters.set(zone, {
			parts: new Intl.DateTimeFormat('en-GB', {
				timeZone: zone, weekday: 'long', day: 'numeric', month: 'long',
				year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
			}),
			date: new Intl.DateTimeFormat('en-CA', { timeZone: zone }),
		});
	return formatters.get(zone);
}

/* The wall-clock fields of instant ms in zone. */
function local(zone, ms) {
	const { parts, date } = formatter(zone);
	const f = Object.fromEntries(parts.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
	return {
		weekday: f.weekday, day: Number(f.day), month: f.month, year: Number(f.year),
		hhmm: `${f.hour}:${f.minute}`, minutes: Number(f.hour) * 60 + Number(f.minute),
		date: date.format(new Date(ms)), /* YYYY-MM-DD */
	};
}

/* The app's way of writing a time: "Tuesday 8 December 2026, 09:00–09:15 (Zone)". */
function whenText(zone, startMs, endMs) {
	const s = local(zone, startMs);
	return `${s.weekday} ${s.day} ${s.month} ${s.year}, ${s.hhmm}\u2013${local(zone, endMs).hhmm} (${zone})`;
}

/* A day heading on the book page: "Tuesday 8 December". */
function dayHeading(zone, ms) {
	const s = local(zone, ms);
	return `${s.weekday} ${s.day} ${s.month}`;
}

const minutesOf = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/* 20261208T140000Z, as DTSTART in UTC. */
const icsTime = (ms) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/* ---- mail with an attachment (multipart/mixed) ---------------------------------- */

function parseHeaders(text) {
	const headers = {};
	for (const line of text.replace(/\r\n(?=[ \t])/g, ' ').split('\r\n')) {
		const colon = line.indexOf(':');
		if (colon > 0)
			headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
	}
	return headers;
}

/* The parts of a message, decoded: [{ headers, text }]. */
function mimeParts(message) {
	const type = message.headers['content-type'] || '';
	const m = /^multipart\/mixed;\s*boundary="?([^";]+)"?/i.exec(type);
	assert.ok(m, `a multipart message (Content-Type: ${type})`);
	const chunks = message.body.split(`--${m[1]}`);
	assert.equal(chunks.at(-1).trim(), '--', 'the message ends with the closing delimiter');
	return chunks.slice(1, -1).map((chunk) => {
		const raw = chunk.replace(/^\r\n/, '');
		const split = raw.indexOf('\r\n\r\n');
		const headers = parseHeaders(raw.slice(0, split));
		const body = raw.slice(split + 4);
		const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
		const text = cte === 'quoted-printable' ? decodeQuotedPrintable(body) :
		    cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') :
		    Buffer.from(body, 'latin1').toString('utf8');
		return { headers, text };
	});
}

/* The text and the .ics of a booking mail. */
function invitationMail(message) {
	const parts = mimeParts(message);
	const text = parts.find((p) => /^text\/plain/i.test(p.headers['content-type'] || ''));
	const ics = parts.find((p) => /filename="?invitation\.ics"?/.test(p.headers['content-disposition'] || ''));
	assert.ok(text, 'a text part');
	assert.ok(ics, `an invitation.ics attachment (parts: ${parts.map((p) => p.headers['content-type']).join(', ')})`);
	assert.match(ics.headers['content-type'], /^text\/calendar/i);
	/* Unfold the lines (RFC 5545 3.1) before reading properties. */
	return { text: text.text, ics: ics.text.replace(/\r\n[ \t]/g, '') };
}

function icsProperty(ics, name) {
	const m = new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, 'm').exec(ics);
	return m ? m[1].replace(/\r$/, '') : null;
}

/* ---- the therapist ---------------------------------------------------------------- */

/*
 * An account with the therapist role, made through the API as a person's
 * script would: sign up, the link from the mail, sign in, two-step
 * sign-in, a profile in Sydney accepting new clients. Returns what the
 * pages need to sign in again.
 */
async function makeTherapist(tag, name) {
	const email = `booking-therapist-${tag}@example.org`;
	const signUp = await new Client(BASE).post('/api/v1/accounts',
	    { email, password: PASSWORD, display_name: name, role: 'therapist' });
	assert.equal(signUp.status, 202, signUp.where);
	const token = linkToken(await waitForMail(MAILDIR, email));
	const verify = await new Client(BASE).post('/api/v1/accounts/verify', { token });
	assert.equal(verify.status, 200, verify.where);

	const c = new Client(BASE);
	const session = await c.post('/api/v1/session', { email, password: PASSWORD });
	assert.equal(session.status, 200, session.where);
	c.csrf = session.json.csrf_token;
	const begin = await c.post('/api/v1/me/two-step', {});
	assert.equal(begin.status, 200, begin.where);
	const secret = begin.json.secret;
	const enable = await c.post('/api/v1/me/two-step/enable', { code: await freshCode(secret) });
	assert.equal(enable.status, 200, enable.where);

	const profile = await c.post('/api/v1/therapists', {
		name, credentials: 'Psychologist', city: 'Sydney', country: 'AU',
		certifications: ['certified_imago_therapist'], formats: ['online'],
		languages: ['en'], accepting_new_clients: true,
		bio: 'Imago couples therapy in Sydney and by video.',
	});
	assert.equal(profile.status, 201, profile.where);
	assert.ok(profile.json.lat !== null && Math.abs(profile.json.lat + 33.87) < 0.5 &&
	    Math.abs(profile.json.lon - 151.21) < 0.5,
	    `the profile is placed in Sydney, Australia: ${profile.json.lat},${profile.json.lon}`);
	return { email, secret, id: profile.json.id };
}

/* Signs in through the pages: password, then a code from the app.
 * (Filled, not typed key by key: accounts.test.mjs types them.) */
async function signIn(page, therapist) {
	await page.goto(url('/signin'));
	await page.getByLabel('Email address').fill(therapist.email);
	await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
	await clickAndLoad(page, page.locator('main').getByRole('button', { name: 'Sign in' }));
	assert.equal(path(page), '/signin/code');
	await page.getByLabel('Code', { exact: true }).fill(await freshCode(therapist.secret));
	await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
	assert.equal(path(page), '/account', `signed in: ${await page.locator('main').textContent()}`);
}

/* ---- the book page ---------------------------------------------------------------- */

/* Every free time listed: its UTC value, the label and its day's heading. */
function listedSlots(page) {
	return page.$$eval('fieldset.slot-day', (days) => days.flatMap((day) =>
	    [...day.querySelectorAll('label.slot')].map((label) => ({
		    value: label.querySelector('input[name="start"]').value,
		    label: label.textContent.trim(),
		    day: day.querySelector('legend').textContent.trim(),
	    }))));
}

/* Picks a time as a person does: with the page's script, the days are
 * folded into tabs and the time's day must be opened first. */
async function chooseTime(page, value, day) {
	const tabs = page.locator('.day-tabs');
	if (await tabs.count() > 0)
		await tabs.getByRole('tab', { name: day, exact: true }).click();
	await page.locator(`input[name="start"][value="${value}"]`).check();
}

describe('a visitor books a consultation with a therapist in another time zone', () => {
	it('finds, books, confirms by mail; the therapist sees it; the time cannot be taken twice', {
		...TIMEOUT,
		skip: MAILDIR ? false : 'IMAGO_TEST_MAILDIR is not set (run tests/browser/run.mjs)',
	}, async (t) => {
		const started = Date.now();
		const tag = `${process.pid}${Date.now() % 100000}`;
		/* A name no demo therapist has, so the search finds only this one. */
		const name = `Henrietta Wollongbar ${tag}`;
		const therapist = await makeTherapist(tag, name);

		/* 1. The therapist sets hours and a consultation on their own pages. */
		const th = await openPage(browser);
		await signIn(th.page, therapist);
		await th.page.goto(url('/therapist/availability'));
		assert.equal(await h1(th.page), 'Availability');
		assert.match(await th.page.locator('main').textContent(), /You are accepting new clients/);
		/* A date off three days from now (in Sydney): no slot may fall on it. */
		const dateOff = local(THERAPIST_ZONE, Date.now() + 3 * 86400000).date;
		const form = th.page.locator('main form[action="/therapist/availability"]');
		await form.getByLabel('Your time zone').selectOption(THERAPIST_ZONE);
		await form.getByLabel('Weekly hours').fill(DAYS.map((d) => `${d} ${OPEN}-${CLOSE}`).join('\n'));
		await form.getByLabel('Dates off').fill(dateOff);
		await typeInto(form.getByLabel(/^Buffer/), '0');
		await typeInto(form.getByLabel(/^Minimum notice/), String(NOTICE_HOURS));
		await typeInto(form.getByLabel(/^Furthest date/), '60');
		await typeInto(form.getByLabel(/^Clients may cancel/), '24');
		await clickAndLoad(th.page, form.getByRole('button', { name: 'Save hours' }));
		assert.equal(th.page.url(), url('/therapist/availability?done=saved'),
		    `saved: ${await th.page.locator('main').textContent()}`);
		assert.match(await th.page.locator('main [role="status"]').textContent(), /Saved/);
		const saved = th.page.locator('main form[action="/therapist/availability"]');
		assert.equal(await saved.getByLabel('Your time zone').inputValue(), THERAPIST_ZONE);
		assert.deepEqual((await saved.getByLabel('Weekly hours').inputValue()).trim().split('\n'),
		    DAYS.map((d) => `${d} ${OPEN}-${CLOSE}`));
		assert.equal((await saved.getByLabel('Dates off').inputValue()).trim(), dateOff);
		assert.equal(await saved.getByLabel(/^Minimum notice/).inputValue(), String(NOTICE_HOURS));

		const add = th.page.locator('main form[action="/therapist/availability/types"]');
		await add.getByLabel('Kind').selectOption('consultation');
		await typeInto(add.getByLabel('Name'), 'Free consultation');
		await typeInto(add.getByLabel('Length (minutes)'), String(MINUTES));
		await add.getByLabel('How').selectOption('video');
		await clickAndLoad(th.page, add.getByRole('button', { name: 'Add' }));
		assert.equal(th.page.url(), url('/therapist/availability?done=type'),
		    `type added: ${await th.page.locator('main').textContent()}`);
		assert.deepEqual((await th.page.locator('ul.types > li').allTextContents())
		    .map((s) => s.replace(/\s*Remove\s*$/, '').trim()),
		    [`Free consultation (consultation, ${MINUTES} minutes, free, by video)`]);

		/* 2. A visitor in New York finds the therapist in the directory. */
		const visitor = await openPage(browser, { timezoneId: VISITOR_ZONE });
		const { page } = visitor;
		assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
		    VISITOR_ZONE, 'the browser runs in New York time');
		await page.goto(url('/'));
		await typeInto(page.getByLabel('City, ZIP or postal code'), 'Sydney, Australia');
		await typeInto(page.getByLabel('Keyword'), name);
		await clickAndLoad(page, page.locator('.search-form .search-main').getByRole('button', { name: 'Search' }));
		assert.equal(path(page), '/therapists');
		const hit = page.locator('.results .result-name a', { hasText: name });
		/* The directory's index reloads in the background. */
		for (let tries = 0; await hit.count() === 0 && tries < 15; tries++) {
			await sleep(200);
			await page.reload();
		}
		assert.equal(await hit.count(), 1, `found near Sydney: ${await page.locator('main').textContent()}`);
		await clickAndLoad(page, hit);
		assert.equal(path(page), `/therapists/${therapist.id}`);
		assert.equal(await h1(page), name);

		const section = page.locator('section#book');
		assert.equal(await section.count(), 1, 'the profile offers booking');
		assert.match(await section.locator('h2').textContent(), /Book a consultation/);
		assert.match(await section.textContent(), new RegExp(`at least ${NOTICE_HOURS} hours ahead`));
		const consultation = section.getByRole('link', { name: /^Free consultation/ });
		assert.match(await consultation.textContent(), new RegExp(`${MINUTES} minutes . free . by video`));
		await clickAndLoad(page, consultation);
		assert.equal(path(page), `/therapists/${therapist.id}/book`);
		assert.equal(await h1(page), `Book with ${name}`);

		/* The visitor's zone: the browser's, if the page's script picks
		 * it; else the visitor chooses it, as the profile tells them to. */
		const zone = page.locator('select[name="tz"]');
		if (await zone.inputValue() === VISITOR_ZONE) {
			t.diagnostic('the page picked the browser\'s time zone by itself');
		} else {
			t.diagnostic(`the page showed ${await zone.inputValue()}; chose ${VISITOR_ZONE} with "Show times"`);
			await zone.selectOption(VISITOR_ZONE);
			await clickAndLoad(page, page.getByRole('button', { name: 'Show times' }));
			assert.equal(new URL(page.url()).searchParams.get('tz'), VISITOR_ZONE);
			assert.equal(await page.locator('select[name="tz"]').inputValue(), VISITOR_ZONE);
		}
		assert.equal((await page.locator('.slot-picker h2 .zone').textContent()).trim(), `(${VISITOR_ZONE})`);

		/* Every listed time is shown in New York time, lies within the
		 * therapist's hours in Sydney, not on the date off, with the
		 * notice, in order. */
		const shownAt = Date.now();
		const slots = await listedSlots(page);
		assert.ok(slots.length > 0, `free times are listed: ${await page.locator('main').textContent()}`);
		let previous = 0;
		for (const s of slots) {
			const at = Date.parse(s.value);
			assert.match(s.value, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'the value is a UTC time');
			assert.equal(s.label, local(VISITOR_ZONE, at).hhmm,
			    `the label of the time ${s.value} should be its New York time`);
			assert.equal(s.day, dayHeading(VISITOR_ZONE, at), `day heading of ${s.value}`);
			const there = local(THERAPIST_ZONE, at);
			assert.ok(there.minutes >= minutesOf(OPEN) && there.minutes + MINUTES <= minutesOf(CLOSE),
			    `${s.value} is ${there.hhmm} in Sydney, outside ${OPEN}-${CLOSE}`);
			assert.notEqual(there.date, dateOff, `${s.value} falls on the date off`);
			assert.ok(at >= shownAt - 60000 + NOTICE_HOURS * 3600000, `${s.value} is sooner than the notice`);
			assert.ok(at > previous, `${s.value} comes in order`);
			previous = at;
		}
		/* The first time that stays bookable while the test runs: one
		 * within a few minutes of the notice limit could pass it first. */
		const chosen = slots.find((s) => Date.parse(s.value) >= shownAt + NOTICE_HOURS * 3600000 + 5 * 60000);
		assert.ok(chosen, 'a time well past the notice');
		const start = Date.parse(chosen.value);
		const end = start + MINUTES * 60000;
		const inNewYork = whenText(VISITOR_ZONE, start, end);
		const inSydney = whenText(THERAPIST_ZONE, start, end);
		t.diagnostic(`booking ${chosen.value}: ${inNewYork} = ${inSydney}`);
		assert.notEqual(local(VISITOR_ZONE, start).hhmm, local(THERAPIST_ZONE, start).hhmm);

		/* Someone else opens the same page now, in another tab. */
		const late = await openPage(browser, { timezoneId: VISITOR_ZONE });
		await late.page.goto(page.url());
		assert.equal(await late.page.locator(`input[name="start"][value="${chosen.value}"]`).count(), 1,
		    'the other tab offers the same time');

		/* 3. Book it. */
		const visitorName = 'Zoë Marchetti-Ødegaard';
		const visitorEmail = `booking-visitor-${tag}@example.org`;
		await chooseTime(page, chosen.value, chosen.day);
		await typeInto(page.getByLabel('Your name'), visitorName);
		await typeInto(page.getByLabel('Your email address'), visitorEmail);
		await clickAndLoad(page, page.getByRole('button', { name: 'Book this time' }));
		assert.equal(await h1(page), 'Check your email', await page.locator('main').textContent());
		const holding = (await page.locator('main').textContent()).replace(/\s+/g, ' ');
		assert.ok(holding.includes(`holding ${inNewYork} for you`), `the hold in New York time: ${holding}`);
		assert.ok(holding.includes(visitorEmail), 'the page names the address');

		/* The mail holds the confirmation link and the time in New York. */
		const { message: held, link } = await waitForLink(visitorEmail, '/appointments/confirm');
		assert.equal(link.origin, new URL(BASE).origin, 'the link points at this server');
		assert.ok(held.body.includes(`When: ${inNewYork}`), `the held mail in New York time:\n${held.body}`);
		assert.ok(held.body.includes(`Hello ${visitorName},`), 'the name survives in the mail');
		/* It is not booked yet: the therapist's list does not show it. */
		await th.page.goto(url('/therapist/appointments'));
		assert.equal(await th.page.locator('table.appointments tr', { hasText: visitorName }).count(), 0,
		    'an unconfirmed hold is not in the therapist\'s list');

		await page.goto(link.href);
		assert.equal(await h1(page), 'Confirm your booking');
		await clickAndLoad(page, page.getByRole('button', { name: 'Confirm my booking' }));
		assert.equal(await h1(page), 'Booked', await page.locator('main').textContent());
		assert.match(await page.locator('main [role="status"]').textContent(), /Your appointment is booked/);
		const card = page.locator('main dl.facts');
		assert.equal((await card.locator('dt:has-text("When") + dd').textContent()).trim(), inNewYork);
		assert.equal((await card.locator('dt:has-text("With") + dd').textContent()).trim(), name);
		assert.equal((await card.locator('dt:has-text("Status") + dd').textContent()).trim(), 'Booked');

		/* The confirmation: New York time and an invitation. */
		const booked = await waitForMail(MAILDIR, visitorEmail, 2);
		assert.match(booked.subject, new RegExp(`^Booked: Free consultation with ${name}$`));
		const mail = invitationMail(booked);
		assert.ok(mail.text.includes(`When: ${inNewYork}`), `the booked mail in New York time:\n${mail.text}`);
		assert.match(mail.text, /\/appointments\/manage\?token=[A-Za-z0-9_-]{43}/, 'a link to cancel or move');
		assert.match(mail.ics, /^BEGIN:VCALENDAR\r?$/m);
		assert.match(mail.ics, /^BEGIN:VEVENT\r?$/m);
		assert.equal(icsProperty(mail.ics, 'DTSTART'), icsTime(start), 'DTSTART is the booked time');
		assert.equal(icsProperty(mail.ics, 'DTEND'), icsTime(end), 'DTEND is 15 minutes later');
		assert.ok(icsProperty(mail.ics, 'UID'), 'the event has a UID');
		assert.equal(icsProperty(mail.ics, 'SUMMARY'), `Free consultation with ${name}`);

		/* The therapist's copy: their own zone, and an invitation too. */
		const news = await waitForMail(MAILDIR, therapist.email, 2);
		assert.match(news.subject, /^New booking: Free consultation with /);
		const theirs = invitationMail(news);
		assert.ok(theirs.text.includes(`When: ${inSydney}`), `the therapist's mail in Sydney time:\n${theirs.text}`);
		assert.equal(icsProperty(theirs.ics, 'DTSTART'), icsTime(start));

		/* 4. The therapist sees it, in Sydney time. */
		await th.page.goto(url('/therapist/appointments'));
		const row = th.page.locator('table.appointments tbody tr', { hasText: visitorName });
		assert.equal(await row.count(), 1, `the booking is listed: ${await th.page.locator('main').textContent()}`);
		const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
		assert.deepEqual(cells.slice(0, 4), [inSydney, 'Free consultation', visitorName, 'Booked']);
		await clickAndLoad(th.page, row.getByRole('link', { name: 'Open' }));
		assert.match(path(th.page), /^\/appointments\/[A-Za-z0-9_-]+$/);
		const facts = th.page.locator('main dl.facts');
		assert.equal((await facts.locator('dt:has-text("When") + dd').textContent()).trim(), inSydney);
		assert.equal((await facts.locator('dt:has-text("With") + dd').textContent()).trim(), visitorName);
		assert.equal((await facts.locator('dt:has-text("Email") + dd').textContent()).trim(), visitorEmail);
		assert.equal((await facts.locator('dt:has-text("Status") + dd').textContent()).trim(), 'Booked');

		/* 5. The time is no longer offered... */
		await page.goto(url(`/therapists/${therapist.id}/book?tz=${encodeURIComponent(VISITOR_ZONE)}`));
		assert.equal(await page.locator('select[name="tz"]').inputValue(), VISITOR_ZONE);
		assert.equal(await page.locator(`input[name="start"][value="${chosen.value}"]`).count(), 0,
		    'the booked time is not offered again');
		assert.ok(await page.locator('input[name="start"]').count() > 0, 'other times still are');

		/* ...and the tab opened before cannot take it: 409, said plainly. */
		await chooseTime(late.page, chosen.value, chosen.day);
		await typeInto(late.page.getByLabel('Your name'), 'Second Visitor');
		await typeInto(late.page.getByLabel('Your email address'), `booking-late-${tag}@example.org`);
		const refused = await clickAndLoad(late.page, late.page.getByRole('button', { name: 'Book this time' }));
		assert.equal(refused.status(), 409, 'a taken time answers 409');
		/* The page that answered stays: no script may reload it away. */
		const alertBox = late.page.locator('main [role="alert"]');
		await alertBox.waitFor({ timeout: 5000 }).catch(() => {});
		await late.page.waitForLoadState('load');
		assert.equal(late.page.url(), url(`/therapists/${therapist.id}/book`),
		    'the refusal is not replaced by another page');
		assert.equal(await alertBox.count(), 1, 'the refusal is explained');
		const alert = (await alertBox.textContent()).trim();
		assert.match(alert, /someone has just booked this time; please choose another/i);
		assert.equal(await late.page.getByLabel('Your name').inputValue(), 'Second Visitor',
		    'what was typed is kept');
		assert.equal(await late.page.locator(`input[name="start"][value="${chosen.value}"]`).count(), 0,
		    'the refusal offers only free times');
		assert.equal(mailTo(MAILDIR, `booking-late-${tag}@example.org`).length, 0, 'no mail for a refused booking');

		/* The JSON API says the same. */
		const api = await new Client(BASE).post(`/api/v1/therapists/${therapist.id}/bookings`, {
			type: Number(await page.locator('form[method="post"] input[name="type"]').inputValue()),
			start: chosen.value, name: 'Third Visitor', email: `booking-api-${tag}@example.org`,
			timezone: VISITOR_ZONE,
		});
		assert.equal(api.status, 409, api.where);
		assert.equal(api.json?.error?.code, 'slot_taken', api.where);
		assert.equal(api.json?.error?.param, 'start', api.where);

		assertNoProblems(visitor.problems);
		assertNoProblems(late.problems);
		assertNoProblems(th.problems);
		await Promise.all([visitor.close(), late.close(), th.close()]);
		t.diagnostic(`the scenario took ${Date.now() - started} ms`);
	});
});

