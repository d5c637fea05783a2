/*
 * Couples end to end: an invitation by email, accepting it from the
 * account of that address, both partners seeing the couple (the
 * partner's name, never an address), leaving; and every way it is
 * refused (wrong account 403, already in a couple 409, oneself 422,
 * expired 410, withdrawn 404, a second invitation replacing the first,
 * the rate limit 429, anonymous 401). The invitation's answer is the
 * same whether or not the address has an account. The pages do the
 * same through forms with the CSRF field of the page.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sqliteJson } from '../lib/server.mjs';
import {
	Client, assertError, linkToken, mailTo, makeUser, sqliteExec, startAccountServer, uniqueEmail,
	waitForMail,
} from '../lib/accounts.mjs';
import { invite as inviteBy, pair as pairUp } from '../lib/couples.mjs';

let server;

before(async () => {
	server = await startAccountServer();
});

after(async () => {
	if (server)
		await server.stop();
});

let seq = 0;
/* A signed-in client with a display name. */
const person = (name) => makeUser(server, { tag: `cp-${++seq}`, name });

const invite = (from, toEmail) => inviteBy(server, from, toEmail);
const pair = (a, b) => pairUp(server, a, b);

const couple = async (p) => {
	const res = await p.client.get('/api/v1/me/couple');
	assert.equal(res.status, 200, res.where);
	return res.json;
};

