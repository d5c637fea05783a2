/*
 * The couples' workspace as people use it (issue 5), in Chromium: a
 * person answers the private safety check-in, writes a journal entry in
 * Markdown and sees it rendered, fills the caring-behaviours form; with
 * their partner in a second browser context they exchange a frustration
 * and its three requests, the partner choosing one as a gift; then they
 * share the record with a therapist they booked with (the booking made
 * through the JSON API in set-up), who reads it, and nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, freshCode, linkToken, mailTo, waitForMail } from '../lib/accounts.mjs';
import { BASE, assertNoHorizontalScroll, assertNoProblems, launch, openPage, url, PHONE } from './browser.mjs';
import { MAILDIR } from './mail.mjs';

const TIMEOUT = { timeout: 180000 };
const PASSWORD = 'quiet river under the bridge';
const RUN = `${process.pid}-${Date.now().toString(36)}`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function clickAndLoad(page, target) {
	const [response] = await Promise.all([page.waitForNavigation(), target.click()]);
	return response;
}

const path = (page) => new URL(page.url()).pathname;
const main = (page) => page.locator('main');

/* ---- accounts, made through the API --------------------------------------------- */

async function signUp(tag, name, role) {
	const email = `ws-${tag}-${RUN}@example.org`;
	const before = mailTo(MAILDIR, email).length;
	const res = await new Client(BASE).post('/api/v1/accounts',
	    { email, password: PASSWORD, display_name: name, ...(role ? { role } : {}) });
	assert.equal(res.status, 202, res.where);
	const token = linkToken(await waitForMail(MAILDIR, email, before + 1));
	const verify = await new Client(BASE).post('/api/v1/accounts/verify', { token });
	assert.equal(verify.status, 200, verify.where);
	const c = new Client(BASE);
	const session = await c.post('/api/v1/session', { email, password: PASSWORD });
	assert.equal(session.status, 200, session.where);
	c.csrf = session.json.csrf_token;
	return { email, name, client: c };
}

async function pair(a, b) {
	const before = mailTo(MAILDIR, b.email).length;
	const inv = await a.client.post('/api/v1/me/couple/invitations', { email: b.email });
	assert.equal(inv.status, 201, inv.where);
	const token = linkToken(await waitForMail(MAILDIR, b.email, before + 1));
	const acc = await b.client.post('/api/v1/couple/accept', { token });
	assert.equal(acc.status, 200, acc.where);
}

/* A therapist with two-step sign-in, a profile and a free consultation
 * every hour of every day; the client books the first free time. */
async function therapistBookedBy(client) {
	const t = await signUp('therapist', `Thea Workspace ${RUN}`, 'therapist');
	const begin = await t.client.post('/api/v1/me/two-step', {});
	assert.equal(begin.status, 200, begin.where);
	t.secret = begin.json.secret;
	const enable = await t.client.post('/api/v1/me/two-step/enable', { code: await freshCode(t.secret) });
	assert.equal(enable.status, 200, enable.where);
	const profile = await t.client.post('/api/v1/therapists', {
		name: t.name, credentials: 'Psychologist', city: 'Sydney', country: 'AU',
		certifications: ['certified_imago_therapist'], formats: ['online'], languages: ['en'],
		accepting_new_clients: true, bio: 'Imago couples therapy.',
	});
	assert.equal(profile.status, 201, profile.where);
	t.profileId = profile.json.id;
	const hours = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => `${d} 00:00-23:45`);
	const av = await t.client.call('PUT', '/api/v1/me/availability', { json: {
		timezone: 'UTC', buffer_minutes: 0, min_notice_minutes: 0, max_days_ahead: 30,
		cancel_window_hours: 24, hours, dates_off: [],
	} });
	assert.equal(av.status, 200, av.where);
	const type = await t.client.post('/api/v1/me/appointment-types',
	    { kind: 'consultation', name: 'Free consultation', minutes: 15, fee: 0, currency: '', mode: 'video', active: true });
	assert.equal(type.status, 201, type.where);
	const slots = await new Client(BASE).get(`/api/v1/therapists/${t.profileId}/slots?type=${type.json.type.id}`);
	assert.equal(slots.status, 200, slots.where);
	assert.ok(slots.json.slots.length > 0, 'a free time');
	const booking = await client.post(`/api/v1/therapists/${t.profileId}/bookings`,
	    { type: type.json.type.id, start: slots.json.slots.at(-1).start, name: 'Åsa Client', timezone: 'UTC' });
	assert.equal(booking.status, 201, booking.where);
	assert.equal(booking.json.appointment.status, 'booked');
	return t;
}

/* ---- pages ----------------------------------------------------------------------- */

