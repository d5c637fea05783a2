/*
 * The contact relay end to end, through the JSON API and through the
 * pages as a browser without JavaScript uses them: a message is sent,
 * its sender gets a link, nothing reaches the therapist until the link
 * is used, then the therapist gets an email and sees the message in the
 * app's inbox, answers it (the answer reaches the sender's mailbox) and
 * sorts it as spam. Also: the honeypot, the abuse limits at their real
 * size, bad input of every kind (each with its status and the field it
 * names), the inbox's access rule (someone else's message is a 404),
 * and the rule that a therapist's email address appears in no public
 * answer or page unless the therapist chose to show it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sqliteJson } from '../lib/server.mjs';
import {
	Client, assertError, linkToken, mailTo, makeAdmin, makeTherapist, makeUser, profileBody, sleep,
	sqliteExec, startAccountServer, uniqueEmail, waitForMail,
} from '../lib/accounts.mjs';

const CSV = [
	'external_id,name,email,city,region,country,lat,lon',
	'ct-unowned,Ulla Unowned,ulla@listing.example,Austin,TX,US,30.27,-97.74',
	'ct-noemail,Nils Nomail,,Austin,TX,US,30.27,-97.74',
	'ct-hidden,Hanna Hidden,hanna@listing.example,Austin,TX,US,30.27,-97.74',
].join('\n') + '\n';

const PUBLIC_EMAIL = 'tara.public@practice.example';

let server;
let owner;		/* therapist with profile P */
let other;		/* another therapist with a profile */
let client;
let admin;
let P;
let listing;		/* imported ids by external_id */

before(async () => {
	server = await startAccountServer({ csv: CSV });
	listing = Object.fromEntries(sqliteJson(server.dbPath, 'SELECT id, external_id FROM therapists')
	    .map((r) => [r.external_id, r.id]));
	owner = await makeTherapist(server, { tag: 'ct-owner' });
	other = await makeTherapist(server, { tag: 'ct-other' });
	client = await makeUser(server, { tag: 'ct-client' });
	admin = await makeAdmin(server, { tag: 'ct-admin' });
	let res = await owner.client.post('/api/v1/therapists', profileBody('Tara Owner', { email: PUBLIC_EMAIL }));
	assert.equal(res.status, 201, res.where);
	P = res.json.id;
	res = await other.client.post('/api/v1/therapists', profileBody('Otto Other'));
	assert.equal(res.status, 201, res.where);
	res = await admin.client.post(`/api/v1/admin/therapists/${listing['ct-hidden']}/hidden`, {});
	assert.equal(res.status, 200, res.where);
});

after(async () => {
	if (server)
		await server.stop();
});

const anonymous = () => new Client(server.url);
const send = (id, body, opts) => anonymous().post(`/api/v1/therapists/${id}/messages`, body, opts);
const message = (email, extra = {}) => ({ name: 'Sam Sender', email, message: 'We would like to talk about couples therapy.', ...extra });

/* Sends a message and returns the confirmation token mailed to email. */
async function sendAndToken(id, email, extra = {}) {
	const before = mailTo(server.maildir, email).length;
	const res = await send(id, message(email, extra));
	assert.equal(res.status, 202, res.where);
	return linkToken(await waitForMail(server.maildir, email, before + 1));
}

/* The newest message row from an address. */
const rowFrom = (email) => sqliteJson(server.dbPath,
    `SELECT * FROM contact_messages WHERE email = '${email}' ORDER BY id DESC LIMIT 1`)[0];

/* Every address of the owner that must stay private. */
const privateAddresses = () => [owner.email, PUBLIC_EMAIL];
function assertNoPrivateAddress(text, where) {
	for (const a of privateAddresses())
		assert.ok(!text.includes(a), `${a} appears in ${where}: ${text.slice(0, 300)}`);
}

/* A form post as a browser sends it. */
function postForm(c, p, fields, csrf) {
	return c.call('POST', p, {
		body: new URLSearchParams({ csrf, ...fields }).toString(),
		contentType: 'application/x-www-form-urlencoded',
	});
}

