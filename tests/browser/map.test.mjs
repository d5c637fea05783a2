/*
 * The maps app.js draws with Leaflet: on the results page a marker per
 * listed therapist and the search circle, on a profile one marker. Tiles
 * never leave the machine (browser.mjs answers them with a blank image);
 * what is checked is that the map is built from the page's own data and
 * that Leaflet runs under the Content-Security-Policy without a single
 * violation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
	PHONE, assertNoHorizontalScroll, assertNoProblems, assertOnlyTiles,
	launch, openPage, url,
} from './browser.mjs';

const TIMEOUT = { timeout: 60000 };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

describe('results map', () => {
	it('shows a marker for every listed therapist and the search circle', TIMEOUT, async () => {
		const { page, problems, external, close } = await openPage(browser);
		await page.goto(url('/therapists?near=10001'));
		const located = await page.locator('.results .result[data-lat][data-lon]').count();
		assert.ok(located > 0, 'results with a location');

		await page.locator('#map.leaflet-container').waitFor({ state: 'visible' });
		const markers = page.locator('#map .leaflet-marker-pane .leaflet-marker-icon');
		await markers.first().waitFor();
		assert.equal(await markers.count(), located, 'one marker per listed therapist');
		assert.equal(await page.locator('#map .leaflet-overlay-pane path').count(), 1,
		    'the search circle');
		const box = await page.locator('#map').boundingBox();
		assert.ok(box.height >= 200 && box.width >= 200, 'the map has a size');

		/* Every marker's name is one from the list. */
		const names = new Set(await page.$$eval('.results .result', (items) =>
		    items.map((li) => li.getAttribute('data-name'))));
		for (const title of await markers.evaluateAll((els) => els.map((e) => e.getAttribute('title'))))
			assert.ok(names.has(title), `marker "${title}" is in the list`);

		/* A marker opens a popup linking to the profile; markers may
		 * overlap, so it is opened the keyboard's way. */
		await markers.first().focus();
		await page.keyboard.press('Enter');
		const link = page.locator('#map .leaflet-popup-content a');
		await link.waitFor();
		assert.match(await link.getAttribute('href'), /^\/therapists\/\d+$/);

		/* Leaflet's own attribution and the configured one are shown. */
		assert.match(await page.locator('#map .leaflet-control-attribution').textContent(),
		    /OpenStreetMap/);
		assert.ok(await page.locator('#map .leaflet-tile-pane img').count() > 0,
		    'tiles were asked for');
		assertOnlyTiles(external);
		assertNoProblems(problems);
		await close();
	});

	it('fits a phone screen', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser, { viewport: PHONE });
		await page.goto(url('/therapists?near=10001'));
		await page.locator('#map.leaflet-container').waitFor({ state: 'visible' });
		await page.locator('#map .leaflet-marker-icon').first().waitFor();
		await assertNoHorizontalScroll(page, 'results with map');
		assertNoProblems(problems);
		await close();
	});
});

describe('profile map', () => {
	it('shows the office on a small map', TIMEOUT, async () => {
		const { page, problems, external, close } = await openPage(browser);
		await page.goto(url('/therapists?near=10001'));
		const href = await page.locator('.results .result[data-lat] .result-name a').first().getAttribute('href');
		await page.goto(url(href));
		const map = page.locator('#map');
		assert.ok(await map.getAttribute('data-lat'));
		await page.locator('#map.leaflet-container').waitFor({ state: 'visible' });
		await page.locator('#map .leaflet-marker-icon').waitFor();
		assert.equal(await page.locator('#map .leaflet-marker-icon').count(), 1);
		assert.equal(await page.locator('#map .leaflet-overlay-pane path').count(), 0,
		    'no search circle on a profile');
		assertOnlyTiles(external);
		assertNoProblems(problems);
		await close();
	});
});
