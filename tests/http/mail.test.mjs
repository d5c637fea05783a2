/*
 * `imago mail deliver` end to end: a message queued in the outbox goes
 * to a real SMTP server (a tiny one written here, on a loopback port,
 * that records what it is sent) with the right envelope, headers and
 * body, and its row is marked sent; without IMAGO_SMTP_URL it lands in
 * the maildir instead; a server that is not there leaves the row to be
 * retried and logs one line without the recipient or the password.
 *
 * The SMTP server lives in this process, so imago runs asynchronously
 * here (runImago's spawnSync would block the server's event loop).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { IMAGO_BIN, REPO_ROOT, freePort, runImago, sanitizerReport, sqliteJson } from '../lib/server.mjs';

const dirs = [];
after(() => {
	for (const d of dirs)
		fs.rmSync(d, { recursive: true, force: true });
});

/* A migrated database in a fresh directory (no gazetteer needed). */
function freshDb() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-mail-'));
	dirs.push(dir);
	const dbPath = path.join(dir, 'imago.db');
	const r = runImago(['--db', dbPath, 'migrate']);
	assert.equal(r.status, 0, r.stderr);
	return { dir, dbPath };
}

const sqlQuote = (s) => `'${s.replace(/'/g, "''")}'`;

/* Queues a message the way a flow would, by a row in the outbox. */
function enqueue(dbPath, to, subject, body) {
	const now = Math.floor(Date.now() / 1000);
	const sql = 'INSERT INTO outbox(to_addr, subject, body, created_at, next_attempt_at) ' +
	    `VALUES (${sqlQuote(to)}, ${sqlQuote(subject)}, ${sqlQuote(body)}, ${now}, ${now})`;
	const r = spawnSync('sqlite3', [dbPath, sql], { encoding: 'utf8' });
	assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
}

/* Runs imago without blocking the event loop; sanitizer reports and
 * signals fail the test, as with runImago. */
