/*
 * A therapist's whole way in, as a person does it in the browser (issue 3):
 * sign up as a therapist, confirm the address with the link from the
 * mail, sign in and set up two-step sign-in with the key the page shows
 * (codes computed here, RFC 6238), sign out, sign in again with a fresh
 * code, create a directory profile, edit it, and find it in the directory
 * with the public page showing the edit.
 *
 * Along the way: the session cookie is HttpOnly and SameSite=Lax, no
 * page logs an error or a CSP violation (openPage collects them), and
 * the sign-in page fits a phone's width.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { base32Decode, totpCode } from '../lib/accounts.mjs';
import { BASE, assertNoHorizontalScroll, assertNoProblems, launch, openPage, url } from './browser.mjs';
import { MAILDIR, waitForLink } from './mail.mjs';

const TIMEOUT = { timeout: 120000 };
const PASSWORD = 'quiet river under the bridge';
const STEP = 30;

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

/* Submits by clicking a button and waits for the page it leads to. */
async function clickAndLoad(page, button) {
	await Promise.all([page.waitForNavigation(), button.click()]);
}

const stepNow = () => Math.floor(Date.now() / 1000 / STEP);

/* The code an authenticator app would show for step (RFC 6238). */
function codeAt(secret, step) {
	return totpCode(secret, step * STEP + 1);
}

async function signInWithPassword(page, email) {
	await page.goto(url('/signin'));
	await typeInto(page.getByLabel('Email address'), email);
	await typeInto(page.getByLabel('Password', { exact: true }), PASSWORD);
	await clickAndLoad(page, page.locator('main').getByRole('button', { name: 'Sign in' }));
}

async function sessionCookie(context) {
	const cookies = await context.cookies(BASE);
	return cookies.find((c) => c.name === 'imago_session');
}

