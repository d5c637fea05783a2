/*
 * Runs the browser tests against a real server: starts `imago serve` on a
 * copy of the gazetteer fixture with 2,000 demo therapists (seed 1), runs
 * every tests/browser/*.test.mjs with IMAGO_URL pointing at it, then stops
 * the server and checks it shut down cleanly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FAST_ENV } from '../lib/accounts.mjs';
import { startServer } from '../lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort()
	.map((f) => path.join(here, f));

/* FAST_ENV: quick password hashing, generous abuse limits, and mail into
 * the maildir beside the database, which the tests read (IMAGO_TEST_MAILDIR). */
const server = await startServer({ demo: 2000, env: FAST_ENV });
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
	cwd: here,
	env: { ...process.env, IMAGO_URL: server.url,
	    IMAGO_TEST_MAILDIR: path.join(server.dir, 'mail') },
	stdio: 'inherit',
});
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(signal ? 1 : c)));
let stopped = true;
try {
	await server.stop();
} catch (err) {
	console.error(`server did not stop cleanly: ${err.message}`);
	stopped = false;
}
process.exit(code === 0 && stopped ? 0 : 1);
