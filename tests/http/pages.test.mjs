/*
 * The HTML pages as a hostile profile author would try them: Markdown
 * with raw HTML, javascript: links and event handlers in the bio, markup
 * in the name and city. Whatever was written must come out as text or as
 * cmark's safe subset, never as live markup.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqliteJson } from '../lib/server.mjs';
import { request } from '../lib/http.mjs';

const BIO = [
	'We work with **couples**.',
	'',
	'<script>alert("bio")</script>',
	'<img src=x onerror=alert(1)>',
	'[click me](javascript:alert(2)) and [data](data:text/html;base64,PHNjcmlwdD4=)',
	'<a href="https://example.org" onclick="alert(3)">raw link</a>',
].join('\n');

const CSV = [
	'external_id,name,city,country,lat,lon,bio,approach',
	`evil,"<img src=x onerror=alert(4)>Eve","<b>Town</b>",US,40.75,-73.99,` +
	    `"${BIO.replace(/"/g, '""')}","_Mirroring_ first"`,
].join('\n') + '\n';

let server;
let id;

before(async () => {
	server = await startServer({ csv: CSV });
	id = sqliteJson(server.dbPath, "SELECT id FROM therapists WHERE external_id = 'evil'")[0].id;
});

after(async () => {
	await server?.stop();
});

function assertNoLiveMarkup(html) {
	assert.ok(!/<script(?![^>]*src="\/static\/)/i.test(html), 'an inline or foreign <script>');
	assert.ok(!/<img[^>]*onerror/i.test(html), 'an <img onerror>');
	/* Only real tags start with '<' (escaped text shows as &lt;), and
	 * what sits inside a quoted attribute value is text too. */
	const tags = html.replace(/="[^"]*"/g, '=""');
	assert.ok(!/<[a-z][^>]*\son[a-z]+\s*=/i.test(tags), 'an event-handler attribute');
	assert.ok(!/<a\s[^>]*href\s*=\s*"\s*(javascript|data|vbscript):/i.test(html), 'a javascript: or data: link');
	assert.ok(!/<b>Town<\/b>/.test(html), 'markup from the city field');
}

describe('profile page', () => {
	test('renders Markdown but never the author\'s HTML or scripts', async () => {
		const res = await request(`${server.url}/therapists/${id}`);
		assert.equal(res.status, 200);
		assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/);
		const html = res.text;
		assertNoLiveMarkup(html);
		assert.match(html, /<strong>couples<\/strong>/, 'Markdown emphasis is rendered');
		assert.match(html, /<em>Mirroring<\/em>/, 'the approach is rendered too');
		assert.match(html, /&lt;img src=x onerror=alert\(4\)&gt;Eve/, 'the name is shown as text');
		assert.match(html, /&lt;b&gt;Town&lt;\/b&gt;/, 'the city is shown as text');
	});
});

describe('results page', () => {
	test('lists the hostile name as text', async () => {
		const res = await request(`${server.url}/therapists?near=40.75,-73.99&radius=5`);
		assert.equal(res.status, 200);
		assertNoLiveMarkup(res.text);
		assert.match(res.text, /&lt;img src=x onerror=alert\(4\)&gt;Eve/);
		assert.match(res.text, new RegExp(`href="/therapists/${id}"`));
	});

	test('a hostile place name is echoed as text in the 422 page', async () => {
		const res = await request(`${server.url}/therapists?near=${encodeURIComponent('<script>alert(6)</script>')}`);
		assert.equal(res.status, 422);
		assertNoLiveMarkup(res.text);
		assert.match(res.text, /&lt;script&gt;alert\(6\)&lt;\/script&gt;/);
	});

	test('a bad parameter gives a 400 page naming it', async () => {
		const res = await request(`${server.url}/therapists?near=10001&radius=-1`);
		assert.equal(res.status, 400);
		assert.match(res.headers.get('content-type'), /^text\/html/);
		assert.match(res.text, /radius/);
	});
});
