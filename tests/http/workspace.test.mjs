/*
 * The workspace's JSON API end to end: every exercise kind written and
 * read back; validation that names the exact parameter; huge, empty,
 * non-ASCII and injection input; optimistic versions. Privacy: a
 * partner never reads a private item (404), reads a shared one only
 * while it is shared and the couple lasts (every read audited, without
 * content); a therapist reads only what a client who booked with them
 * shared with them. Safety: joint work only when both partners answered
 * and both are safe, and the status says nothing about the partner.
 * Everything written is sealed: the raw database bytes never hold it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { sqliteJson } from '../lib/server.mjs';
import {
	Client, assertError, makeTherapist, makeUser, profileBody, sqliteExec, startAccountServer,
} from '../lib/accounts.mjs';
import { SAFE, UNSAFE, answerSafety, pair as pairUp } from '../lib/couples.mjs';

let server;

before(async () => {
	server = await startAccountServer();
});

after(async () => {
	if (server)
		await server.stop();
});

let seq = 0;
const person = (name) => makeUser(server, { tag: `ws-${++seq}`, name });

const pair = async (a, b) => (await pairUp(server, a, b)).json.couple.id;
const answer = answerSafety;

/* Two partners who both answered safe. */
async function safeCouple(a = 'Ann', b = 'Ben') {
	const ann = await person(`${a} ${++seq}`);
	const ben = await person(`${b} ${++seq}`);
	await pair(ann, ben);
	await answer(ann, SAFE);
	await answer(ben, SAFE);
	return [ann, ben];
}

async function create(p, kind, fields) {
	const res = await p.client.post('/api/v1/me/items', { kind, fields });
	assert.equal(res.status, 201, res.where);
	return res.json.item;
}

const auditRows = (target) => sqliteJson(server.dbPath,
    `SELECT actor, action, target_type, target_id, detail FROM audit_log WHERE target_type = 'workspace_item' AND target_id = '${target}' ORDER BY id`);
const auditRef = (p) => sqliteJson(server.dbPath, `SELECT audit_ref FROM users WHERE id = ${p.id}`)[0].audit_ref;

const days = (n) => Array.from({ length: n }, (_, i) => ({ mark: i % 3 === 0 ? 'slipped' : 'kept', note: i === 0 ? 'a rough start' : '' }));

const EXAMPLES = {
	journal: { title: 'Dimanche · 日曜日', body: '# Heute\n\nWir haben *geredet*. <script>alert(1)</script>' },
	appreciation: { appreciations: [{ appreciation: 'you made coffee', reason: 'it felt like care', feeling: 'warm' }] },
	frustration: {
		frustration: "I don't like it when you check your phone at dinner",
		desire: 'I would like to feel you are with me',
		requests: ['Phone in the hall during dinner for two weeks', 'Ask me about my day on Mondays for a month', 'One walk together this Saturday'],
	},
	caring: {
		loved_now: [{ text: 'you hug me when I come home', rating: 1 }, { text: 'you text at lunch', rating: 3 }],
		loved_before: [{ text: 'you wrote me notes', rating: 2 }],
		loved_would: [],
	},
	caring_log: { date: '2024-02-29', given: ['made tea', 'listened without advice'] },
	vision: { sentences: [{ text: 'We laugh every day', rating: 1 }, { text: 'We settle our differences peacefully', rating: 2 }] },
	imago_workup: {
		caretaker_positive: ['warm', 'funny'], caretaker_negative: ['distant', 'critical'],
		wanted_most: ['attention'], felt_often: ['lonely'], reacted_by: ['withdrawing'],
		partner_positive: ['kind'], partner_negative: ['busy'],
	},
	parent_child: { parent: 'mother', living_with_me: 'Quiet.', being_my_child: 'Lonely sometimes.', worst: 'The silence.', needed_most: 'Attention.', if_gotten: 'I would speak up more.' },
	zero_negativity: { start: '2024-03-01', days: days(30) },
};

