/*
 * The guided dialogue end to end, through the JSON API and the pages:
 * two partners (paired by invitation, both through the safety screen)
 * run a whole dialogue in both roles with a switch; actions out of
 * order or by the wrong person get 409 with the right code; of two
 * simultaneous actions on one version exactly one wins; the partner's
 * event stream hears a change when the other acts; someone outside the
 * couple gets 404 everywhere; the topic and the texts are sealed (never
 * in the raw database or WAL bytes); the pages work without JavaScript.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import {
	Client, assertError, makeUser, startAccountServer,
} from '../lib/accounts.mjs';
import { SAFE, UNSAFE, answerSafety, pair as pairUp } from '../lib/couples.mjs';

let server;
let ann, bob, eve;

before(async () => {
	server = await startAccountServer();
	ann = await person('Ann Dialog');
	bob = await person('Bob Dialog');
	eve = await person('Eve Outside');
	await pair(ann, bob);
	await passSafety(ann);
	await passSafety(bob);
});

after(async () => {
	if (server)
		await server.stop();
});

let seq = 0;
const person = (name) => makeUser(server, { tag: `dg-${++seq}`, name });

const pair = (a, b) => pairUp(server, a, b);
const passSafety = (p) => answerSafety(p);

const start = async (p, body) => {
	const res = await p.client.post('/api/v1/me/dialogues', { topic: 'Who does the dishes', ...body });
	assert.equal(res.status, 201, res.where);
	return res.json.dialogue;
};
const state = async (p, id) => {
	const res = await p.client.get(`/api/v1/dialogues/${id}`);
	assert.equal(res.status, 200, res.where);
	return res.json.dialogue;
};
/* Reads the version, then acts on it; returns the response. */
async function tryAct(p, id, action, extra = {}) {
	const d = await state(p, id);
	return p.client.post(`/api/v1/dialogues/${id}/actions`, { version: d.version, action, ...extra });
}
async function act(p, id, action, extra = {}) {
	const res = await tryAct(p, id, action, extra);
	assert.equal(res.status, 200, res.where);
	return res.json.dialogue;
}
/* Ends whatever is open, so a test can start afresh. */
async function stopOpen() {
	const list = await ann.client.get('/api/v1/me/dialogues');
	for (const d of list.json.dialogues)
		if (d.step !== 'ended' && d.step !== 'stopped')
			await act(ann, d.id, 'stop');
}

/* One round from sending to closing: sender s, receiver r. */
async function round(s, r, id, tag) {
	let d = await act(s, id, 'send', { text: `I feel unheard ${tag}` });
	assert.equal(d.step, 'mirroring');
	d = await act(r, id, 'mirror', { text: `If I got it, you feel unheard ${tag}` });
	assert.equal(d.step, 'mirror_check');
	d = await act(s, id, 'more', { text: `Yes, and there is more ${tag}` });
	assert.equal(d.step, 'mirroring');
	d = await act(r, id, 'mirror', { text: `And there is more ${tag}` });
	d = await act(s, id, 'no_more');
	assert.equal(d.step, 'summary');
	d = await act(r, id, 'summarize', { text: `So, in summary ${tag}` });
	d = await act(s, id, 'confirm');
	assert.equal(d.step, 'validation');
	d = await act(r, id, 'validate', { text: `You make sense, because ${tag}` });
	assert.equal(d.step, 'empathy');
	d = await act(r, id, 'empathize', { text: `I imagine you might be feeling ${tag}` });
	d = await act(s, id, 'confirm');
	assert.equal(d.step, 'closing');
	return d;
}

