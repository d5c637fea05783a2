/*
 * Couples for the HTTP tests: pairing two signed-in people by the real
 * invitation mail, and the safety check-in that opens joint work.
 */
import assert from 'node:assert/strict';

import { linkToken, mailTo, waitForMail } from './accounts.mjs';

/* The check-in answers of someone who feels safe, and of someone who
 * does not (any one answer is enough). */
export const SAFE = { afraid: false, hurt: false, controlled: false, speak_freely: true, want_joint: true };
export const UNSAFE = { ...SAFE, afraid: true };

/* Invites to's address from `from`; the token from the mail. */
export async function invite(server, from, toEmail) {
	const before = mailTo(server.maildir, toEmail).length;
	const res = await from.client.post('/api/v1/me/couple/invitations', { email: toEmail });
	assert.equal(res.status, 201, res.where);
	return linkToken(await waitForMail(server.maildir, toEmail, before + 1));
}

/* a invites b, b accepts; the accept answer (its json.couple.id). */
export async function pair(server, a, b) {
	const token = await invite(server, a, b.email);
	const res = await b.client.post('/api/v1/couple/accept', { token });
	assert.equal(res.status, 200, res.where);
	return res;
}

/* p answers the safety check-in; the status answered. */
export async function answerSafety(p, answers = SAFE) {
	const res = await p.client.post('/api/v1/me/safety', answers);
	assert.equal(res.status, 200, res.where);
	return res.json;
}