describe('kinds and items', () => {
	test('the kinds are published to anyone, with every field and response', async () => {
		const res = await new Client(server.url).get('/api/v1/workspace/kinds');
		assert.equal(res.status, 200, res.where);
		const names = res.json.kinds.map((k) => k.name);
		for (const k of [...Object.keys(EXAMPLES), 'shared_vision', 'dialogue_record'])
			assert.ok(names.includes(k), k);
		const fr = res.json.kinds.find((k) => k.name === 'frustration');
		const req = fr.fields.find((f) => f.name === 'requests');
		assert.equal(req.min_items, 3);
		assert.equal(req.max_items, 3);
		assert.equal(fr.response.fields[0].name, 'chosen');
		assert.equal(res.json.kinds.find((k) => k.name === 'dialogue_record').creatable, false);
		assert.equal(res.json.kinds.find((k) => k.name === 'shared_vision').joint, true);
		assert.match(res.json.disclaimer, /does not\s+replace therapy/);
	});

	test('every kind is created and read back as written; the workup has its statement', async () => {
		const ann = await person('Ann Kinds');
		for (const [kind, fields] of Object.entries(EXAMPLES)) {
			const item = await create(ann, kind, fields);
			assert.equal(item.kind, kind);
			assert.equal(item.version, 1);
			assert.equal(item.access, 'owner');
			assert.equal(item.shared_with_partner, false);
			const back = await ann.client.get(`/api/v1/me/items/${item.id}`);
			assert.equal(back.status, 200, back.where);
			assert.deepEqual(back.json.item.fields, fields, kind);
			if (kind === 'imago_workup')
				assert.equal(back.json.item.statement,
				    'I have spent my life searching for a person who is warm and funny and distant and critical.' +
				    ' When I am with such a person, I am troubled that they are distant and critical, and I wish' +
				    " they would give me attention. When my needs aren't met, I feel lonely and I react by withdrawing.");
		}
		const list = await ann.client.get('/api/v1/me/items');
		assert.equal(list.status, 200, list.where);
		assert.equal(list.json.items.length, Object.keys(EXAMPLES).length);
		assert.ok(list.json.items.every((i) => i.fields === undefined), 'lists carry no content');
		assert.equal(list.json.items.find((i) => i.kind === 'journal').label, 'Dimanche · 日曜日');
		const journals = await ann.client.get('/api/v1/me/items?kind=journal');
		assert.deepEqual(journals.json.items.map((i) => i.kind), ['journal']);
		assertError(await ann.client.get('/api/v1/me/items?kind=nope'), 400, 'invalid_parameter', 'kind');
		/* Made by other modules only. */
		assertError(await ann.client.post('/api/v1/me/items', { kind: 'dialogue_record', fields: { topic: 't', date: '2024-01-01', role: 'sender' } }), 422, 'kind_not_creatable', 'kind');
		assertError(await ann.client.post('/api/v1/me/items', { kind: 'shared_vision', fields: EXAMPLES.vision }), 422, 'kind_not_creatable', 'kind');
		/* The export holds them. */
		const ex = await ann.client.get('/api/v1/me/export');
		assert.equal(ex.status, 200, ex.where);
		assert.equal(ex.json.workspace.items.length, Object.keys(EXAMPLES).length);
		assert.deepEqual(ex.json.workspace.items.find((i) => i.kind === 'journal').fields, EXAMPLES.journal);
	});

	test('validation names the parameter', async () => {
		const ann = await person('Ann Valid');
		const post = (kind, fields, extra = {}) => ann.client.post('/api/v1/me/items', { kind, fields, ...extra });
		const fr = EXAMPLES.frustration;
		assertError(await post('frustration', { ...fr, requests: fr.requests.slice(0, 2) }), 400, 'invalid_parameter', 'fields.requests');
		assertError(await post('frustration', { ...fr, requests: [...fr.requests.slice(0, 2), '  '] }), 400, 'invalid_parameter', 'fields.requests[2]');
		assertError(await post('frustration', { ...fr, requests: [fr.requests[0], 7, 'x'] }), 400, 'invalid_parameter', 'fields.requests[1]');
		assertError(await post('frustration', { ...fr, desire: undefined }), 400, 'invalid_parameter', 'fields.desire');
		assertError(await post('frustration', { ...fr, surprise: 'x' }), 400, 'invalid_parameter', 'fields.surprise');
		assertError(await post('caring', { loved_now: [{ text: 'x', rating: 7 }] }), 400, 'invalid_parameter', 'fields.loved_now[0].rating');
		assertError(await post('caring', { loved_now: [{ text: 'x', rating: 1.5 }] }), 400, 'invalid_parameter', 'fields.loved_now[0].rating');
		assertError(await post('caring', { loved_now: [{ rating: 1 }] }), 400, 'invalid_parameter', 'fields.loved_now[0].text');
		assertError(await post('caring', { loved_now: [{ text: 'x', rating: 1, extra: 1 }] }), 400, 'invalid_parameter', 'fields.loved_now[0].extra');
		assertError(await post('caring_log', { date: '2023-02-29', given: ['x'] }), 400, 'invalid_parameter', 'fields.date');
		assertError(await post('caring_log', { date: '2024-1-01', given: ['x'] }), 400, 'invalid_parameter', 'fields.date');
		assertError(await post('zero_negativity', { start: '2024-03-01', days: [{}, {}, {}, {}, { mark: 'oops' }] }), 400, 'invalid_parameter', 'fields.days[4].mark');
		assertError(await post('zero_negativity', { start: '2024-03-01', days: days(31) }), 400, 'invalid_parameter', 'fields.days');
		assertError(await post('appreciation', { appreciations: [{ reason: 'no appreciation' }] }), 400, 'invalid_parameter', 'fields.appreciations[0].appreciation');
		assertError(await post('appreciation', { appreciations: [] }), 400, 'invalid_parameter', 'fields.appreciations');
		assertError(await post('journal', { title: 'a\nb', body: 'x' }), 400, 'invalid_parameter', 'fields.title');
		assertError(await post('journal', { title: 'x', body: 'bell\u0007byte' }), 400, 'invalid_parameter', 'fields.body');
		assertError(await post('journal', { title: 'x', body: 'nul\u0000byte' }), 400, 'invalid_parameter', 'body');
		assertError(await post('journal', { title: '', body: 'x' }), 400, 'invalid_parameter', 'fields.title');
		assertError(await post('journal', 'not an object'), 400, 'invalid_parameter', 'fields');
		assertError(await post('journal', undefined), 400, 'invalid_parameter', 'fields');
		assertError(await post(undefined, EXAMPLES.journal), 400, 'invalid_parameter', 'kind');
		assertError(await post('nope', EXAMPLES.journal), 400, 'invalid_parameter', 'kind');
		assertError(await post(5, EXAMPLES.journal), 400, 'invalid_parameter', 'kind');
		assertError(await post('journal', EXAMPLES.journal, { owner: 1 }), 400, 'invalid_parameter', 'owner');
		/* Limits: a text too long, a list too long, the whole too large. */
		assertError(await post('journal', { title: 'x'.repeat(201), body: 'x' }), 400, 'invalid_parameter', 'fields.title');
		assertError(await post('journal', { title: 'x', body: 'é'.repeat(20001) }), 400, 'invalid_parameter', 'fields.body');
		assertError(await post('caring_log', { date: '2024-01-01', given: Array(51).fill('x') }), 400, 'invalid_parameter', 'fields.given');
		const big = { loved_now: Array(50).fill(0).map((_, i) => ({ text: `${i}`.padEnd(300, 'é'), rating: 1 })) };
		big.loved_before = big.loved_now;
		big.loved_would = big.loved_now;
		assertError(await post('caring', big), 400, 'invalid_parameter', 'fields');
		const huge = await ann.client.call('POST', '/api/v1/me/items', { body: JSON.stringify({ kind: 'journal', fields: { title: 'x', body: 'y'.repeat(300000) } }), contentType: 'application/json' });
		assert.equal(huge.status, 413, huge.where);
		/* Not JSON, not an object, another media type. */
		assertError(await ann.client.call('POST', '/api/v1/me/items', { body: '{"kind":', contentType: 'application/json' }), 400, 'invalid_parameter', 'body');
		assertError(await ann.client.call('POST', '/api/v1/me/items', { body: '[1]', contentType: 'application/json' }), 400, 'invalid_parameter', 'body');
		assertError(await ann.client.call('POST', '/api/v1/me/items', { body: 'kind=journal', contentType: 'application/x-www-form-urlencoded' }), 415);
		assert.equal((await ann.client.get('/api/v1/me/items')).json.items.length, 0, 'nothing was stored');
	});

	test('non-ASCII and injection text is stored and returned verbatim', async () => {
		const ann = await person('Ann Inject');
		const nasty = "Robert'); DROP TABLE workspace_items;-- <img src=x onerror=alert(1)> \" \\ ∑ 🧡 עברית";
		const item = await create(ann, 'journal', { title: nasty.slice(0, 100), body: nasty });
		const back = await ann.client.get(`/api/v1/me/items/${item.id}`);
		assert.equal(back.json.item.fields.body, nasty);
		assert.equal(sqliteJson(server.dbPath, 'SELECT count(*) AS n FROM workspace_items')[0].n > 0, true);
	});

	test('updates carry the version read; a stale one is 409; delete', async () => {
		const ann = await person('Ann Version');
		const item = await create(ann, 'journal', { title: 'one', body: 'first' });
		const put = (version, fields) => ann.client.call('PUT', `/api/v1/me/items/${item.id}`, { json: { version, fields } });
		const ok = await put(1, { title: 'two', body: 'second' });
		assert.equal(ok.status, 200, ok.where);
		assert.equal(ok.json.item.version, 2);
		assert.equal(ok.json.item.fields.title, 'two');
		assertError(await put(1, { title: 'three', body: 'lost update' }), 409, 'stale_version', 'version');
		assertError(await put(undefined, { title: 'x', body: 'x' }), 400, 'invalid_parameter', 'version');
		assertError(await put('2', { title: 'x', body: 'x' }), 400, 'invalid_parameter', 'version');
		assertError(await put(2, { title: 'x' }), 400, 'invalid_parameter', 'fields.body');
		assert.equal((await ann.client.get(`/api/v1/me/items/${item.id}`)).json.item.fields.body, 'second');
		const other = await person('Eve Version');
		assertError(await other.client.call('PUT', `/api/v1/me/items/${item.id}`, { json: { version: 2, fields: { title: 'x', body: 'x' } } }), 404, 'not_found');
		assertError(await other.client.del(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assertError(await other.client.get(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assertError(await other.client.post(`/api/v1/me/items/${item.id}/share`, { partner: true }), 404, 'not_found');
		assertError(await ann.client.get('/api/v1/me/items/abc'), 404, 'not_found');
		const del = await ann.client.del(`/api/v1/me/items/${item.id}`);
		assert.equal(del.status, 200, del.where);
		assertError(await ann.client.get(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assertError(await ann.client.del(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assert.deepEqual(auditRows(item.id).map((r) => r.action),
		    ['workspace.item_create', 'workspace.item_update', 'workspace.item_delete']);
	});
});

describe('partners', () => {
	test('a private item is 404 to the partner; shared it is readable (audited), then not after unsharing or leaving', async () => {
		const [ann, ben] = await safeCouple('Ann Share', 'Ben Share');
		const item = await create(ann, 'frustration', EXAMPLES.frustration);
		assertError(await ben.client.get(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assert.equal((await ben.client.get('/api/v1/me/items')).json.items.length, 0);
		assertError(await ben.client.post(`/api/v1/me/items/${item.id}/response`, { response: { chosen: 1 } }), 404, 'not_found');

		const sh = await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: true });
		assert.equal(sh.status, 200, sh.where);
		assert.equal(sh.json.item.shared_with_partner, true);
		const list = await ben.client.get('/api/v1/me/items');
		assert.deepEqual(list.json.items.map((i) => [i.id, i.access]), [[item.id, 'partner']]);
		assert.equal(list.json.items[0].label, 'Frustration and requests', 'no content in the list');
		const read = await ben.client.get(`/api/v1/me/items/${item.id}`);
		assert.equal(read.status, 200, read.where);
		assert.deepEqual(read.json.item.fields, EXAMPLES.frustration);
		assert.equal(read.json.item.can_edit, false);
		assert.equal(read.json.item.can_respond, true);
		const audit = auditRows(item.id).filter((r) => r.action === 'workspace.item_read');
		assert.equal(audit.length, 1);
		assert.equal(audit[0].actor, auditRef(ben));
		assert.equal(audit[0].detail, 'partner');
		assert.ok(!JSON.stringify(audit).includes('phone'), 'no content in the audit log');

		/* The partner cannot write it, but responds. */
		assertError(await ben.client.call('PUT', `/api/v1/me/items/${item.id}`, { json: { version: 1, fields: EXAMPLES.frustration } }), 404);
		assertError(await ben.client.del(`/api/v1/me/items/${item.id}`), 404);
		assertError(await ben.client.post(`/api/v1/me/items/${item.id}/share`, { partner: false }), 404);
		assertError(await ben.client.post(`/api/v1/me/items/${item.id}/response`, { response: { chosen: 4 } }), 400, 'invalid_parameter', 'response.chosen');
		assertError(await ben.client.post(`/api/v1/me/items/${item.id}/response`, {}), 400, 'invalid_parameter', 'response');
		const resp = await ben.client.post(`/api/v1/me/items/${item.id}/response`, { response: { chosen: 2, note: 'Gladly — 喜んで' } });
		assert.equal(resp.status, 200, resp.where);
		assert.deepEqual(resp.json.item.response.fields, { chosen: 2, note: 'Gladly — 喜んで' });
		const mine = await ann.client.get(`/api/v1/me/items/${item.id}`);
		assert.deepEqual(mine.json.item.response.fields, { chosen: 2, note: 'Gladly — 喜んで' });
		assertError(await ann.client.post(`/api/v1/me/items/${item.id}/response`, { response: { chosen: 1 } }), 422, 'own_item');
		/* Ben's export holds his response and his own check-in answers. */
		const ex = (await ben.client.get('/api/v1/me/export')).json.workspace;
		assert.deepEqual(ex.responses.map((x) => [x.item_id, x.fields]), [[item.id, { chosen: 2, note: 'Gladly — 喜んで' }]]);
		assert.equal(ex.safety.length, 1);
		assert.deepEqual(ex.safety[0].screen.answers, SAFE);
		assert.equal(ex.safety[0].screen.safe, true);
		assert.deepEqual(ex.items, [], 'not Ann\'s item');
		const journal = await create(ann, 'journal', EXAMPLES.journal);
		await ann.client.post(`/api/v1/me/items/${journal.id}/share`, { partner: true });
		assertError(await ben.client.post(`/api/v1/me/items/${journal.id}/response`, { response: { mirror: 'x' } }), 422, 'no_response');

		/* Unsharing hides it at once. */
		assert.equal((await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: false })).status, 200);
		assertError(await ben.client.get(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assert.equal((await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: true })).status, 200);
		assert.equal((await ben.client.get(`/api/v1/me/items/${item.id}`)).status, 200);

		/* Leaving the couple hides everything shared. */
		assert.equal((await ben.client.del('/api/v1/me/couple')).status, 200);
		assertError(await ben.client.get(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assertError(await ben.client.get(`/api/v1/me/items/${journal.id}`), 404, 'not_found');
		assert.equal((await ben.client.get('/api/v1/me/items')).json.items.length, 0);
		assert.equal((await ann.client.get(`/api/v1/me/items/${item.id}`)).status, 200, 'the owner keeps it');
	});

	test('every kind: the partner reads none of them, through the API or the pages, until it is shared', async () => {
		const [ann, ben] = await safeCouple('Ann Every', 'Ben Every');
		const secret = (kind) => `secret of ${kind} 秘密`;
		for (const [kind, fields] of Object.entries(EXAMPLES)) {
			/* Every free text of the example carries a marker. */
			const marked = JSON.parse(JSON.stringify(fields), (k, v) => {
				return typeof v === 'string' && !/^\d{4}-\d\d-\d\d$/.test(v) && !['kept', 'slipped', 'mother', ''].includes(v)
					? `${v} ${secret(kind)}` : v;
			});
			const item = await create(ann, kind, marked);
			for (const path of [`/api/v1/me/items/${item.id}`, `/workspace/items/${item.id}`, `/workspace/items/${item.id}/edit`]) {
				const res = await ben.client.get(path);
				assert.equal(res.status, 404, `${kind}: ${path} -> ${res.status}`);
				assert.ok(!res.text.includes(secret(kind)), `${kind}: ${path} shows nothing of it`);
			}
			const list = await ben.client.get('/api/v1/me/items');
			assert.ok(!list.text.includes(secret(kind)), `${kind}: not in the partner's list`);
			const home = await ben.client.get('/workspace');
			assert.ok(!home.text.includes(secret(kind)), `${kind}: not on the partner's workspace page`);
			assert.equal((await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: true })).status, 200);
			const page = await ben.client.get(`/workspace/items/${item.id}`);
			assert.equal(page.status, 200, `${kind}: shared, the page opens`);
			assert.ok(page.text.includes(secret(kind)), `${kind}: shared, it shows`);
		}
	});

	test('when a partner no longer feels safe, nothing shared passes between them until both do again', async () => {
		const [ann, ben] = await safeCouple('Ann Unsafe', 'Ben Unsafe');
		const item = await create(ann, 'appreciation', EXAMPLES.appreciation);
		assert.equal((await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: true })).status, 200);
		const a = await create(ann, 'vision', EXAMPLES.vision);
		await ann.client.post(`/api/v1/me/items/${a.id}/share`, { partner: true });
		const joint = await ann.client.post('/api/v1/me/couple/vision/merge', {});
		assert.equal(joint.status, 201, joint.where);
		const jointId = joint.json.item.id;
		assert.equal((await ben.client.get(`/api/v1/me/items/${item.id}`)).status, 200);
		assert.equal((await ben.client.get(`/api/v1/me/items/${jointId}`)).status, 200);

		await answer(ann, UNSAFE);
		assertError(await ben.client.get(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assertError(await ben.client.get(`/api/v1/me/items/${jointId}`), 404, 'not_found');
		assertError(await ben.client.call('PUT', `/api/v1/me/items/${jointId}`, { json: { version: 1, fields: EXAMPLES.vision } }), 404, 'not_found');
		assert.equal((await ben.client.get('/api/v1/me/items')).json.items.length, 0, 'the list hides them too');
		assert.equal((await ann.client.get(`/api/v1/me/items/${item.id}`)).status, 200, 'the owner keeps hers');
		assert.equal((await ann.client.get(`/api/v1/me/items/${jointId}`)).status, 200, 'and the joint item she made');
		assert.equal((await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: false })).status, 200, 'unsharing always works');

		await answer(ann, SAFE);
		assert.equal((await ben.client.get(`/api/v1/me/items/${jointId}`)).status, 200, 'back once both feel safe');
		assertError(await ben.client.get(`/api/v1/me/items/${item.id}`), 404, 'not_found');
	});

	test('share body: one of partner or therapist_id', async () => {
		const ann = await person('Ann Body');
		const item = await create(ann, 'journal', EXAMPLES.journal);
		const share = (b) => ann.client.post(`/api/v1/me/items/${item.id}/share`, b);
		assertError(await share({}), 400, 'invalid_parameter', 'partner');
		assertError(await share({ partner: true, therapist_id: 3, shared: true }), 400, 'invalid_parameter', 'partner');
		assertError(await share({ therapist_id: 3 }), 400, 'invalid_parameter', 'shared');
		assertError(await share({ therapist_id: 'x', shared: true }), 400, 'invalid_parameter', 'therapist_id');
		assertError(await share({ partner: 'maybe' }), 400, 'invalid_parameter', 'partner');
		assertError(await share({ partner: true, extra: 1 }), 400, 'invalid_parameter', 'extra');
		assertError(await share({ partner: true }), 404, 'not_in_couple', 'partner');
		assert.equal((await share({ partner: false })).status, 200, 'stopping always works');
	});

	test('the merged vision: deduplicated, the better rating kept; both partners edit it', async () => {
		const [ann, ben] = await safeCouple('Ann Vision', 'Ben Vision');
		assertError(await ann.client.post('/api/v1/me/couple/vision/merge', {}), 422, 'no_visions');
		const a = await create(ann, 'vision', { sentences: [{ text: 'We laugh every day', rating: 3 }, { text: 'We travel', rating: 2 }] });
		const b = await create(ben, 'vision', { sentences: [{ text: 'we LAUGH every day', rating: 1 }, { text: 'We cook together', rating: 4 }] });
		const private_ = await create(ben, 'vision', { sentences: [{ text: 'We never share this', rating: 1 }] });
		await ann.client.post(`/api/v1/me/items/${a.id}/share`, { partner: true });
		await ben.client.post(`/api/v1/me/items/${b.id}/share`, { partner: true });
		assert.ok(private_.id > b.id);
		const m = await ann.client.post('/api/v1/me/couple/vision/merge', {});
		assert.equal(m.status, 201, m.where);
		assert.equal(m.json.item.kind, 'shared_vision');
		assert.equal(m.json.item.joint, true);
		assert.deepEqual(m.json.item.fields.sentences, [
			{ text: 'We laugh every day', rating: 1 },
			{ text: 'We travel', rating: 2 },
			{ text: 'We cook together', rating: 4 },
		]);
		const id = m.json.item.id;
		const put = await ben.client.call('PUT', `/api/v1/me/items/${id}`, { json: { version: 1, fields: { sentences: [{ text: 'We laugh every day', rating: 1 }] } } });
		assert.equal(put.status, 200, put.where);
		assert.equal(put.json.item.access, 'joint');
		assertError(await ann.client.post(`/api/v1/me/items/${id}/share`, { partner: false }), 422, 'joint_item');
		assert.deepEqual((await ann.client.get(`/api/v1/me/items/${id}`)).json.item.fields.sentences, [{ text: 'We laugh every day', rating: 1 }]);
		assert.ok(auditRows(b.id).some((r) => r.action === 'workspace.item_read' && r.actor === auditRef(ann)), 'reading the partner\'s vision is audited');
	});
});

describe('safety', () => {
	test('joint work is refused until both answered safe; the status tells nothing about the partner', async () => {
		const ann = await person('Ann Safe');
		const ben = await person('Ben Safe');
		assertError(await ann.client.post('/api/v1/me/safety', SAFE), 404, 'not_in_couple');
		const none = (await ann.client.get('/api/v1/me/safety')).json;
		assert.equal(none.in_couple, false);
		await pair(ann, ben);
		const item = await create(ann, 'appreciation', EXAMPLES.appreciation);
		const joint = async () => {
			assertError(await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: true }), 403, 'joint_unavailable');
			assertError(await ann.client.post('/api/v1/me/couple/vision/merge', {}), 403, 'joint_unavailable');
		};
		await joint();
		const before = await answer(ann, SAFE);
		assert.deepEqual({ ...before, questions: undefined, disclaimer: undefined },
		    { in_couple: true, answered_by_me: true, my_answer_safe: true, joint_allowed: false, help: null, questions: undefined, disclaimer: undefined });
		await joint();
		/* The partner answers "not safe": Ann's status does not change at all. */
		const unsafe = await answer(ben, UNSAFE);
		assert.equal(unsafe.my_answer_safe, false);
		assert.equal(unsafe.joint_allowed, false);
		assert.ok(unsafe.help.lines.some((l) => l.contact === '988'));
		assert.ok(unsafe.help.lines.some((l) => l.contact === '1-800-799-7233'));
		assert.ok(unsafe.help.lines.some((l) => l.contact === '0808 2000 247'));
		assert.ok(unsafe.help.lines.some((l) => l.contact === '112'));
		assert.deepEqual(unsafe.help.therapists, []);
		const after = (await ann.client.get('/api/v1/me/safety')).json;
		assert.deepEqual(after, before, 'identical whether the partner answered unsafe or not at all');
		await joint();
		const s = sqliteJson(server.dbPath, 'SELECT a.detail FROM audit_log a WHERE a.action = \'workspace.safety_answer\'');
		assert.ok(s.every((r) => r.detail === ''), 'the audit log holds no answer');
		/* Both safe: allowed. */
		await answer(ben, SAFE);
		assert.equal((await ann.client.get('/api/v1/me/safety')).json.joint_allowed, true);
		assert.equal((await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: true })).status, 200);
		/* Ann changes her mind: joint work stops for both, and what she
		 * shared no longer reaches Ben (the same 404 as any item he may
		 * not see). */
		await answer(ann, { ...SAFE, want_joint: false });
		const r = await ben.client.post(`/api/v1/me/items/${item.id}/response`, { response: { mirror: 'If I got it…' } });
		assertError(r, 404, 'not_found');
		assert.doesNotMatch(r.json.error.message, /Ann|partner answered|unsafe/i);
		const own = await create(ben, 'appreciation', EXAMPLES.appreciation);
		const refused = await ben.client.post(`/api/v1/me/items/${own.id}/share`, { partner: true });
		assertError(refused, 403, 'joint_unavailable');
		assert.doesNotMatch(refused.json.error.message, /Ann|partner answered|unsafe/i);
		assert.equal((await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: false })).status, 200, 'unsharing always works');
		/* Bad answers. */
		assertError(await ann.client.post('/api/v1/me/safety', { ...SAFE, afraid: undefined }), 400, 'invalid_parameter', 'afraid');
		assertError(await ann.client.post('/api/v1/me/safety', { ...SAFE, afraid: 'sometimes' }), 400, 'invalid_parameter', 'afraid');
		assertError(await ann.client.post('/api/v1/me/safety', { ...SAFE, other: true }), 400, 'invalid_parameter', 'other');
	});
});

