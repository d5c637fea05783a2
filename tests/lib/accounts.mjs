/*
 * Helpers for the account tests: a small cookie-keeping API client, the
 * maildir the server writes to (decoded), one-time codes (RFC 6238,
 * computed here with node:crypto), and ready-made actors: users created
 * with `imago user add` or by signing up, signed in, with two-step
 * sign-in set up where their role needs it.
 *
 * Everything talks to a real server through real requests; the database
 * is only read (sqliteJson) or, to move time forward, written with the
 * sqlite3 shell (sqliteExec).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { request } from './http.mjs';
import { runImago, startServer } from './server.mjs';

/* Fast Argon2id and generous abuse limits: what most account tests run with. */
export const FAST_HASH_ENV = { IMAGO_PWHASH_OPSLIMIT: '1', IMAGO_PWHASH_MEMLIMIT: '8192' };
export const FAST_ENV = {
	...FAST_HASH_ENV,
	IMAGO_RATE_LIMIT_SCALE: '1000',
	/* Mail goes to the maildir beside the database, whatever the shell says. */
	IMAGO_SMTP_URL: '',
	IMAGO_MAILDIR: '',
	IMAGO_BASE_URL: '',
};

export const SESSION_COOKIE = 'imago_session';
export const PASSWORD = 'correct horse battery staple';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep };

/* A server for account tests; maildir is where its mail lands. */
export async function startAccountServer({ env = {}, ...opts } = {}) {
	const server = await startServer({ ...opts, env: { ...FAST_ENV, ...env } });
	server.maildir = path.join(server.dir, 'mail');
	return server;
}

/* Unique email addresses within a run. */
let emailSeq = 0;
export function uniqueEmail(tag = 'user') {
	emailSeq++;
	return `${tag}-${process.pid}-${emailSeq}@example.org`;
}

/* ---- the database -------------------------------------------------------- */

/* Runs SQL that writes, with the sqlite3 shell (waiting for the server's locks). */
export function sqliteExec(dbPath, sql) {
	const r = spawnSync('sqlite3', ['-cmd', '.timeout 10000', dbPath, sql], { encoding: 'utf8' });
	if (r.error)
		throw new Error(`sqlite3: ${r.error.message}`);
	if (r.status !== 0)
		throw new Error(`sqlite3 exited ${r.status}: ${r.stderr}`);
	return r.stdout;
}

export const sqlQuote = (s) => `'${String(s).replace(/'/g, "''")}'`;

/* ---- the client ----------------------------------------------------------- */

function parseSetCookie(line) {
	const [pair, ...attrs] = line.split(';').map((s) => s.trim());
	const eq = pair.indexOf('=');
	const cookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs: {}, flags: new Set() };
	for (const a of attrs) {
		const i = a.indexOf('=');
		if (i < 0)
			cookie.flags.add(a.toLowerCase());
		else
			cookie.attrs[a.slice(0, i).toLowerCase()] = a.slice(i + 1);
	}
	return cookie;
}

/*
 * One caller: keeps the cookies the server sets (like a browser would
 * for this one origin), the CSRF token of its session, and optionally a
 * bearer token. call() sends JSON bodies and, for state-changing
 * requests with a cookie, the X-CSRF-Token header unless told not to.
 */
export class Client {
	constructor(base, { userAgent } = {}) {
		this.base = base;
		this.jar = new Map();
		this.csrf = null;
		this.bearer = null;
		this.userAgent = userAgent;
		this.lastSetCookies = [];
	}

	get sessionCookie() {
		return this.jar.get(SESSION_COOKIE);
	}

