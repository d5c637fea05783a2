/*
 * `imago import therapists` through the CLI against a temporary database:
 * FILE:LINE errors, all-or-nothing versus --skip-invalid, CSV dialect
 * details, and re-imports that update rows in place and reach a running
 * server's search index without a restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runImago, sqliteJson, startServer, importCsv } from '../lib/server.mjs';
import { request } from '../lib/http.mjs';

const HEADER = 'external_id,name,email,specialties,fee_min,fee_max,lat,lon,bio';
const GOOD = [
	'g1,Gail One,g1@example.org,premarital,100,150,40.75,-73.99,plain',
	'g2,Greg Two,g2@example.org,lgbtq;workshops,90,120,40.76,-73.98,"with, a comma"',
	'g3,Gwen Three,,repetitive_conflict,,,40.74,-74.00,"say ""hi"""',
];

let tmp;
let template;
let seq = 0;

before(() => {
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-import-'));
	/* Every row here has coordinates, so the importer never needs the
	 * gazetteer: a freshly migrated database is enough, and small to copy. */
	template = path.join(tmp, 'template.db');
	const r = runImago(['--db', template, 'migrate']);
	assert.equal(r.status, 0, r.stderr);
});

after(() => {
	fs.rmSync(tmp, { recursive: true, force: true });
});

/* A fresh, empty, migrated database for each test that writes. */
function freshDb() {
	const db = path.join(tmp, `db${++seq}.db`);
	fs.copyFileSync(template, db);
	return db;
}

function writeCsv(name, text) {
	const file = path.join(tmp, name);
	fs.writeFileSync(file, text);
	return file;
}

const count = (db) => sqliteJson(db, 'SELECT count(*) AS n FROM therapists')[0].n;
const importFile = (db, file, extra = []) => runImago(['--db', db, 'import', 'therapists', ...extra, file]);
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const lineRe = (file, line) => new RegExp(`${escapeRe(path.basename(file))}:${line}:`);

describe('valid files', () => {
	test('imports every row', () => {
		const db = freshDb();
		const r = importFile(db, writeCsv('good.csv', [HEADER, ...GOOD].join('\n') + '\n'));
		assert.equal(r.status, 0, r.stderr);
		assert.equal(count(db), 3);
		const rows = sqliteJson(db, "SELECT name, bio, fee_min, lat FROM therapists WHERE external_id = 'g3'");
		assert.deepEqual(rows, [{ name: 'Gwen Three', bio: 'say "hi"', fee_min: null, lat: 40.74 }]);
	});

	test('CRLF line endings, a UTF-8 BOM, no final newline', () => {
		const db = freshDb();
		const r = importFile(db, writeCsv('crlf.csv', '\ufeff' + [HEADER, ...GOOD].join('\r\n')));
		assert.equal(r.status, 0, r.stderr);
		assert.equal(count(db), 3);
		assert.deepEqual(sqliteJson(db, "SELECT external_id, bio FROM therapists WHERE external_id = 'g1'"),
		    [{ external_id: 'g1', bio: 'plain' }], 'the first column is named without the BOM; no \\r left in the last');
	});

	test('a quoted field may span lines', () => {
		const db = freshDb();
		const r = importFile(db, writeCsv('multi.csv',
		    `${HEADER}\nm1,Multi Line,,,,,1,1,"line one\nline two\n\nline four"\n`));
		assert.equal(r.status, 0, r.stderr);
		assert.deepEqual(sqliteJson(db, 'SELECT bio FROM therapists'), [{ bio: 'line one\nline two\n\nline four' }]);
	});

	test('standard input with FILE "-"', () => {
		const db = freshDb();
		const r = runImago(['--db', db, 'import', 'therapists', '-'], { input: [HEADER, ...GOOD].join('\n') + '\n' });
		assert.equal(r.status, 0, r.stderr);
		assert.equal(count(db), 3);
	});
});

