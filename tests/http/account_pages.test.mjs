/*
 * The account pages driven as a browser without JavaScript would: GET a
 * form, keep the cookies (imago_pre before signing in, imago_session
 * after), read the hidden csrf field, POST the url-encoded form and
 * follow the 303. Mail is read from the server's maildir; one-time codes
 * are computed here (RFC 6238) from the key the set-up page shows.
 *
 * Covers: sign-up (a refused form keeps what was typed, never the
 * password) -> the emailed link, whose GET only shows a button -> its
 * POST -> sign-in -> the account page -> name change -> an access token
 * shown once -> sign-out; a therapist sent to two-step set-up, turning
 * it on and getting 10 recovery codes, then signing in with a code (a
 * wrong one is refused with 401) and with a recovery code; a POST
 * without the CSRF field (403); `next` pointing off the site; password
 * reset; changing password and email; devices and "sign out
 * everywhere"; the data export; deleting the account.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sqliteJson } from '../lib/server.mjs';
import {
	Client, PASSWORD, base32Decode, freshCode, linkToken, startAccountServer,
	totpCode, uniqueEmail, waitForMail, mailTo,
} from '../lib/accounts.mjs';

const FORM = 'application/x-www-form-urlencoded';

let server;

before(async () => {
	/* startAccountServer sets IMAGO_RATE_LIMIT_SCALE=1000 and fast hashing
	 * (IMAGO_PWHASH_OPSLIMIT=1, IMAGO_PWHASH_MEMLIMIT=8192). */
	server = await startAccountServer();
});

after(async () => {
	await server?.stop();
});

/* ---- A browser, roughly ---- */

const decodeEntities = (s) => s
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/* The hidden csrf field of the first form posting to action (or any). */
function csrfOf(html, action) {
	const forms = html.split('<form').slice(1);
	for (const f of forms) {
		if (action && !f.startsWith(` method="post" action="${action}"`))
			continue;
		const m = /name="csrf" value="([^"]*)"/.exec(f);
		if (m)
			return m[1];
	}
	throw new Error(`no form with a csrf field${action ? ` posting to ${action}` : ''} in:\n${html.slice(0, 2000)}`);
}

/* GETs a page; the response carries the csrf field of its forms. */
async function open(c, path) {
	const res = await c.get(path);
	res.csrfFor = (action) => csrfOf(res.text, action);
	return res;
}

/* POSTs a form as a browser would; csrf: false leaves the field out.
 * A page that comes back (a refused form) carries its csrf fields too. */
async function send(c, path, fields, { csrf } = {}) {
	const body = new URLSearchParams();
	if (csrf !== false)
		body.append('csrf', csrf);
	for (const [k, v] of Object.entries(fields))
		body.append(k, v);
	const res = await c.call('POST', path, { body: body.toString(), contentType: FORM });
	res.csrfFor = (action) => csrfOf(res.text, action);
	return res;
}

/* GETs the page holding the form, then POSTs it. */
async function fill(c, pagePath, action, fields) {
	const page = await open(c, pagePath);
	assert.equal(page.status, 200, page.where);
	return send(c, action, fields, { csrf: page.csrfFor(action) });
}

function assertRedirect(res, location) {
	assert.equal(res.status, 303, res.where);
	if (location instanceof RegExp)
		assert.match(res.headers.get('location'), location, res.where);
	else
		assert.equal(res.headers.get('location'), location, res.where);
}

/* The element with this id, opening tag only. */
function tagWithId(html, id) {
	const m = new RegExp(`<[a-z]+[^>]* id="${id}"[^>]*>`).exec(html);
	assert.ok(m, `an element #${id}`);
	return m[0];
}

function assertInvalid(html, id) {
	const tag = tagWithId(html, id);
	assert.match(tag, /aria-invalid="true"/, `#${id} is marked invalid: ${tag}`);
	assert.match(tag, new RegExp(`aria-describedby="[^"]*${id}-error`), `#${id} names its error: ${tag}`);
	assert.match(html, new RegExp(`id="${id}-error"`), `the error of #${id} is on the page`);
}