	cookieHeader() {
		return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	absorb(headers) {
		this.lastSetCookies = headers.getSetCookie();
		for (const line of this.lastSetCookies) {
			const c = parseSetCookie(line);
			if (c.value === '' || c.attrs['max-age'] === '0')
				this.jar.delete(c.name);
			else
				this.jar.set(c.name, c.value);
		}
	}

	/*
	 * options: json (a value to send as JSON), body (raw text or bytes),
	 * contentType, headers, csrf (false: send none; a string: send that),
	 * cookies (false: send none), bearer (overrides this.bearer; null: none).
	 */
	async call(method, urlPath, opts = {}) {
		const headers = { ...(opts.headers || {}) };
		const useCookies = opts.cookies !== false;
		if (useCookies && this.jar.size && headers.Cookie === undefined)
			headers.Cookie = this.cookieHeader();
		const bearer = opts.bearer !== undefined ? opts.bearer : this.bearer;
		if (bearer && headers.Authorization === undefined)
			headers.Authorization = `Bearer ${bearer}`;
		if (this.userAgent && headers['User-Agent'] === undefined)
			headers['User-Agent'] = this.userAgent;
		let body;
		if (opts.json !== undefined) {
			body = JSON.stringify(opts.json);
			headers['Content-Type'] = opts.contentType ?? 'application/json';
		} else if (opts.body !== undefined) {
			body = opts.body;
			if (opts.contentType !== undefined)
				headers['Content-Type'] = opts.contentType;
		}
		const changes = !['GET', 'HEAD'].includes(method);
		if (changes && opts.csrf !== false && headers['X-CSRF-Token'] === undefined) {
			const token = typeof opts.csrf === 'string' ? opts.csrf : this.csrf;
			if (token && useCookies && this.jar.has(SESSION_COOKIE))
				headers['X-CSRF-Token'] = token;
			else if (typeof opts.csrf === 'string')
				headers['X-CSRF-Token'] = opts.csrf;
		}
		const res = await fetch(this.base + urlPath, {
			method,
			headers,
			body,
			redirect: 'manual',
			signal: AbortSignal.timeout(opts.timeout ?? 30000),
		});
		const text = await res.text();
		let json = null;
		try {
			json = JSON.parse(text);
		} catch {
			json = null;
		}
		if (useCookies && opts.keepCookies !== false)
			this.absorb(res.headers);
		const out = { status: res.status, headers: res.headers, text, json, method, path: urlPath };
		out.where = `${method} ${urlPath} -> ${res.status} ${text.slice(0, 400)}`;
		return out;
	}

	get(p, o) { return this.call('GET', p, o); }
	post(p, json, o = {}) { return this.call('POST', p, { ...o, json }); }
	patch(p, json, o = {}) { return this.call('PATCH', p, { ...o, json }); }
	del(p, json, o = {}) { return this.call('DELETE', p, json === undefined ? o : { ...o, json }); }

	/* A copy with the same cookies and CSRF token (another tab). */
	clone() {
		const c = new Client(this.base, { userAgent: this.userAgent });
		c.jar = new Map(this.jar);
		c.csrf = this.csrf;
		c.bearer = this.bearer;
		return c;
	}
}

/* Asserts an API error: status, code and (when given) param. */
export function assertError(res, status, code, param) {
	assert.equal(res.status, status, res.where);
	assert.match(res.headers.get('content-type') || '', /^application\/json/, res.where);
	assert.ok(res.json && res.json.error, `an error object: ${res.where}`);
	if (code !== undefined)
		assert.equal(res.json.error.code, code, res.where);
	if (param !== undefined)
		assert.equal(res.json.error.param, param, res.where);
}

/* ---- mail ----------------------------------------------------------------- */

function decodeHeader(value) {
	return value
	    .replace(/(\?=)\s+(?==\?)/g, '$1')
	    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc, text) => (enc.toUpperCase() === 'B'
		? Buffer.from(text, 'base64')
		: Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi,
		    (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1')).toString('utf8'));
}

/* Quoted-printable to UTF-8 text (soft line breaks removed). */
export function decodeQuotedPrintable(text) {
	const bytes = [];
	const s = text.replace(/=\r?\n/g, '');
	for (let i = 0; i < s.length; i++) {
		if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
			bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(s.charCodeAt(i) & 0xff);
		}
	}
	return Buffer.from(bytes).toString('utf8').replace(/\r\n/g, '\n');
}

function parseMessage(raw, file) {
	const split = raw.indexOf('\r\n\r\n');
	const head = raw.slice(0, split).replace(/\r\n(?=[ \t])/g, '');
	const headers = {};
	for (const line of head.split('\r\n')) {
		const colon = line.indexOf(':');
		if (colon > 0)
			headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
	}
	const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
	const rawBody = raw.slice(split + 4);
	return {
		file,
		headers,
		to: headers.to || '',
		subject: decodeHeader(headers.subject || ''),
		body: cte === 'quoted-printable' ? decodeQuotedPrintable(rawBody) : rawBody,
	};
}

/* Delivery order from the maildir name "SECONDS.MUSECS P.. Q.. R..". */
function mailOrder(name) {
	const m = /^(\d+)\.M(\d+)P\d+Q(\d+)/.exec(name);
	return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/* Every message in the maildir, oldest first, decoded. */
export function allMail(maildir) {
	const files = [];
	for (const sub of ['new', 'cur']) {
		const dir = path.join(maildir, sub);
		if (!fs.existsSync(dir))
			continue;
		for (const name of fs.readdirSync(dir))
			files.push({ name, file: path.join(dir, name) });
	}
	files.sort((a, b) => {
		const x = mailOrder(a.name);
		const y = mailOrder(b.name);
		return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
	});
	return files.map((f) => parseMessage(fs.readFileSync(f.file, 'latin1'), f.file));
}

/* The messages to one address, oldest first. */
export function mailTo(maildir, to) {
	const want = to.toLowerCase();
	return allMail(maildir).filter((m) => m.to.toLowerCase().replace(/^.*<|>$/g, '') === want);
}

/* The latest message to an address, decoded, or null. */
export function readMail(maildir, to) {
	const list = mailTo(maildir, to);
	return list.length ? list[list.length - 1] : null;
}

/* Waits until the address has at least count messages; returns the latest. */
export async function waitForMail(maildir, to, count = 1, timeoutMs = 10000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const list = mailTo(maildir, to);
		if (list.length >= count)
			return list[list.length - 1];
		if (Date.now() > deadline)
			throw new Error(`no mail #${count} to ${to} within ${timeoutMs} ms (have ${list.length}: ` +
			    `${list.map((m) => m.subject).join(' | ')})`);
		await sleep(25);
	}
}

/* The one-time token in a mailed link (?token=...). */
export function linkToken(message) {
	const body = typeof message === 'string' ? message : message.body;
	const m = /[?&]token=([A-Za-z0-9_-]{43})\b/.exec(body);
	assert.ok(m, `a link with a token in: ${body}`);
	return m[1];
}

/* ---- one-time codes (RFC 6238) --------------------------------------------- */

export function base32Decode(s) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	const clean = s.toUpperCase().replace(/[\s=]/g, '');
	let bits = 0;
	let value = 0;
	const out = [];
	for (const ch of clean) {
		const v = alphabet.indexOf(ch);
		if (v < 0)
			throw new Error(`not base32: ${s}`);
		value = (value << 5) | v;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

/* The code for the 30-second step containing time (seconds, default now). */
export function totpCode(secret, time = Date.now() / 1000, { digits = 6, step = 30 } = {}) {
	const key = Buffer.isBuffer(secret) ? secret : base32Decode(secret);
	const counter = Math.floor(time / step);
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(counter));
	const mac = crypto.createHmac('sha1', key).update(msg).digest();
	const off = mac[mac.length - 1] & 0x0f;
	const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
	return String(bin % 10 ** digits).padStart(digits, '0');
}

export const currentStep = () => Math.floor(Date.now() / 30000);

/* Waits, when a 30-second step ends within margin seconds, for the next:
 * for tests whose codes must fall in a known step. */
export async function awayFromStepEdge(margin = 3) {
	const into = (Date.now() / 1000) % 30;
	if (into > 30 - margin)
		await sleep((30 - into + 0.3) * 1000);
}

/* The last step used with each secret, so the helpers never replay one. */
const usedSteps = new Map();

/* A code the server will accept now for secret and not yet seen: the
 * current step, or the next one (within the window) when the current
 * one was used already; waits when both were. */
export async function freshCode(secret) {
	for (;;) {
		const now = currentStep();
		const last = usedSteps.get(secret) ?? 0;
		const step = Math.max(now, last + 1);
		if (step <= now + 1) {
			usedSteps.set(secret, step);
			return totpCode(secret, step * 30 + 1);
		}
		await sleep(1000);
	}
}

/* Tells the helpers a step was used with a secret by a test's own code. */
export function noteStepUsed(secret, step) {
	usedSteps.set(secret, Math.max(usedSteps.get(secret) ?? 0, step));
}

/* ---- actors ----------------------------------------------------------------- */

/* `imago user add` on the server's database; returns the new id. */
export function cliAddUser(dbPath, email, password = PASSWORD, { therapist = false, admin = false, name, env = FAST_HASH_ENV } = {}) {
	const args = ['--db', dbPath, 'user', 'add', email];
	if (therapist)
		args.push('--therapist');
	if (admin)
		args.push('--admin');
	if (name)
		args.push('--name', name);
	const r = runImago(args, { input: `${password}\n`, env });
	assert.equal(r.status, 0, `imago user add ${email}: ${r.stderr}`);
	const m = /created user (\d+)/.exec(r.stdout);
	assert.ok(m, r.stdout);
	return Number(m[1]);
}

/* POST /api/v1/accounts; returns the response. */
export async function signUp(base, email, password = PASSWORD, extra = {}) {
	const c = new Client(base);
	return c.post('/api/v1/accounts', { email, password, ...extra });
}

/* Signs up and opens the mailed verification link. */
export async function signUpVerified(server, email, password = PASSWORD, extra = {}) {
	const before = mailTo(server.maildir, email).length;
	const res = await signUp(server.url, email, password, extra);
	assert.equal(res.status, 202, res.where);
	const mail = await waitForMail(server.maildir, email, before + 1);
	const v = await new Client(server.url).post('/api/v1/accounts/verify', { token: linkToken(mail) });
	assert.equal(v.status, 200, v.where);
}

/*
 * Signs in; with secret (or recoveryCode) answers the one-time code
 * step too. Returns the client, with csrf set, and the last response
 * (client.me). expect: the status of the password step (default 200).
 */
export async function signIn(base, email, password = PASSWORD, { secret, recoveryCode, userAgent } = {}) {
	const c = new Client(base, { userAgent });
	const res = await c.post('/api/v1/session', { email, password });
	assert.equal(res.status, 200, res.where);
	c.csrf = res.json.csrf_token;
	c.me = res.json;
	if (res.json.stage === 'code_required' && (secret || recoveryCode)) {
		const code = recoveryCode ?? await freshCode(secret);
		const r2 = await c.post('/api/v1/session/code', { code });
		assert.equal(r2.status, 200, r2.where);
		assert.equal(r2.json.stage, 'signed_in');
		c.csrf = r2.json.csrf_token;
		c.me = r2.json;
	}
	return c;
}

/* Turns on two-step sign-in for a signed-in client; returns { secret, recoveryCodes }. */
export async function setupTwoStep(client) {
	const begin = await client.post('/api/v1/me/two-step', {});
	assert.equal(begin.status, 200, begin.where);
	const secret = begin.json.secret;
	assert.match(secret, /^[A-Z2-7]+$/);
	const code = await freshCode(secret);
	const en = await client.post('/api/v1/me/two-step/enable', { code });
	assert.equal(en.status, 200, en.where);
	assert.equal(en.json.two_step_enabled, true);
	return { secret, recoveryCodes: en.json.recovery_codes };
}

/*
 * A user made with the CLI and signed in through the API: an actor.
 * Therapists and admins get two-step sign-in unless twoStep is false.
 * Returns { id, email, password, client, secret, recoveryCodes }.
 */
export async function makeUser(server, { therapist = false, admin = false, twoStep, tag, name, password = PASSWORD, userAgent } = {}) {
	const email = uniqueEmail(tag || (admin ? 'admin' : therapist ? 'therapist' : 'client'));
	const id = cliAddUser(server.dbPath, email, password, { therapist, admin, name });
	const client = await signIn(server.url, email, password, { userAgent });
	const actor = { id, email, password, client, secret: null, recoveryCodes: null };
	if (twoStep ?? (therapist || admin)) {
		const t = await setupTwoStep(client);
		actor.secret = t.secret;
		actor.recoveryCodes = t.recoveryCodes;
	}
	return actor;
}

export const makeTherapist = (server, opts = {}) => makeUser(server, { ...opts, therapist: true });
export const makeAdmin = (server, opts = {}) => makeUser(server, { ...opts, admin: true });

/* A second signed-in session for an actor (another device). */
export function signInAgain(server, actor, opts = {}) {
	return signIn(server.url, actor.email, actor.password, { secret: actor.secret, ...opts });
}

/* A minimal valid profile body. */
export function profileBody(name, extra = {}) {
	return {
		name,
		credentials: 'LMFT',
		email: `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@practice.example.org`,
		city: 'Austin',
		region: 'TX',
		country: 'US',
		postal_code: '78701',
		license_number: 'LIC-1',
		license_regions: ['US-TX'],
		certifications: ['certified_imago_therapist'],
		specialties: ['premarital'],
		formats: ['in_person'],
		languages: ['en'],
		bio: `${name} helps couples.`,
		...extra,
	};
}

/* Polls the search API until q finds (or, with present false, no longer
 * finds) profile id; returns the last answer. */
export async function waitForSearch(base, q, id, { present = true, timeoutMs = 3000 } = {}) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const res = await request(`${base}/api/v1/therapists?q=${encodeURIComponent(q)}&limit=100`);
		const found = res.status === 200 && res.json.results.some((r) => r.id === id);
		if (found === present)
			return res;
		if (Date.now() > deadline)
			throw new Error(`search for ${q} ${present ? 'did not find' : 'still finds'} ${id} within ${timeoutMs} ms: ${res.text.slice(0, 300)}`);
		await sleep(50);
	}
}

/* `imago audit verify` on the database: asserts it passes. */
export function assertAuditVerifies(dbPath) {
	const r = runImago(['--db', dbPath, 'audit', 'verify']);
	assert.equal(r.status, 0, `imago audit verify: ${r.stdout}${r.stderr}`);
	return r;
}