describe('the JSON API', () => {
	test('a whole dialogue: both roles, a switch, the end, a record each', async () => {
		const d0 = await start(ann, { topic: 'Dishes, ünd Geschirr', variant: 'deepening', timer_seconds: 120 });
		assert.equal(d0.step, 'appointment');
		assert.equal(d0.you, 'sender');
		assert.equal(d0.turn, 'receiver');
		assert.equal(d0.sender.display_name, 'Ann Dialog');
		assert.equal(d0.receiver.display_name, 'Bob Dialog');
		assert.equal(d0.timer_seconds, 120);
		const id = d0.id;

		const b0 = await state(bob, id);
		assert.equal(b0.you, 'receiver');
		assert.equal(b0.topic, 'Dishes, ünd Geschirr');
		assert.ok(b0.actions.some((a) => a.action === 'accept'), JSON.stringify(b0.actions));
		assert.ok(!d0.actions.some((a) => a.action === 'accept'), 'the sender may not accept');

		const list = await bob.client.get('/api/v1/me/dialogues');
		assert.equal(list.status, 200, list.where);
		assert.ok(list.json.dialogues.some((x) => x.id === id));

		let d = await act(bob, id, 'accept');
		assert.equal(d.step, 'sending');
		const a1 = await state(ann, id);
		assert.ok(a1.prompt.stems.length > 1, 'the deepening variant offers the sender more stems');
		await round(ann, bob, id, 'r1');
		await act(ann, id, 'appreciate', { text: 'One thing I appreciate about you is r1' });
		await act(bob, id, 'appreciate', { text: 'One thing I appreciate about you is r1b' });
		d = await act(bob, id, 'switch');
		assert.equal(d.step, 'sending');
		assert.equal(d.round, 2);
		assert.equal(d.you, 'sender', 'roles swapped: Bob sends now');
		assert.equal((await state(ann, id)).you, 'receiver');
		assert.equal(d.turns.length, 0, 'a new round shows only its own turns');

		await round(bob, ann, id, 'r2');
		const closing = await state(ann, id);
		assert.ok(closing.turns.length >= 9, 'the round so far');
		d = await act(ann, id, 'finish');
		assert.equal(d.step, 'ended');
		assert.equal(d.turn, null);
		assertError(await tryAct(bob, id, 'stop'), 409, 'dialogue_ended');

		for (const p of [ann, bob]) {
			const rec = await p.client.post(`/api/v1/dialogues/${id}/record`, { notes: `Notes of ${p.email}` });
			assert.equal(rec.status, 201, rec.where);
			assert.ok(rec.json.item_id > 0);
		}
	});

	test('out of order and by the wrong person: 409 with the right codes; bad input names the field', async () => {
		await stopOpen();
		const d = await start(ann, {});
		const id = d.id;
		assertError(await ann.client.post('/api/v1/me/dialogues', { topic: 'A second one' }), 409, 'dialogue_open');
		assertError(await tryAct(ann, id, 'accept'), 409, 'not_your_turn');
		const wrong = await tryAct(bob, id, 'send', { text: 'Too soon' });
		assertError(wrong, 409, 'wrong_step');
		assert.match(wrong.json.error.message, /receiver/);
		assertError(await bob.client.post(`/api/v1/dialogues/${id}/actions`, { version: d.version + 5, action: 'accept' }), 409, 'stale_version');
		assertError(await bob.client.post(`/api/v1/dialogues/${id}/actions`, { action: 'accept' }), 400, undefined, 'version');
		assertError(await bob.client.post(`/api/v1/dialogues/${id}/actions`, { version: d.version, action: 'accept', x: 1 }), 400, undefined, 'x');
		assertError(await tryAct(bob, id, 'dance'), 400, undefined, 'action');
		await act(bob, id, 'accept');
		assertError(await tryAct(ann, id, 'send'), 400, undefined, 'text');
		assertError(await tryAct(ann, id, 'send', { text: 'x'.repeat(1001) }), 422, undefined, 'text');
		assertError(await tryAct(bob, id, 'send', { text: 'Not mine to send' }), 409, 'not_your_turn');
		const stopped = await act(bob, id, 'stop');
		assert.equal(stopped.step, 'stopped');
		assertError(await tryAct(ann, id, 'send', { text: 'After the break' }), 409, 'dialogue_ended');
		assertError(await ann.client.post('/api/v1/me/dialogues', { topic: 'x'.repeat(201) }), 422, undefined, 'topic');
		assertError(await ann.client.post('/api/v1/me/dialogues', { topic: 'Fine', mode: 'three_devices' }), 400, undefined, 'mode');
		assertError(await ann.client.post('/api/v1/me/dialogues', { topic: 'Fine', timer_seconds: 5 }), 422, undefined, 'timer_seconds');
	});

	test('two simultaneous actions on one version: exactly one succeeds, the other is stale', async () => {
		await stopOpen();
		const d = await start(ann, {});
		const other = bob.client.clone();
		const [x, y] = await Promise.all([
			bob.client.post(`/api/v1/dialogues/${d.id}/actions`, { version: d.version, action: 'accept' }),
			other.post(`/api/v1/dialogues/${d.id}/actions`, { version: d.version, action: 'accept' }),
		]);
		const statuses = [x.status, y.status].sort();
		assert.deepEqual(statuses, [200, 409], `${x.where}\n${y.where}`);
		assertError(x.status === 409 ? x : y, 409, 'stale_version');
		/* And the stop button against a moving version: also one winner. */
		const v = (await state(ann, d.id)).version;
		const [s1, s2] = await Promise.all([
			ann.client.post(`/api/v1/dialogues/${d.id}/actions`, { version: v, action: 'stop' }),
			bob.client.post(`/api/v1/dialogues/${d.id}/actions`, { version: v, action: 'send', text: 'x' }),
		]);
		assert.equal([s1.status, s2.status].filter((s) => s === 200).length <= 1, true);
		await stopOpen();
	});

	test('one device: the starter acts for both roles, naming the role', async () => {
		await stopOpen();
		const d = await start(ann, { mode: 'one_device' });
		assert.equal(d.acts_for_both, true);
		assert.ok(d.actions.some((a) => a.action === 'accept' && a.as === 'receiver'), JSON.stringify(d.actions));
		let s = await act(ann, d.id, 'accept', { as: 'receiver' });
		assert.equal(s.step, 'sending');
		s = await act(ann, d.id, 'send', { as: 'sender', text: 'On one device' });
		assert.equal(s.step, 'mirroring');
		s = await act(ann, d.id, 'mirror', { text: 'Whose turn it is, when as is left out' });
		assert.equal(s.step, 'mirror_check');
		/* Bob's account acts only in its own role. */
		assertError(await tryAct(bob, d.id, 'no_more', { as: 'sender' }), 409, 'not_your_turn');
		await act(bob, d.id, 'stop');
	});
});

