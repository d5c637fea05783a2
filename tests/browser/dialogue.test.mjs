/*
 * The guided dialogue in two browsers: a couple (made through the API:
 * sign-up, the mailed link, the invitation, the safety screen) signs in
 * in two browser contexts, and each sees their own role. One starts a
 * dialogue from the page; from then on neither page is reloaded: each
 * action goes through static/dialogue.js, and the other page follows
 * through the event stream within a moment. They go through a whole
 * round, switch roles, go through the second and finish.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, PASSWORD, linkToken, waitForMail } from '../lib/accounts.mjs';
import { BASE, assertNoProblems, launch, openPage, url } from './browser.mjs';
import { MAILDIR } from './mail.mjs';

const TIMEOUT = { timeout: 120000 };
/* How long the other page may take to follow. */
const FOLLOW = { timeout: 3000 };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const tag = `${process.pid}-${Date.now()}`;

/* A verified client account with a display name, signed in through the API. */
async function account(name) {
	const email = `dialogue-${name.toLowerCase()}-${tag}@example.org`;
	const res = await new Client(BASE).post('/api/v1/accounts', { email, password: PASSWORD, display_name: name });
	assert.equal(res.status, 202, res.where);
	const token = linkToken(await waitForMail(MAILDIR, email, 1));
	const v = await new Client(BASE).post('/api/v1/accounts/verify', { token });
	assert.equal(v.status, 200, v.where);
	const c = new Client(BASE);
	const s = await c.post('/api/v1/session', { email, password: PASSWORD });
	assert.equal(s.status, 200, s.where);
	c.csrf = s.json.csrf_token;
	return { name, email, client: c };
}

async function couple(a, b) {
	const res = await a.client.post('/api/v1/me/couple/invitations', { email: b.email });
	assert.equal(res.status, 201, res.where);
	const token = linkToken(await waitForMail(MAILDIR, b.email, 2));
	const acc = await b.client.post('/api/v1/couple/accept', { token });
	assert.equal(acc.status, 200, acc.where);
	for (const p of [a, b]) {
		const s = await p.client.post('/api/v1/me/safety',
		    { afraid: false, hurt: false, controlled: false, speak_freely: true, want_joint: true });
		assert.ok(s.status === 200 || s.status === 201, s.where);
	}
}

async function signIn(page, email) {
	await page.goto(url('/signin'));
	await page.getByLabel('Email address').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
	await Promise.all([page.waitForNavigation(),
	    page.locator('main').getByRole('button', { name: 'Sign in' }).click()]);
}

const stepOf = (page) => page.locator('.dialogue-step').textContent();
async function waitStep(page, title) {
	await page.locator('h2.dialogue-step', { hasText: new RegExp(`^${title}$`) }).waitFor(FOLLOW);
}

/* One person acts on their page; the other page must follow to next. */
async function step(actor, other, button, next, text) {
	if (text !== undefined)
		await actor.locator('.dialogue-act textarea').first().fill(text);
	await actor.getByRole('button', { name: button, exact: true }).click();
	await waitStep(actor, next);
	await waitStep(other, next);
	if (text !== undefined)
		await other.locator('.dialogue-turns q', { hasText: text }).waitFor(FOLLOW);
}

async function round(sender, receiver, n) {
	await step(sender, receiver, 'Send', 'Mirroring', `I feel unheard when plans change, round ${n}`);
	await step(receiver, sender, 'Mirror', 'Checking the mirror', `If I got it, you feel unheard, round ${n}`);
	await step(sender, receiver, 'You got it; there is no more', 'Summary');
	await step(receiver, sender, 'Send the summary', 'Checking the summary', `So, in summary, round ${n}`);
	await step(sender, receiver, 'Yes, you got it', 'Validation');
	await step(receiver, sender, 'Validate', 'Empathy', `You make sense, because, round ${n}`);
	await step(receiver, sender, 'Share what you imagine', 'Checking empathy', `I imagine you feel alone, round ${n}`);
	await step(sender, receiver, 'Yes, you got it', 'Closing');
}

