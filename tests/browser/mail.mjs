/*
 * The server's mail, for the browser tests: run.mjs gives the maildir it
 * writes to as $IMAGO_TEST_MAILDIR. Messages are parsed and their
 * quoted-printable bodies decoded by tests/lib/accounts.mjs.
 */
import { waitForMail } from '../lib/accounts.mjs';

export const MAILDIR = process.env.IMAGO_TEST_MAILDIR || '';

/*
 * Waits for the count-th message to an address and returns the first
 * link in its (decoded) body whose path is linkPath, as an absolute URL.
 */
export async function waitForLink(to, linkPath, count = 1, timeoutMs = 10000) {
	if (!MAILDIR)
		throw new Error('IMAGO_TEST_MAILDIR is not set: run the browser tests with tests/browser/run.mjs');
	const message = await waitForMail(MAILDIR, to, count, timeoutMs);
	for (const m of message.body.matchAll(/https?:\/\/[^\s<>"]+/g)) {
		const link = new URL(m[0]);
		if (link.pathname === linkPath)
			return { message, link };
	}
	throw new Error(`no ${linkPath} link in the mail to ${to}:\n${message.body}`);
}