/* Reads a server-sent event stream until match() is satisfied. */
function openStream(client, path) {
	const controller = new AbortController();
	const got = { text: '', status: 0, headers: null };
	const ready = fetch(server.url + path, {
		headers: { Cookie: client.cookieHeader(), Accept: 'text/event-stream' },
		signal: controller.signal,
	}).then(async (res) => {
		got.status = res.status;
		got.headers = res.headers;
		if (res.status !== 200) {
			got.text = await res.text();
			return;
		}
		const reader = res.body.getReader();
		const dec = new TextDecoder();
		(async () => {
			try {
				for (;;) {
					const { value, done } = await reader.read();
					if (done)
						break;
					got.text += dec.decode(value, { stream: true });
				}
			} catch {
				/* aborted */
			}
		})();
	});
	const until = async (re, ms = 5000) => {
		const deadline = Date.now() + ms;
		while (!re.test(got.text)) {
			if (Date.now() > deadline)
				throw new Error(`no ${re} in the stream within ${ms} ms: ${JSON.stringify(got.text)}`);
			await new Promise((r) => setTimeout(r, 20));
		}
	};
	return { ready, got, until, close: () => controller.abort() };
}

describe('the safety check-in', () => {
	test('a partner who stops feeling safe holds the dialogue for both; stopping still works', async () => {
		await stopOpen();
		const d0 = await start(ann, {});
		await act(bob, d0.id, 'accept');
		await answerSafety(bob, UNSAFE);
		try {
			const refused = await tryAct(ann, d0.id, 'send', { text: 'I feel tired' });
			assertError(refused, 403, 'joint_unavailable');
			assert.doesNotMatch(refused.json.error.message, /Bob|unsafe|afraid/i);
			assertError(await tryAct(bob, d0.id, 'send', { text: 'x' }), 403, 'joint_unavailable');
			assertError(await ann.client.post('/api/v1/me/dialogues', { topic: 'Another', mode: 'two_devices' }), 403, 'joint_unavailable');
			const stopped = await act(ann, d0.id, 'stop');
			assert.equal(stopped.step, 'stopped');
		} finally {
			await answerSafety(bob, SAFE);
		}
	});
});