async function signIn(page, who) {
	await page.goto(url('/signin'));
	await page.getByLabel('Email address').fill(who.email);
	await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
	await clickAndLoad(page, main(page).getByRole('button', { name: 'Sign in' }));
	if (who.secret) {
		assert.equal(path(page), '/signin/code');
		await page.getByLabel('Code', { exact: true }).fill(await freshCode(who.secret));
		await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
	}
	assert.equal(path(page), '/account', `signed in: ${await main(page).textContent()}`);
}

async function answerSafety(page) {
	await page.goto(url('/workspace'));
	await clickAndLoad(page, page.getByRole('link', { name: 'Answer the safety check-in' }));
	assert.equal(path(page), '/workspace/safety');
	assert.match(await main(page).textContent(), /Your partner will never see your answers/);
	for (const q of await page.locator('fieldset.ws-question').all()) {
		const legend = await q.locator('legend').textContent();
		/* The safe answer: "no" to fear, harm and control; "yes" otherwise. */
		const safe = /afraid|hurt|control/i.test(legend) ? 'No' : 'Yes';
		await q.getByLabel(safe, { exact: true }).check();
	}
	await clickAndLoad(page, page.getByRole('button', { name: 'Save my answers' }));
	assert.equal(path(page), '/workspace');
	assert.match(await main(page).textContent(), /Your answers are private/);
}

async function itemId(page) {
	const m = /^\/workspace\/items\/(\d+)$/.exec(path(page));
	assert.ok(m, `an item page: ${page.url()}`);
	return Number(m[1]);
}

