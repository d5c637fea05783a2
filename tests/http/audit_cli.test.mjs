/*
 * `imago audit verify|list` from the command line: help texts, usage
 * errors (exit 2, nothing on stdout, no database created), an empty log,
 * and the listing's JSON. No flow appends entries yet, so rows are
 * written here with the sqlite3 shell: their hashes are made up, which
 * is exactly what `audit verify` must catch (exit 1 naming the entry).
 * Appending and verifying genuine chains is covered by
 * tests/unit/test_audit.c.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runImago } from '../lib/server.mjs';

const ZEROS = '0'.repeat(64);

/* Runs SQL that writes, with the sqlite3 shell. */
function sqliteExec(dbPath, sql) {
	const r = spawnSync('sqlite3', [dbPath, sql], { encoding: 'utf8' });
	if (r.error)
		throw new Error(`sqlite3: ${r.error.message}`);
	if (r.status !== 0)
		throw new Error(`sqlite3 exited ${r.status}: ${r.stderr}`);
}

function migratedDb(dir, name) {
	const db = path.join(dir, name);
	const r = runImago(['--db', db, 'migrate']);
	assert.equal(r.status, 0, r.stderr);
	return db;
}

describe('imago audit: help and usage errors', () => {
	let dir;
	let db;
	before(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-audit-cli-'));
		db = path.join(dir, 'never-created.db');
	});
	after(() => fs.rmSync(dir, { recursive: true, force: true }));

	test('imago --help lists audit', () => {
		const r = runImago(['--help']);
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout, /\baudit\b.*verify/);
	});

	test('audit, audit verify and audit list answer --help and -h, exit 0', () => {
		for (const [args, word] of [
			[['audit'], /verify[\s\S]*list/],
			[['audit', 'verify'], /hash/],
			[['audit', 'list'], /--limit[\s\S]*--actor[\s\S]*--action[\s\S]*--before/],
		]) {
			for (const flag of ['--help', '-h']) {
				const r = runImago(['--db', db, ...args, flag]);
				assert.equal(r.status, 0, `${args.join(' ')} ${flag}: ${r.stderr}`);
				assert.match(r.stdout, /usage/i);
				assert.match(r.stdout, new RegExp(`imago.*\\b${args.join(' ')}\\b`));
				assert.match(r.stdout, word, `${args.join(' ')} ${flag}`);
				assert.equal(r.stderr, '');
			}
		}
		assert.ok(!fs.existsSync(db), '--help does not create the database');
	});

	test('a missing or unknown command, an unknown option or a bad value: exit 2', () => {
		const cases = [
			[['audit'], /verify or list/],
			[['audit', 'frobnicate'], /frobnicate/],
			[['audit', '--bogus'], /--bogus/],
			[['audit', 'verify', 'extra'], /extra/],
			[['audit', 'verify', '--bogus'], /--bogus/],
			[['audit', 'list', '--bogus'], /--bogus/],
			[['audit', 'list', 'extra'], /extra/],
			[['audit', 'list', '--limit'], /--limit/],
			[['audit', 'list', '--limit', '0'], /--limit/],
			[['audit', 'list', '--limit', '501'], /--limit/],
			[['audit', 'list', '--limit', 'ten'], /--limit/],
			[['audit', 'list', '--limit=5x'], /--limit/],
			[['audit', 'list', '--before', '0'], /--before/],
			[['audit', 'list', '--before', '-3'], /--before/],
			[['audit', 'list', '--before', 'x'], /--before/],
			[['audit', 'list', '--before', '99999999999999999999'], /--before/],
			[['audit', 'list', '--actor', ''], /--actor/],
			[['audit', 'list', '--actor', 'x'.repeat(65)], /--actor/],
			[['audit', 'list', '--action', 'user\n.sign_in'], /--action/],
			[['audit', 'list', '--target-type', 'y'.repeat(33)], /--target-type/],
		];
		for (const [args, word] of cases) {
			const r = runImago(['--db', db, ...args]);
			const what = `imago ${args.join(' ')}`;
			assert.equal(r.status, 2, `${what}: status ${r.status}, stderr ${r.stderr}`);
			assert.match(r.stderr, word, `${what} explains on stderr`);
			assert.equal(r.stdout, '', `${what} prints nothing on stdout`);
		}
		assert.ok(!fs.existsSync(db), 'usage errors do not create the database');
	});
});

