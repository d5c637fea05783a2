/*
 * GET /api/v1/therapists/{id}: the full public profile, imported from a
 * hand-written CSV whose every field is known, and 404 for anything that
 * is not the id of a listed therapist.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqliteJson } from '../lib/server.mjs';
import { request } from '../lib/http.mjs';

const BIO = 'First paragraph with "quotes", commas, and <b>markup</b>.\n\n' +
    'Second paragraph: *emphasis*, a [link](https://example.org), and <script>alert(1)</script>.';

const CSV = [
	'external_id,name,credentials,certifications,specialties,formats,languages,accepting_new_clients,' +
	    'fee_min,fee_max,sliding_scale,email,phone,website,address,city,region,postal_code,country,lat,lon,' +
	    'license_number,license_regions,years_experience,bio,approach',
	`p-full,"Renée O'Connor-Smith","PhD, LMFT",certified_imago_therapist;supervisor,premarital; lgbtq,` +
	    `in_person;online,es;EN;es,true,120,180,true,renee@example.org,+1 (212) 555-0100,` +
	    `https://example.org/renee,"350 5th Ave, Suite 100",New York,NY,10118,us,40.7484,-73.9857,` +
	    `NY-123456,us-ny;US-NJ,17,"${BIO.replace(/"/g, '""')}","Imago Dialogue: **mirroring**, validation, empathy."`,
	'p-min,Sam Lee,,,,,,,,,,,,,,,,,,,,,,,,',
	'p-zip,Zip Located,,,,online,,false,,,false,,,,,,,10001,US,,,,US,,,',
	'p-city,City Located,,advanced_clinician,,in_person,de,true,90,90,false,,,,,Zürich,,,CH,,,,CH-ZH,3,,',
].join('\n') + '\n';

let server;
let ids;

before(async () => {
	server = await startServer({ csv: CSV });
	ids = Object.fromEntries(sqliteJson(server.dbPath, 'SELECT id, external_id FROM therapists')
	    .map((r) => [r.external_id, r.id]));
});

after(async () => {
	if (server)
		await server.stop();
});

const profile = (id) => request(`${server.url}/api/v1/therapists/${id}`);
const sorted = (a) => [...a].sort();

describe('the full profile', () => {
	test('every field of a complete row, normalised', async () => {
		const res = await profile(ids['p-full']);
		assert.equal(res.status, 200, res.text);
		assert.match(res.headers.get('content-type'), /^application\/json/);
		const p = res.json;
		assert.equal(p.id, ids['p-full']);
		assert.equal(p.name, "Renée O'Connor-Smith");
		assert.equal(p.credentials, 'PhD, LMFT');
		assert.deepEqual(sorted(p.certifications), ['certified_imago_therapist', 'supervisor']);
		assert.deepEqual(sorted(p.specialties), ['lgbtq', 'premarital']);
		assert.deepEqual(sorted(p.formats), ['in_person', 'online']);
		assert.deepEqual(p.languages, ['en', 'es'], 'languages lower-cased, deduplicated, sorted');
		assert.equal(p.accepting_new_clients, true);
		assert.equal(p.fee_min, 120);
		assert.equal(p.fee_max, 180);
		assert.equal(p.sliding_scale, true);
		/* An imported therapist never chose to publish an address:
		 * people write through the contact relay instead. */
		assert.equal(p.email, undefined);
		assert.ok(!res.text.includes('renee@example.org'), 'the address appears nowhere');
		assert.equal(p.phone, '+1 (212) 555-0100');
		assert.equal(p.website, 'https://example.org/renee');
		assert.equal(p.address, '350 5th Ave, Suite 100');
		assert.equal(p.city, 'New York');
		assert.equal(p.region, 'NY');
		assert.equal(p.postal_code, '10118');
		assert.equal(p.country, 'US', 'country upper-cased');
		assert.equal(p.lat, 40.7484);
		assert.equal(p.lon, -73.9857);
		assert.equal(p.license_number, 'NY-123456');
		assert.deepEqual(p.license_regions, ['US-NJ', 'US-NY'], 'license regions upper-cased and sorted');
		assert.equal(p.years_experience, 17);
		assert.equal(p.bio, BIO, 'bio comes back byte for byte (Markdown source, newlines kept)');
		assert.equal(p.approach, 'Imago Dialogue: **mirroring**, validation, empathy.');
		assert.equal(p.verified, false);
		assert.equal(p.verified_at, null);
	});

	test('a row with only a name: empty fields are empty, unknown numbers null', async () => {
		const res = await profile(ids['p-min']);
		assert.equal(res.status, 200, res.text);
		const p = res.json;
		assert.equal(p.name, 'Sam Lee');
		for (const k of ['certifications', 'specialties', 'formats', 'languages', 'license_regions'])
			assert.deepEqual(p[k], [], k);
		for (const k of ['fee_min', 'fee_max', 'years_experience', 'lat', 'lon', 'verified_at'])
			assert.equal(p[k], null, k);
		assert.equal(p.accepting_new_clients, false);
		assert.equal(p.sliding_scale, false);
		assert.equal(p.bio, '');
		assert.equal(p.email, undefined);
	});

	test('a row without coordinates is placed by its ZIP code', async () => {
		const p = (await profile(ids['p-zip'])).json;
		assert.ok(p && Math.abs(p.lat - 40.7484) < 1e-3 && Math.abs(p.lon - -73.9967) < 1e-3,
		    `placed at ${p && p.lat},${p && p.lon}, want the centroid of 10001`);
	});

	test('a row without coordinates or postal code is placed by its city', async () => {
		const p = (await profile(ids['p-city'])).json;
		assert.ok(p && Math.abs(p.lat - 47.37) < 0.1 && Math.abs(p.lon - 8.54) < 0.1,
		    `placed at ${p && p.lat},${p && p.lon}, want Zürich`);
		assert.equal(p.fee_min, 90);
		assert.equal(p.fee_max, 90);
	});

	test('the profile agrees with the search result row', async () => {
		const list = (await request(`${server.url}/api/v1/therapists?limit=100`)).json;
		assert.equal(list.total, 4);
		for (const r of list.results) {
			const p = (await profile(r.id)).json;
			for (const k of ['id', 'name', 'credentials', 'certifications', 'specialties', 'formats', 'languages',
				'accepting_new_clients', 'fee_min', 'fee_max', 'sliding_scale', 'city', 'region', 'postal_code',
				'country', 'lat', 'lon', 'verified'])
				assert.deepEqual(r[k], p[k], `${k} of ${r.id}`);
		}
	});

	test('HEAD on a profile: same status and type, no body', async () => {
		const res = await fetch(`${server.url}/api/v1/therapists/${ids['p-full']}`, { method: 'HEAD' });
		assert.equal(res.status, 200);
		assert.match(res.headers.get('content-type'), /^application\/json/);
		assert.equal(await res.text(), '');
	});
});