/* An anonymous browser that has seen a page: its cookie and form token. */
async function browser(p) {
	const c = new Client(server.url);
	const res = await c.get(p);
	assert.equal(res.status, 200, res.where);
	const m = /name="csrf" value="([^"]+)"/.exec(res.text);
	assert.ok(m, `a csrf field on ${p}`);
	c.formCsrf = m[1];
	c.lastPage = res;
	return c;
}

describe('the API flow', () => {
	const sender = uniqueEmail('ct-sender');
	let token;
	let id;

	test('send: 202, the sender gets a link, the therapist nothing yet', async () => {
		const res = await send(P, message(sender, { phone: '+1 512 555 0100' }));
		assert.equal(res.status, 202, res.where);
		assert.deepEqual(res.json, { status: 'check_your_email' });
		assertNoPrivateAddress(res.text, 'the answer');
		const mail = await waitForMail(server.maildir, sender);
		assert.match(mail.subject, /^Confirm your message to Tara Owner$/);
		assert.match(mail.body, /\/contact\/confirm\?token=/);
		assert.ok(!mail.body.includes('couples therapy'), 'the confirmation repeats nothing the sender typed');
		assertNoPrivateAddress(mail.body, 'the confirmation');
		token = linkToken(mail);
		const row = rowFrom(sender);
		assert.equal(row.status, 'unconfirmed');
		assert.equal(row.phone, '+1 512 555 0100');
		assert.equal(row.preferred, 'email');
		id = row.id;
		await sleep(300);
		assert.equal(mailTo(server.maildir, owner.email).length, 0, 'nothing to the therapist before confirmation');
		const inbox = await owner.client.get('/api/v1/me/messages');
		assert.equal(inbox.status, 200, inbox.where);
		assert.equal(inbox.json.total, 0);
		assertError(await owner.client.get(`/api/v1/me/messages/${id}`), 404, 'not_found', 'id');
	});

	test('confirm: delivered to the owner\'s account address and the inbox, once', async () => {
		const res = await anonymous().post('/api/v1/contact/confirm', { token });
		assert.equal(res.status, 200, res.where);
		assert.deepEqual(res.json, { status: 'delivered' });
		const mail = await waitForMail(server.maildir, owner.email);
		assert.equal(mail.subject, 'New message from Sam Sender via imago');
		assert.match(mail.body, /We would like to talk about couples therapy\./);
		assert.match(mail.body, /Their phone: \+1 512 555 0100/);
		assert.ok(mail.body.includes(`/therapist/messages/${id}`), mail.body);
		assert.ok(!mail.body.includes(sender), 'answers go through the app');
		assert.equal(mailTo(server.maildir, PUBLIC_EMAIL).length, 0, 'not to the profile\'s address');

		const again = await anonymous().post('/api/v1/contact/confirm', { token });
		assert.equal(again.status, 200, again.where);
		assert.deepEqual(again.json, { status: 'already_delivered' });
		await sleep(300);
		assert.equal(mailTo(server.maildir, owner.email).length, 1, 'a second click sends nothing');

		const inbox = await owner.client.get('/api/v1/me/messages');
		assert.equal(inbox.status, 200, inbox.where);
		assert.equal(inbox.json.total, 1);
		assert.equal(inbox.json.unread, 1);
		const m = inbox.json.messages[0];
		assert.equal(m.id, id);
		assert.equal(m.name, 'Sam Sender');
		assert.equal(m.email, sender);
		assert.equal(m.status, 'delivered');
		assert.equal(m.read_at, null);
		assert.equal(m.scam_warning, false);
		assert.match(m.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

		const one = await owner.client.get(`/api/v1/me/messages/${id}`);
		assert.equal(one.status, 200, one.where);
		assert.match(one.json.read_at, /Z$/);
		assert.deepEqual(one.json.replies, []);
		assert.equal((await owner.client.get('/api/v1/me/messages')).json.unread, 0);
	});

	test('links: unknown 404, missing 400, expired 410', async () => {
		assertError(await anonymous().post('/api/v1/contact/confirm', { token: 'x'.repeat(43) }), 404, 'invalid_token', 'token');
		assertError(await anonymous().post('/api/v1/contact/confirm', {}), 400, 'invalid_parameter', 'token');
		assertError(await anonymous().post('/api/v1/contact/confirm', { token: 5 }), 400, 'invalid_parameter', 'token');
		const late = uniqueEmail('ct-late');
		const t = await sendAndToken(P, late);
		/* A day passes (the row is made older). */
		sqliteExec(server.dbPath, `UPDATE contact_messages SET created_at = created_at - 86400 WHERE email = '${late}'`);
		assertError(await anonymous().post('/api/v1/contact/confirm', { token: t }), 410, 'link_expired', 'token');
		assert.equal(rowFrom(late).status, 'unconfirmed');
	});

	test('reply: reaches the sender by email, from imago, quoting the message', async () => {
		assertError(await owner.client.post(`/api/v1/me/messages/${id}/reply`, { message: '   ' }), 400, 'invalid_parameter', 'message');
		assertError(await owner.client.post(`/api/v1/me/messages/${id}/reply`, {}), 400, 'invalid_parameter', 'message');
		const res = await owner.client.post(`/api/v1/me/messages/${id}/reply`, { message: 'Happy to talk.\nCall me on Monday.' });
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.replies.length, 1);
		assert.equal(res.json.replies[0].message, 'Happy to talk.\nCall me on Monday.');
		assert.match(res.json.replied_at, /Z$/);
		const mail = await waitForMail(server.maildir, sender, 2);
		assert.equal(mail.subject, 'Tara Owner answered your message');
		assert.match(mail.body, /Happy to talk\.\nCall me on Monday\./);
		assert.match(mail.body, /> We would like to talk about couples therapy\./);
		assert.ok(mail.body.includes(`/therapists/${P}`), 'the way back: the form on the profile');
		assert.ok(!('reply-to' in mail.headers), 'no Reply-To');
		assertNoPrivateAddress(mail.body, 'the reply');
		assertNoPrivateAddress(JSON.stringify(mail.headers), 'the reply\'s headers');
	});

	test('spam: marked, listed under spam, no answers while marked, unmarked', async () => {
		let res = await owner.client.post(`/api/v1/me/messages/${id}/spam`, {});
		assert.equal(res.status, 200, res.where);
		assert.deepEqual(res.json, { id, status: 'spam' });
		res = await owner.client.get('/api/v1/me/messages?status=spam');
		assert.deepEqual(res.json.messages.map((m) => m.id), [id]);
		res = await owner.client.get('/api/v1/me/messages?status=delivered');
		assert.deepEqual(res.json.messages.map((m) => m.id), []);
		assertError(await owner.client.post(`/api/v1/me/messages/${id}/reply`, { message: 'Hi' }), 409, 'message_is_spam');
		/* The same sender again: delivered as far as they know, but to spam, without mail. */
		const before = mailTo(server.maildir, owner.email).length;
		const t = await sendAndToken(P, sender);
		res = await anonymous().post('/api/v1/contact/confirm', { token: t });
		assert.deepEqual(res.json, { status: 'delivered' });
		assert.equal(rowFrom(sender).status, 'spam');
		await sleep(300);
		assert.equal(mailTo(server.maildir, owner.email).length, before);

		res = await owner.client.del(`/api/v1/me/messages/${id}/spam`);
		assert.equal(res.status, 200, res.where);
		assert.deepEqual(res.json, { id, status: 'delivered' });
		const actions = sqliteJson(server.dbPath, `SELECT action, detail FROM audit_log WHERE target_type = 'contact_message' AND target_id = '${id}' ORDER BY id`);
		assert.deepEqual(actions.map((a) => a.action), ['contact.sent', 'contact.delivered', 'contact.read', 'contact.reply', 'contact.spam', 'contact.not_spam']);
	});

	test('paging and filters are checked', async () => {
		let res = await owner.client.get('/api/v1/me/messages?limit=1&offset=1');
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.messages.length, 1);
		assert.equal(res.json.limit, 1);
		assert.equal(res.json.offset, 1);
		assertError(await owner.client.get('/api/v1/me/messages?status=archived'), 400, 'invalid_parameter', 'status');
		assertError(await owner.client.get('/api/v1/me/messages?limit=0'), 400, 'invalid_parameter', 'limit');
		assertError(await owner.client.get('/api/v1/me/messages?limit=101'), 400, 'invalid_parameter', 'limit');
		assertError(await owner.client.get('/api/v1/me/messages?offset=-1'), 400, 'invalid_parameter', 'offset');
		assertError(await owner.client.get('/api/v1/me/messages?offset=abc'), 400, 'invalid_parameter', 'offset');
	});

	test('the data export holds the inbox', async () => {
		const res = await owner.client.get('/api/v1/me/export');
		assert.equal(res.status, 200, res.where);
		assert.ok(res.json.contact_messages.some((m) => m.id === id && m.replies.length === 1), res.text.slice(0, 500));
		const none = await client.client.get('/api/v1/me/export');
		assert.deepEqual(none.json.contact_messages, []);
	});

	test('the audit log holds no address and no words of a message', () => {
		const rows = sqliteJson(server.dbPath, "SELECT * FROM audit_log WHERE action LIKE 'contact.%'");
		assert.ok(rows.length >= 6);
		const text = JSON.stringify(rows);
		assert.ok(!text.includes('@'), text);
		assert.ok(!/couples|Happy to talk|Sam Sender/.test(text), text);
	});
});