describe('the workspace in the browser', () => {
	let ann;
	let ben;
	let thea;
	before(async () => {
		ann = await signUp('ann', 'Åsa Ångström');
		ben = await signUp('ben', 'Ben Øster');
		await pair(ann, ben);
		thea = await therapistBookedBy(ann.client);
	});

	it('one person: the check-in, a Markdown journal entry, the caring-behaviours form', TIMEOUT, async () => {
		const a = await openPage(browser);
		try {
			const { page } = a;
			await signIn(page, ann);
			await clickAndLoad(page, page.locator('.account-nav').getByRole('link', { name: 'Workspace' }));
			assert.equal(path(page), '/workspace');
			assert.match(await main(page).textContent(), /it does not replace therapy/);
			await answerSafety(page);

			await clickAndLoad(page, page.getByRole('link', { name: 'Write a journal entry' }));
			assert.equal(path(page), '/workspace/new/journal');
			await page.getByLabel('Title').fill('Första söndagen ✿');
			await page.getByLabel('Entry').fill('We talked about **the holidays**.\n\n- a walk\n- a long talk\n\n<script>window.hacked = 1</script>');
			await clickAndLoad(page, page.getByRole('button', { name: 'Save' }));
			await itemId(page);
			assert.match(await main(page).textContent(), /Saved\./);
			assert.equal(await page.locator('h1').textContent(), 'Första söndagen ✿');
			assert.equal(await page.locator('.ws-markdown strong').textContent(), 'the holidays');
			assert.equal(await page.locator('.ws-markdown li').count(), 2);
			assert.equal(await page.evaluate(() => window.hacked), undefined, 'no script ran');

			await page.goto(url('/workspace'));
			await clickAndLoad(page, page.locator('#kind-caring').getByRole('link', { name: 'Start' }));
			assert.equal(path(page), '/workspace/new/caring');
			await page.locator('[name="loved_now.1.text"]').fill('you bring me coffee in bed');
			await page.locator('[name="loved_now.1.rating"]').selectOption('1');
			await page.locator('[name="loved_now.2.text"]').fill('you ask about my day');
			/* Forgot its rating: the form comes back with the message there. */
			await clickAndLoad(page, page.getByRole('button', { name: 'Save' }));
			assert.equal(path(page), '/workspace/new/caring');
			await page.locator('#f-loved_now-2-rating-error').waitFor();
			assert.equal(await page.locator('[name="loved_now.2.text"]').inputValue(), 'you ask about my day');
			await page.locator('[name="loved_now.2.rating"]').selectOption('3');
			await page.locator('[name="loved_would.1.text"]').fill('we cooked together on Sundays');
			await page.locator('[name="loved_would.1.rating"]').selectOption('2');
			await clickAndLoad(page, page.getByRole('button', { name: 'Save' }));
			await itemId(page);
			const text = await main(page).textContent();
			assert.match(text, /you bring me coffee in bed\s*importance 1/);
			assert.match(text, /we cooked together on Sundays/);
			await assertNoHorizontalScroll(page, 'caring item');
			assertNoProblems(a.problems);
		} finally {
			await a.close();
		}
	});

	it('two partners: a frustration and three requests, the partner choosing one as a gift', TIMEOUT, async () => {
		const a = await openPage(browser);
		const b = await openPage(browser, { viewport: PHONE });
		try {
			await signIn(a.page, ann);
			await signIn(b.page, ben);
			await answerSafety(b.page);
			await b.page.goto(url('/workspace'));
			assert.ok(await b.page.getByRole('link', { name: 'Start a guided dialogue' }).isVisible(), 'joint work is open');

			const { page } = a;
			await page.goto(url('/workspace/new/frustration'));
			await page.getByLabel('The frustration').fill('you look at your phone at dinner');
			await page.getByLabel('The desire behind it').fill('to talk with you while we eat');
			await page.locator('[name="requests.1"]').fill('Would you leave the phone in the hall at dinner this week?');
			await page.locator('[name="requests.2"]').fill('Would you ask me one question about my day, every evening for two weeks?');
			await page.locator('[name="requests.3"]').fill('Would you cook with me on Saturday?');
			await clickAndLoad(page, page.getByRole('button', { name: 'Save' }));
			const id = await itemId(page);
			await clickAndLoad(page, page.getByRole('button', { name: 'Share with my partner' }));
			assert.match(await main(page).textContent(), /Shared with your partner\./);

			await b.page.goto(url('/workspace'));
			await clickAndLoad(b.page, b.page.locator('.ws-partner-items').getByRole('link').first());
			assert.equal(await itemId(b.page), id);
			assert.match(await main(b.page).textContent(), /shared by Åsa Ångström/);
			await b.page.getByLabel(/^2\. Would you ask me one question/).check();
			await b.page.getByLabel('A note').fill('Gladly — starting tonight.');
			await clickAndLoad(b.page, b.page.getByRole('button', { name: 'Send my response' }));
			assert.match(await main(b.page).textContent(), /Your response is saved/);
			await assertNoHorizontalScroll(b.page, 'the partner\'s item on a phone');

			await page.reload();
			const response = await page.locator('section.ws-response').textContent();
			assert.match(response, /Your partner's response/);
			assert.match(response, /2\. Would you ask me one question about my day/);
			assert.match(response, /Gladly — starting tonight\./);
			assertNoProblems(a.problems);
			assertNoProblems(b.problems);
		} finally {
			await a.close();
			await b.close();
		}
	});

	it('shared with the therapist booked with, who reads it and nothing else', TIMEOUT, async () => {
		const a = await openPage(browser);
		const t = await openPage(browser);
		try {
			const { page } = a;
			await signIn(page, ann);
			await page.goto(url('/workspace/new/imago_workup'));
			await page.locator('[name="caretaker_positive.1"]').fill('warm');
			await page.locator('[name="caretaker_negative.1"]').fill('often away');
			await page.locator('[name="wanted_most.1"]').fill('time together');
			await clickAndLoad(page, page.getByRole('button', { name: 'Save' }));
			const id = await itemId(page);
			assert.match(await page.locator('.ws-statement').textContent(), /searching for a person who is warm and often away/);
			await page.getByLabel('Share with a therapist you booked with').selectOption({ label: thea.name });
			await clickAndLoad(page, page.getByRole('button', { name: 'Share with the therapist' }));
			assert.match(await main(page).textContent(), /Shared with the therapist\./);
			assert.match(await page.locator('#sharing').textContent(), new RegExp(thea.name));

			await signIn(t.page, thea);
			await t.page.goto(url('/therapist/shared'));
			const links = t.page.locator('main .ws-items a');
			assert.equal(await links.count(), 1, 'one item shared, one listed');
			await clickAndLoad(t.page, links.first());
			assert.equal(path(t.page), `/therapist/shared/${id}`);
			assert.match(await main(t.page).textContent(), /shared by Åsa Ångström/);
			assert.match(await main(t.page).textContent(), /searching for a person who is warm/);
			assert.equal(await t.page.locator('main form').count(), 0, 'read-only');
			/* The journal entry was not shared: 404, by either address. */
			const journals = await ann.client.get('/api/v1/me/items?kind=journal');
			assert.equal(journals.status, 200, journals.where);
			const journalId = journals.json.items[0].id;
			for (const p of [`/therapist/shared/${journalId}`, `/workspace/items/${journalId}`]) {
				const res = await t.page.goto(url(p));
				assert.equal(res.status(), 404, p);
				assert.ok(!(await main(t.page).textContent()).includes('holidays'));
			}
			assertNoProblems(a.problems);
			assertNoProblems(t.problems);
		} finally {
			await a.close();
			await t.close();
		}
	});
});