describe('therapists', () => {
	let nameSeq = 0;
	async function therapistWithProfile() {
		const t = await makeTherapist(server, { tag: `ws-th-${++nameSeq}` });
		t.name = `Thea Workspace ${'ABCDEFGHIJ'[nameSeq % 10]}${nameSeq}`;
		const res = await t.client.post('/api/v1/therapists', profileBody(t.name));
		assert.equal(res.status, 201, res.where);
		t.profileId = res.json.id;
		return t;
	}
	function book(client, therapist, status = 'booked') {
		const now = Math.floor(Date.now() / 1000);
		const ref = `ws-${process.pid}-${now}-${Math.random().toString(36).slice(2)}`;
		sqliteExec(server.dbPath, 'INSERT INTO appointments (ref, therapist_id, kind, type_name, mode,' +
		    ' starts_at, ends_at, status, client_user_id, name, email, timezone, created_at) VALUES' +
		    ` ('${ref}', ${therapist.profileId}, 'consultation', 'Consultation', 'video', ${now + 86400},` +
		    ` ${now + 90000}, '${status}', ${client.id}, 'Client', 'c@example.org', 'UTC', ${now})`);
	}

	test('a therapist reads only what a client who booked with them shared with them', async () => {
		const thea = await therapistWithProfile();
		const other = await therapistWithProfile();
		const held = await therapistWithProfile();
		const cleo = await person('Cleo Client');
		book(cleo, thea);
		book(cleo, held, 'cancelled');
		const targets = await cleo.client.get('/api/v1/me/share-targets');
		assert.equal(targets.status, 200, targets.where);
		assert.deepEqual(targets.json.therapists, [{ id: thea.profileId, name: thea.name }]);

		const item = await create(cleo, 'imago_workup', EXAMPLES.imago_workup);
		const secret = await create(cleo, 'journal', EXAMPLES.journal);
		const share = (b) => cleo.client.post(`/api/v1/me/items/${item.id}/share`, b);
		assertError(await share({ therapist_id: other.profileId, shared: true }), 404, 'therapist_not_found', 'therapist_id');
		assertError(await share({ therapist_id: held.profileId, shared: true }), 404, 'therapist_not_found', 'therapist_id');
		assertError(await share({ therapist_id: 999999999, shared: true }), 404, 'therapist_not_found', 'therapist_id');
		assertError(await thea.client.get(`/api/v1/therapist/shared/${item.id}`), 404, 'not_found');
		const ok = await share({ therapist_id: thea.profileId, shared: true });
		assert.equal(ok.status, 200, ok.where);
		assert.deepEqual(ok.json.item.therapists, [{ id: thea.profileId, name: thea.name }]);

		const list = await thea.client.get('/api/v1/therapist/shared');
		assert.equal(list.status, 200, list.where);
		assert.deepEqual(list.json.items.map((i) => i.id), [item.id]);
		assert.equal(list.json.items[0].owner.display_name, 'Cleo Client');
		const read = await thea.client.get(`/api/v1/therapist/shared/${item.id}`);
		assert.equal(read.status, 200, read.where);
		assert.deepEqual(read.json.item.fields, EXAMPLES.imago_workup);
		assert.match(read.json.item.statement, /^I have spent my life/);
		assert.ok(auditRows(item.id).some((r) => r.action === 'workspace.item_read' && r.actor === auditRef(thea) && r.detail === 'therapist'));

		/* Nothing else: not the journal, not through the client routes, not for another therapist. */
		assertError(await thea.client.get(`/api/v1/therapist/shared/${secret.id}`), 404, 'not_found');
		assertError(await thea.client.get(`/api/v1/me/items/${item.id}`), 404, 'not_found');
		assertError(await other.client.get(`/api/v1/therapist/shared/${item.id}`), 404, 'not_found');
		assert.equal((await other.client.get('/api/v1/therapist/shared')).json.items.length, 0);
		assertError(await cleo.client.get('/api/v1/therapist/shared'), 403, 'role_required');

		/* Unsharing ends it. */
		assert.equal((await share({ therapist_id: thea.profileId, shared: false })).status, 200);
		assertError(await thea.client.get(`/api/v1/therapist/shared/${item.id}`), 404, 'not_found');
		assert.equal((await thea.client.get('/api/v1/therapist/shared')).json.items.length, 0);
	});

	test('the safety help lists the therapists booked with', async () => {
		const thea = await therapistWithProfile();
		const dana = await person('Dana Help');
		const eli = await person('Eli Help');
		await pair(dana, eli);
		book(dana, thea);
		const st = await answer(dana, UNSAFE);
		assert.deepEqual(st.help.therapists, [{ id: thea.profileId, name: thea.name }]);
	});
});

