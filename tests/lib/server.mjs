/*
 * Starts a real imago server on a loopback port for the HTTP and browser
 * tests, on a private copy of a prepared gazetteer database, and checks on
 * the way out that it shut down cleanly: with the sanitizer build a leak,
 * an overflow or undefined behaviour shows up only in the exit status and
 * on stderr, so stop() turns either into a test failure.
 *
 * Environment:
 *   IMAGO_BIN                the binary (default build/release/imago)
 *   IMAGO_TEST_GAZETTEER_DB  a database where `imago migrate` and
 *                            `imago gazetteer import` have already run
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const IMAGO_BIN = path.resolve(REPO_ROOT, process.env.IMAGO_BIN || 'build/release/imago');

/* What a sanitizer prints when it finds something. */
const SANITIZER_MARKS = [
	'ERROR: AddressSanitizer',
	'ERROR: LeakSanitizer',
	'runtime error:',
	'SUMMARY: AddressSanitizer',
	'SUMMARY: UndefinedBehaviorSanitizer',
];

export function sanitizerReport(text) {
	for (const mark of SANITIZER_MARKS) {
		const at = text.indexOf(mark);
		if (at >= 0)
			return text.slice(text.lastIndexOf('\n', Math.max(0, at - 80)) + 1, at + 4000);
	}
	return null;
}

function sanitizerEnv(extra) {
	const env = { ...process.env, ...extra };
	/* Make the sanitizers loud and fatal, whatever the caller's shell says. */
	env.ASAN_OPTIONS = env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:halt_on_error=1';
	env.UBSAN_OPTIONS = env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1';
	return env;
}

/*
 * Runs the imago CLI synchronously from the repository root. Any sanitizer
 * report or death by signal throws: whatever a test expects of the exit
 * status, memory errors are never acceptable.
 */
