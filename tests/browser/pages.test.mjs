/*
 * What the pages say beyond the search journey: error pages (400 naming
 * the field, 422 for an unknown place with the form filled in again, 404),
 * labels on every form control, the facilitator note, and the layout's
 * credits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertNoProblems, launch, openPage, url } from './browser.mjs';

const TIMEOUT = { timeout: 60000 };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/* Every visible form control has a label (or an aria-label). */
async function unlabelledControls(page) {
	return page.$$eval('input:not([type="hidden"]), select, textarea', (els) =>
	    els.filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
	        .map((el) => el.outerHTML));
}

describe('layout', () => {
	it('labels every control and credits GeoNames and OpenStreetMap', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		await page.goto(url('/'));
		assert.equal(await page.getAttribute('html', 'lang'), 'en');
		assert.deepEqual(await unlabelledControls(page), []);
		const footer = await page.locator('footer').textContent();
		assert.match(footer, /GeoNames/);
		assert.match(footer, /CC BY 4\.0/);
		assert.match(footer, /OpenStreetMap contributors/);
		assert.equal(await page.locator('footer a[href="https://www.geonames.org/"]').count(), 1);
		assert.equal(await page.locator('script').count(), 1, 'one script');
		assert.equal(await page.locator('[style]').count(), 0, 'no style attributes');

		await page.goto(url('/therapists?near=10001'));
		assert.deepEqual(await unlabelledControls(page), []);
		assertNoProblems(problems);
		await close();
	});
});

describe('error pages', () => {
	it('names the field of a bad parameter (400)', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		const res = await page.goto(url('/therapists?near=10001&radius=abc'));
		assert.equal(res.status(), 400);
		assert.match(await page.locator('main').textContent(), /radius/);
		assert.equal(await page.locator('main form[action="/therapists"]').count(), 1, 'a search form');
		assert.equal(await page.locator('main a[href="/"]').count(), 1, 'a link home');
		assertNoProblems(problems);
		await close();
	});

	it('says when a place is unknown and keeps the search (422)', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		const res = await page.goto(url('/therapists?near=Qqqxzv&specialty=premarital'));
		assert.equal(res.status(), 422);
		assert.match(await page.locator('h1').textContent(), /couldn.t find/);
		assert.match(await page.locator('main').textContent(), /Qqqxzv/);
		assert.equal(await page.locator('#near').inputValue(), 'Qqqxzv');
		assert.equal(await page.locator('#specialty-premarital').isChecked(), true);
		assertNoProblems(problems);
		await close();
	});

	it('answers 404 for unknown pages and profiles', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		for (const path of ['/no/such/page', '/therapists/abc', '/therapists/0',
		    '/therapists/-3', '/therapists/999999999']) {
			const res = await page.goto(url(path));
			assert.equal(res.status(), 404, path);
			assert.match(await page.locator('h1').textContent(), /not found/i, path);
			assert.equal(await page.locator('main a[href="/"]').count(), 1, path);
		}
		assertNoProblems(problems);
		await close();
	});
});

describe('profiles', () => {
	it('say when an Imago Facilitator is not a licensed therapist', TIMEOUT, async (t) => {
		const { page, problems, close } = await openPage(browser);
		const api = await (await page.request.get(
		    url('/api/v1/therapists?certification=imago_facilitator&limit=100'))).json();
		const only = api.results.find((r) => r.certifications.length === 1 &&
		    r.certifications[0] === 'imago_facilitator');
		if (!only) {
			t.skip('no facilitator-only profile in this data');
			await close();
			return;
		}
		await page.goto(url(`/therapists/${only.id}`));
		assert.match(await page.locator('.profile').textContent(),
		    /Imago Facilitator \(not a licensed therapist\)/);
		assertNoProblems(problems);
		await close();
	});

	it('show contact links and the facts of the listing', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		const api = await (await page.request.get(url('/api/v1/therapists?near=10001'))).json();
		const first = api.results[0];
		await page.goto(url(`/therapists/${first.id}`));
		const text = await page.locator('.profile').textContent();
		assert.match(text, /Certification/);
		assert.match(text, /Fees/);
		/* Links outside the map (Leaflet's zoom buttons are href="#"). */
		const hrefs = await page.$$eval('.profile a[href]', (as) => as
		    .filter((a) => !a.closest('#map')).map((a) => a.getAttribute('href')));
		assert.ok(hrefs.length > 0);
		for (const href of hrefs)
			assert.match(href, /^(\/|https?:|mailto:|tel:)/, `safe link ${href}`);
		assertNoProblems(problems);
		await close();
	});
});