describe('404 not_found', () => {
	for (const id of ['abc', '-1', '0', '999999', '99999999999999999999999', '9223372036854775807',
		'9223372036854775808', '1e3', '1.0', '0x1', '%00', '1%00', '%201', '1%20', '..%2F..%2Fetc%2Fpasswd']) {
		test(`/api/v1/therapists/${id}`, async () => {
			const res = await profile(id);
			assert.equal(res.status, 404, res.text);
			assert.match(res.headers.get('content-type') || '', /^application\/json/);
			assert.equal(res.json?.error?.code, 'not_found', res.text);
			assert.equal(typeof res.json.error.message, 'string');
		});
	}

	test('an id that is not UTF-8: refused (400 or 404) as JSON', async () => {
		for (const id of ['%ff', '1%ff', '%c0%b1']) {
			const res = await profile(id);
			assert.ok(res.status === 400 || res.status === 404, `${id} -> ${res.status}`);
			assert.match(res.headers.get('content-type') || '', /^application\/json/);
			assert.equal(typeof res.json?.error?.code, 'string', res.text);
		}
	});

	test('a deeper path under a profile', async () => {
		const res = await request(`${server.url}/api/v1/therapists/${ids['p-full']}/secret`);
		assert.equal(res.status, 404);
		assert.equal(res.json?.error?.code, 'not_found', res.text);
	});
});
