/*
 * The workspace pages against a real server: every exercise's form is
 * drawn from the kinds table and saves through a plain form post with
 * the page's CSRF field; refusals show the form again with what was
 * typed and the message beside the field; whatever anyone types comes
 * back escaped (and the journal's Markdown cannot make a script, an
 * event handler or a javascript: link); the partner gets 404 for a
 * private item until it is shared; the safety check-in and its help
 * page; a partner's response; sharing with a therapist booked with, who
 * then sees that item and nothing else.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sqliteJson } from '../lib/server.mjs';
import {
	makeTherapist, makeUser, profileBody, sqliteExec, startAccountServer,
} from '../lib/accounts.mjs';
import { pair as pairUp } from '../lib/couples.mjs';

let server;

before(async () => {
	server = await startAccountServer();
});

after(async () => {
	if (server)
		await server.stop();
});

let seq = 0;
const person = (name) => makeUser(server, { tag: `wsp-${++seq}`, name });

const pair = (a, b) => pairUp(server, a, b);

/* ---- forms ---------------------------------------------------------------- */

const FORM = 'application/x-www-form-urlencoded';
const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function csrfOf(html, action) {
	for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
		if (!m[1].includes(`action="${action}"`))
			continue;
		const c = /name="csrf" value="([^"]*)"/.exec(m[2]);
		if (c)
			return decode(c[1]);
	}
	assert.fail(`a form to ${action} with a csrf field in:\n${html.slice(0, 3000)}`);
}

/* Loads pagePath, then posts fields (an object or [key, value] pairs) to action. */
async function fill(c, pagePath, action, fields = {}) {
	const page = await c.get(pagePath);
	assert.equal(page.status, 200, page.where);
	const body = new URLSearchParams([['csrf', csrfOf(page.text, action)],
	    ...(Array.isArray(fields) ? fields : Object.entries(fields))]);
	return c.call('POST', action, { body: body.toString(), contentType: FORM });
}

/* Saves a new item of kind through its form; returns its id. */
async function create(c, kind, fields) {
	const res = await fill(c, `/workspace/new/${kind}`, `/workspace/new/${kind}`, fields);
	assert.equal(res.status, 303, res.where);
	const m = /^\/workspace\/items\/(\d+)\?done=saved$/.exec(res.headers.get('location'));
	assert.ok(m, res.headers.get('location'));
	return Number(m[1]);
}

const SAFE = { afraid: 'no', hurt: 'no', controlled: 'no', speak_freely: 'yes', want_joint: 'yes' };
async function answerSafety(p, answers = SAFE) {
	const res = await fill(p.client, '/workspace/safety', '/workspace/safety', answers);
	assert.equal(res.status, 303, res.where);
	return res;
}

/* A couple who both answered the check-in as safe. */
async function safeCouple(tag) {
	const a = await person(`Ann ${tag}`);
	const b = await person(`Bob ${tag}`);
	await pair(a, b);
	await answerSafety(a);
	await answerSafety(b);
	return [a, b];
}