describe('imago audit on a database', () => {
	let dir;
	before(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-audit-db-'));
	});
	after(() => fs.rmSync(dir, { recursive: true, force: true }));

	test('an empty log: intact with 0 entries, an empty listing', () => {
		const db = migratedDb(dir, 'empty.db');
		const v = runImago(['--db', db, 'audit', 'verify']);
		assert.equal(v.status, 0, v.stderr);
		assert.equal(v.stdout, 'audit log intact: 0 entries\n');
		const l = runImago(['audit', 'list', '--db', db]);
		assert.equal(l.status, 0, l.stderr);
		assert.deepEqual(JSON.parse(l.stdout), { entries: [], next_before: null });
		const f = runImago(['--db', db, 'audit', 'list', '--limit', '500', '--actor', 'system',
		    '--action', 'user.', '--before', '10', '--target-type', 'user', '--target-id=1']);
		assert.equal(f.status, 0, f.stderr);
		assert.deepEqual(JSON.parse(f.stdout), { entries: [], next_before: null });
	});

	test('rows written behind the program\'s back fail verify (exit 1) naming the first', () => {
		const db = migratedDb(dir, 'forged.db');
		sqliteExec(db, `INSERT INTO audit_log (id, at, actor, ip, action, target_type, target_id, detail, prev_hash, hash)
		    VALUES (1, '2026-01-01T00:00:00.000Z', 'system', '', 'user.sign_in', 'user', '1', '', '${ZEROS}', '${'a'.repeat(64)}')`);
		const r = runImago(['--db', db, 'audit', 'verify']);
		assert.equal(r.status, 1, r.stderr);
		assert.match(r.stderr, /entry 1\b/);
		assert.equal(r.stdout, '');
	});

	test('list: entries newest first with every field, filters and paging', () => {
		const db = migratedDb(dir, 'list.db');
		const rows = [
			[1, 'ref_alice', '127.0.0.1', 'user.sign_in', 'user', '1', ''],
			[2, 'ref_bob', '::1', 'user.sign_in', 'user', '2', ''],
			[3, 'ref_alice', '127.0.0.1', 'therapist.update', 'therapist', '7', 'fee "min"'],
			[4, 'system', '', 'token.expire', 'token', '9', ''],
		];
		sqliteExec(db, rows.map(([id, actor, ip, action, tt, tid, detail]) =>
		    `INSERT INTO audit_log (id, at, actor, ip, action, target_type, target_id, detail, prev_hash, hash)
		     VALUES (${id}, '2026-01-01T00:00:0${id}.000Z', '${actor}', '${ip}', '${action}', '${tt}', '${tid}',
		     '${detail}', '${ZEROS}', '${ZEROS}');`).join('\n'));

		const list = (...args) => {
			const r = runImago(['--db', db, 'audit', 'list', ...args]);
			assert.equal(r.status, 0, r.stderr);
			assert.ok(r.stdout.endsWith('}\n'), 'one JSON document and a newline');
			return JSON.parse(r.stdout);
		};
		const all = list();
		assert.deepEqual(all.entries.map((e) => e.id), [4, 3, 2, 1]);
		assert.equal(all.next_before, null);
		assert.deepEqual(all.entries[1], {
			id: 3, at: '2026-01-01T00:00:03.000Z', actor: 'ref_alice', ip: '127.0.0.1',
			action: 'therapist.update', target_type: 'therapist', target_id: '7', detail: 'fee "min"',
		});

		assert.deepEqual(list('--action', 'user.').entries.map((e) => e.id), [2, 1]);
		assert.deepEqual(list('--action', 'user').entries, []);
		assert.deepEqual(list('--actor', 'ref_alice').entries.map((e) => e.id), [3, 1]);
		assert.deepEqual(list('--target-type', 'user', '--target-id', '2').entries.map((e) => e.id), [2]);

		const p1 = list('--limit', '3');
		assert.deepEqual(p1.entries.map((e) => e.id), [4, 3, 2]);
		assert.equal(p1.next_before, 2);
		const p2 = list('--limit', '3', '--before', String(p1.next_before));
		assert.deepEqual(p2.entries.map((e) => e.id), [1]);
		assert.equal(p2.next_before, null);
	});
});