describe('a therapist signs up and keeps a profile', () => {
	it('sign-in page fits a phone', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser,
		    { viewport: { width: 390, height: 844 } });
		await page.goto(url('/signin'));
		assert.equal(await page.locator('h1').textContent(), 'Sign in');
		await assertNoHorizontalScroll(page, '/signin at 390px');
		await page.goto(url('/signup'));
		await assertNoHorizontalScroll(page, '/signup at 390px');
		assertNoProblems(problems);
		await close();
	});

	it('signs up, confirms, sets up two-step, edits a profile and finds it', {
		...TIMEOUT,
		skip: MAILDIR ? false : 'IMAGO_TEST_MAILDIR is not set (run tests/browser/run.mjs)',
	}, async () => {
		const { context, page, problems, close } = await openPage(browser);
		const tag = `${process.pid}${Date.now() % 100000}`;
		const email = `therapist-${tag}@example.org`;
		/* A name no demo therapist has, so the search finds only this one. */
		const name = `Verena Quellmatt ${tag}`;
		const editedName = `Verena Quellmatt-Sturzenegger ${tag}`;

		/* 1. Sign up as a therapist. */
		await page.goto(url('/signup'));
		await typeInto(page.getByLabel('Email address'), email);
		await typeInto(page.getByLabel('Password', { exact: true }), PASSWORD);
		await typeInto(page.getByLabel('Your name'), 'Verena Quellmatt');
		await page.getByLabel('I am an Imago therapist').check();
		await clickAndLoad(page, page.getByRole('button', { name: 'Create account' }));
		assert.equal(new URL(page.url()).pathname, '/signup');
		assert.match(await page.locator('h1').textContent(), /Check your email/);

		/* 2. The link in the mail opens a page with a confirm button. */
		const { message, link } = await waitForLink(email, '/verify');
		assert.match(message.subject, /\S/, 'the mail has a subject');
		assert.equal(link.origin, new URL(BASE).origin, 'the link points at this server');
		assert.match(link.searchParams.get('token') || '', /^[A-Za-z0-9_-]{20,}$/,
		    'the token survived quoted-printable decoding whole');
		await page.goto(link.href);
		assert.match(await page.locator('h1').textContent(), /Confirm your email address/);
		await clickAndLoad(page, page.getByRole('button', { name: 'Confirm my email address' }));
		assert.equal(new URL(page.url()).pathname, '/signin');
		assert.match(await page.locator('main [role="status"]').textContent(), /Email confirmed/);
		assert.equal(await sessionCookie(context), undefined, 'confirming does not sign in');

		/* 3. Signing in sends a therapist to two-step set-up first. */
		await signInWithPassword(page, email);
		assert.equal(new URL(page.url()).pathname, '/account/two-step');
		const cookie = await sessionCookie(context);
		assert.ok(cookie, 'a session cookie');
		assert.equal(cookie.httpOnly, true, 'the session cookie is HttpOnly');
		assert.equal(cookie.sameSite, 'Lax', 'the session cookie is SameSite=Lax');
		const secret = await page.locator('[data-secret]').getAttribute('data-secret');
		assert.match(secret, /^[A-Z2-7]+=*$/, 'a base32 key');
		assert.ok(base32Decode(secret).length >= 16, 'a key of at least 128 bits');
		/* The key as shown, in groups of four, is the same key. */
		const shown = (await page.locator('[data-secret]').textContent()).replace(/\s+/g, '');
		assert.equal(shown, secret);
		assert.equal(await page.locator('.qr svg').count(), 1, 'a QR code');
		const setupStep = stepNow();
		await typeInto(page.getByLabel('Code from the app'), codeAt(secret, setupStep));
		await clickAndLoad(page, page.getByRole('button', { name: 'Turn on two-step sign-in' }));
		assert.match(await page.locator('h1').textContent(), /Two-step sign-in is on/);
		const recovery = await page.locator('.recovery-codes li').allTextContents();
		assert.ok(recovery.length >= 5, `recovery codes shown: ${recovery.length}`);
		assert.equal(new Set(recovery).size, recovery.length, 'recovery codes differ');
		await clickAndLoad(page, page.getByRole('link', { name: 'Continue' }));
		assert.equal(new URL(page.url()).pathname, '/account');

		/* 4. Sign out with the header's button, then in again with a code. */
		const before = (await sessionCookie(context)).value;
		await clickAndLoad(page, page.locator('nav.account-nav').getByRole('button', { name: 'Sign out' }));
		assert.equal(new URL(page.url()).pathname, '/');
		assert.equal(await sessionCookie(context), undefined, 'signing out clears the cookie');
		assert.equal(await page.locator('nav.account-nav').getByRole('link', { name: 'Sign in' }).count(), 1);

		await signInWithPassword(page, email);
		assert.equal(new URL(page.url()).pathname, '/signin/code');
		assert.match(await page.locator('h1').textContent(), /Enter your code/);
		/* The step used for set-up is spent: the server refuses it again.
		 * The app's next code (the next step) is within the window the
		 * server accepts, so there is no need to wait for it. */
		const signinStep = Math.max(stepNow(), setupStep + 1);
		await typeInto(page.getByLabel('Code', { exact: true }), codeAt(secret, signinStep));
		await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
		assert.equal(new URL(page.url()).pathname, '/account', `signed in: ${await page.locator('main').textContent()}`);
		const after = await sessionCookie(context);
		assert.ok(after && after.httpOnly, 'an HttpOnly session cookie after the code');
		assert.notEqual(after.value, before, 'a new session after signing in again');

		/* 5. Create the profile from "My profile". */
		await clickAndLoad(page, page.locator('nav.account-nav').getByRole('link', { name: 'My profile' }));
		assert.equal(new URL(page.url()).pathname, '/account/profile');
		const create = page.locator('#create');
		await typeInto(create.getByRole('textbox', { name: /^Name/ }), name);
		await typeInto(create.getByRole('textbox', { name: 'City' }), 'Zurich');
		await typeInto(create.getByRole('textbox', { name: /^Country/ }), 'CH');
		await create.getByRole('checkbox', { name: 'Online' }).check();
		await create.locator('#f-certifications-certified_imago_therapist').check();
		await typeInto(create.getByRole('textbox', { name: 'About you' }),
		    'I work with couples in Zurich and online.');
		await clickAndLoad(page, create.getByRole('button', { name: 'Create my profile' }));
		assert.equal(new URL(page.url()).pathname, '/account/profile',
		    `created: ${await page.locator('main').textContent()}`);
		assert.match(await page.locator('main [role="status"]').first().textContent(), /Saved/);

		/* 6. Edit it: a new name and bio. */
		const edit = page.locator('main form[action="/account/profile"]');
		assert.equal(await edit.getByRole('textbox', { name: /^Name/ }).inputValue(), name);
		assert.equal(await edit.getByRole('textbox', { name: 'City' }).inputValue(), 'Zurich');
		assert.equal(await edit.getByRole('checkbox', { name: 'Online' }).isChecked(), true);
		assert.equal(await edit.locator('#f-certifications-certified_imago_therapist').isChecked(), true);
		await typeInto(edit.getByRole('textbox', { name: /^Name/ }), editedName);
		await typeInto(edit.getByRole('textbox', { name: 'About you' }),
		    'Couples in Zurich and online: Imago dialogue, in German and English.');
		await clickAndLoad(page, edit.getByRole('button', { name: 'Save changes' }));
		assert.match(await page.locator('main [role="status"]').first().textContent(), /Saved/);
		assert.equal(await page.locator('main form[action="/account/profile"]')
		    .getByRole('textbox', { name: /^Name/ }).inputValue(), editedName);

		/* 7. The directory finds it (its index reloads in the background). */
		await page.goto(url('/'));
		await typeInto(page.getByLabel('City, ZIP or postal code'), 'Zurich');
		await typeInto(page.getByLabel('Keyword'), editedName);
		await clickAndLoad(page, page.locator('.search-form .search-main').getByRole('button', { name: 'Search' }));
		const results = new URL(page.url());
		assert.equal(results.pathname, '/therapists');
		assert.equal(results.searchParams.get('q'), editedName);
		const hit = page.locator('.results .result-name a', { hasText: editedName });
		for (let tries = 0; await hit.count() === 0 && tries < 15; tries++) {
			await sleep(200);
			await page.reload();
		}
		assert.equal(await hit.count(), 1, `found in the directory: ${await page.locator('main').textContent()}`);
		await clickAndLoad(page, hit);
		assert.match(new URL(page.url()).pathname, /^\/therapists\/\d+$/);
		assert.equal((await page.locator('h1').textContent()).trim(), editedName);
		const profile = await page.locator('main').textContent();
		assert.match(profile, /Imago dialogue, in German and English/);
		assert.doesNotMatch(profile, /I work with couples in Zurich and online/);
		assert.match(profile, /Zurich/);

		assertNoProblems(problems);
		await close();
	});
});