/* The visible text of a page's <main>, tags dropped, entities decoded. */
const mainText = (html) => decode((/<main[^>]*>([\s\S]*)<\/main>/.exec(html) || ['', html])[1]
    .replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

/* A filled, valid form for each exercise (ASCII and not). */
const VALID = {
	journal: { title: 'Sunday évening', body: 'We talked.\n\n* first\n* second' },
	appreciation: { 'appreciations.1.appreciation': 'you made tea', 'appreciations.1.reason': 'it was cold', 'appreciations.1.feeling': 'cared for' },
	frustration: { frustration: 'you are late', desire: 'to be on time', 'requests.1': 'Text me when late, for two weeks', 'requests.2': 'Leave at 8 on Mondays', 'requests.3': 'Set an alarm this week' },
	caring: { 'loved_now.1.text': 'you hug me', 'loved_now.1.rating': '1', 'loved_before.1.text': 'you wrote notes', 'loved_before.1.rating': '3', 'loved_would.1.text': 'we danced', 'loved_would.1.rating': '5' },
	caring_log: { date: '2026-03-01', 'given.1': 'made breakfast' },
	vision: { 'sentences.1.text': 'We laugh together', 'sentences.1.rating': '2' },
	imago_workup: { 'caretaker_positive.1': 'warm', 'caretaker_negative.1': 'distant', 'wanted_most.1': 'attention', 'felt_often.1': 'lonely', 'reacted_by.1': 'withdrawing', 'partner_positive.1': 'funny', 'partner_negative.1': 'busy' },
	parent_child: { parent: 'mother', living_with_me: 'busy', worst: 'the silence' },
	zero_negativity: { start: '2026-02-01', 'days.1.mark': 'kept', 'days.1.note': 'good day', 'days.2.mark': 'slipped' },
};

/* The hints (sentence stems) each kind's form must show, from the API's table. */
async function kindsTable(c) {
	const res = await c.get('/api/v1/workspace/kinds');
	assert.equal(res.status, 200, res.where);
	return res.json.kinds;
}

describe('forms drawn from the kinds table', () => {
	test('each exercise\'s form shows its stems, saves through the form post and shows the item', async () => {
		const p = await person('Frida Förm');
		const kinds = await kindsTable(p.client);
		const creatable = kinds.filter((k) => k.creatable);
		assert.deepEqual(creatable.map((k) => k.name).sort(), Object.keys(VALID).sort(), 'a valid form for every creatable kind');
		for (const k of creatable) {
			const page = await p.client.get(`/workspace/new/${k.name}`);
			assert.equal(page.status, 200, page.where);
			const text = decode(page.text);
			assert.ok(text.includes(k.title), `${k.name}: the title`);
			for (const f of k.fields) {
				assert.ok(text.includes(f.label), `${k.name}: the label ${f.label}`);
				if (f.hint)
					assert.ok(text.includes(f.hint), `${k.name}: the stem ${f.hint}`);
				if (f.type === 'rated_list')
					assert.match(page.text, new RegExp(`<select[^>]*name="${f.name}\\.1\\.rating"`), `${k.name}: a rating select`);
				if (f.type === 'days30')
					assert.match(page.text, /name="days\.30\.mark"/, 'thirty days');
			}
			const id = await create(p.client, k.name, VALID[k.name]);
			const item = await p.client.get(`/workspace/items/${id}?done=saved`);
			assert.equal(item.status, 200, item.where);
			assert.match(item.text, /Saved\./);
			const shown = mainText(item.text);
			for (const [key, value] of Object.entries(VALID[k.name])) {
				if (/rating$|mark$/.test(key) || key === 'body')
					continue;
				assert.ok(shown.includes(value), `${k.name}: ${key} shown: ${shown.slice(0, 800)}`);
			}
			/* The edit form holds the saved values. */
			const edit = await p.client.get(`/workspace/items/${id}/edit`);
			assert.equal(edit.status, 200, edit.where);
			assert.match(edit.text, /name="version" value="1"/);
		}
		/* The home lists them under their exercises. */
		const home = await p.client.get('/workspace');
		assert.equal(home.status, 200, home.where);
		assert.match(home.text, /supports your work with a therapist; it does not replace therapy/);
		assert.ok(home.text.includes('Sunday évening'));
		assert.match(home.text, /href="\/workspace\/new\/journal"/);
	});

	test('the workup shows its imago statement; the journal its Markdown; the calendar its marks', async () => {
		const p = await person('Stan Statement');
		const w = await create(p.client, 'imago_workup', VALID.imago_workup);
		const page = await p.client.get(`/workspace/items/${w}`);
		assert.match(decode(page.text), /I have spent my life searching for a person who is warm and distant\. When I am with such a person, I am troubled that they are distant, and I wish they would give me attention\./);
		const j = await create(p.client, 'journal', { title: 'Md', body: 'Some **bold** and _soft_ words.\n\n1. one\n2. two' });
		const jp = await p.client.get(`/workspace/items/${j}`);
		assert.match(jp.text, /<strong>bold<\/strong>/);
		assert.match(jp.text, /<ol>\s*<li>one<\/li>/);
		const z = await create(p.client, 'zero_negativity', VALID.zero_negativity);
		const zp = await p.client.get(`/workspace/items/${z}`);
		assert.match(zp.text, /ws-day-kept/);
		assert.match(zp.text, /ws-day-slipped/);
	});

	test('editing saves a new version; a stale form is refused with 409 and keeps the typed text', async () => {
		const p = await person('Eddie Edit');
		const id = await create(p.client, 'journal', { title: 'First', body: 'one' });
		const edit = await p.client.get(`/workspace/items/${id}/edit`);
		const csrf = csrfOf(edit.text, `/workspace/items/${id}/edit`);
		const post = (fields) => p.client.call('POST', `/workspace/items/${id}/edit`,
		    { body: new URLSearchParams({ csrf, ...fields }).toString(), contentType: FORM });
		let res = await post({ version: '1', title: 'Second', body: 'two' });
		assert.equal(res.status, 303, res.where);
		res = await post({ version: '1', title: 'Third ünïcode', body: 'three' });
		assert.equal(res.status, 409, res.where);
		assert.ok(decode(res.text).includes('Third ünïcode'), 'the typed title is kept');
		assert.match(res.text, /name="version" value="2"/, 'the form now carries the stored version');
		assert.match(mainText((await p.client.get(`/workspace/items/${id}`)).text), /Second/);
	});
});

describe('refusals show the form again', () => {
	test('two requests instead of three: 400 beside the list, typed values kept', async () => {
		const p = await person('Val Idation');
		const res = await fill(p.client, '/workspace/new/frustration', '/workspace/new/frustration', {
			frustration: 'late again', desire: 'punctual', 'requests.1': 'Call me', 'requests.2': 'Be there at 8', 'requests.3': '',
		});
		assert.equal(res.status, 400, res.where);
		assert.match(res.text, /<p class="field-error" id="f-requests-error">[^<]*<span[^>]*>Error: <\/span>[^<]*exactly 3/);
		assert.match(res.text, /value="Be there at 8"/);
		assert.ok(res.text.includes('late again'));
		assert.match(res.text, /<fieldset class="ws-rows" id="f-requests" aria-describedby="f-requests-error">/);
	});

	test('a rated entry without a rating: the error is on that row\'s rating', async () => {
		const p = await person('Rita Rating');
		const res = await fill(p.client, '/workspace/new/caring', '/workspace/new/caring', {
			'loved_now.1.text': 'first', 'loved_now.1.rating': '2', 'loved_now.2.text': '', 'loved_now.2.rating': '',
			'loved_now.3.text': 'third', 'loved_now.3.rating': '',
		});
		assert.equal(res.status, 400, res.where);
		/* The blank row is dropped: "third" is entry 2 now, and so is its error. */
		assert.match(res.text, /id="f-loved_now-2-rating-error"/);
		assert.match(res.text, /<input id="f-loved_now-2-text" name="loved_now\.2\.text" type="text" maxlength="300" value="third"/);
		assert.match(res.text, /Must be a whole number from 1 \(very important\) to 5/);
	});

	test('a date that is not one, a missing title, an unknown field, an unknown kind', async () => {
		const p = await person('Dana Date');
		let res = await fill(p.client, '/workspace/new/caring_log', '/workspace/new/caring_log', { date: '2026-02-30', 'given.1': 'x' });
		assert.equal(res.status, 400, res.where);
		assert.match(res.text, /id="f-date-error"/);
		res = await fill(p.client, '/workspace/new/journal', '/workspace/new/journal', { title: '  ', body: 'kept body' });
		assert.equal(res.status, 400, res.where);
		assert.match(res.text, /id="f-title-error"/);
		assert.ok(res.text.includes('kept body'));
		res = await fill(p.client, '/workspace/new/journal', '/workspace/new/journal', { title: 't', body: 'b', sneaky: '1' });
		assert.equal(res.status, 400, res.where);
		assert.match(res.text, /unknown field/i);
		assert.equal((await p.client.get('/workspace/new/nonsense')).status, 404);
		assert.equal((await p.client.get('/workspace/new/dialogue_record')).status, 404, 'made by the dialogue only');
		assert.equal((await p.client.get('/workspace/new/shared_vision')).status, 404, 'made by the merge only');
	});

	test('deleting needs the box ticked', async () => {
		const p = await person('Del Ete');
		const id = await create(p.client, 'journal', { title: 'Gone soon', body: 'x' });
		let res = await fill(p.client, `/workspace/items/${id}`, `/workspace/items/${id}/delete`, {});
		assert.equal(res.status, 422, res.where);
		assert.match(res.text, /id="delete-confirm-error"/);
		res = await fill(p.client, `/workspace/items/${id}`, `/workspace/items/${id}/delete`, { confirm: 'on' });
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), '/workspace?done=deleted');
		assert.equal((await p.client.get(`/workspace/items/${id}`)).status, 404);
	});
});