export function runImago(args, opts = {}) {
	if (!fs.existsSync(IMAGO_BIN))
		throw new Error(`${IMAGO_BIN} does not exist: build it (make ${path.relative(REPO_ROOT, IMAGO_BIN)}) or set IMAGO_BIN`);
	const r = spawnSync(IMAGO_BIN, args, {
		cwd: opts.cwd || REPO_ROOT,
		env: sanitizerEnv(opts.env),
		input: opts.input,
		encoding: 'utf8',
		timeout: opts.timeout ?? 120000,
		maxBuffer: 256 * 1024 * 1024,
	});
	if (r.error)
		throw new Error(`imago ${args.join(' ')}: ${r.error.message}`);
	const report = sanitizerReport(r.stderr || '');
	if (report)
		throw new Error(`imago ${args.join(' ')}: sanitizer report:\n${report}`);
	if (r.signal)
		throw new Error(`imago ${args.join(' ')}: killed by ${r.signal}\n${(r.stderr || '').slice(-4000)}`);
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/* A free loopback port: bind port 0, read what the kernel chose, close. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* The gazetteer fixture, checked once: tests are meaningless without it. */
export function gazetteerFixture() {
	const src = process.env.IMAGO_TEST_GAZETTEER_DB;
	if (!src)
		throw new Error('IMAGO_TEST_GAZETTEER_DB is not set: make one with\n' +
		    '  build/release/imago --db /tmp/gaz.db migrate && build/release/imago --db /tmp/gaz.db gazetteer import\n' +
		    'and run with IMAGO_TEST_GAZETTEER_DB=/tmp/gaz.db');
	if (!fs.existsSync(src))
		throw new Error(`IMAGO_TEST_GAZETTEER_DB=${src} does not exist`);
	return path.resolve(src);
}

/* Makes a temporary directory holding a copy of the gazetteer database. */
export function makeTestDb(prefix = 'imago-test-') {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	const dbPath = path.join(dir, 'imago.db');
	fs.copyFileSync(gazetteerFixture(), dbPath);
	return { dir, dbPath };
}

/* Writes csv to a file in dir and imports it; throws unless it exits 0. */
export function importCsv(dbPath, dir, csv, name = 'therapists.csv', extraArgs = []) {
	const file = path.join(dir, name);
	fs.writeFileSync(file, csv);
	const r = runImago(['--db', dbPath, 'import', 'therapists', ...extraArgs, file]);
	if (r.status !== 0)
		throw new Error(`imago import therapists exited ${r.status}:\n${r.stderr}`);
	return r;
}

/*
 * Starts a server. Options:
 *   csv   text of a therapists CSV to import first
 *   demo  number of demo therapists to generate first (seed 1)
 *   env   extra environment for the server
 *   args  extra arguments after `serve --listen ...`
 */
export async function startServer({ csv, demo, env, args = [] } = {}) {
	const { dir, dbPath } = makeTestDb();
	try {
		if (typeof csv === 'string')
			importCsv(dbPath, dir, csv);
		if (typeof demo === 'number') {
			const r = runImago(['--db', dbPath, 'demo', '--therapists', String(demo), '--seed', '1']);
			if (r.status !== 0)
				throw new Error(`imago demo exited ${r.status}:\n${r.stderr}`);
		}
	} catch (err) {
		fs.rmSync(dir, { recursive: true, force: true });
		throw err;
	}

	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const child = spawn(IMAGO_BIN, ['--db', dbPath, 'serve', '--listen', `127.0.0.1:${port}`, ...args], {
		cwd: REPO_ROOT,
		env: sanitizerEnv(env),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	let stdout = '';
	child.stderr.setEncoding('utf8');
	child.stdout.setEncoding('utf8');
	child.stderr.on('data', (s) => { stderr += s; });
	child.stdout.on('data', (s) => { stdout += s; });
	let exit = null;
	const exited = new Promise((resolve) => {
		child.on('exit', (code, signal) => {
			exit = { code, signal };
			resolve(exit);
		});
		child.on('error', (err) => {
			exit = { code: null, signal: null, error: err };
			resolve(exit);
		});
	});

	const cleanupDir = () => fs.rmSync(dir, { recursive: true, force: true });

	/* Wait until /healthz answers 200. */
	const deadline = Date.now() + 30000;
	let lastError = '';
	for (;;) {
		if (exit) {
			cleanupDir();
			throw new Error(`imago serve exited before it was ready (${JSON.stringify(exit)}):\n${stderr.slice(-8000)}`);
		}
		try {
			const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
			await res.arrayBuffer();
			if (res.status === 200)
				break;
			lastError = `status ${res.status}`;
		} catch (err) {
			lastError = err.cause?.code || err.message;
		}
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			await exited;
			cleanupDir();
			throw new Error(`imago serve did not answer /healthz within 30 s (${lastError}):\n${stderr.slice(-8000)}`);
		}
		await sleep(50);
	}

	let stopped = null;
	async function stop() {
		if (stopped)
			return stopped;
		stopped = (async () => {
			if (!exit) {
				child.kill('SIGTERM');
				const timer = setTimeout(() => { if (!exit) child.kill('SIGKILL'); }, 5000);
				await exited;
				clearTimeout(timer);
			}
			/* Give the pipes a moment to drain the last of stderr. */
			await sleep(20);
			cleanupDir();
			const problems = [];
			const report = sanitizerReport(stderr);
			if (report)
				problems.push(`sanitizer report:\n${report}`);
			if (exit.error)
				problems.push(`spawn error: ${exit.error.message}`);
			else if (exit.signal === 'SIGKILL')
				problems.push('did not exit within 5 s of SIGTERM (killed)');
			else if (exit.signal)
				problems.push(`died of ${exit.signal} instead of shutting down cleanly on SIGTERM`);
			else if (exit.code !== 0)
				problems.push(`exited with status ${exit.code} after SIGTERM`);
			if (problems.length) {
				const tail = report ? '' : `\n--- stderr tail ---\n${stderr.slice(-4000)}`;
				throw new Error(`imago serve on port ${port}: ${problems.join('; ')}${tail}`);
			}
			return exit;
		})();
		return stopped;
	}

	return {
		url,
		port,
		dbPath,
		dir,
		stderr: () => stderr,
		stdout: () => stdout,
		exited: () => exit,
		stop,
		/* Same check as stop(), by its older name. */
		assertCleanExit: stop,
	};
}

/* Great-circle distance in km on the sphere the directory is defined on. */
export const EARTH_RADIUS_KM = 6371.0088;
export const KM_PER_MILE = 1.609344;

export function haversineKm(lat1, lon1, lat2, lon2) {
	const rad = Math.PI / 180;
	const dlat = (lat2 - lat1) * rad;
	const dlon = (lon2 - lon1) * rad;
	const s1 = Math.sin(dlat / 2);
	const s2 = Math.sin(dlon / 2);
	let h = s1 * s1 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * s2 * s2;
	if (h > 1)
		h = 1;
	return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h));
}

/* mulberry32: a tiny seeded PRNG, so generated data is the same every run. */
export function makeRng(seed) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		/* Integer in [lo, hi]. */
		int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
		/* Float in [lo, hi). */
		float: (lo, hi) => lo + next() * (hi - lo),
		pick: (arr) => arr[Math.floor(next() * arr.length)],
		chance: (p) => next() < p,
		/* Each item kept with probability p, order preserved. */
		subset: (arr, p) => arr.filter(() => next() < p),
	};
}

/* Runs sqlite3 -json on a database file and returns the rows. It waits
 * for a lock like the server does: a reader of a WAL database can meet
 * one while the server checkpoints. */
export function sqliteJson(dbPath, sql) {
	const r = spawnSync('sqlite3', ['-json', '-readonly', '-cmd', '.timeout 10000', dbPath, sql],
	    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
	if (r.error)
		throw new Error(`sqlite3: ${r.error.message}`);
	if (r.status !== 0)
		throw new Error(`sqlite3 exited ${r.status}: ${r.stderr}`);
	return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}
