/*
 * Shared set-up for the browser tests: Debian's Chromium driven by
 * playwright-core, against a running `imago serve` at $IMAGO_URL.
 *
 * Every page opened through openPage() is watched: console errors (which
 * include Content-Security-Policy violations), uncaught exceptions,
 * failed same-site requests and 4xx/5xx sub-resources are collected in
 * `problems`, and a test ends by asserting the list is empty. Requests to
 * any other host are never sent: map tiles are answered with a blank
 * image (so Leaflet has something to draw and the test never waits on
 * the network) and everything else is aborted and recorded in
 * `external`, so a test can check that nothing unexpected was asked for.
 */
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const BASE = (process.env.IMAGO_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const SITE_HOST = new URL(BASE).host;

export const PHONE = { width: 375, height: 667 };
export const DESKTOP = { width: 1280, height: 900 };

const LAUNCH = {
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	    '--no-first-run', '--disable-background-networking',
	    '--disable-component-update', '--disable-sync'],
};

/* A 1x1 transparent PNG, standing in for map tiles. */
const BLANK_PNG = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'base64');

export function launch() {
	return chromium.launch(LAUNCH);
}

export function url(path) {
	return BASE + path;
}

/*
 * A new context and page. options: viewport, javaScriptEnabled,
 * timezoneId (the browser's IANA time zone; default: the host's).
 * Returns { context, page, problems, external, close }.
 */
export async function openPage(browser, options = {}) {
	const context = await browser.newContext({
		viewport: options.viewport || DESKTOP,
		javaScriptEnabled: options.javaScriptEnabled !== false,
		...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
	});
	const problems = [];
	const external = [];

	await context.route('**/*', (route) => {
		const request = route.request();
		const target = new URL(request.url());
		if (target.host === SITE_HOST)
			return route.continue();
		external.push(target.href);
		if (request.resourceType() === 'image')
			return route.fulfill({ status: 200, contentType: 'image/png', body: BLANK_PNG });
		return route.abort();
	});
	/* Chromium reports CSP violations on the console already; the event
	 * listener makes sure one cannot slip by as a mere warning. */
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
		});
	});

	const page = await context.newPage();
	page.on('console', (msg) => {
		if (msg.type() !== 'error')
			return;
		/* A page served with an error status is logged as a failed
		 * load; tests of error pages check that status themselves. */
		if (msg.text().startsWith('Failed to load resource') &&
		    msg.location().url === page.url())
			return;
		problems.push('console error: ' + msg.text());
	});
	page.on('pageerror', (err) => problems.push('page error: ' + err.message));
	page.on('requestfailed', (request) => {
		const target = new URL(request.url());
		/* ERR_ABORTED is a request the page gave up on: a suggestion
		 * fetch overtaken by typing, or one cut off by navigation. */
		const failure = request.failure();
		if (failure && failure.errorText === 'net::ERR_ABORTED')
			return;
		if (target.host === SITE_HOST)
			problems.push('request failed: ' + request.url() + ' ' +
			    (request.failure() ? request.failure().errorText : ''));
	});
	page.on('response', (response) => {
		const request = response.request();
		/* Error pages are tested on purpose; their assets must not fail. */
		if (response.status() >= 400 && request.resourceType() !== 'document')
			problems.push('HTTP ' + response.status() + ' for ' + response.url());
	});
	return {
		context, page, problems, external,
		close: () => context.close(),
	};
}

/* Fails the test when the page reported any problem. */
export function assertNoProblems(problems) {
	assert.deepEqual(problems, [], 'console errors, CSP violations or failed requests');
}

/* No horizontal scrolling: the document is no wider than the window. */
export async function assertNoHorizontalScroll(page, where) {
	const [scrollWidth, innerWidth] = await page.evaluate(() =>
	    [document.documentElement.scrollWidth, window.innerWidth]);
	assert.ok(scrollWidth <= innerWidth,
	    `${where}: page is ${scrollWidth}px wide in a ${innerWidth}px window`);
}

/* Map tiles are the only other site a page may ask for. */
export function assertOnlyTiles(external) {
	const others = external.filter((u) => !/^https:\/\/([a-z0-9-]+\.)?tile\.openstreetmap\.org\//.test(u));
	assert.deepEqual(others, [], 'requests to other sites');
}

/* Parses "Showing 21–40 of 312 therapists." */
export function parseCount(text) {
	const m = /Showing (\d+)\u2013(\d+) of (\d+)/.exec(text);
	assert.ok(m, `count text "${text}"`);
	return { first: +m[1], last: +m[2], total: +m[3] };
}

/* The distances shown in the list, in kilometres or miles as shown. */
export async function shownDistances(page) {
	return page.$$eval('.results .result', (items) => items.map((li) => {
		const d = li.querySelector('.distance');
		const m = d && /^([0-9]+\.[0-9]) (km|mi) away$/.exec(d.textContent.trim());
		return m ? { value: parseFloat(m[1]), unit: m[2] } : null;
	}));
}

export function assertNonDecreasing(values, what) {
	for (let i = 1; i < values.length; i++)
		assert.ok(values[i] >= values[i - 1],
		    `${what}: ${values[i]} after ${values[i - 1]} (position ${i + 1})`);
}