function runImagoAsync(args, env = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(IMAGO_BIN, args, {
			cwd: REPO_ROOT,
			env: {
				...process.env,
				ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
				UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1',
				...env,
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8');
		child.stderr.setEncoding('utf8');
		child.stdout.on('data', (s) => { stdout += s; });
		child.stderr.on('data', (s) => { stderr += s; });
		const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
		child.on('error', reject);
		child.on('close', (status, signal) => {
			clearTimeout(timer);
			const report = sanitizerReport(stderr);
			if (report)
				reject(new Error(`imago ${args.join(' ')}: sanitizer report:\n${report}`));
			else if (signal)
				reject(new Error(`imago ${args.join(' ')}: killed by ${signal}\n${stderr}`));
			else
				resolve({ status, stdout, stderr });
		});
	});
}

/*
 * Just enough SMTP for libcurl: greeting, EHLO/HELO (no STARTTLS
 * offered), MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT.
 * rejectRcpt answers RCPT with 550. Records every message.
 */
async function startSmtpSink({ rejectRcpt = false } = {}) {
	const messages = [];
	const transcript = [];
	const server = net.createServer((sock) => {
		let buffer = '';
		let inData = false;
		let current = { from: null, rcpt: [], lines: [] };
		const reply = (s) => sock.write(`${s}\r\n`);
		reply('220 sink.test ESMTP ready');
		sock.setEncoding('latin1');	/* bytes as they came; the message is 7-bit */
		sock.on('data', (chunk) => {
			buffer += chunk;
			let eol;
			while ((eol = buffer.indexOf('\r\n')) >= 0) {
				const line = buffer.slice(0, eol);
				buffer = buffer.slice(eol + 2);
				if (inData) {
					if (line === '.') {
						inData = false;
						messages.push({ from: current.from, rcpt: current.rcpt, data: current.lines.join('\r\n') + '\r\n' });
						current = { from: null, rcpt: [], lines: [] };
						reply('250 2.0.0 queued');
					} else
						current.lines.push(line.startsWith('.') ? line.slice(1) : line);
					continue;
				}
				transcript.push(line);
				const verb = line.slice(0, 4).toUpperCase();
				if (verb === 'EHLO' || verb === 'HELO')
					reply('250 sink.test');
				else if (verb === 'MAIL') {
					current.from = line.replace(/^MAIL FROM:\s*/i, '').replace(/\s.*$/, '');
					reply('250 2.1.0 ok');
				} else if (verb === 'RCPT') {
					if (rejectRcpt) {
						reply('550 5.1.1 no such user');
						continue;
					}
					current.rcpt.push(line.replace(/^RCPT TO:\s*/i, '').replace(/\s.*$/, ''));
					reply('250 2.1.5 ok');
				} else if (verb === 'DATA') {
					inData = true;
					reply('354 end with <CRLF>.<CRLF>');
				} else if (verb === 'RSET') {
					current = { from: null, rcpt: [], lines: [] };
					reply('250 ok');
				} else if (verb === 'NOOP')
					reply('250 ok');
				else if (verb === 'QUIT') {
					reply('221 bye');
					sock.end();
				} else
					reply('502 5.5.2 not implemented');
			}
		});
		sock.on('error', () => {});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: server.address().port,
		messages,
		transcript,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

/* A message's header block and body; headers unfolded, keyed lower-case. */
function parseMessage(raw) {
	const split = raw.indexOf('\r\n\r\n');
	assert.ok(split > 0, 'a blank line separates headers and body');
	const headers = {};
	for (const line of raw.slice(0, split).replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
		const colon = line.indexOf(':');
		headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
	}
	return { headers, body: raw.slice(split + 4) };
}

/* RFC 2047 (B and Q, any charset Node knows as utf-8); whitespace
 * between adjacent encoded-words is dropped. */
function decodeHeader(value) {
	return value
	    .replace(/(\?=)\s+(?==\?)/g, '$1')
	    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc, text) => (enc.toUpperCase() === 'B'
		? Buffer.from(text, 'base64')
		: Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1')).toString('utf8'));
}

/* Quoted-printable to UTF-8 text (soft breaks removed). */
function decodeQuotedPrintable(text) {
	const bytes = [];
	const s = text.replace(/=\r\n/g, '');
	for (let i = 0; i < s.length; i++) {
		if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
			bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
			i += 2;
		} else
			bytes.push(s.charCodeAt(i));
	}
	return Buffer.from(bytes).toString('utf8');
}

function checkWellFormed(raw) {
	assert.ok(!/[^\x00-\x7f]/.test(raw), 'the message is 7-bit');
	assert.ok(!/[^\r]\n/.test(raw), 'every line ends in CRLF');
	const [head, body] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)];
	for (const line of head.split('\r\n'))
		assert.ok(line.length <= 78, `header line of ${line.length}: ${line}`);
	for (const line of body.split('\r\n'))
		assert.ok(line.length <= 76, `body line of ${line.length}: ${line}`);
}

const LINK = 'https://imago.example/account/verify?token=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKlMnOpQrStUvWxYz&next=%2Fdialogue';
const SUBJECT = 'Bitte bestätige deine Adresse — Grüße aus Zürich';
const BODY = `Hallo Zoë,\n\nbitte bestätige deine Adresse:\n${LINK}\n.\nFrom the imago team = us\n`;

describe('imago mail deliver', () => {
	test('sends due mail over SMTP and marks it sent', async () => {
		const sink = await startSmtpSink();
		try {
			const { dir, dbPath } = freshDb();
			enqueue(dbPath, 'zoe@example.org', SUBJECT, BODY);
			const maildir = path.join(dir, 'unused-maildir');
			const r = await runImagoAsync(['--db', dbPath, 'mail', 'deliver'], {
				IMAGO_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
				IMAGO_MAIL_FROM: 'Imago Praxis <hello@imago.example>',
				IMAGO_MAILDIR: maildir,
				IMAGO_SMTP_USER: '',
				IMAGO_SMTP_PASSWORD: '',
			});
			assert.equal(r.status, 0, r.stderr);
			assert.equal(r.stdout, '1 sent\n');
			assert.equal(sink.messages.length, 1, `transcript: ${sink.transcript.join(' | ')}`);
			const m = sink.messages[0];
			assert.equal(m.from, '<hello@imago.example>');
			assert.deepEqual(m.rcpt, ['<zoe@example.org>']);
			checkWellFormed(m.data);
			const { headers, body } = parseMessage(m.data);
			assert.equal(headers.from, 'Imago Praxis <hello@imago.example>');
			assert.equal(headers.to, 'zoe@example.org');
			assert.match(headers.subject, /^=\?utf-8\?B\?/);
			assert.equal(decodeHeader(headers.subject), SUBJECT);
			assert.match(headers.date, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/);
			assert.match(headers['message-id'], /^<[0-9a-f]+@imago>$/);
			assert.equal(headers['mime-version'], '1.0');
			assert.equal(headers['content-type'], 'text/plain; charset=utf-8');
			assert.equal(headers['content-transfer-encoding'], 'quoted-printable');
			const text = decodeQuotedPrintable(body);
			assert.equal(text, BODY.replace(/\n/g, '\r\n'));
			assert.ok(text.includes(LINK), 'the link decodes whole');

			const rows = sqliteJson(dbPath, 'SELECT sent_at, failed_at, attempts, last_error FROM outbox');
			assert.equal(rows.length, 1);
			assert.ok(rows[0].sent_at > 0, 'marked sent');
			assert.equal(rows[0].failed_at, null);
			assert.equal(rows[0].attempts, 0);
			assert.ok(!fs.existsSync(maildir), 'nothing went to the maildir');

			/* Sent is sent: a second run sends nothing. */
			const again = await runImagoAsync(['--db', dbPath, 'mail', 'deliver'], {
				IMAGO_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
			});
			assert.equal(again.status, 0, again.stderr);
			assert.equal(again.stdout, '0 sent\n');
			assert.equal(sink.messages.length, 1);
		} finally {
			await sink.close();
		}
	});

	test('without IMAGO_SMTP_URL the message lands in the maildir', async () => {
		const { dir, dbPath } = freshDb();
		enqueue(dbPath, 'a@example.org', 'Welcome', BODY);
		const maildir = path.join(dir, 'maildir');
		const r = runImago(['--db', dbPath, 'mail', 'deliver'], {
			env: { IMAGO_SMTP_URL: '', IMAGO_MAILDIR: maildir, IMAGO_MAIL_FROM: '' },
		});
		assert.equal(r.status, 0, r.stderr);
		assert.equal(r.stdout, '1 sent\n');
		const files = fs.readdirSync(path.join(maildir, 'new'));
		assert.equal(files.length, 1);
		assert.match(files[0], /^\d+\.M\d+P\d+Q\d+R[0-9a-f]+\.imago$/);
		assert.deepEqual(fs.readdirSync(path.join(maildir, 'tmp')), []);
		assert.ok(fs.statSync(path.join(maildir, 'cur')).isDirectory());
		assert.equal(fs.statSync(path.join(maildir, 'new', files[0])).mode & 0o777, 0o600);
		const raw = fs.readFileSync(path.join(maildir, 'new', files[0]), 'latin1');
		checkWellFormed(raw);
		const { headers, body } = parseMessage(raw);
		assert.equal(headers.from, 'imago <no-reply@localhost>');
		assert.equal(headers.to, 'a@example.org');
		assert.equal(headers.subject, 'Welcome');
		assert.ok(decodeQuotedPrintable(body).includes(LINK));
		assert.ok(sqliteJson(dbPath, 'SELECT sent_at FROM outbox')[0].sent_at > 0);

		/* The default maildir is mail/ beside the database. */
		enqueue(dbPath, 'b@example.org', 'Second', 'x');
		const d = runImago(['--db', dbPath, 'mail', 'deliver'], { env: { IMAGO_SMTP_URL: '', IMAGO_MAILDIR: '' } });
		assert.equal(d.status, 0, d.stderr);
		assert.equal(d.stdout, '1 sent\n');
		assert.equal(fs.readdirSync(path.join(dir, 'mail', 'new')).length, 1);
	});

	test('an unreachable or refusing server: retried later, logged without secrets', async () => {
		const { dbPath } = freshDb();
		enqueue(dbPath, 'private.person@example.org', 'Hi', 'Body');
		const port = await freePort();
		const r = await runImagoAsync(['--db', dbPath, 'mail', 'deliver'], {
			IMAGO_SMTP_URL: `smtp://127.0.0.1:${port}`,
			IMAGO_SMTP_USER: 'imago',
			IMAGO_SMTP_PASSWORD: 'hunter2-very-secret',
		});
		assert.equal(r.status, 0, r.stderr);
		assert.equal(r.stdout, '0 sent\n');
		assert.match(r.stderr, /^imago: mail 1: smtp: .+ \(attempt 1, next in 60 s\)\n$/);
		assert.ok(!r.stderr.includes('private.person'), 'the log does not name the recipient');
		assert.ok(!r.stderr.includes('hunter2'), 'the log does not show the password');
		const [row] = sqliteJson(dbPath, 'SELECT sent_at, failed_at, attempts, next_attempt_at, last_error FROM outbox');
		assert.equal(row.sent_at, null);
		assert.equal(row.failed_at, null);
		assert.equal(row.attempts, 1);
		assert.ok(row.next_attempt_at >= Math.floor(Date.now() / 1000) + 55);
		assert.ok(!row.last_error.includes('hunter2'));

		/* A server that refuses the recipient: also a failed attempt. */
		const sink = await startSmtpSink({ rejectRcpt: true });
		try {
			const { dbPath: db2 } = freshDb();
			enqueue(db2, 'nobody@example.org', 'Hi', 'Body');
			const s = await runImagoAsync(['--db', db2, 'mail', 'deliver'], {
				IMAGO_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
				IMAGO_SMTP_USER: '',
			});
			assert.equal(s.status, 0, s.stderr);
			assert.equal(s.stdout, '0 sent\n');
			assert.match(s.stderr, /imago: mail 1: smtp: .*550.*\(attempt 1, next in 60 s\)/);
			assert.equal(sink.messages.length, 0);
			assert.equal(sqliteJson(db2, 'SELECT attempts FROM outbox')[0].attempts, 1);
		} finally {
			await sink.close();
		}
	});

	test('help and usage errors', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imago-mail-'));
		dirs.push(dir);
		const db = path.join(dir, 'never-created.db');
		const help = runImago(['--db', db, 'mail', '--help']);
		assert.equal(help.status, 0);
		assert.match(help.stdout, /usage: imago .*mail deliver/);
		for (const v of ['IMAGO_SMTP_URL', 'IMAGO_SMTP_USER', 'IMAGO_SMTP_PASSWORD', 'IMAGO_MAIL_FROM', 'IMAGO_MAILDIR'])
			assert.ok(help.stdout.includes(v), `--help mentions ${v}`);
		assert.equal(runImago(['--db', db, 'mail', 'deliver', '--help']).status, 0);
		for (const args of [['mail'], ['mail', 'bogus'], ['mail', 'deliver', 'extra']]) {
			const r = runImago(['--db', db, ...args]);
			assert.equal(r.status, 2, `imago ${args.join(' ')}`);
			assert.ok(r.stderr.length > 0);
			assert.equal(r.stdout, '');
		}
		assert.ok(!fs.existsSync(db), 'help and usage errors do not create the database');
		const top = runImago(['--help']);
		assert.match(top.stdout, /\bmail\b/);
	});
});