describe('where messages go', () => {
	test('an unowned listing: its own address, with the sender\'s address to answer', async () => {
		const sender = uniqueEmail('ct-to-listing');
		const t = await sendAndToken(listing['ct-unowned'], sender);
		const res = await anonymous().post('/api/v1/contact/confirm', { token: t });
		assert.equal(res.status, 200, res.where);
		const mail = await waitForMail(server.maildir, 'ulla@listing.example');
		assert.match(mail.body, /to the listing "Ulla Unowned"/);
		assert.ok(mail.body.includes(`Their email address: ${sender}`));
		assert.ok(!mail.body.includes('/therapist/messages/'), 'no inbox to point to');
	});

	test('a listing without an address: 422 no_contact, and no form on its page', async () => {
		const res = await send(listing['ct-noemail'], message(uniqueEmail('ct-nowhere')));
		assertError(res, 422, 'no_contact');
		const page = await anonymous().get(`/therapists/${listing['ct-noemail']}`);
		assert.equal(page.status, 200);
		assert.ok(!page.text.includes('/message"'), 'no message form');
	});

	test('unknown or hidden therapists: 404', async () => {
		assertError(await send(999999, message(uniqueEmail('ct-x'))), 404, 'not_found', 'id');
		assertError(await send(listing['ct-hidden'], message(uniqueEmail('ct-x'))), 404, 'not_found', 'id');
		assertError(await send('abc', message(uniqueEmail('ct-x'))), 404, 'not_found', 'id');
		assert.equal((await anonymous().get(`/therapists/${listing['ct-hidden']}/message`)).status, 404);
	});
});