describe('invalid rows', () => {
	/* Line 1 is the header; line 4 has a bad email, line 6 an unknown specialty. */
	const MIXED = [HEADER, GOOD[0], GOOD[1],
		'b1,Bad Email,not-an-email,,,,40,-70,',
		GOOD[2],
		'b2,Bad Specialty,,astrology,,,40,-70,',
	].join('\n') + '\n';

	test('all or nothing: exit 1, every problem as FILE:LINE, nothing imported', () => {
		const db = freshDb();
		const file = writeCsv('mixed.csv', MIXED);
		const r = importFile(db, file);
		assert.equal(r.status, 1, r.stderr);
		assert.match(r.stderr, lineRe(file, 4));
		assert.match(r.stderr.split('\n').find((l) => lineRe(file, 4).test(l)) || '', /email/);
		assert.match(r.stderr, lineRe(file, 6));
		assert.match(r.stderr.split('\n').find((l) => lineRe(file, 6).test(l)) || '', /specialt/);
		assert.doesNotMatch(r.stderr, lineRe(file, 2), 'valid lines are not reported');
		assert.equal(count(db), 0);
	});

	test('a failed import leaves earlier data untouched', () => {
		const db = freshDb();
		assert.equal(importFile(db, writeCsv('first.csv', [HEADER, ...GOOD].join('\n') + '\n')).status, 0);
		const before = sqliteJson(db, 'SELECT * FROM therapists ORDER BY id');
		const changed = MIXED.replace('Gail One', 'Gail Changed');
		assert.equal(importFile(db, writeCsv('second.csv', changed)).status, 1);
		assert.deepEqual(sqliteJson(db, 'SELECT * FROM therapists ORDER BY id'), before);
	});

	test('--skip-invalid: the valid rows go in, the others are reported', () => {
		const db = freshDb();
		const file = writeCsv('mixed-skip.csv', MIXED);
		const r = importFile(db, file, ['--skip-invalid']);
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stderr, lineRe(file, 4));
		assert.match(r.stderr, lineRe(file, 6));
		assert.deepEqual(sqliteJson(db, 'SELECT external_id FROM therapists ORDER BY external_id').map((x) => x.external_id),
		    ['g1', 'g2', 'g3']);
	});

	test('LINE is the line a record starts on, counting lines inside quoted fields', () => {
		const db = freshDb();
		const file = writeCsv('lines.csv', [HEADER,
			'm1,Multi,,,,,1,1,"a\nb\nc"', /* lines 2-4 */
			'b1,Bad,,,,,95,1,', /* line 5: latitude out of range */
		].join('\n') + '\n');
		const r = importFile(db, file);
		assert.equal(r.status, 1);
		assert.match(r.stderr, lineRe(file, 5), r.stderr);
		assert.match(r.stderr.split('\n').find((l) => lineRe(file, 5).test(l)) || '', /lat/);
	});

	test('each kind of bad row is refused with its line and reason', () => {
		const cases = [
			['b,No Lon,,,,,40,,', /lon|lat/],
			['b,Lat Out,,,,,-91,0,', /lat/],
			['b,Lon Out,,,,,0,181,', /lon|lat/],
			['b,Lat Text,,,,,north,0,', /lat/],
			['b,Fee Order,,,200,100,,,', /fee/],
			['b,Fee Negative,,,-5,,,,', /fee/],
			['b,Fee Text,,,cheap,,,,', /fee/],
			[',No External Id,,,,,,,', /external_id/],
			['b,,,,,,,,', /name/],
			['b,   ,,,,,,,', /name/],
		];
		/* Line 2 is valid; case k is on line k + 3. Distinct external_ids,
		 * so no row is refused as a duplicate. */
		const rows = cases.map(([row], k) => row.replace(/^b,/, `b${k},`));
		const file = writeCsv('bad-rows.csv', [HEADER, GOOD[0], ...rows].join('\n') + '\n');
		for (const extra of [[], ['--skip-invalid']]) {
			const db = freshDb();
			const r = importFile(db, file, extra);
			assert.equal(r.status, extra.length ? 0 : 1, r.stderr);
			const lines = r.stderr.split('\n');
			cases.forEach(([row, why], k) => {
				const line = lines.find((l) => lineRe(file, k + 3).test(l));
				assert.ok(line, `${row}: reported on line ${k + 3}:\n${r.stderr}`);
				assert.match(line, why, row);
			});
			assert.equal(count(db), extra.length ? 1 : 0);
		}
	});

	test('invalid UTF-8 in a field is refused', () => {
		const db = freshDb();
		const file = path.join(tmp, 'latin1.csv');
		fs.writeFileSync(file, Buffer.concat([Buffer.from(`${HEADER}\n${GOOD[0]}\nl1,Ren`), Buffer.from([0xe9]),
			Buffer.from('e Latin,,,,,,,\n')]));
		const r = importFile(db, file);
		assert.equal(r.status, 1, r.stderr);
		assert.match(r.stderr, lineRe(file, 3));
		assert.equal(count(db), 0);
	});

	test('the same external_id twice in one file', () => {
		const db = freshDb();
		const file = writeCsv('dup.csv', [HEADER, GOOD[0], GOOD[1], GOOD[0].replace('Gail One', 'Gail Again')].join('\n') + '\n');
		const r = importFile(db, file);
		assert.equal(r.status, 1, r.stderr);
		assert.match(r.stderr, lineRe(file, 4));
		assert.equal(count(db), 0);
	});
});

