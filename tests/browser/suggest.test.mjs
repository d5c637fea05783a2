/*
 * Place suggestions under the search box: the ARIA combobox in app.js,
 * fed by /api/v1/places. Checked the way people use it: typing, the
 * mouse, the arrow keys, Enter and Escape, and that a chosen suggestion
 * is a place the search understands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertNoProblems, launch, openPage, url } from './browser.mjs';

const TIMEOUT = { timeout: 60000 };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function typeInSearchBox(page, text) {
	const input = page.locator('#near');
	await input.click();
	await input.pressSequentially(text, { delay: 40 });
	return input;
}

describe('place suggestions', () => {
	it('suggest Zürich for "Zur" and can be used with the keyboard', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		await page.goto(url('/'));
		const input = await typeInSearchBox(page, 'Zur');

		const listbox = page.getByRole('listbox', { name: 'Suggested places' });
		await listbox.waitFor({ state: 'visible' });
		const options = listbox.getByRole('option');
		const labels = await options.allTextContents();
		assert.ok(labels.length >= 1 && labels.length <= 10, `${labels.length} suggestions`);
		assert.ok(labels.some((l) => l.includes('Zürich')), `Zürich among ${JSON.stringify(labels)}`);

		assert.equal(await input.getAttribute('role'), 'combobox');
		assert.equal(await input.getAttribute('aria-expanded'), 'true');
		assert.equal(await input.getAttribute('aria-controls'), await listbox.getAttribute('id'));

		/* Down moves through the options; the input stays focused and
		 * names the active one. */
		await page.keyboard.press('ArrowDown');
		const firstId = await options.nth(0).getAttribute('id');
		assert.equal(await input.getAttribute('aria-activedescendant'), firstId);
		assert.equal(await options.nth(0).getAttribute('aria-selected'), 'true');
		if (labels.length > 1) {
			await page.keyboard.press('ArrowDown');
			assert.equal(await input.getAttribute('aria-activedescendant'),
			    await options.nth(1).getAttribute('id'));
			await page.keyboard.press('ArrowUp');
		}
		assert.equal(await page.evaluate(() => document.activeElement.id), 'near');

		/* Enter takes the highlighted place and closes the list. */
		const zurich = labels.findIndex((l) => l.includes('Zürich'));
		for (let i = 0; i < zurich; i++)
			await page.keyboard.press('ArrowDown');
		await page.keyboard.press('Enter');
		assert.equal(await input.inputValue(), labels[zurich]);
		assert.equal(await input.getAttribute('aria-expanded'), 'false');
		assert.equal(await listbox.isVisible(), false);
		assert.equal(new URL(page.url()).pathname, '/', 'choosing did not submit');

		/* The chosen label is a place the search resolves. */
		await Promise.all([
			page.waitForURL(/\/therapists\?/),
			page.keyboard.press('Enter'),
		]);
		assert.match(await page.locator('#summary').textContent(), /Zürich/);
		assert.equal(await page.locator('.notice[role="alert"]').count(), 0);
		assertNoProblems(problems);
		await close();
	});

	it('closes with Escape and opens again when typing on', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		await page.goto(url('/'));
		const input = await typeInSearchBox(page, 'Zur');
		const listbox = page.getByRole('listbox', { name: 'Suggested places' });
		await listbox.waitFor({ state: 'visible' });
		await page.keyboard.press('Escape');
		assert.equal(await listbox.isVisible(), false);
		assert.equal(await input.getAttribute('aria-expanded'), 'false');
		assert.equal(await input.inputValue(), 'Zur', 'Escape keeps what was typed');
		await input.pressSequentially('i', { delay: 40 });
		await listbox.waitFor({ state: 'visible' });
		assert.ok((await listbox.getByRole('option').allTextContents()).some((l) => l.includes('Zürich')));
		assertNoProblems(problems);
		await close();
	});

	it('takes a click on a suggestion', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		await page.goto(url('/'));
		const input = await typeInSearchBox(page, 'Zur');
		const option = page.getByRole('option').filter({ hasText: 'Zürich' }).first();
		await option.waitFor({ state: 'visible' });
		const label = await option.textContent();
		await option.click();
		assert.equal(await input.inputValue(), label);
		assert.equal(await input.getAttribute('aria-expanded'), 'false');
		assertNoProblems(problems);
		await close();
	});

	it('stays quiet for a single letter', TIMEOUT, async () => {
		const { page, problems, close } = await openPage(browser);
		await page.goto(url('/'));
		let asked = 0;
		page.on('request', (r) => { if (r.url().includes('/api/v1/places')) asked++; });
		await typeInSearchBox(page, 'Z');
		await page.waitForTimeout(400);
		assert.equal(asked, 0);
		assert.equal(await page.getByRole('listbox').isVisible(), false);
		assertNoProblems(problems);
		await close();
	});
});
