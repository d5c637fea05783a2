/*
 * The command line: help and usage errors for every subcommand, and
 * `imago search`, whose --json output must be the API's answer to the
 * same query (one engine behind both faces).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startServer, runImago, sqliteJson, gazetteerFixture, makeTestDb } from '../lib/server.mjs';
import { request, query } from '../lib/http.mjs';
import { generateTherapists, toCsv, Q_WORD_BIO } from '../lib/therapists.mjs';

const SUBCOMMANDS = ['serve', 'migrate', 'gazetteer', 'import', 'demo', 'search', 'user', 'routes', 'audit', 'mail'];

describe('help and usage errors', () => {
	let dir;
	let db;
	before(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-cli-'));
		db = path.join(dir, 'never-created.db');
	});
	after(() => fs.rmSync(dir, { recursive: true, force: true }));

	test('imago --help and -h print usage and exit 0', () => {
		for (const flag of ['--help', '-h']) {
			const r = runImago([flag]);
			assert.equal(r.status, 0, r.stderr);
			assert.match(r.stdout, /usage/i);
			for (const sub of SUBCOMMANDS)
				assert.match(r.stdout, new RegExp(`\\b${sub}\\b`), `--help lists ${sub}`);
		}
	});

	test('every subcommand answers --help with its usage, exit 0', () => {
		for (const sub of SUBCOMMANDS) {
			const r = runImago(['--db', db, sub, '--help']);
			assert.equal(r.status, 0, `${sub} --help: ${r.stderr}`);
			assert.match(r.stdout, /usage/i, `${sub} --help`);
			assert.match(r.stdout, new RegExp(`imago.*\\b${sub}\\b`), `${sub} --help names the command`);
		}
		const r = runImago(['--db', db, 'import', 'therapists', '--help']);
		assert.equal(r.status, 0);
		assert.match(r.stdout, /usage/i);
		assert.ok(!fs.existsSync(db), '--help does not create the database');
	});

	test('no command, an unknown command or an unknown option: exit 2', () => {
		const cases = [
			[],
			['--bogus'],
			['frobnicate'],
			['--db', db, 'serve', '--bogus'],
			['--db', db, 'migrate', '--bogus'],
			['--db', db, 'gazetteer', '--bogus'],
			['--db', db, 'import', 'therapists', 'x.csv', '--bogus'],
			['--db', db, 'import', 'dragons', 'x.csv'],
			['--db', db, 'import'],
			['--db', db, 'demo', '--bogus'],
			['--db', db, 'search', '10001', '--bogus'],
			['--db', db, 'search', '10001', 'Zurich'],
			['--db', db, 'search', '10001', '--radius'],
			['--db', db, 'user'],
			['--db', db, 'user', 'remove', 'a@example.org'],
			['--db', db, 'user', 'add'],
			['--db', db, 'user', 'add', 'a@example.org', '--bogus'],
			['--db', db, 'routes', 'extra'],
		];
		for (const args of cases) {
			const r = runImago(args);
			assert.equal(r.status, 2, `imago ${args.join(' ')}: status ${r.status}, stderr ${r.stderr}`);
			assert.ok(r.stderr.length > 0, `imago ${args.join(' ')} explains on stderr`);
			assert.equal(r.stdout, '', `imago ${args.join(' ')} prints nothing on stdout`);
		}
		assert.ok(!fs.existsSync(db), 'usage errors do not create the database');
	});
});

describe('imago user add and imago routes', () => {
	let dir, db;
	before(() => {
		({ dir, dbPath: db } = makeTestDb('imago-user-'));
	});
	after(() => fs.rmSync(dir, { recursive: true, force: true }));

	test('creates a verified admin from a password on standard input', () => {
		const r = runImago(['--db', db, 'user', 'add', 'Root@Example.org', '--admin', '--name', 'Root'],
		    { input: 'a long admin passphrase\n' });
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout, /created user \d+ <root@example\.org> \(client,admin\)/);
		assert.ok(!r.stdout.includes('passphrase') && !r.stderr.includes('passphrase'),
		    'the password is never printed');
		const [row] = sqliteJson(db, "SELECT email, roles, email_verified_at IS NOT NULL AS verified,"
		    + " password_hash FROM users");
		assert.equal(row.email, 'root@example.org');
		assert.equal(row.roles, 5);
		assert.equal(row.verified, 1);
		assert.match(row.password_hash, /^\$argon2id\$/);
		const [audit] = sqliteJson(db, "SELECT actor, action, detail FROM audit_log");
		assert.deepEqual(audit, { actor: 'system', action: 'user.create', detail: 'client,admin' });
	});

	test('refuses a weak password, a bad address and a taken one, exit 1', () => {
		for (const [email, pw, why] of [['weak@example.org', 'short\n', /12 characters/],
		    ['not-an-address', 'a long enough password\n', /email/],
		    ['root@example.org', 'another long password\n', /exists/]]) {
			const r = runImago(['--db', db, 'user', 'add', email], { input: pw });
			assert.equal(r.status, 1, `${email}: ${r.stderr}`);
			assert.match(r.stderr, why);
		}
		const [{ n }] = sqliteJson(db, 'SELECT count(*) AS n FROM users');
		assert.equal(n, 1);
	});

	test('imago routes lists every route once with its access level', () => {
		const r = runImago(['routes']);
		assert.equal(r.status, 0, r.stderr);
		const routes = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
		const admin = routes.find((x) => x.pattern === '/api/v1/admin/audit');
		assert.equal(admin.access, 'admin');
		const search = routes.find((x) => x.pattern === '/api/v1/therapists' && x.methods.includes('GET'));
		assert.equal(search.access, 'public');
		const keys = routes.flatMap((x) => x.methods.map((m) => `${m} ${x.pattern}`));
		assert.equal(new Set(keys).size, keys.length, 'no method and pattern twice');
	});
});

describe('imago search', () => {
	let server;
	before(async () => {
		server = await startServer({ csv: toCsv(generateTherapists(600, 11)) });
	});
	after(async () => {
		if (server)
			await server.stop();
	});

	const search = (args) => runImago(['--db', server.dbPath, 'search', ...args]);
	/* "url" may carry a different prefix in front of /therapists/{id}. */
	const normalise = (body) => JSON.parse(JSON.stringify(body), (k, v) =>
	    (k === 'url' && typeof v === 'string' ? v.slice(v.indexOf('/therapists/')) : v));

	const CASES = [
		[['10001'], [['near', '10001']]],
		[['10001', '--radius', '100', '--limit', '100'], [['near', '10001'], ['radius', 100], ['limit', 100]]],
		[['Zurich', '--radius', '50', '--unit', 'mi'], [['near', 'Zurich'], ['radius', 50], ['unit', 'mi']]],
		[['40.7484,-73.9967', '--radius', '300', '--specialty', 'lgbtq', '--specialty', 'premarital'],
		    [['near', '40.7484,-73.9967'], ['radius', 300], ['specialty', 'lgbtq'], ['specialty', 'premarital']]],
		[['-33.8688,151.2093', '--radius=200'], [['near', '-33.8688,151.2093'], ['radius', 200]]],
		[['Austin', '--format', 'online', '--limit', '5'], [['near', 'Austin'], ['format', 'online'], ['limit', 5]]],
		[['10001', '--radius', '1000', '--certification', 'supervisor', '--certification', 'advanced_clinician',
		    '--accepting', '--fee-max', '150', '--language', 'en', '--offset', '2', '--limit', '7'],
		    [['near', '10001'], ['radius', 1000], ['certification', 'supervisor'], ['certification', 'advanced_clinician'],
		     ['accepting', 'true'], ['fee_max', 150], ['language', 'en'], ['offset', 2], ['limit', 7]]],
		[['--q', Q_WORD_BIO, '--limit', '50'], [['q', Q_WORD_BIO], ['limit', 50]]],
		[['--format', 'in_person', '--limit', '30', '--offset', '10'], [['format', 'in_person'], ['limit', 30], ['offset', 10]]],
	];

	test('--json prints exactly the API\'s JSON for the same query', async () => {
		for (const [args, pairs] of CASES) {
			const r = search([...args, '--json']);
			assert.equal(r.status, 0, `imago search ${args.join(' ')}: ${r.stderr}`);
			let cli;
			assert.doesNotThrow(() => { cli = JSON.parse(r.stdout); }, `stdout is JSON: ${r.stdout.slice(0, 200)}`);
			const api = await request(server.url + query('/api/v1/therapists', pairs));
			assert.equal(api.status, 200, api.text);
			assert.deepEqual(normalise(cli), normalise(api.json), `imago search ${args.join(' ')}`);
		}
	});

	test('the fixture makes the comparison meaningful', async () => {
		const api = await request(`${server.url}/api/v1/therapists?near=10001&radius=100&limit=100`);
		assert.ok(api.json.total > 20, `${api.json.total} rows near 10001`);
	});

	test('without --json: a table with the same rows in the same order', async () => {
		const r = search(['10001', '--radius', '100', '--limit', '8']);
		assert.equal(r.status, 0, r.stderr);
		const api = (await request(`${server.url}/api/v1/therapists?near=10001&radius=100&limit=8`)).json;
		assert.equal(api.results.length, 8);
		let at = 0;
		for (const row of api.results) {
			const i = r.stdout.indexOf(row.name.slice(0, 30), at);
			assert.ok(i >= 0, `"${row.name}" (id ${row.id}) appears after the previous row in:\n${r.stdout}`);
			at = i;
		}
		assert.ok(r.stdout.includes(String(api.total)), 'the table states the total');
		assert.throws(() => JSON.parse(r.stdout), 'the table is not JSON');
	});

	test('bad parameters are usage errors (exit 2) naming the parameter', () => {
		for (const [args, word] of [
			[['10001', '--radius', 'abc'], /radius/],
			[['10001', '--radius', '2000'], /radius/],
			[['10001', '--unit', 'furlongs'], /unit/],
			[['10001', '--specialty', 'astrology'], /specialty/],
			[['10001', '--limit', '0'], /limit/],
			[['10001', '--format', 'hybrid'], /format/],
		]) {
			const r = search(args);
			assert.equal(r.status, 2, `imago search ${args.join(' ')}: ${r.status} ${r.stderr}`);
			assert.match(r.stderr, word);
			assert.equal(r.stdout, '');
		}
	});

	test('a place that resolves to nothing fails (exit 1) with a message', () => {
		const r = search(['Xyzzyplugh Nowhereville', '--json']);
		assert.equal(r.status, 1, r.stderr);
		assert.ok(r.stderr.length > 0);
		assert.equal(r.stdout, '');
	});
});