describe('invalid files', () => {
	for (const [label, text, why] of [
		['missing name column', 'external_id,email\nx1,x@example.org\n', /name/],
		['missing external_id column', 'name,email\nX One,x@example.org\n', /external_id/],
		['unknown column', 'external_id,name,favourite_colour\nx1,X One,blue\n', /favourite_colour/],
		['repeated column', 'external_id,name,name\nx1,X One,X Two\n', /name/],
		['empty file', '', /./],
		['unterminated quote', `${HEADER}\n${GOOD[0]}\nq1,"Never closed,,,,,,,\n`, /./],
		['too many fields', `${HEADER}\n${GOOD[0]},extra\n`, /./],
	]) {
		test(label, () => {
			const db = freshDb();
			const file = writeCsv('invalid.csv', text);
			const r = importFile(db, file);
			assert.equal(r.status, 1, r.stderr);
			assert.match(r.stderr, why);
			assert.match(r.stderr, new RegExp(escapeRe(path.basename(file))), 'the message names the file');
			assert.equal(count(db), 0);
		});
	}

	test('a file that does not exist', () => {
		const db = freshDb();
		const r = importFile(db, path.join(tmp, 'no-such.csv'));
		assert.equal(r.status, 1);
		assert.match(r.stderr, /no-such\.csv/);
	});
});

describe('re-import while the server runs', () => {
	let server;
	const csv = (name, fee) => [HEADER, GOOD[0],
		`g2,${name},g2@example.org,lgbtq;workshops,${fee},120,40.76,-73.98,"with, a comma"`,
		GOOD[2]].join('\n') + '\n';

	before(async () => {
		server = await startServer({ csv: csv('Greg Two', 90) });
	});
	after(async () => {
		if (server)
			await server.stop();
	});

	test('upserts by external_id: same ids, count unchanged, the change visible through the API', async () => {
		const ids = sqliteJson(server.dbPath, 'SELECT id, external_id FROM therapists ORDER BY id');
		const g2 = ids.find((r) => r.external_id === 'g2').id;
		const near = `${server.url}/api/v1/therapists?near=40.75,-73.99&radius=10`;
		const first = (await request(near)).json;
		assert.equal(first.total, 3);
		assert.equal(first.results.find((r) => r.id === g2).name, 'Greg Two');

		importCsv(server.dbPath, server.dir, csv('Xavier Renamed', 75), 'reimport.csv');
		assert.deepEqual(sqliteJson(server.dbPath, 'SELECT id, external_id FROM therapists ORDER BY id'), ids,
		    'the same rows, the same ids');

		const profile = (await request(`${server.url}/api/v1/therapists/${g2}`)).json;
		assert.equal(profile.name, 'Xavier Renamed');
		assert.equal(profile.fee_min, 75);

		/* The search index notices the change on its own (within about a second). */
		const deadline = Date.now() + 5000;
		let last;
		for (;;) {
			last = (await request(near)).json;
			const row = last.results.find((r) => r.id === g2);
			if (row && row.name === 'Xavier Renamed' && row.fee_min === 75)
				break;
			assert.ok(Date.now() < deadline, `the search still shows ${JSON.stringify(row)} after 5 s`);
			await new Promise((r) => setTimeout(r, 100));
		}
		assert.equal(last.total, 3);
		const byName = (await request(`${server.url}/api/v1/therapists?q=Renamed`)).json;
		assert.deepEqual(byName.results.map((r) => r.id), [g2], 'full text sees the new name');
		const oldName = (await request(`${server.url}/api/v1/therapists?q=Two`)).json;
		assert.deepEqual(oldName.results.map((r) => r.id), [], 'and no longer the old one');
	});

	test('a new row imported later shows up in search', async () => {
		importCsv(server.dbPath, server.dir, `${HEADER}\nn1,Nina New,,,,,40.751,-73.991,\n`, 'new.csv');
		const deadline = Date.now() + 5000;
		for (;;) {
			const body = (await request(`${server.url}/api/v1/therapists?near=40.75,-73.99&radius=10`)).json;
			if (body.total === 4 && body.results.some((r) => r.name === 'Nina New'))
				break;
			assert.ok(Date.now() < deadline, `after 5 s: total ${body.total}`);
			await new Promise((r) => setTimeout(r, 100));
		}
	});
});