describe('sealed at rest', () => {
	test('the raw database and WAL never hold the written text', async () => {
		const [ann, ben] = await safeCouple('Ann Seal', 'Ben Seal');
		const marks = ['zqxjournalmarker', 'zqxresponsemarker', 'zqxvisionmarker', 'Ünïcødé-zqx-天'];
		const item = await create(ann, 'appreciation', { appreciations: [{ appreciation: `${marks[0]} ${marks[3]}` }] });
		await ann.client.post(`/api/v1/me/items/${item.id}/share`, { partner: true });
		assert.equal((await ben.client.post(`/api/v1/me/items/${item.id}/response`, { response: { mirror: marks[1] } })).status, 200);
		const v = await create(ben, 'vision', { sentences: [{ text: marks[2], rating: 1 }] });
		await ben.client.post(`/api/v1/me/items/${v.id}/share`, { partner: true });
		assert.equal((await ann.client.post('/api/v1/me/couple/vision/merge', {})).status, 201);
		const bytes = Buffer.concat([server.dbPath, `${server.dbPath}-wal`].filter((p) => fs.existsSync(p)).map((p) => fs.readFileSync(p)));
		for (const m of marks)
			assert.equal(bytes.indexOf(Buffer.from(m, 'utf8')), -1, `${m} is not in the file`);
		assert.equal(bytes.indexOf(Buffer.from('"afraid"', 'utf8')), -1, 'nor are the safety answers');
		/* And it opens again. */
		assert.equal((await ann.client.get(`/api/v1/me/items/${item.id}`)).json.item.response.fields.mirror, marks[1]);
	});
});