describe('the honeypot', () => {
	test('filled in: the same answer as a success, nothing stored or sent, an audit entry', async () => {
		const robot = uniqueEmail('ct-robot');
		const res = await send(P, message(robot, { website: 'http://spam.example' }));
		assert.equal(res.status, 202, res.where);
		assert.deepEqual(res.json, { status: 'check_your_email' });
		const odd = await send(P, message(robot, { website: 12 }));
		assert.equal(odd.status, 202, odd.where);
		await sleep(400);
		assert.equal(rowFrom(robot), undefined);
		assert.equal(mailTo(server.maildir, robot).length, 0);
		const audit = sqliteJson(server.dbPath, `SELECT * FROM audit_log WHERE action = 'contact.honeypot' AND target_id = '${P}'`);
		assert.equal(audit.length, 2);
		assert.equal(audit[0].detail, '');
	});
});

describe('bad input', () => {
	const cases = [
		['no name', { email: 'a@example.org', message: 'Hi' }, 400, 'name'],
		['a name of 101 characters', { name: 'n'.repeat(101), email: 'a@example.org', message: 'Hi' }, 400, 'name'],
		['a name on two lines', { name: 'Sam\nSender', email: 'a@example.org', message: 'Hi' }, 400, 'name'],
		['no email', { name: 'Sam', message: 'Hi' }, 400, 'email'],
		['a bad email', { name: 'Sam', email: 'sam@', message: 'Hi' }, 400, 'email'],
		['a bad phone', { name: 'Sam', email: 'a@example.org', phone: 'call me', message: 'Hi' }, 400, 'phone'],
		['phone preferred without a phone', { name: 'Sam', email: 'a@example.org', preferred: 'phone', message: 'Hi' }, 400, 'phone'],
		['an unknown preference', { name: 'Sam', email: 'a@example.org', preferred: 'fax', message: 'Hi' }, 400, 'preferred'],
		['no message', { name: 'Sam', email: 'a@example.org' }, 400, 'message'],
		['a blank message', { name: 'Sam', email: 'a@example.org', message: ' \n ' }, 400, 'message'],
		['a message of 5001 characters', { name: 'Sam', email: 'a@example.org', message: 'é'.repeat(5001) }, 400, 'message'],
		['a message that is not text', { name: 'Sam', email: 'a@example.org', message: 42 }, 400, 'message'],
		['a control character', { name: 'Sam', email: 'a@example.org', message: 'a\u0001b' }, 400, 'message'],
		['an unknown field', { name: 'Sam', email: 'a@example.org', message: 'Hi', subject: 'x' }, 400, 'subject'],
	];
	for (const [what, body, status, param] of cases) {
		test(`${what}: ${status} naming ${param}`, async () => {
			assertError(await send(P, body), status, 'invalid_parameter', param);
		});
	}

	test('5000 characters of four bytes each are accepted', async () => {
		const sender = uniqueEmail('ct-long');
		const res = await send(P, message(sender, { message: '\u{1F4AC}'.repeat(5000) }));
		assert.equal(res.status, 202, res.where);
		assert.equal([...rowFrom(sender).body].length, 5000);
	});

	test('not JSON, not UTF-8, too large, wrong type: 400, 400, 413, 415', async () => {
		const p = `/api/v1/therapists/${P}/messages`;
		assertError(await anonymous().call('POST', p, { body: '{"name":', contentType: 'application/json' }), 400, 'invalid_parameter', 'body');
		const latin1 = Buffer.concat([Buffer.from('{"name":"Sam","email":"a@example.org","message":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
		assertError(await anonymous().call('POST', p, { body: latin1, contentType: 'application/json' }), 400, 'invalid_parameter', 'body');
		const huge = await anonymous().call('POST', p, { body: JSON.stringify(message('a@example.org', { message: 'x'.repeat(200000) })), contentType: 'application/json' });
		assert.equal(huge.status, 413, huge.where);
		assertError(await anonymous().call('POST', p, { body: 'name=Sam', contentType: 'application/x-www-form-urlencoded' }), 415);
		assert.equal(rowFrom('a@example.org'), undefined, 'nothing stored');
	});

	test('a form that is not UTF-8: 400, never 500', async () => {
		const c = await browser(`/therapists/${P}`);
		const res = await c.call('POST', `/therapists/${P}/message`, {
			body: `csrf=${c.formCsrf}&name=Sam&email=a%40example.org&message=caf%E9`,
			contentType: 'application/x-www-form-urlencoded',
		});
		assert.equal(res.status, 400, res.where);
	});
});

describe('who may see a message', () => {
	let id;
	before(async () => {
		const sender = uniqueEmail('ct-private');
		const t = await sendAndToken(P, sender);
		assert.equal((await anonymous().post('/api/v1/contact/confirm', { token: t })).status, 200);
		id = rowFrom(sender).id;
	});

	test('another therapist and an admin: 404 for read, reply and spam; the row is unchanged', async () => {
		for (const who of [other, admin]) {
			assertError(await who.client.get(`/api/v1/me/messages/${id}`), 404, 'not_found');
			assertError(await who.client.post(`/api/v1/me/messages/${id}/reply`, { message: 'Hi' }), 404, 'not_found');
			assertError(await who.client.post(`/api/v1/me/messages/${id}/spam`, {}), 404, 'not_found');
			assertError(await who.client.del(`/api/v1/me/messages/${id}/spam`), 404, 'not_found');
			const list = await who.client.get('/api/v1/me/messages');
			assert.equal(list.status, 200, list.where);
			assert.ok(!list.json.messages.some((m) => m.id === id));
			assert.equal((await who.client.get(`/therapist/messages/${id}`)).status, 404);
		}
		const row = sqliteJson(server.dbPath, `SELECT read_at, replied_at, status FROM contact_messages WHERE id = ${id}`)[0];
		assert.deepEqual(row, { read_at: null, replied_at: null, status: 'delivered' });
	});

	test('a client: 403; nobody signed in: 401 (API) or the sign-in page', async () => {
		assertError(await client.client.get('/api/v1/me/messages'), 403, 'role_required');
		assertError(await client.client.get(`/api/v1/me/messages/${id}`), 403, 'role_required');
		assertError(await anonymous().get('/api/v1/me/messages'), 401, 'authentication_required');
		assertError(await anonymous().get(`/api/v1/me/messages/${id}`), 401, 'authentication_required');
		const page = await anonymous().get('/therapist/messages');
		assert.equal(page.status, 303);
		assert.match(page.headers.get('location'), /^\/signin\?next=/);
	});
});

describe('the pages', () => {
	const sender = uniqueEmail('ct-page');
	let id;

	test('the profile page has the form, the honeypot hidden, and no address', async () => {
		const c = await browser(`/therapists/${P}`);
		const html = c.lastPage.text;
		assert.ok(html.includes(`<form method="post" action="/therapists/${P}/message">`), 'the form');
		for (const name of ['name', 'email', 'phone', 'message'])
			assert.ok(html.includes(`name="${name}"`), name);
		assert.match(html, /type="radio" id="contact-preferred-email" name="preferred" value="email" checked/);
		assert.match(html, /<div class="visually-hidden" aria-hidden="true"><label for="contact-website">[^<]*<\/label><input id="contact-website" name="website" type="text" value="" tabindex="-1" autocomplete="off"><\/div>/);
		assert.match(html, /only after you open it/);
		assertNoPrivateAddress(html, 'the profile page');
	});

	test('a mistake comes back with its status, the field marked and what was typed', async () => {
		const c = await browser(`/therapists/${P}`);
		const res = await postForm(c, `/therapists/${P}/message`,
		    { name: 'Paula Page', email: sender, phone: '', preferred: 'phone', message: 'Kept text <b>', website: '' }, c.formCsrf);
		assert.equal(res.status, 400, res.where);
		assert.match(res.text, /aria-invalid="true"[^>]*aria-describedby="contact-phone-error"|id="contact-phone"[^>]*aria-invalid="true"/);
		assert.match(res.text, /value="Paula Page"/);
		assert.match(res.text, /Kept text &lt;b&gt;<\/textarea>/);
		assert.match(res.text, /value="phone" checked/);
		assert.equal(rowFrom(sender), undefined);
	});

	test('send → check your email → the link shows a button (GET delivers nothing) → delivered', async () => {
		const c = await browser(`/therapists/${P}`);
		const res = await postForm(c, `/therapists/${P}/message`,
		    { name: 'Paula Page', email: sender, phone: '', preferred: 'email', message: 'Written on the page.', website: '' }, c.formCsrf);
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), `/therapists/${P}/message?sent=1`);
		const sent = await c.get(res.headers.get('location'));
		assert.equal(sent.status, 200);
		assert.match(sent.text, /Check your email/);

		const token = linkToken(await waitForMail(server.maildir, sender));
		const link = await c.get(`/contact/confirm?token=${token}`);
		assert.equal(link.status, 200, link.where);
		assert.equal(link.headers.get('cache-control'), 'no-store');
		assert.ok(link.text.includes(`name="token" value="${token}"`));
		assert.match(link.text, /<form method="post" action="\/contact\/confirm">/);
		assert.equal(rowFrom(sender).status, 'unconfirmed', 'opening the link delivers nothing');
		const csrf = /name="csrf" value="([^"]+)"/.exec(link.text)[1];
		const done = await postForm(c, '/contact/confirm', { token }, csrf);
		assert.equal(done.status, 303, done.where);
		assert.equal(done.headers.get('location'), '/contact/confirm?done=sent');
		assert.match((await c.get('/contact/confirm?done=sent')).text, /Message sent/);
		assert.equal(rowFrom(sender).status, 'delivered');
		id = rowFrom(sender).id;
		const again = await postForm(c, '/contact/confirm', { token }, csrf);
		assert.equal(again.headers.get('location'), '/contact/confirm?done=already');
		const bogus = await postForm(c, '/contact/confirm', { token: 'y'.repeat(43) }, csrf);
		assert.equal(bogus.status, 404, bogus.where);
		assert.match(bogus.text, /this link is unknown/i);
		const incomplete = await c.get('/contact/confirm');
		assert.equal(incomplete.status, 400);
	});

	test('the therapist\'s inbox: the list, the message, an answer, spam', async () => {
		const c = owner.client;
		const list = await c.get('/therapist/messages');
		assert.equal(list.status, 200, list.where);
		assert.ok(list.text.includes(`href="/therapist/messages/${id}"`), 'listed');
		assert.match(list.text, /Paula Page/);
		assert.match(list.text, /href="\/therapist\/messages"[^>]*>Messages</, 'the header links the inbox');

		const page = await c.get(`/therapist/messages/${id}`);
		assert.equal(page.status, 200, page.where);
		assert.match(page.text, /Written on the page\./);
		assert.ok(page.text.includes(sender));
		assert.ok(page.text.includes(`action="/therapist/messages/${id}/reply"`));
		const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)[1];

		const blank = await postForm(c, `/therapist/messages/${id}/reply`, { message: ' ' }, csrf);
		assert.equal(blank.status, 400, blank.where);
		const res = await postForm(c, `/therapist/messages/${id}/reply`, { message: 'Answered from the page.' }, csrf);
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), `/therapist/messages/${id}?done=replied`);
		const mail = await waitForMail(server.maildir, sender, 2);
		assert.match(mail.body, /Answered from the page\./);
		assertNoPrivateAddress(mail.body, 'the reply');

		const spam = await postForm(c, `/therapist/messages/${id}/spam`, {}, csrf);
		assert.equal(spam.status, 303, spam.where);
		assert.equal(spam.headers.get('location'), '/therapist/messages?done=spam');
		assert.equal(rowFrom(sender).status, 'spam');
		const back = await postForm(c, `/therapist/messages/${id}/not-spam`, {}, csrf);
		assert.equal(back.headers.get('location'), `/therapist/messages/${id}?done=not_spam`);
		assert.equal(rowFrom(sender).status, 'delivered');

		const others = await postForm(other.client, `/therapist/messages/${id}/spam`, {}, other.client.csrf);
		assert.equal(others.status, 404, others.where);
		assert.equal(rowFrom(sender).status, 'delivered');
	});

	test('a therapist without a profile gets an empty inbox that says why', async () => {
		const t = await makeTherapist(server, { tag: 'ct-noprofile' });
		const res = await t.client.get('/therapist/messages');
		assert.equal(res.status, 200, res.where);
		assert.match(res.text, /Create or claim/);
		const api = await t.client.get('/api/v1/me/messages');
		assert.deepEqual(api.json, { messages: [], total: 0, unread: 0, limit: 20, offset: 0 });
	});
});