describe('escaping', () => {
	const EVIL = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)> & Zoë 日本語 ❤';
	const hasRawInjection = (html) => html.includes('<script>alert') || /<img[^>]*onerror/i.test(html) ||
	    html.includes('"><img');

	test('an injection string in every field of every exercise comes back escaped', async () => {
		const p = await person('Ivy <Inject>');
		const kinds = await kindsTable(p.client);
		for (const k of kinds.filter((x) => x.creatable)) {
			const fields = {};
			for (const f of k.fields) {
				if (f.type === 'text' || f.type === 'longtext')
					fields[f.name] = EVIL.slice(0, f.max_chars);
				else if (f.type === 'list')
					for (let i = 1; i <= Math.max(1, f.min_items); i++)
						fields[`${f.name}.${i}`] = `${i} ${EVIL}`;
				else if (f.type === 'rated_list')
					Object.assign(fields, { [`${f.name}.1.text`]: EVIL, [`${f.name}.1.rating`]: '1' });
				else if (f.type === 'entries')
					for (const s of f.fields)
						fields[`${f.name}.1.${s.name}`] = EVIL;
				else if (f.type === 'days30')
					Object.assign(fields, { [`${f.name}.1.mark`]: 'kept', [`${f.name}.1.note`]: EVIL.slice(0, 100) });
				else if (f.type === 'date')
					fields[f.name] = '2026-01-01';
			}
			const id = await create(p.client, k.name, fields);
			for (const path of [`/workspace/items/${id}`, `/workspace/items/${id}/edit`, '/workspace']) {
				const page = await p.client.get(path);
				assert.equal(page.status, 200, page.where);
				assert.ok(!hasRawInjection(page.text), `${k.name} ${path}: nothing unescaped`);
				if (path !== '/workspace' || k.name === 'journal')
					assert.ok(page.text.includes('Zoë 日本語 ❤'), `${k.name} ${path}: non-ASCII intact`);
			}
			const view = await p.client.get(`/workspace/items/${id}`);
			if (k.name !== 'journal')
				assert.ok(view.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${k.name}: shown as text`);
		}
		/* An invalid form echoes the evil text escaped too. */
		const res = await fill(p.client, '/workspace/new/frustration', '/workspace/new/frustration', { frustration: EVIL, desire: EVIL, 'requests.1': EVIL });
		assert.equal(res.status, 400, res.where);
		assert.ok(!hasRawInjection(res.text));
		assert.ok(res.text.includes('&lt;script&gt;'));
	});

	test('the journal\'s Markdown cannot make a script, an event handler or a javascript: link', async () => {
		const p = await person('Mark Down');
		const body = [
			'<script>alert(1)</script>',
			'<img src=x onerror=alert(2)>',
			'<a href="javascript:alert(3)">raw link</a>',
			'[md link](javascript:alert(4))',
			'[caps link](JaVaScRiPt:alert(5))',
			'![img](javascript:alert(6))',
			'<div onmouseover="alert(7)">hover</div>',
			'[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)',
			'Plain **bold** stays.',
		].join('\n\n');
		const id = await create(p.client, 'journal', { title: 'Evil markdown', body });
		const page = await p.client.get(`/workspace/items/${id}`);
		const article = /<article[\s\S]*<\/article>/.exec(page.text)[0];
		assert.ok(!/<script/i.test(article), 'no script element');
		assert.ok(!/\son[a-z]+\s*=/i.test(article), 'no event handler attribute');
		assert.ok(!/href\s*=\s*"\s*(javascript|data):/i.test(article), 'no javascript: or data: link');
		assert.ok(!/src\s*=\s*"\s*javascript:/i.test(article), 'no javascript: image');
		assert.match(article, /<strong>bold<\/strong>/);
	});
});

describe('privacy between partners', () => {
	test('A gets 404 for B\'s private item; once shared, A reads it and the read is audited', async () => {
		const [a, b] = await safeCouple('Private');
		const id = await create(b.client, 'journal', { title: 'Bob private', body: 'secret thoughts' });
		for (const path of [`/workspace/items/${id}`, `/workspace/items/${id}/edit`]) {
			const res = await a.client.get(path);
			assert.equal(res.status, 404, res.where);
			assert.ok(!res.text.includes('secret thoughts'));
			assert.ok(!res.text.includes('Bob private'));
		}
		assert.ok(!(await a.client.get('/workspace')).text.includes('Bob private'));
		/* A cannot act on it either. */
		const home = await a.client.get('/workspace');
		for (const action of ['delete', 'share/partner', 'edit']) {
			const res = await a.client.call('POST', `/workspace/items/${id}/${action}`, {
				body: new URLSearchParams({ csrf: csrfOf(home.text, '/signout'), confirm: 'on', shared: 'on', version: '1', title: 'x', body: 'y' }).toString(), contentType: FORM,
			});
			assert.equal(res.status, 404, res.where);
		}
		const share = await fill(b.client, `/workspace/items/${id}`, `/workspace/items/${id}/share/partner`, { shared: 'on' });
		assert.equal(share.status, 303, share.where);
		assert.equal(share.headers.get('location'), `/workspace/items/${id}?done=shared`);
		const shared = await a.client.get(`/workspace/items/${id}`);
		assert.equal(shared.status, 200, shared.where);
		assert.ok(shared.text.includes('secret thoughts'));
		assert.match(mainText(shared.text), /shared by Bob Private/);
		assert.ok(!shared.text.includes('/share/partner'), 'no sharing controls for the reader');
		assert.ok(!shared.text.includes(`/workspace/items/${id}/delete`), 'no delete for the reader');
		assert.ok((await a.client.get('/workspace')).text.includes('Shared with you'));
		const audits = sqliteJson(server.dbPath, `SELECT count(*) AS n FROM audit_log WHERE action = 'workspace.item_read' AND target_id = '${id}' AND actor = (SELECT audit_ref FROM users WHERE id = ${a.id})`);
		assert.ok(audits[0].n >= 1, 'the partner\'s read is audited');
		const unshare = await fill(b.client, `/workspace/items/${id}`, `/workspace/items/${id}/share/partner`, { shared: 'off' });
		assert.equal(unshare.status, 303, unshare.where);
		assert.equal((await a.client.get(`/workspace/items/${id}`)).status, 404);
	});

	test('frustration: the partner chooses one request as a gift; the owner reads the choice', async () => {
		const [a, b] = await safeCouple('Gift');
		const id = await create(a.client, 'frustration', VALID.frustration);
		assert.equal((await fill(a.client, `/workspace/items/${id}`, `/workspace/items/${id}/share/partner`, { shared: 'on' })).status, 303);
		const page = await b.client.get(`/workspace/items/${id}`);
		assert.match(page.text, /type="radio"[^>]*name="chosen" value="2"/);
		assert.ok(decode(page.text).includes('2. Leave at 8 on Mondays'));
		let res = await fill(b.client, `/workspace/items/${id}`, `/workspace/items/${id}/response`, {});
		assert.equal(res.status, 400, res.where);
		assert.match(res.text, /id="r-chosen-error"/);
		res = await fill(b.client, `/workspace/items/${id}`, `/workspace/items/${id}/response`, { chosen: '2', note: 'Gladly ✓' });
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), `/workspace/items/${id}?done=response`);
		const owner = mainText((await a.client.get(`/workspace/items/${id}`)).text);
		assert.match(owner, /Your partner's response/);
		assert.match(owner, /2\. Leave at 8 on Mondays/);
		assert.match(owner, /Gladly ✓/);
		/* The owner cannot answer their own item. */
		assert.equal((await fill(a.client, `/workspace/items/${id}`, `/workspace/items/${id}/share/partner`, { shared: 'on' })).status, 303);
	});

	test('caring: the partner marks the ones they will not do; visions merge into a shared vision', async () => {
		const [a, b] = await safeCouple('Caring');
		const id = await create(a.client, 'caring', VALID.caring);
		await fill(a.client, `/workspace/items/${id}`, `/workspace/items/${id}/share/partner`, { shared: 'on' });
		const res = await fill(b.client, `/workspace/items/${id}`, `/workspace/items/${id}/response`, { wont_do: 'loved_would:1' });
		assert.equal(res.status, 303, res.where);
		assert.match(mainText((await a.client.get(`/workspace/items/${id}`)).text), /The ones I will not do for now we danced/);

		for (const [p, text] of [[a, 'We laugh together'], [b, 'We travel every year']]) {
			const v = await create(p.client, 'vision', { 'sentences.1.text': text, 'sentences.1.rating': '1' });
			await fill(p.client, `/workspace/items/${v}`, `/workspace/items/${v}/share/partner`, { shared: 'on' });
		}
		const merged = await fill(a.client, '/workspace', '/workspace/vision/merge', {});
		assert.equal(merged.status, 303, merged.where);
		const page = await b.client.get(merged.headers.get('location').replace(/\?.*/, ''));
		assert.equal(page.status, 200, page.where);
		assert.match(mainText(page.text), /We laugh together.*We travel every year|We travel every year.*We laugh together/);
	});
});

describe('the safety check-in', () => {
	test('not safe: the help page; joint exercises closed for both, without saying why', async () => {
		const a = await person('Alma Unsafe');
		const b = await person('Bert Unsafe');
		const single = await a.client.get('/workspace/safety');
		assert.match(single.text, /is for couples/);
		await pair(a, b);
		const q = await a.client.get('/workspace/safety');
		assert.match(q.text, /Your partner will never see your answers/);
		let res = await fill(a.client, '/workspace/safety', '/workspace/safety', { afraid: 'yes' });
		assert.equal(res.status, 400, res.where);
		assert.match(res.text, /please answer yes or no/i);
		res = await answerSafety(a, { ...SAFE, afraid: 'yes' });
		assert.equal(res.headers.get('location'), '/workspace/safety?done=safety#help');
		const help = mainText((await a.client.get('/workspace/safety?done=safety')).text);
		assert.match(help, /Getting help/);
		assert.match(help, /Joint exercises will not be offered/);
		assert.match(help, /emergency/i);
		assert.match(help, /National Domestic Violence Hotline/);
		await answerSafety(b);
		const bHome = mainText((await b.client.get('/workspace')).text);
		assert.match(bHome, /Joint exercises open once both of you have answered/);
		assert.ok(!/afraid|not safe|Getting help/i.test(bHome), 'nothing about the partner\'s answers');
		assert.ok(!(await b.client.get('/workspace')).text.includes('href="/couple/dialogue"'), 'no dialogue offered');
		/* Sharing with the partner is refused on the page. */
		const id = await create(b.client, 'journal', { title: 'B', body: 'b' });
		const share = await fill(b.client, `/workspace/items/${id}`, `/workspace/items/${id}/share/partner`, { shared: 'on' });
		assert.equal(share.status, 403, share.where);
		assert.ok(!/afraid/i.test(share.text));
		/* Once both are safe: the dialogue is offered. */
		await answerSafety(a);
		assert.ok((await b.client.get('/workspace')).text.includes('href="/couple/dialogue"'));
	});
});

describe('therapists', () => {
	test('an item shared with a therapist booked with: they read it and nothing else', async () => {
		const [a, b] = await safeCouple('Therapy');
		const t = await makeTherapist(server, { tag: 'wsp-therapist' });
		const prof = await t.client.post('/api/v1/therapists', profileBody(`Thera Pages${process.pid}`));
		assert.equal(prof.status, 201, prof.where);
		const other = await makeTherapist(server, { tag: 'wsp-other' });
		const otherProf = await other.client.post('/api/v1/therapists', profileBody(`Otto Pages${process.pid}`));
		assert.equal(otherProf.status, 201, otherProf.where);
		const now = Math.floor(Date.now() / 1000);
		sqliteExec(server.dbPath, 'INSERT INTO appointments (ref, therapist_id, kind, type_name, mode, starts_at, ends_at,' +
		    ' status, name, email, timezone, created_at, client_user_id) VALUES' +
		    ` ('wsp-${process.pid}-${now}', ${prof.json.id}, 'trial', 'Trial', 'video', ${now + 86400}, ${now + 90000},` +
		    ` 'booked', 'Ann Therapy', '${a.email}', 'UTC', ${now}, ${a.id})`);

		const shared = await create(a.client, 'imago_workup', VALID.imago_workup);
		const kept = await create(a.client, 'journal', { title: 'Not for the therapist', body: 'private' });
		const page = await a.client.get(`/workspace/items/${shared}`);
		assert.match(page.text, /<select id="share-therapist" name="therapist"/);
		assert.ok(page.text.includes(`Thera Pages${process.pid}`));
		assert.ok(!page.text.includes(`Otto Pages${process.pid}`), 'only therapists booked with');
		/* One not booked with is refused like an unknown one. */
		let res = await fill(a.client, `/workspace/items/${shared}`, `/workspace/items/${shared}/share/therapist`, { therapist: String(otherProf.json.id), shared: 'on' });
		assert.equal(res.status, 404, res.where);
		assert.match(res.text, /share-therapist/);
		res = await fill(a.client, `/workspace/items/${shared}`, `/workspace/items/${shared}/share/therapist`, { therapist: String(prof.json.id), shared: 'on' });
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), `/workspace/items/${shared}?done=therapist`);
		assert.match((await a.client.get(`/workspace/items/${shared}`)).text, /Shared with therapists/);

		const list = await t.client.get('/therapist/shared');
		assert.equal(list.status, 200, list.where);
		assert.ok(list.text.includes(`/therapist/shared/${shared}"`));
		assert.ok(!list.text.includes(`/therapist/shared/${kept}"`));
		assert.match(mainText(list.text), /Imago workup from Ann Therapy/);
		const item = await t.client.get(`/therapist/shared/${shared}`);
		assert.equal(item.status, 200, item.where);
		assert.match(decode(item.text), /I have spent my life searching for a person who is warm/);
		assert.ok(!item.text.includes('<form method="post" action="/workspace'), 'read-only');
		const audits = sqliteJson(server.dbPath, `SELECT detail FROM audit_log WHERE action = 'workspace.item_read' AND target_id = '${shared}' AND actor = (SELECT audit_ref FROM users WHERE id = ${t.id})`);
		assert.ok(audits.length >= 1, 'the therapist\'s read is audited');
		assert.ok(!JSON.stringify(audits).includes('warm'), 'no content in the audit entry');
		for (const id of [kept]) {
			assert.equal((await t.client.get(`/therapist/shared/${id}`)).status, 404);
			assert.equal((await t.client.get(`/workspace/items/${id}`)).status, 404);
		}
		assert.equal((await other.client.get(`/therapist/shared/${shared}`)).status, 404, 'another therapist');
		assert.ok(!(await other.client.get('/therapist/shared')).text.includes(`/therapist/shared/${shared}"`));
		assert.equal((await b.client.get('/therapist/shared')).status, 403, 'a client is not a therapist');
		/* Unsharing always works; then the therapist gets 404. */
		res = await fill(a.client, `/workspace/items/${shared}`, `/workspace/items/${shared}/share/therapist`, { therapist: String(prof.json.id), shared: 'off' });
		assert.equal(res.status, 303, res.where);
		assert.equal((await t.client.get(`/therapist/shared/${shared}`)).status, 404);
	});
});