describe('the JSON API', () => {
	test('invite, mail, accept, both see the couple, leave: both single again', async () => {
		const ann = await person('Ann Åström');
		const bob = await person('Bob Bauer');
		const before = mailTo(server.maildir, bob.email).length;
		const res = await ann.client.post('/api/v1/me/couple/invitations', { email: bob.email.toUpperCase() });
		assert.equal(res.status, 201, res.where);
		assert.equal(res.json.couple, null);
		assert.equal(res.json.invitation.email, bob.email);
		const mail = await waitForMail(server.maildir, bob.email, before + 1);
		assert.match(mail.subject, /Ann/);
		assert.match(mail.body, /\/couple\/accept\?token=/);
		assert.match(mail.body, /account/);
		assert.ok(!mail.body.includes(ann.email), 'the mail does not carry the inviter\'s address');

		const token = linkToken(mail);
		const annMail = mailTo(server.maildir, ann.email).length;
		const acc = await bob.client.post('/api/v1/couple/accept', { token });
		assert.equal(acc.status, 200, acc.where);
		assert.equal(acc.json.couple.partner.display_name, 'Ann Åström');
		const accepted = await waitForMail(server.maildir, ann.email, annMail + 1);
		assert.match(accepted.body, /Bob Bauer accepted/);

		const a = await couple(ann);
		const b = await couple(bob);
		assert.equal(a.couple.id, b.couple.id);
		assert.equal(a.couple.partner.display_name, 'Bob Bauer');
		assert.equal(b.couple.partner.display_name, 'Ann Åström');
		assert.equal(a.invitation, null, 'the accepted invitation is no longer open');
		for (const [j, other] of [[a, bob], [b, ann]])
			assert.ok(!JSON.stringify(j).includes(other.email), 'no partner address');

		/* Used once. */
		assertError(await bob.client.post('/api/v1/couple/accept', { token }), 410, 'invitation_used');

		/* The export carries the couple. */
		const ex = await ann.client.get('/api/v1/me/export');
		assert.equal(ex.status, 200, ex.where);
		assert.equal(ex.json.couple.couple.partner.display_name, 'Bob Bauer');

		const bobMail = mailTo(server.maildir, bob.email).length;
		const left = await ann.client.del('/api/v1/me/couple');
		assert.equal(left.status, 200, left.where);
		assert.equal(left.json.couple, null);
		assert.match((await waitForMail(server.maildir, bob.email, bobMail + 1)).body, /Ann Åström left/);
		assert.equal((await couple(ann)).couple, null);
		assert.equal((await couple(bob)).couple, null);
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM couples WHERE id = ${a.couple.id}`)[0].n, 0);
		assertError(await bob.client.del('/api/v1/me/couple'), 404, 'not_in_couple');
	});

	test('only the account of the invited address may accept (403); the right one still can', async () => {
		const ann = await person('Ann Two');
		const bob = await person('Bob Two');
		const eve = await person('Eve Two');
		const token = await invite(ann, bob.email);
		const res = await eve.client.post('/api/v1/couple/accept', { token });
		assertError(res, 403, 'wrong_account', 'token');
		assert.match(res.json.error.message, /this invitation was sent to another address/);
		assertError(await ann.client.post('/api/v1/couple/accept', { token }), 422, 'self_invite');
		assert.equal((await bob.client.post('/api/v1/couple/accept', { token })).status, 200);
	});

	test('already in a couple: 409 to invite and to accept', async () => {
		const ann = await person('Ann Three');
		const bob = await person('Bob Three');
		const cat = await person('Cat Three');
		const token = await invite(cat, bob.email);
		await pair(ann, bob);
		assertError(await ann.client.post('/api/v1/me/couple/invitations', { email: cat.email }), 409, 'already_in_couple');
		assertError(await bob.client.post('/api/v1/couple/accept', { token }), 409, 'already_in_couple');
		/* Pairing withdraws the partners' own open invitations: Dan
		 * accepts Cat's, and Dan's own to Cat goes. */
		const dan = await person('Dan Three');
		const t2 = await invite(dan, cat.email);
		const t3 = await invite(cat, dan.email);
		assert.equal((await dan.client.post('/api/v1/couple/accept', { token: t3 })).status, 200);
		assertError(await cat.client.post('/api/v1/couple/accept', { token: t2 }), 404, 'invalid_token');
	});

	test('bad input: self-invite 422, malformed 400, unknown token 404, anonymous 401', async () => {
		const ann = await person('Ann Four');
		assertError(await ann.client.post('/api/v1/me/couple/invitations', { email: ann.email }), 422, 'self_invite', 'email');
		assertError(await ann.client.post('/api/v1/me/couple/invitations', { email: 'not an address' }), 400, undefined, 'email');
		assertError(await ann.client.post('/api/v1/me/couple/invitations', {}), 400, undefined, 'email');
		assertError(await ann.client.post('/api/v1/me/couple/invitations', { email: 'a@b.example', x: 1 }), 400, undefined, 'x');
		assertError(await ann.client.post('/api/v1/couple/accept', { token: 'x'.repeat(43) }), 404, 'invalid_token');
		assertError(await ann.client.del('/api/v1/me/couple/invitations'), 404, 'no_invitation');
		const anon = new Client(server.url);
		assertError(await anon.get('/api/v1/me/couple'), 401, 'authentication_required');
		assertError(await anon.post('/api/v1/me/couple/invitations', { email: 'a@b.example' }), 401, 'authentication_required');
		assertError(await anon.post('/api/v1/couple/accept', { token: 'x'.repeat(43) }), 401, 'authentication_required');
		const nameless = await makeUser(server, { tag: 'cp-nameless' });
		assertError(await nameless.client.post('/api/v1/me/couple/invitations', { email: uniqueEmail('cp') }), 422, 'display_name_required');
	});

	test('expired 410; withdrawn 404; a second invitation withdraws the first', async () => {
		const ann = await person('Ann Five');
		const bob = await person('Bob Five');
		const first = await invite(ann, bob.email);
		const second = await invite(ann, bob.email);
		assertError(await bob.client.post('/api/v1/couple/accept', { token: first }), 404, 'invalid_token');
		const open = sqliteJson(server.dbPath, `SELECT count(*) AS n FROM couple_invites i JOIN users u ON u.id = i.inviter_user_id
		    WHERE u.email = '${ann.email}' AND accepted_at IS NULL AND revoked_at IS NULL`)[0].n;
		assert.equal(open, 1, 'one open invitation at a time');
		sqliteExec(server.dbPath, `UPDATE couple_invites SET expires_at = strftime('%s','now') - 1
		    WHERE inviter_user_id = (SELECT id FROM users WHERE email = '${ann.email}') AND revoked_at IS NULL`);
		assertError(await bob.client.post('/api/v1/couple/accept', { token: second }), 410, 'invitation_expired');
		assert.equal((await couple(ann)).invitation, null, 'an expired invitation is not shown as open');

		const third = await invite(ann, bob.email);
		const rv = await ann.client.del('/api/v1/me/couple/invitations');
		assert.equal(rv.status, 200, rv.where);
		assert.equal(rv.json.invitation, null);
		assertError(await bob.client.post('/api/v1/couple/accept', { token: third }), 404, 'invalid_token');
	});

	test('the answer is the same whether or not the address has an account', async () => {
		const ann = await person('Ann Six');
		const bob = await person('Bob Six');
		const nobody = uniqueEmail('cp-nobody');
		const shape = (j) => JSON.stringify(j, (k, v) => (['id', 'email', 'created_at', 'expires_at'].includes(k) ? '*' : v));
		const r1 = await ann.client.post('/api/v1/me/couple/invitations', { email: bob.email });
		const r2 = await ann.client.post('/api/v1/me/couple/invitations', { email: nobody });
		assert.equal(r1.status, r2.status);
		assert.equal(shape(r1.json), shape(r2.json));
		await waitForMail(server.maildir, nobody, 1);
	});

	test('account deletion ends the couple for the partner too', async () => {
		const ann = await person('Ann Seven');
		const bob = await person('Bob Seven');
		await pair(ann, bob);
		const before = mailTo(server.maildir, bob.email).length;
		const res = await ann.client.del('/api/v1/me', { password: ann.password });
		assert.equal(res.status, 204, res.where);
		assert.equal((await couple(bob)).couple, null);
		assert.equal(sqliteJson(server.dbPath, 'SELECT count(*) AS n FROM couples c WHERE (SELECT count(*) FROM couple_members m WHERE m.couple_id = c.id) < 2')[0].n, 0,
		    'no couple of one');
		assert.match((await waitForMail(server.maildir, bob.email, before + 1)).body, /Ann Seven left your couple/);
	});
});

describe('the rate limit', () => {
	let limited;
	before(async () => {
		limited = await startAccountServer({ env: { IMAGO_RATE_LIMIT_SCALE: '1' } });
	});
	after(async () => {
		if (limited)
			await limited.stop();
	});

	test('five invitations a day per account, then 429 with Retry-After', async () => {
		const ann = await makeUser(limited, { tag: 'cp-limit', name: 'Ann Limit' });
		for (let i = 0; i < 5; i++) {
			const res = await ann.client.post('/api/v1/me/couple/invitations', { email: uniqueEmail('cp-l') });
			assert.equal(res.status, 201, res.where);
		}
		const res = await ann.client.post('/api/v1/me/couple/invitations', { email: uniqueEmail('cp-l') });
		assertError(res, 429, 'rate_limited');
		assert.ok(Number(res.headers.get('retry-after')) > 0);
	});
});

/* ---- pages ---- */

const FORM = 'application/x-www-form-urlencoded';
const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function csrfOf(html, action) {
	const re = /<form\b([^>]*)>([\s\S]*?)<\/form>/g;
	for (const m of html.matchAll(re)) {
		if (!m[1].includes(`action="${action}"`))
			continue;
		const c = /name="csrf" value="([^"]*)"/.exec(m[2]);
		if (c)
			return decode(c[1]);
	}
	assert.fail(`a form to ${action} with a csrf field in:\n${html.slice(0, 3000)}`);
}

async function fill(c, pagePath, action, fields = {}) {
	const page = await c.get(pagePath);
	assert.equal(page.status, 200, page.where);
	const body = new URLSearchParams({ csrf: csrfOf(page.text, action), ...fields });
	return c.call('POST', action, { body: body.toString(), contentType: FORM });
}

describe('the pages', () => {
	test('invite from /account/couple, accept from the link page, leave', async () => {
		const ann = await person('Ann Page');
		const bob = await person('Bob <Page>');
		const before = mailTo(server.maildir, bob.email).length;

		const page = await ann.client.get('/account/couple');
		assert.equal(page.status, 200, page.where);
		assert.match(page.text, /Invite your partner/);
		assert.match(page.text, /href="\/account\/couple"/, 'the menu links to the couple page');

		let res = await fill(ann.client, '/account/couple', '/account/couple/invite', { email: bob.email });
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), '/account/couple?done=invited');
		const shown = await ann.client.get('/account/couple?done=invited');
		assert.match(shown.text, /Invitation sent/);
		assert.ok(shown.text.includes(bob.email), 'the inviter sees where it went');
		assert.match(shown.text, /action="\/account\/couple\/revoke"/);

		const token = linkToken(await waitForMail(server.maildir, bob.email, before + 1));
		/* Not signed in: to sign in and back, the token kept. */
		const anon = await new Client(server.url).get(`/couple/accept?token=${token}`);
		assert.equal(anon.status, 303);
		assert.match(anon.headers.get('location'), /^\/signin\?next=%2Fcouple%2Faccept%3Ftoken%3D/);

		const link = await bob.client.get(`/couple/accept?token=${token}`);
		assert.equal(link.status, 200, link.where);
		assert.equal(link.headers.get('cache-control'), 'no-store');
		assert.match(link.text, /<button type="submit">Accept<\/button>/);
		assert.equal(sqliteJson(server.dbPath, `SELECT count(*) AS n FROM couple_members m JOIN users u ON u.id = m.user_id WHERE u.email = '${bob.email}'`)[0].n, 0,
		    'opening the link changes nothing');

		/* Without the CSRF field: refused. */
		res = await bob.client.call('POST', '/couple/accept', { body: `token=${token}`, contentType: FORM, csrf: false });
		assert.equal(res.status, 403, res.where);

		res = await fill(bob.client, `/couple/accept?token=${token}`, '/couple/accept', { token });
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), '/account/couple?done=accepted');

		const annPage = await ann.client.get('/account/couple');
		assert.match(annPage.text, /Bob &lt;Page&gt;/, 'the partner\'s name, escaped');
		assert.ok(!annPage.text.includes(bob.email), 'no partner address');
		assert.match(annPage.text, /Leaving ends the couple for both of you/);

		res = await fill(bob.client, '/account/couple', '/account/couple/leave');
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), '/account/couple?done=left');
		assert.match((await ann.client.get('/account/couple')).text, /Invite your partner/);
	});

	test('mistakes show the page again: wrong account 403, self 422, revoke', async () => {
		const ann = await person('Ann Page2');
		const bob = await person('Bob Page2');
		const eve = await person('Eve Page2');
		let res = await fill(ann.client, '/account/couple', '/account/couple/invite', { email: ann.email });
		assert.equal(res.status, 422, res.where);
		assert.match(res.text, /not your own/);
		const token = await invite(ann, bob.email);
		res = await fill(eve.client, `/couple/accept?token=${token}`, '/couple/accept', { token });
		assert.equal(res.status, 403, res.where);
		assert.match(res.text, /This invitation was sent to another address/);
		res = await fill(ann.client, '/account/couple', '/account/couple/revoke');
		assert.equal(res.status, 303, res.where);
		res = await fill(bob.client, `/couple/accept?token=${token}`, '/couple/accept', { token });
		assert.equal(res.status, 404, res.where);
		assert.match(res.text, /withdrawn/);
		const incomplete = await bob.client.get('/couple/accept');
		assert.equal(incomplete.status, 400);
	});
});
