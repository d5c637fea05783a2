/*
 * What a kill -9 leaves behind. An import is one transaction on a WAL
 * database with synchronous=FULL: killed at any moment, the database
 * must open, pass SQLite's integrity check (full-text index included),
 * and hold either the whole import or none of it; once the command has
 * exited, everything it reported is there.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { IMAGO_BIN, makeTestDb, runImago, sqliteJson } from '../lib/server.mjs';
import { generateTherapists, toCsv } from '../lib/therapists.mjs';

const ROWS = 20000;
const dirs = [];
after(() => {
	for (const d of dirs)
		fs.rmSync(d, { recursive: true, force: true });
});

function count(dbPath) {
	return sqliteJson(dbPath, 'SELECT count(*) AS n FROM therapists')[0].n;
}

describe('kill -9 during an import', () => {
	const csv = toCsv(generateTherapists(ROWS, 7));

	for (const delayMs of [150, 400, 800]) {
		test(`killed after ${delayMs} ms: all rows or none, and an intact database`, async () => {
			const { dir, dbPath } = makeTestDb('imago-kill-');
			dirs.push(dir);
			const file = path.join(dir, 'rows.csv');
			fs.writeFileSync(file, csv);
			const child = spawn(IMAGO_BIN, ['--db', dbPath, 'import', 'therapists', file], { stdio: 'ignore' });
			await new Promise((r) => setTimeout(r, delayMs));
			child.kill('SIGKILL');
			await new Promise((r) => child.on('exit', r));
			const n = count(dbPath);
			assert.ok(n === 0 || n === ROWS, `${n} rows after the kill: a partial import`);
			assert.equal(sqliteJson(dbPath, 'PRAGMA integrity_check')[0].integrity_check, 'ok');
			/* A bulk import swaps the full-text triggers inside its
			 * transaction; the kill must leave all three in place. */
			const triggers = sqliteJson(dbPath, "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").map((t) => t.name);
			assert.deepEqual(triggers, ['audit_log_no_delete', 'audit_log_no_update',
			    'therapists_ad', 'therapists_ai', 'therapists_au']);
			/* The database still takes the same import afterwards. */
			const again = runImago(['--db', dbPath, 'import', 'therapists', file]);
			assert.equal(again.status, 0, again.stderr);
			assert.equal(count(dbPath), ROWS);
		});
	}

	test('rows an import reported are there after the process is gone', () => {
		const { dir, dbPath } = makeTestDb('imago-kill-');
		dirs.push(dir);
		const file = path.join(dir, 'rows.csv');
		fs.writeFileSync(file, toCsv(generateTherapists(500, 8)));
		const r = runImago(['--db', dbPath, 'import', 'therapists', file]);
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout + r.stderr, /500 inserted/);
		/* A fresh process, reading the WAL the importer left. */
		assert.equal(count(dbPath), 500);
		assert.equal(sqliteJson(dbPath, 'PRAGMA integrity_check')[0].integrity_check, 'ok');
	});
});