describe('imago demo', () => {
	test('--therapists N --seed S: N rows, the same ones for the same seed, served by the API', async () => {
		const server = await startServer({ demo: 60 });
		try {
			const api = (await request(`${server.url}/api/v1/therapists?limit=100`)).json;
			assert.equal(api.total, 60);
			const again = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-demo-'));
			try {
				const cols = 'external_id, name, lat, lon, specialties, formats, fee_min, license_regions, bio';
				const fresh = path.join(again, 'fresh.db');
				fs.copyFileSync(gazetteerFixture(), fresh);
				const r = runImago(['--db', fresh, 'demo', '--therapists', '60', '--seed', '1']);
				assert.equal(r.status, 0, r.stderr);
				const a = sqliteJson(server.dbPath, `SELECT ${cols} FROM therapists ORDER BY id`);
				const b = sqliteJson(fresh, `SELECT ${cols} FROM therapists ORDER BY id`);
				assert.equal(a.length, 60);
				assert.deepEqual(b, a, 'the same seed gives the same therapists');
				const other = path.join(again, 'other.db');
				fs.copyFileSync(gazetteerFixture(), other);
				assert.equal(runImago(['--db', other, 'demo', '--therapists', '60', '--seed', '2']).status, 0);
				assert.notDeepEqual(sqliteJson(other, `SELECT ${cols} FROM therapists ORDER BY id`), a,
				    'another seed gives other therapists');
			} finally {
				fs.rmSync(again, { recursive: true, force: true });
			}
		} finally {
			await server.stop();
		}
	});
});
