/*
 * HTTP helpers for the tests: fetch wrappers that keep status, headers and
 * body together, and a raw socket client for what fetch will not send
 * (oversized headers, unfinished requests, exact keep-alive control).
 */
import net from 'node:net';

/* GET (or another method) and read the body; json is null when the body is not JSON. */
export async function request(url, init = {}) {
	const res = await fetch(url, { redirect: 'manual', ...init, signal: init.signal || AbortSignal.timeout(30000) });
	const text = await res.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch {
		json = null;
	}
	return { status: res.status, headers: res.headers, text, json, url };
}

export const getJson = (url, init) => request(url, init);

/* Builds "/api/v1/therapists?..." from [key, value] pairs (keys may repeat). */
export function query(path, pairs) {
	const qs = pairs
	    .filter(([, v]) => v !== undefined && v !== null)
	    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
	    .join('&');
	return qs ? `${path}?${qs}` : path;
}

/*
 * Parses one HTTP/1.1 response from the front of buf. Returns null when
 * more bytes are needed, else { response, rest }. headOnly: the request was
 * HEAD, so there is no body whatever Content-Length says.
 */
export function parseResponse(buf, { headOnly = false, closed = false } = {}) {
	const end = buf.indexOf('\r\n\r\n');
	if (end < 0)
		return null;
	const head = buf.subarray(0, end).toString('latin1');
	const lines = head.split('\r\n');
	const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
	if (!m)
		throw new Error(`bad status line: ${JSON.stringify(lines[0])}`);
	const status = Number(m[1]);
	const headers = {};
	for (const line of lines.slice(1)) {
		const colon = line.indexOf(':');
		if (colon < 0)
			continue;
		const name = line.slice(0, colon).trim().toLowerCase();
		const value = line.slice(colon + 1).trim();
		headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
	}
	let pos = end + 4;
	let body = Buffer.alloc(0);
	const noBody = headOnly || status === 204 || status === 304 || (status >= 100 && status < 200);
	if (!noBody) {
		if (/chunked/i.test(headers['transfer-encoding'] || '')) {
			const parts = [];
			for (;;) {
				const lineEnd = buf.indexOf('\r\n', pos);
				if (lineEnd < 0)
					return null;
				const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
				if (Number.isNaN(size))
					throw new Error('bad chunk size');
				pos = lineEnd + 2;
				if (size === 0) {
					/* Trailers end with an empty line. */
					const trailerEnd = buf.indexOf('\r\n', pos);
					if (trailerEnd < 0)
						return null;
					pos = trailerEnd + 2;
					break;
				}
				if (buf.length < pos + size + 2)
					return null;
				parts.push(buf.subarray(pos, pos + size));
				pos += size + 2;
			}
			body = Buffer.concat(parts);
		} else if (headers['content-length'] !== undefined) {
			const n = Number(headers['content-length']);
			if (buf.length < pos + n)
				return null;
			body = buf.subarray(pos, pos + n);
			pos += n;
		} else {
			/* Delimited by close. */
			if (!closed)
				return null;
			body = buf.subarray(pos);
			pos = buf.length;
		}
	}
	return {
		response: { status, reason: m[2] || '', headers, body: body.toString('utf8') },
		rest: buf.subarray(pos),
	};
}

/*
 * A raw keep-alive connection. send() writes bytes; next() resolves with
 * the next complete response (or rejects when the connection closes
 * first or after timeoutMs).
 */
export class RawConnection {
	constructor(port, host = '127.0.0.1') {
		this.port = port;
		this.host = host;
		this.buf = Buffer.alloc(0);
		this.closed = false;
		this.error = null;
		this.waiters = [];
		this.headOnly = [];
	}

	connect(timeoutMs = 10000) {
		return new Promise((resolve, reject) => {
			const sock = net.connect({ port: this.port, host: this.host });
			this.sock = sock;
			const timer = setTimeout(() => {
				sock.destroy();
				reject(new Error('connect timeout'));
			}, timeoutMs);
			sock.once('connect', () => {
				clearTimeout(timer);
				resolve(this);
			});
			sock.on('data', (d) => {
				this.buf = Buffer.concat([this.buf, d]);
				this.pump();
			});
			sock.on('error', (err) => {
				clearTimeout(timer);
				this.error = err;
				reject(err);
				this.pump();
			});
			sock.on('close', () => {
				this.closed = true;
				this.pump();
			});
		});
	}

	/* Sends bytes; headOnly marks the response as one to a HEAD request. */
	send(data, { headOnly = false } = {}) {
		this.headOnly.push(headOnly);
		return new Promise((resolve) => {
			if (this.closed || this.sock.destroyed)
				return resolve(false);
			this.sock.write(data, (err) => resolve(!err));
		});
	}

	pump() {
		while (this.waiters.length) {
			let parsed = null;
			try {
				parsed = parseResponse(this.buf, { headOnly: this.headOnly[0], closed: this.closed });
			} catch (err) {
				this.waiters.shift().reject(err);
				continue;
			}
			if (parsed) {
				this.buf = parsed.rest;
				this.headOnly.shift();
				const w = this.waiters.shift();
				clearTimeout(w.timer);
				w.resolve(parsed.response);
				continue;
			}
			if (this.closed || this.error) {
				const w = this.waiters.shift();
				clearTimeout(w.timer);
				w.reject(Object.assign(new Error(`connection closed before a complete response (${this.buf.length} bytes: ${JSON.stringify(this.buf.subarray(0, 200).toString('latin1'))})`), { code: 'CLOSED', cause: this.error }));
				continue;
			}
			break;
		}
	}

	next(timeoutMs = 15000) {
		return new Promise((resolve, reject) => {
			const w = { resolve, reject };
			w.timer = setTimeout(() => {
				const i = this.waiters.indexOf(w);
				if (i >= 0)
					this.waiters.splice(i, 1);
				reject(Object.assign(new Error('timed out waiting for a response'), { code: 'TIMEOUT' }));
			}, timeoutMs);
			this.waiters.push(w);
			this.pump();
		});
	}

	/* Resolves when the server closes the connection (true) or after ms (false). */
	waitClosed(ms) {
		if (this.closed)
			return Promise.resolve(true);
		return new Promise((resolve) => {
			const timer = setTimeout(() => resolve(false), ms);
			this.sock.once('close', () => {
				clearTimeout(timer);
				resolve(true);
			});
		});
	}

	close() {
		if (this.sock && !this.sock.destroyed)
			this.sock.destroy();
	}
}

/* One raw request on a fresh connection; the connection is closed after. */
export async function rawRequest(port, data, { headOnly = false, timeoutMs = 15000 } = {}) {
	const c = new RawConnection(port);
	await c.connect();
	try {
		await c.send(data, { headOnly });
		return await c.next(timeoutMs);
	} finally {
		c.close();
	}
}

/* "GET path HTTP/1.1" with Host and the given extra header lines. */
export function requestBytes(method, path, { headers = [], body = null, close = false } = {}) {
	const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers];
	if (close)
		lines.push('Connection: close');
	if (body !== null)
		lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
	return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}