describe('the guided dialogue', () => {
	it('a couple completes a dialogue on two devices, kept in step by the server', TIMEOUT, async () => {
		const ann = await account('Annika');
		const ben = await account('Benno');
		await couple(ann, ben);

		const A = await openPage(browser);
		const B = await openPage(browser);
		await signIn(A.page, ann.email);
		await signIn(B.page, ben.email);

		/* Annika starts it from the page. */
		await A.page.goto(url('/couple/dialogue'));
		assert.match(await A.page.locator('main').textContent(), /does not replace it/);
		await A.page.getByLabel('Topic').fill('Weekend plans — Wochenende');
		await Promise.all([A.page.waitForNavigation(), A.page.getByRole('button', { name: 'Start' }).click()]);
		assert.match(A.page.url(), /\/couple\/dialogue\/\d+/);
		const dialoguePath = new URL(A.page.url()).pathname;
		assert.match(await A.page.locator('.dialogue-you').textContent(), /You are the sender/);

		await B.page.goto(url('/couple/dialogue'));
		await Promise.all([B.page.waitForNavigation(), B.page.getByRole('link', { name: 'Continue it' }).click()]);
		assert.equal(new URL(B.page.url()).pathname, dialoguePath);
		assert.match(await B.page.locator('.dialogue-you').textContent(), /You are the receiver/);
		assert.match(await B.page.locator('.dialogue-topic').textContent(), /Weekend plans — Wochenende/);
		assert.equal(await A.page.getByRole('button', { name: 'Yes, now is a good time' }).count(), 0,
		    'the sender is not offered the receiver\'s answer');
		/* Both pages are live before anyone acts. */
		await A.page.locator('#dialogue[data-live="yes"]').waitFor(FOLLOW);
		await B.page.locator('#dialogue[data-live="yes"]').waitFor(FOLLOW);

		/* Neither page reloads from here on: a marker in each window
		 * would vanish with a navigation. */
		await A.page.evaluate(() => { window.stillHere = true; });
		await B.page.evaluate(() => { window.stillHere = true; });

		await step(B.page, A.page, 'Yes, now is a good time', 'Sending');
		await round(A.page, B.page, 1);
		await A.page.locator('.dialogue-act textarea').first().fill('One thing I appreciate about you is your patience');
		await A.page.getByRole('button', { name: 'Send an appreciation', exact: true }).click();
		await B.page.locator('.dialogue-turns q', { hasText: 'your patience' }).waitFor(FOLLOW);

		await step(B.page, A.page, 'Switch roles', 'Sending');
		await A.page.locator('.dialogue-you', { hasText: 'You are the receiver' }).waitFor(FOLLOW);
		await B.page.locator('.dialogue-you', { hasText: 'You are the sender' }).waitFor(FOLLOW);
		await round(B.page, A.page, 2);
		await step(A.page, B.page, 'Finish', 'Finished');
		assert.equal(await A.page.getByRole('button', { name: 'We need a break' }).count(), 0);

		assert.equal(await A.page.evaluate(() => window.stillHere), true, 'Annika\'s page never reloaded');
		assert.equal(await B.page.evaluate(() => window.stillHere), true, 'Benno\'s page never reloaded');
		assert.equal(await stepOf(B.page), 'Finished');
		assert.match(await B.page.locator('.dialogue-turns').textContent(), /Annika\s+sums up\s+/,
		    'turns read as words, not action names');
		assert.equal(await A.page.locator('.dialogue-refresh').isVisible(), false,
		    'no "Refresh" hint while the page follows by itself');

		/* Each keeps a private record from the live page, and lands on it. */
		for (const [P, notes] of [[A.page, 'I spoke calmly — ruhig'], [B.page, 'I listened to the end']]) {
			await P.getByLabel('Your notes').fill(notes);
			await Promise.all([P.waitForNavigation(), P.getByRole('button', { name: 'Keep the record' }).click()]);
			assert.match(new URL(P.url()).pathname, /^\/workspace\/items\/\d+$/);
			const text = await P.locator('main').textContent();
			assert.match(text, /Weekend plans — Wochenende/);
			assert.ok(text.includes(notes), `the record shows the notes: ${notes}`);
		}
		assertNoProblems(A.problems);
		assertNoProblems(B.problems);
		await A.close();
		await B.close();
	});

	it('without JavaScript the forms and the Refresh link do the same', TIMEOUT, async () => {
		const ann = await account('Carla');
		const ben = await account('Dario');
		await couple(ann, ben);
		const A = await openPage(browser, { javaScriptEnabled: false });
		const B = await openPage(browser, { javaScriptEnabled: false });
		await signIn(A.page, ann.email);
		await signIn(B.page, ben.email);
		await A.page.goto(url('/couple/dialogue'));
		await A.page.getByLabel('Topic').fill('Money');
		await Promise.all([A.page.waitForNavigation(), A.page.getByRole('button', { name: 'Start' }).click()]);
		const path = new URL(A.page.url()).pathname;
		await B.page.goto(url(path));
		await Promise.all([B.page.waitForNavigation(),
		    B.page.getByRole('button', { name: 'Yes, now is a good time' }).click()]);
		assert.match(await B.page.locator('[role="status"]').first().textContent(), /Saved/);
		await Promise.all([A.page.waitForNavigation(), A.page.getByRole('link', { name: 'Refresh' }).click()]);
		assert.equal(await stepOf(A.page), 'Sending');
		await Promise.all([A.page.waitForNavigation(),
		    A.page.getByRole('button', { name: 'We need a break' }).click()]);
		assert.match(await A.page.locator('main').textContent(), /taking a break/);
		assertNoProblems(A.problems);
		assertNoProblems(B.problems);
		await A.close();
		await B.close();
	});
});