describe('the therapist\'s email address in public', () => {
	const publicViews = async () => {
		const a = anonymous();
		return [
			await a.get(`/api/v1/therapists/${P}`),
			await a.get('/api/v1/therapists?q=Tara%20Owner'),
			await a.get(`/therapists/${P}`),
			await a.get(`/therapists/${P}/message`),
			await a.get('/therapists?q=Tara%20Owner'),
		];
	};

	test('never shown unless chosen: JSON, search, pages', async () => {
		for (const res of await publicViews()) {
			assert.equal(res.status, 200, res.where);
			assertNoPrivateAddress(res.text, res.path);
		}
		const pub = await anonymous().get(`/api/v1/therapists/${P}`);
		assert.equal(pub.json.email, undefined);
		assert.equal(pub.json.show_email, undefined);
		const imported = await anonymous().get(`/api/v1/therapists/${listing['ct-unowned']}`);
		assert.equal(imported.json.email, undefined, 'imported listings never chose to show it');
		assert.ok(!imported.text.includes('ulla@listing.example'));
		const mine = await owner.client.get('/api/v1/me/therapist');
		assert.equal(mine.json.email, PUBLIC_EMAIL, 'the owner sees it');
		assert.equal(mine.json.show_email, false);
	});

	test('shown once the therapist ticks the box, on the page and in the JSON', async () => {
		const form = await owner.client.get('/account/profile');
		assert.equal(form.status, 200, form.where);
		assert.match(form.text, /name="show_email"/);
		assert.match(form.text, /Show my email address on my public page/);
		let res = await owner.client.patch(`/api/v1/therapists/${P}`, { show_email: true });
		assert.equal(res.status, 200, res.where);
		assert.equal(res.json.show_email, true);
		const pub = await anonymous().get(`/api/v1/therapists/${P}`);
		assert.equal(pub.json.email, PUBLIC_EMAIL);
		const page = await anonymous().get(`/therapists/${P}`);
		assert.ok(page.text.includes(`href="mailto:${PUBLIC_EMAIL}"`), 'a mailto link');
		assert.ok(!page.text.includes(owner.email), 'never the account address');
		assertError(await owner.client.patch(`/api/v1/therapists/${P}`, { show_email: 'yes' }), 400, 'invalid_parameter', 'show_email');
		res = await owner.client.patch(`/api/v1/therapists/${P}`, { show_email: false });
		assert.equal(res.status, 200, res.where);
		for (const r of await publicViews())
			assertNoPrivateAddress(r.text, r.path);
		const audit = sqliteJson(server.dbPath, `SELECT detail FROM audit_log WHERE action = 'therapist.update' AND target_id = '${P}' ORDER BY id`);
		assert.ok(audit.some((a) => /show_email/.test(a.detail)), JSON.stringify(audit));
	});
});