describe('the event stream', () => {
	test('the partner hears a change when the other acts; outsiders 404, anonymous 401', async () => {
		await stopOpen();
		const d = await start(ann, {});
		const s = openStream(bob.client, `/api/v1/dialogues/${d.id}/events`);
		await s.ready;
		assert.equal(s.got.status, 200, s.got.text);
		assert.match(s.got.headers.get('content-type'), /^text\/event-stream/);
		assert.equal(s.got.headers.get('cache-control'), 'no-store');
		assert.equal(s.got.headers.get('x-accel-buffering'), 'no');
		await s.until(/retry: 2000\n/);
		const t0 = Date.now();
		await act(ann, d.id, 'stop');
		await s.until(/event: change\ndata: \d+\n\n/, 2000);
		assert.ok(Date.now() - t0 < 2000);
		s.close();

		assertError(await eve.client.get(`/api/v1/dialogues/${d.id}/events`, { timeout: 3000 }), 404, 'not_found');
		assertError(await new Client(server.url).get(`/api/v1/dialogues/${d.id}/events`), 401);
	});

	test('at most 16 streams a dialogue: the next gets 503 with Retry-After', async () => {
		await stopOpen();
		const d = await start(ann, {});
		const streams = [];
		for (let i = 0; i < 16; i++) {
			const s = openStream(i % 2 ? ann.client : bob.client, `/api/v1/dialogues/${d.id}/events`);
			await s.ready;
			assert.equal(s.got.status, 200, s.got.text);
			streams.push(s);
		}
		const res = await bob.client.get(`/api/v1/dialogues/${d.id}/events`);
		assertError(res, 503, 'busy');
		assert.ok(Number(res.headers.get('retry-after')) > 0);
		for (const s of streams)
			s.close();
		/* A vanished client is noticed when a write to it fails (MHD
		 * cannot see a disconnect while the connection waits): the
		 * first write after the close may still be taken by the
		 * kernel, the next one fails and frees the place. Each action
		 * publishes, so each writes to every stream. */
		await act(bob, d.id, 'accept');
		await act(ann, d.id, 'send', { text: 'Publish again' });
		await act(bob, d.id, 'mirror', { text: 'And again' });
		const deadline = Date.now() + 5000;
		for (;;) {
			const s = openStream(bob.client, `/api/v1/dialogues/${d.id}/events`);
			await s.ready;
			s.close();
			if (s.got.status === 200)
				break;
			assert.ok(Date.now() < deadline, 'a place frees up once the old streams are gone');
			await new Promise((r) => setTimeout(r, 200));
		}
		await act(ann, d.id, 'stop');
	});
});

describe('shutting down', () => {
	test('a stream left open does not hold up the server\'s stop (checked by after())', async () => {
		await stopOpen();
		const d = await start(ann, {});
		const s = openStream(bob.client, `/api/v1/dialogues/${d.id}/events`);
		await s.ready;
		assert.equal(s.got.status, 200, s.got.text);
		await s.until(/retry: 2000\n/);
		/* Left open on purpose: stop() fails a server that takes more
		 * than 5 s to exit or exits unclean. */
	});
});

describe('privacy', () => {
	test('someone outside the couple gets 404 everywhere', async () => {
		await stopOpen();
		const d = await start(ann, {});
		assertError(await eve.client.get(`/api/v1/dialogues/${d.id}`), 404, 'not_found');
		assertError(await eve.client.post(`/api/v1/dialogues/${d.id}/actions`, { version: d.version, action: 'stop' }), 404, 'not_found');
		assertError(await eve.client.post(`/api/v1/dialogues/${d.id}/record`, { notes: '' }), 404, 'not_found');
		const page = await eve.client.get(`/couple/dialogue/${d.id}`);
		assert.equal(page.status, 404, page.where);
		const list = await eve.client.get('/api/v1/me/dialogues');
		assert.equal(list.status, 200, list.where);
		assert.equal(list.json.dialogues.length, 0);
		assertError(await eve.client.post('/api/v1/me/dialogues', { topic: 'Mine' }), 404, 'not_in_couple');
		assert.equal((await state(ann, d.id)).step, 'appointment', 'nothing changed');
		await act(ann, d.id, 'stop');
	});

	test('the topic and every text are sealed: not in the raw database or WAL bytes', async () => {
		await stopOpen();
		const marker = (what) => `${what}-${process.pid}-sealed-marker-${Math.random().toString(36).slice(2)}`;
		const topic = marker('topic');
		const said = marker('said');
		const d = await start(ann, { topic });
		await act(bob, d.id, 'accept');
		await act(ann, d.id, 'send', { text: said });
		assert.ok((await state(bob, d.id)).turns.some((t) => t.text === said));
		for (const f of [server.dbPath, `${server.dbPath}-wal`].filter((x) => fs.existsSync(x))) {
			const bytes = fs.readFileSync(f);
			assert.equal(bytes.indexOf(Buffer.from(topic)), -1, `the topic in ${f}`);
			assert.equal(bytes.indexOf(Buffer.from(said)), -1, `a turn's text in ${f}`);
		}
		await act(ann, d.id, 'stop');
	});
});

/* ---- pages, without JavaScript ---- */

