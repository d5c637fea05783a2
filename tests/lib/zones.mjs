/*
 * Wall clocks in IANA zones for the booking tests, computed with the
 * JavaScript runtime's own tz data (Intl), independently of the server's
 * libical: expected times come from here, never from the server's answers.
 */
import assert from 'node:assert/strict';

export const MINUTE = 60e3;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const pad = (n) => String(n).padStart(2, '0');
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/* The wall clock in zone at instant t (ms); weekday 1 Monday .. 7 Sunday. */
export function zoneParts(zone, t) {
	const f = new Intl.DateTimeFormat('en-US', {
		timeZone: zone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit',
		day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
	});
	const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
	return { y: +p.year, m: +p.month, d: +p.day, hh: +p.hour, mm: +p.minute, ss: +p.second, weekday: WEEKDAYS.indexOf(p.weekday) + 1 };
}

/* The zone's offset from UTC at t, in minutes (east positive). */
export function offsetMinutes(zone, t) {
	const s = Math.floor(t / 1000) * 1000;
	const p = zoneParts(zone, s);
	return Math.round((Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm, p.ss) - s) / MINUTE);
}

/* The instant when zone's clocks show date ("YYYY-MM-DD") hh:mm (a time
 * that exists: working hours never fall in a gap here). */
export function zonedTime(zone, date, hh, mm = 0) {
	const [y, m, d] = date.split('-').map(Number);
	const wall = Date.UTC(y, m - 1, d, hh, mm);
	let t = wall - offsetMinutes(zone, wall) * MINUTE;
	t = wall - offsetMinutes(zone, t) * MINUTE;
	assert.deepEqual([zoneParts(zone, t).hh, zoneParts(zone, t).mm], [hh, mm], `${date} ${hh}:${mm} exists in ${zone}`);
	return t;
}

/* "YYYY-MM-DD" in zone at t. */
export const localDate = (zone, t) => {
	const p = zoneParts(zone, t);
	return `${p.y}-${pad(p.m)}-${pad(p.d)}`;
};
export const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
/* "2026-12-08T08:00:00Z", as the API and the forms write instants. */
export const isoUtc = (t) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