describe('abuse limits at their real size', () => {
	let limited;
	before(async () => {
		limited = await startAccountServer({ csv: CSV, env: { IMAGO_RATE_LIMIT_SCALE: '1' } });
	});
	after(async () => {
		if (limited)
			await limited.stop();
	});

	const id = () => sqliteJson(limited.dbPath, "SELECT id FROM therapists WHERE external_id = 'ct-unowned'")[0].id;
	const post = (body) => new Client(limited.url).post(`/api/v1/therapists/${id()}/messages`, body);

	function assertLimited(res) {
		assertError(res, 429, 'rate_limited');
		const wait = Number(res.headers.get('retry-after'));
		assert.ok(Number.isInteger(wait) && wait > 0, `Retry-After: ${res.headers.get('retry-after')}`);
	}

	test('5 messages per sender address an hour, then 429 with Retry-After', async () => {
		const sender = uniqueEmail('ct-limit');
		for (let i = 0; i < 5; i++)
			assert.equal((await post(message(sender))).status, 202);
		assertLimited(await post(message(sender)));
		assert.equal(sqliteJson(limited.dbPath, `SELECT count(*) AS n FROM contact_messages WHERE email = '${sender}'`)[0].n, 5);
	});

	test('10 messages per address an hour (the honeypot counts too), then 429', async () => {
		/* 6 taken above from this address. */
		for (let i = 0; i < 3; i++)
			assert.equal((await post(message(uniqueEmail('ct-limit-ip')))).status, 202);
		assert.equal((await post(message(uniqueEmail('ct-limit-ip'), { website: 'x' }))).status, 202);
		assertLimited(await post(message(uniqueEmail('ct-limit-ip'))));
		assertLimited(await post(message(uniqueEmail('ct-limit-ip'), { website: 'x' })));
	});
});