const userRow = (email) => sqliteJson(server.dbPath,
    `SELECT id, email, display_name, email_verified_at, totp_enabled_at FROM users WHERE email = '${email}'`)[0];

/* Signs up with the form and opens the emailed link's button. */
async function signUpWithForms(email, { therapist = false, password = PASSWORD } = {}) {
	const c = new Client(server.url);
	const before = mailTo(server.maildir, email).length;
	const fields = { email, password, display_name: 'Robin' };
	if (therapist)
		fields.therapist = 'on';
	assertRedirect(await fill(c, '/signup', '/signup', fields), '/signup?done=sent');
	const mail = await waitForMail(server.maildir, email, before + 1);
	const token = linkToken(mail);
	const page = await open(c, `/verify?token=${token}`);
	assert.equal(page.status, 200, page.where);
	assertRedirect(await send(c, '/verify', { token }, { csrf: page.csrfFor('/verify') }),
	    '/signin?done=verified');
	return c;
}

async function signInWithForms(c, email, password = PASSWORD, next) {
	const fields = { email, password };
	if (next !== undefined)
		fields.next = next;
	return fill(c, '/signin', '/signin', fields);
}

/* ---- Sign-up to sign-out ---- */

describe('a client from sign-up to sign-out', () => {
	const email = uniqueEmail('pages');
	const c = new Client(server?.url);
	let token;

	before(() => {
		c.base = server.url;
	});

	test('the sign-up form: a pre-session cookie, a csrf field, labelled fields', async () => {
		const res = await open(c, '/signup');
		assert.equal(res.status, 200, res.where);
		assert.ok(c.jar.has('imago_pre'), 'an anonymous visitor gets the pre-session cookie');
		assert.match(res.csrfFor('/signup'), /^[A-Za-z0-9_-]{43}$/);
		const html = res.text;
		assert.match(tagWithId(html, 'signup-email'), /type="email".*autocomplete="email"/);
		assert.match(tagWithId(html, 'signup-password'), /autocomplete="new-password".*minlength="12"/);
		assert.match(html, /<label for="signup-password">/);
		assert.match(html, /At least 12 characters/);
		assert.match(html, /name="therapist"/);
		assert.match(html, /<a href="\/signin">Sign in<\/a>/, 'the header offers sign-in');
		assert.ok(!/<script(?![^>]*src="\/static\/)/.test(html), 'no inline script');
		assert.ok(!/ style=/.test(html), 'no inline style');
	});

	test('a short password comes back with 400, the field marked, the rest kept', async () => {
		const res = await fill(c, '/signup', '/signup',
		    { email, password: 'short-Pw1', display_name: 'Robin <b>' });
		assert.equal(res.status, 400, res.where);
		assertInvalid(res.text, 'signup-password');
		assert.match(res.text, /At least 12 characters|at least 12 characters/i);
		assert.match(tagWithId(res.text, 'signup-email'), new RegExp(`value="${email}"`));
		assert.match(tagWithId(res.text, 'signup-display_name'), /value="Robin &lt;b&gt;"/);
		assert.ok(!res.text.includes('short-Pw1'), 'the password is never echoed');
	});

	test('sign-up answers "check your email", and the same for a taken address', async () => {
		const res = await fill(c, '/signup', '/signup', { email, password: PASSWORD, display_name: 'Robin' });
		assertRedirect(res, '/signup?done=sent');
		const page = await open(c, '/signup?done=sent');
		assert.equal(page.status, 200);
		assert.match(page.text, /<h1>Check your email<\/h1>/);
		await waitForMail(server.maildir, email, 1);
		const again = await fill(new Client(server.url), '/signup', '/signup',
		    { email, password: PASSWORD });
		assertRedirect(again, '/signup?done=sent');
	});

	test('opening the emailed link shows a button and verifies nothing', async () => {
		const mail = mailTo(server.maildir, email)[0];
		assert.match(mail.body, /\/verify\?token=/);
		token = linkToken(mail);
		for (let i = 0; i < 2; i++) {	/* a mail scanner, then the person */
			const res = await open(c, `/verify?token=${token}`);
			assert.equal(res.status, 200, res.where);
			assert.match(res.text, /Confirm my email address<\/button>/);
			assert.match(res.text, new RegExp(`<input type="hidden" name="token" value="${token}">`));
			/* The page holds the token: no cache may keep it. */
			assert.equal(res.headers.get('cache-control'), 'no-store');
		}
		assert.equal(userRow(email).email_verified_at, null, 'GET must not use the token');
	});

	test('the button verifies; the link then is invalid, with a way on', async () => {
		const page = await open(c, `/verify?token=${token}`);
		const res = await send(c, '/verify', { token }, { csrf: page.csrfFor('/verify') });
		assertRedirect(res, '/signin?done=verified');
		assert.ok(!res.headers.get('location').includes(token));
		assert.notEqual(userRow(email).email_verified_at, null);
		const done = await open(c, '/signin?done=verified');
		assert.match(done.text, /Email confirmed/);
		const reuse = await send(c, '/verify', { token }, { csrf: page.csrfFor('/verify') });
		assert.equal(reuse.status, 400, reuse.where);
		assert.match(reuse.text, /invalid, was already used or has expired/);
		assert.match(reuse.text, /href="\/signin"/);
	});

	test('a wrong password comes back with 401 and one message; no password echoed', async () => {
		const res = await signInWithForms(c, email, 'not the right password');
		assert.equal(res.status, 401, res.where);
		assert.match(res.text, /class="form-error" role="alert"><p>The email address or password is wrong\./);
		assert.match(tagWithId(res.text, 'signin-email'), new RegExp(`value="${email}"`));
		assert.ok(!res.text.includes('not the right password'));
		assert.ok(!c.jar.has('imago_session'));
	});

	test('signing in sets the session cookie and goes to next', async () => {
		const res = await signInWithForms(c, email, PASSWORD, '/account');
		assertRedirect(res, '/account');
		const cookie = res.headers.getSetCookie().find((s) => s.startsWith('imago_session='));
		assert.ok(cookie, 'a session cookie');
		assert.match(cookie, /HttpOnly/);
		assert.match(cookie, /SameSite=Lax/);
		/* Signed in, the sign-in page sends one on. */
		assertRedirect(await c.get('/signin'), '/account');
	});

	test('the account page shows the account and the signed-in menu', async () => {
		const res = await open(c, '/account');
		assert.equal(res.status, 200, res.where);
		assert.match(res.text, /<h1>Your account<\/h1>/);
		assert.ok(res.text.includes(email));
		assert.match(res.text, /<dd>Robin<\/dd>/);
		assert.match(res.text, /<dd>Client<\/dd>/);
		assert.match(res.text, /<a href="\/account" aria-current="page">Account<\/a>/);
		assert.match(res.text, /<form method="post" action="\/signout">/);
		assert.ok(!/<a href="\/signin">Sign in<\/a>/.test(res.text));
		assert.ok(!res.text.includes('My profile'), 'no profile link for a client');
		assert.match(res.headers.get('cache-control') || '', /no-store/);
		assert.match(res.text, /This device/);
	});

	test('changing the display name', async () => {
		const res = await fill(c, '/account', '/account/name', { display_name: 'Robin Q. <Client>' });
		assertRedirect(res, '/account?done=name');
		const page = await open(c, '/account?done=name');
		assert.match(page.text, /Your name was saved\./);
		assert.match(page.text, /<dd>Robin Q\. &lt;Client&gt;<\/dd>/);
		assert.equal(userRow(email).display_name, 'Robin Q. <Client>');
	});

	test('an access token is shown once, works, and can be revoked', async () => {
		const res = await fill(c, '/account', '/account/tokens', { name: 'my script', expires_in_days: '30' });
		assert.equal(res.status, 201, res.where);
		const m = /<code id="new-token" class="secret-value">(imago_pat_[A-Za-z0-9_-]{43})<\/code>/.exec(res.text);
		assert.ok(m, 'the token is on the page');
		const pat = m[1];
		assert.match(res.text, /only time it is shown/);
		const me = await new Client(server.url).get('/api/v1/me', { bearer: pat });
		assert.equal(me.status, 200, me.where);
		assert.equal(me.json.user.email, email);
		const page = await open(c, '/account');
		assert.match(page.text, /<strong>my script<\/strong>/);
		assert.ok(!page.text.includes(pat), 'never shown again');
		const id = /action="\/account\/tokens\/(\d+)\/revoke"/.exec(page.text)[1];
		const revoke = await send(c, `/account/tokens/${id}/revoke`, {},
		    { csrf: page.csrfFor(`/account/tokens/${id}/revoke`) });
		assertRedirect(revoke, '/account?done=token#tokens');
		assert.equal((await new Client(server.url).get('/api/v1/me', { bearer: pat })).status, 401);
	});

	test('a token without a name comes back with 400 on the name field', async () => {
		const res = await fill(c, '/account', '/account/tokens', { name: '', expires_in_days: '7' });
		assert.equal(res.status, 400, res.where);
		assertInvalid(res.text, 'token-name');
		assert.match(res.text, /<option value="7" selected>/);
	});

	test('signing out clears the cookie; the account page then asks to sign in', async () => {
		const page = await open(c, '/account');
		const res = await send(c, '/signout', {}, { csrf: page.csrfFor('/signout') });
		assertRedirect(res, '/');
		assert.ok(!c.jar.has('imago_session'));
		assertRedirect(await c.get('/account'), '/signin?next=%2Faccount');
		const signin = await open(c, '/signin?next=%2Faccount');
		assert.match(signin.text, /<input type="hidden" name="next" value="\/account">/);
	});
});

/* ---- Therapists and two-step sign-in ---- */

describe('a therapist sets up two-step sign-in and signs in with codes', () => {
	const email = uniqueEmail('therapist-pages');
	let c;
	let secret;
	let recovery;

	test('signing in sends a therapist to the set-up first', async () => {
		c = await signUpWithForms(email, { therapist: true });
		assertRedirect(await signInWithForms(c, email, PASSWORD, '/therapists'), '/account/two-step');
		assertRedirect(await c.get('/account'), '/account/two-step');
	});

	test('the set-up page shows the QR code, the key and why', async () => {
		const res = await open(c, '/account/two-step');
		assert.equal(res.status, 200, res.where);
		assert.match(res.text, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*role="img"/);
		const m = /<code id="totp-secret" class="totp-secret" data-secret="([A-Z2-7]+)">([A-Z2-7 ]+)<\/code>/.exec(res.text);
		assert.ok(m, 'the key, grouped, with the raw key in data-secret');
		secret = m[1];
		assert.equal(m[2].replace(/ /g, ''), secret);
		assert.match(m[2], /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
		assert.equal(base32Decode(secret).length, 20);
		assert.match(res.text, /Therapists' and administrators' accounts/);
		assert.ok(res.text.includes(email));
		assert.match(tagWithId(res.text, 'twostep-code'), /autocomplete="one-time-code"/);
		assert.equal(userRow(email).totp_enabled_at, null);
	});

	test('a wrong code comes back with 400, without a new key', async () => {
		const wrong = totpCode(secret, Date.now() / 1000 - 3600);
		const res = await fill(c, '/account/two-step', '/account/two-step', { code: wrong });
		assert.equal(res.status, 400, res.where);
		assertInvalid(res.text, 'twostep-code');
		assert.ok(!res.text.includes('<svg'), 'the refused form keeps the pending key');
		assert.match(res.text, /start again with a\s+new key/);
	});

	test('the right code turns it on and shows 10 recovery codes once', async () => {
		const page = await open(c, '/account/two-step');
		secret = /data-secret="([A-Z2-7]+)"/.exec(page.text)[1];
		const res = await send(c, '/account/two-step', { code: await freshCode(secret) },
		    { csrf: page.csrfFor('/account/two-step') });
		assert.equal(res.status, 200, res.where);
		const list = /<ul class="recovery-codes"[^>]*>(.*?)<\/ul>/s.exec(res.text);
		assert.ok(list, 'a list of recovery codes');
		recovery = [...list[1].matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((x) => x[1]);
		assert.equal(recovery.length, 10);
		assert.match(res.text, /<a class="button-link" href="\/account">Continue<\/a>/);
		assert.notEqual(userRow(email).totp_enabled_at, null);
		const account = await open(c, '/account');
		assert.equal(account.status, 200, account.where);
		assert.match(account.text, /On, 10 of 10 recovery codes left/);
		assert.match(account.text, /<a href="\/account\/profile">My directory profile<\/a>/);
		assert.match(account.text, /<a href="\/account\/profile">My profile<\/a>/);
		assert.ok(!account.text.includes('/account/two-step/disable'), 'a therapist cannot turn it off');
		const again = await open(c, '/account/two-step');
		assert.match(again.text, /Two-step sign-in is on/);
		assert.ok(!again.text.includes('data-secret'));
	});

	test('signing in again asks for the code; a wrong one is refused with 401', async () => {
		const page = await open(c, '/account');
		assertRedirect(await send(c, '/signout', {}, { csrf: page.csrfFor('/signout') }), '/');
		assertRedirect(await signInWithForms(c, email), '/signin/code');
		const pending = c.jar.get('imago_session');
		assert.ok(pending);
		assertRedirect(await c.get('/account'), '/signin/code');
		const code = await open(c, '/signin/code');
		assert.equal(code.status, 200, code.where);
		assert.match(tagWithId(code.text, 'code-code'), /autocomplete="one-time-code"/);
		assert.match(code.text, /<a href="\/signin\/code" aria-current="page">Finish signing in<\/a>/);
		const wrong = await send(c, '/signin/code', { code: totpCode(secret, Date.now() / 1000 - 7200) },
		    { csrf: code.csrfFor('/signin/code') });
		assert.equal(wrong.status, 401, wrong.where);
		assertInvalid(wrong.text, 'code-code');
		const right = await send(c, '/signin/code', { code: await freshCode(secret) },
		    { csrf: wrong.csrfFor('/signin/code') });
		assertRedirect(right, '/account');
		assert.notEqual(c.jar.get('imago_session'), pending, 'a new session token after the code');
		const account = await open(c, '/account');
		assert.equal(account.status, 200, account.where);
		assert.ok(account.text.includes(email));
	});

	test('a recovery code signs in once', async () => {
		const page = await open(c, '/account');
		await send(c, '/signout', {}, { csrf: page.csrfFor('/signout') });
		assertRedirect(await signInWithForms(c, email), '/signin/code');
		assertRedirect(await fill(c, '/signin/code', '/signin/code', { code: recovery[0].toUpperCase() }), '/account');
		const account = await open(c, '/account');
		assert.match(account.text, /On, 9 of 10 recovery codes left/);
		/* New codes replace the old ones. */
		const fresh = await send(c, '/account/recovery-codes', { password: PASSWORD },
		    { csrf: account.csrfFor('/account/recovery-codes') });
		assert.equal(fresh.status, 200, fresh.where);
		assert.equal([...fresh.text.matchAll(/<li><code>[a-z0-9]{5}-[a-z0-9]{5}<\/code><\/li>/g)].length, 10);
		await send(c, '/signout', {}, { csrf: fresh.csrfFor('/signout') });
		assertRedirect(await signInWithForms(c, email), '/signin/code');
		const old = await fill(c, '/signin/code', '/signin/code', { code: recovery[1] });
		assert.equal(old.status, 401, old.where);
	});
});

/* ---- What the guard and the pages refuse ---- */

describe('refusals', () => {
	test('a POST without the csrf field is refused with 403', async () => {
		const c = new Client(server.url);
		await open(c, '/signin');
		assert.ok(c.jar.has('imago_pre'));
		const res = await send(c, '/signin', { email: 'a@example.org', password: PASSWORD }, { csrf: false });
		assert.equal(res.status, 403, res.where);
		const wrong = await send(c, '/signup', { email: 'a@example.org', password: PASSWORD },
		    { csrf: 'x'.repeat(43) });
		assert.equal(wrong.status, 403, wrong.where);
	});

	test('next pointing off the site is ignored', async () => {
		const email = uniqueEmail('next');
		await signUpWithForms(email);
		for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example',
		    '/\\/evil.example', 'javascript:alert(1)', '/account\r\nSet-Cookie: x=1']) {
			const c = new Client(server.url);
			const page = await open(c, `/signin?next=${encodeURIComponent(next)}`);
			assert.ok(!page.text.includes('name="next"'), `GET drops next=${next}`);
			assertRedirect(await signInWithForms(c, email, PASSWORD, next), '/account');
		}
		const c = new Client(server.url);
		assertRedirect(await signInWithForms(c, email, PASSWORD, '/therapists?near=Austin'),
		    '/therapists?near=Austin');
	});

	test('links without a token, or with a bad one, say so with 400', async () => {
		const c = new Client(server.url);
		for (const path of ['/verify', '/reset/confirm', '/account/email/confirm',
		    `/verify?token=${'A'.repeat(200)}`]) {
			const res = await open(c, path);
			assert.equal(res.status, 400, res.where);
			assert.match(res.text, /This link cannot be used/);
		}
	});
});

/* ---- Password reset ---- */

describe('password reset', () => {
	test('the emailed link leads to a new password', async () => {
		const email = uniqueEmail('reset');
		await signUpWithForms(email);
		const c = new Client(server.url);
		const sent = await fill(c, '/reset', '/reset', { email });
		assertRedirect(sent, '/reset?done=sent');
		assert.match((await open(c, '/reset?done=sent')).text, /If an account exists for that\s+address/);
		/* An unknown address gets the same answer. */
		assertRedirect(await fill(c, '/reset', '/reset', { email: uniqueEmail('nobody') }), '/reset?done=sent');

		const mail = await waitForMail(server.maildir, email, 2);
		assert.match(mail.body, /\/reset\/confirm\?token=/);
		const token = linkToken(mail);
		const page = await open(c, `/reset/confirm?token=${token}`);
		assert.equal(page.status, 200, page.where);
		assert.match(tagWithId(page.text, 'newpw-password'), /autocomplete="new-password"/);
		const short = await send(c, '/reset/confirm', { token, password: 'too short' },
		    { csrf: page.csrfFor('/reset/confirm') });
		assert.equal(short.status, 400, short.where);
		assertInvalid(short.text, 'newpw-password');
		assert.match(short.text, new RegExp(`name="token" value="${token}"`));
		const ok = await send(c, '/reset/confirm', { token, password: 'a brand new passphrase' },
		    { csrf: page.csrfFor('/reset/confirm') });
		assertRedirect(ok, '/signin?done=password');
		assert.equal((await signInWithForms(c, email, PASSWORD)).status, 401);
		assertRedirect(await signInWithForms(c, email, 'a brand new passphrase'), '/account');
	});
});

/* ---- The account page's forms ---- */

describe('the account page', () => {
	const email = uniqueEmail('forms');
	const newEmail = uniqueEmail('moved');
	let c;

	before(async () => {
		c = await signUpWithForms(email);
		assertRedirect(await signInWithForms(c, email), '/account');
	});

	test('a wrong current password is refused with 401 beside its field', async () => {
		const res = await fill(c, '/account', '/account/password',
		    { current_password: 'wrong password here', new_password: 'another long passphrase' });
		assert.equal(res.status, 401, res.where);
		assertInvalid(res.text, 'password-current_password');
		assert.match(res.text, /That did not work: <a href="#password">/);
		assert.ok(!res.text.includes('another long passphrase'));
	});

	test('changing the password', async () => {
		const res = await fill(c, '/account', '/account/password',
		    { current_password: PASSWORD, new_password: 'another long passphrase' });
		assertRedirect(res, '/account?done=password');
		assert.equal((await open(c, '/account')).status, 200, 'this device stays signed in');
	});

	test('changing the email goes through a link to the new address', async () => {
		const res = await fill(c, '/account', '/account/email',
		    { email: newEmail, current_password: 'another long passphrase' });
		assertRedirect(res, '/account?done=email');
		assert.match((await open(c, '/account?done=email')).text, /Check your new inbox/);
		const mail = await waitForMail(server.maildir, newEmail, 1);
		const token = linkToken(mail);
		const page = await open(c, `/account/email/confirm?token=${token}`);
		assert.equal(page.status, 200, page.where);
		assert.equal(userRow(email)?.email, email, 'GET changes nothing');
		const done = await send(c, '/account/email/confirm', { token },
		    { csrf: page.csrfFor('/account/email/confirm') });
		assertRedirect(done, '/account/email/confirm?done=changed');
		assert.match((await open(c, '/account/email/confirm?done=changed')).text, /Email changed/);
		assert.ok((await open(c, '/account')).text.includes(newEmail));
	});

	test('devices: another one is listed and can be signed out', async () => {
		const other = new Client(server.url, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' });
		assertRedirect(await signInWithForms(other, newEmail, 'another long passphrase'), '/account');
		const page = await open(c, '/account');
		assert.match(page.text, /Firefox on Linux/);
		const id = /action="\/account\/sessions\/(\d+)\/revoke"/.exec(page.text)[1];
		assertRedirect(await send(c, `/account/sessions/${id}/revoke`, {},
		    { csrf: page.csrfFor(`/account/sessions/${id}/revoke`) }), '/account?done=session#sessions');
		assertRedirect(await other.get('/account'), '/signin?next=%2Faccount');
	});

	test('the data export is a JSON attachment', async () => {
		const res = await c.get('/account/export');
		assert.equal(res.status, 200, res.where);
		assert.match(res.headers.get('content-type'), /^application\/json/);
		assert.match(res.headers.get('content-disposition'), /^attachment; filename="imago-export\.json"/);
		const x = res.json;
		assert.ok(x, `not JSON: ${res.text.slice(0, 300)}`);
		assert.equal(x.account.email, newEmail);
		assert.ok(Array.isArray(x.sessions));
		assert.equal(x.therapist_profile, null);
		/* All of the person's activity, their email change among it. */
		assert.ok(Array.isArray(x.activity));
		assert.ok(x.activity.some((a) => a.action === 'user.email_changed'), JSON.stringify(x.activity));
	});

	test('signing out everywhere ends this session too', async () => {
		const second = new Client(server.url);
		assertRedirect(await signInWithForms(second, newEmail, 'another long passphrase'), '/account');
		const page = await open(c, '/account');
		const res = await send(c, '/account/sessions/signout-all', {},
		    { csrf: page.csrfFor('/account/sessions/signout-all') });
		assertRedirect(res, '/signin?done=everywhere');
		assert.ok(!c.jar.has('imago_session'));
		assertRedirect(await second.get('/account'), '/signin?next=%2Faccount');
		assertRedirect(await signInWithForms(c, newEmail, 'another long passphrase'), '/account');
	});

	test('deleting needs the box ticked, then the account is gone', async () => {
		const unticked = await fill(c, '/account', '/account/delete', { password: 'another long passphrase' });
		assert.equal(unticked.status, 400, unticked.where);
		assertInvalid(unticked.text, 'delete-confirm');
		const res = await fill(c, '/account', '/account/delete',
		    { password: 'another long passphrase', confirm: 'on' });
		assert.equal(res.status, 200, res.where);
		assert.match(res.text, /Your account was deleted/);
		assert.match(res.text, /<a href="\/signin">Sign in<\/a>/, 'the header shows a visitor');
		assert.ok(!c.jar.has('imago_session'));
		assert.equal(userRow(newEmail), undefined);
		assert.equal((await signInWithForms(c, newEmail, 'another long passphrase')).status, 401);
	});
});