const FORM = 'application/x-www-form-urlencoded';
const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/* The fields of the first form posting to action (hidden ones). */
function formFields(html, action) {
	for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
		if (!m[1].includes(`action="${action}"`))
			continue;
		const fields = {};
		for (const h of m[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
			fields[h[1]] = decode(h[2]);
		return fields;
	}
	assert.fail(`a form to ${action} in:\n${html.slice(0, 4000)}`);
}

async function submit(c, pagePath, action, fields = {}) {
	const page = await c.get(pagePath);
	assert.equal(page.status, 200, page.where);
	const body = new URLSearchParams({ ...formFields(page.text, action), ...fields });
	return c.call('POST', action, { body: body.toString(), contentType: FORM });
}

describe('the pages', () => {
	test('start, accept, send and stop through forms, each answering 303 with a notice', async () => {
		await stopOpen();
		const start = await ann.client.get('/couple/dialogue');
		assert.equal(start.status, 200, start.where);
		assert.match(start.text, /supports\s+therapy; it does not replace it/);
		let res = await submit(ann.client, '/couple/dialogue', '/couple/dialogue', { topic: 'Page <topic>', mode: 'two_devices', variant: 'standard', timer_seconds: '0' });
		assert.equal(res.status, 303, res.where);
		const m = /^\/couple\/dialogue\/(\d+)\?done=started$/.exec(res.headers.get('location'));
		assert.ok(m, res.headers.get('location'));
		const path = `/couple/dialogue/${m[1]}`;

		const bobPage = await bob.client.get(path);
		assert.equal(bobPage.status, 200, bobPage.where);
		assert.match(bobPage.text, /You are the receiver/);
		assert.match(bobPage.text, /<\/span> is receiving\. Round 1\./);
		assert.doesNotMatch(bobPage.text, /&lt;\/|&lt;option|&gt;in \d/, 'no markup escaped as text');
		assert.match(start.text, /<option value="60">1 minute<\/option>/);
		assert.match(bobPage.text, /Page &lt;topic&gt;/, 'the topic, escaped');
		assert.match(bobPage.text, /value="accept"/);
		assert.match(bobPage.text, /value="stop"/, 'the stop button is always there');
		assert.match(bobPage.text, /<script src="\/static\/dialogue.js" defer><\/script>/);
		assert.doesNotMatch(bobPage.text, /<script>(?!<)/, 'no inline script');
		assert.match(bobPage.text, new RegExp(`href="${path}">Refresh`));
		const annPage = await ann.client.get(path);
		assert.match(annPage.text, /You are the sender/);
		assert.doesNotMatch(annPage.text, /value="accept"/, 'only the actions the person may take');

		res = await submit(bob.client, path, `${path}/act`, { action: 'accept' });
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), `${path}?done=saved`);
		const sending = await ann.client.get(`${path}?done=saved`);
		assert.match(sending.text, /Saved\./);
		assert.match(sending.text, /value="send"/);
		assert.match(sending.text, /<textarea name="text"/);

		/* A stale form shows the page again with the reason. */
		const stale = new URLSearchParams({ ...formFields(annPage.text, `${path}/act`), action: 'stop' });
		res = await ann.client.call('POST', `${path}/act`, { body: stale.toString(), contentType: FORM });
		assert.equal(res.status, 409, res.where);
		assert.match(res.text, /form-error/);

		res = await submit(ann.client, path, `${path}/act`, { action: 'send', text: 'I would like us to talk — über alles' });
		assert.equal(res.status, 303, res.where);
		const mirroring = await bob.client.get(path);
		assert.match(mirroring.text, /über alles/);
		assert.match(mirroring.text, /value="mirror"/);

		res = await submit(bob.client, path, `${path}/act`, { action: 'stop' });
		assert.equal(res.status, 303, res.where);
		assert.equal(res.headers.get('location'), `${path}?done=stop`);
		const stopped = await ann.client.get(`${path}?done=stop`);
		assert.match(stopped.text, /taking a break/);
		assert.match(stopped.text, /Keep a private record/);
		res = await submit(ann.client, path, `${path}/record`, { notes: 'My own notes' });
		assert.equal(res.status, 303, res.where);
		const kept = res.headers.get('location');
		assert.match(kept, /^\/workspace\/items\/\d+\?done=saved$/, 'to the record, where it can be shared');
		const record = await ann.client.get(kept);
		assert.equal(record.status, 200, record.where);
		assert.match(record.text, /My own notes/);

		const listPage = await ann.client.get('/couple/dialogue');
		assert.match(listPage.text, /Page &lt;topic&gt;/, 'the past dialogues');
		const js = await new Client(server.url).get('/static/dialogue.js');
		assert.equal(js.status, 200);
		assert.match(js.headers.get('content-type'), /javascript/);
	});
});
