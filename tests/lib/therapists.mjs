/*
 * Synthetic therapists for the HTTP tests, and a brute-force reference
 * search over them. The generator is seeded, so a failure reproduces; the
 * reference is deliberately naive (scan every row, haversine, sort) so it
 * can be trusted as the expected answer for the real engine.
 */
import { haversineKm, makeRng, sqliteJson, KM_PER_MILE } from './server.mjs';

export const CERTIFICATIONS = ['certified_imago_therapist', 'advanced_clinician', 'workshop_presenter',
	'supervisor', 'clinical_instructor', 'imago_facilitator'];
export const SPECIALTIES = ['relationship_enhancement', 'premarital', 'crisis_infidelity',
	'repetitive_conflict', 'individual_growth', 'divorce_separation', 'blended_families', 'lgbtq', 'workshops'];
export const FORMATS = ['in_person', 'online'];

/* Columns deliberately not in the schema's order: the importer must go by name. */
export const CSV_COLUMNS = ['name', 'external_id', 'lat', 'lon', 'credentials', 'certifications',
	'specialties', 'formats', 'languages', 'accepting_new_clients', 'fee_min', 'fee_max', 'sliding_scale',
	'email', 'phone', 'website', 'address', 'city', 'region', 'postal_code', 'country',
	'license_number', 'license_regions', 'years_experience', 'bio', 'approach'];

/* Folds a name the way the directory sorts names: case and accents ignored,
 * runs of anything but letters and digits count as one space. */
export function foldName(s) {
	return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
	    .replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function csvField(v) {
	if (v === null || v === undefined)
		return '';
	const s = String(v);
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/* Rows -> CSV text. A row's `csv` object (column -> text) wins over its fields. */
export function toCsv(rows, columns = CSV_COLUMNS, eol = '\n') {
	const lines = [columns.join(',')];
	for (const r of rows)
		lines.push(columns.map((c) => csvField(rowCsvValue(r, c))).join(','));
	return lines.join(eol) + eol;
}

function rowCsvValue(r, c) {
	if (r.csv && c in r.csv)
		return r.csv[c];
	switch (c) {
	case 'certifications': case 'specialties': case 'formats': case 'languages': case 'license_regions':
		return (r[c] || []).join(';');
	case 'accepting_new_clients':
		return r.accepting ? 'true' : 'false';
	case 'sliding_scale':
		return r.sliding ? 'true' : 'false';
	case 'lat':
		return r.latText ?? '';
	case 'lon':
		return r.lonText ?? '';
	default:
		return r[c] ?? '';
	}
}

/* The point at distance d km and bearing b (radians) from (lat, lon). */
function destination(lat, lon, dKm, bearing) {
	const rad = Math.PI / 180;
	const delta = dKm / 6371.0088;
	const p1 = lat * rad;
	const l1 = lon * rad;
	const p2 = Math.asin(Math.sin(p1) * Math.cos(delta) + Math.cos(p1) * Math.sin(delta) * Math.cos(bearing));
	const l2 = l1 + Math.atan2(Math.sin(bearing) * Math.sin(delta) * Math.cos(p1),
	    Math.cos(delta) - Math.sin(p1) * Math.sin(p2));
	let lonDeg = l2 / rad;
	lonDeg = ((lonDeg + 540) % 360) - 180;
	return [p2 / rad, lonDeg];
}

const FIRST = ['Ada', 'Amara', 'Ben', 'Carla', 'Dev', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas',
	'Kofi', 'Lena', 'Mateo', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tamar', 'Uma', 'Viktor',
	'Wen', 'Ximena', 'Yusuf', 'Zara', 'Émile', 'Zoë', 'Åsa', 'Núria', 'Jürgen', 'Chloé', 'Björn',
	'Marisol', 'Tobias', 'Helga', 'Rafael', 'Sunita', 'Declan'];
const LAST = ['Abbott', 'Brennan', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Gallagher', 'Haddad',
	'Ibarra', 'Jensen', 'Kowalski', 'Lindqvist', 'Moreau', 'Nakamura', 'Okonkwo', 'Petrov', 'Quint',
	'Rossi', 'Schneider', 'Takahashi', 'Underwood', 'Vasquez', 'Whitfield', 'Xu', 'Yilmaz', 'Zimmermann',
	'Müller', 'Ström', "O'Neill", 'Van der Berg', 'García-López', 'Bäcker', 'Søndergaard', 'Lefèvre',
	'Hartmann', 'Delacroix', 'Ivanova', 'Mbeki', 'Novak', 'Olsen', 'Park', 'Reyes', 'Sato', 'Tanaka',
	'Ueda', 'Valdez', 'Walsh', 'Young', 'Zhou', 'Adeyemi'];
const CREDENTIALS = ['LMFT', 'PhD', 'LCSW', 'PsyD', 'LPC', 'MA', ''];
/* Bio words: none is a prefix of another or of a name part, so exact and
 * prefix full-text matching agree on the special words below. */
const VOCAB = ['couples', 'listening', 'dialogue', 'safety', 'connection', 'childhood', 'repair',
	'empathy', 'curiosity', 'mirroring', 'validation', 'partners', 'trust', 'healing', 'growth',
	'conflict', 'patterns', 'warmth', 'respect', 'commitment'];
export const Q_WORD_BIO = 'zephyrine';
export const Q_WORD_APPROACH = 'quillwort';
export const Q_SURNAME = 'Okonkwo';

/*
 * The clusters: [name, lat, lon, spreadKm, country, region, postal, city,
 * license choices [(code, probability)], share of rows]. The antimeridian
 * and polar clusters exist to catch engines that treat longitude as a line.
 */
const CLUSTERS = [
	{ name: 'nyc', lat: 40.7484, lon: -73.9967, spread: 160, country: 'US', region: 'NY', postal: '10001', city: 'New York',
	  licenses: [['US-NY', 0.8], ['US-NJ', 0.3], ['US-CT', 0.1], ['US', 0.05], ['US-TX', 0.03]], share: 0.24, langs: [['en', 0.95], ['es', 0.3], ['zh', 0.08]] },
	{ name: 'austin', lat: 30.2672, lon: -97.7431, spread: 120, country: 'US', region: 'TX', postal: '78701', city: 'Austin',
	  licenses: [['US-TX', 0.85], ['US', 0.05], ['US-NY', 0.04]], share: 0.16, langs: [['en', 0.95], ['es', 0.45]] },
	{ name: 'zurich', lat: 47.3769, lon: 8.5417, spread: 90, country: 'CH', region: 'ZH', postal: '8001', city: 'Zürich',
	  licenses: [['CH-ZH', 0.7], ['CH-BE', 0.2], ['CH', 0.15]], share: 0.13, langs: [['de', 0.9], ['en', 0.6], ['fr', 0.2]] },
	{ name: 'sydney', lat: -33.8688, lon: 151.2093, spread: 110, country: 'AU', region: 'NSW', postal: '2000', city: 'Sydney',
	  licenses: [['AU-NSW', 0.8], ['AU-VIC', 0.15], ['AU', 0.1]], share: 0.13, langs: [['en', 0.97], ['zh', 0.1]] },
	{ name: 'fiji', lat: -17.0, lon: 179.9, spread: 250, country: 'FJ', region: '', postal: '', city: 'Labasa',
	  licenses: [['FJ', 0.85]], share: 0.07, langs: [['en', 0.9], ['fj', 0.4]] },
	{ name: 'kiribati', lat: 0.5, lon: -179.9, spread: 60, country: 'KI', region: '', postal: '', city: '',
	  licenses: [['KI', 0.7]], share: 0.03, langs: [['en', 0.9]] },
	{ name: 'north', lat: 90, lon: 0, spread: 70, country: '', region: '', postal: '', city: '',
	  licenses: [['NO', 0.5]], share: 0.05, langs: [['en', 0.8], ['no', 0.4]] },
	{ name: 'south', lat: -90, lon: 0, spread: 70, country: 'AQ', region: '', postal: '', city: '',
	  licenses: [['AQ', 0.5]], share: 0.05, langs: [['en', 0.8]] },
];

function pickWeighted(rng, choices) {
	return choices.filter(([, p]) => rng.chance(p)).map(([c]) => c);
}

/*
 * Generates n therapists (plus a few exact-duplicate locations and a few
 * without any location). Rows get a 0-based `index`; ids come later from
 * the database (attachIds).
 */
export function generateTherapists(n = 3000, seed = 20240601) {
	const rng = makeRng(seed);
	const rows = [];
	const nDup = Math.round(n * 0.01);
	const nNoLoc = Math.round(n * 0.01);
	const nScatter = Math.round(n * 0.1);
	const nCluster = n - nDup - nNoLoc - nScatter;
	const clusterFor = [];
	for (const c of CLUSTERS)
		for (let i = 0; i < Math.round(c.share * nCluster); i++)
			clusterFor.push(c);
	while (clusterFor.length < nCluster)
		clusterFor.push(CLUSTERS[0]);
	clusterFor.length = nCluster;

	const makeRow = (cluster, lat, lon) => {
		const i = rows.length;
		const first = rng.pick(FIRST);
		const last = rng.pick(LAST);
		const name = `${first} ${last}`;
		const formats = [];
		if (rng.chance(0.8))
			formats.push('in_person');
		if (rng.chance(0.5))
			formats.push('online');
		let feeMin = null;
		let feeMax = null;
		if (rng.chance(0.85)) {
			feeMin = 5 * rng.int(10, 50);
			feeMax = feeMin + 5 * rng.int(0, 20);
		}
		const words = [];
		for (let k = rng.int(4, 12); k > 0; k--)
			words.push(rng.pick(VOCAB));
		if (rng.chance(0.03))
			words.splice(rng.int(0, words.length), 0, Q_WORD_BIO);
		const approachWords = [];
		for (let k = rng.int(2, 6); k > 0; k--)
			approachWords.push(rng.pick(VOCAB));
		if (rng.chance(0.02))
			approachWords.push(Q_WORD_APPROACH);
		const licenses = cluster ? pickWeighted(rng, cluster.licenses)
		    : rng.subset(['US-NY', 'US-TX', 'CH-ZH', 'AU-NSW', 'FJ', 'US', 'DE', 'GB-ENG', 'BR-SP'], 0.15);
		const languages = cluster ? pickWeighted(rng, cluster.langs) : rng.subset(['en', 'es', 'de', 'fr', 'pt'], 0.4);
		const row = {
			index: i,
			external_id: `ext-${String(i).padStart(5, '0')}`,
			name,
			credentials: rng.pick(CREDENTIALS),
			certifications: rng.subset(CERTIFICATIONS, 0.3),
			specialties: rng.subset(SPECIALTIES, 0.35),
			formats,
			languages: [...new Set(languages)].sort(),
			accepting: rng.chance(0.6),
			fee_min: feeMin,
			fee_max: feeMax,
			sliding: rng.chance(0.3),
			email: `t${i}@example.org`,
			phone: `+1 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`,
			website: `https://example.org/t/${i}`,
			address: cluster && cluster.city ? `${rng.int(1, 999)} Main Street, ${cluster.city}` : '',
			city: cluster ? cluster.city : '',
			region: cluster ? cluster.region : '',
			postal_code: cluster ? cluster.postal : '',
			country: cluster ? cluster.country : '',
			license_number: `LIC-${i}`,
			license_regions: [...new Set(licenses)].sort(),
			years_experience: rng.int(0, 40),
			bio: `${name} works with ${words.join(', ')}. "Quoted" words, commas, and more.`,
			approach: approachWords.join(' '),
			lat: null,
			lon: null,
			latText: null,
			lonText: null,
		};
		if (lat !== null) {
			row.latText = lat.toFixed(6);
			row.lonText = lon.toFixed(6);
			row.lat = Number(row.latText);
			row.lon = Number(row.lonText);
		}
		rows.push(row);
		return row;
	};

	for (const c of clusterFor) {
		/* Uniform over the disc: distance ~ spread * sqrt(u). */
		const d = c.spread * Math.sqrt(rng.next());
		const bearing = rng.float(0, 2 * Math.PI);
		let lat, lon;
		if (Math.abs(c.lat) === 90) {
			/* At a pole every bearing is "south" (or north): spread the longitudes evenly. */
			lat = c.lat - Math.sign(c.lat) * (d / 6371.0088) * 180 / Math.PI;
			lon = (bearing / Math.PI) * 180 - 180;
		} else {
			[lat, lon] = destination(c.lat, c.lon, d, bearing);
		}
		makeRow(c, lat, lon);
	}
	for (let k = 0; k < nScatter; k++) {
		/* Uniform on the sphere. */
		const lat = Math.asin(rng.float(-1, 1)) * 180 / Math.PI;
		const lon = rng.float(-180, 180);
		makeRow(null, lat, lon);
	}
	/* Same practice, same coordinates: equal distances, so id decides. */
	for (let k = 0; k < nDup; k++) {
		const src = rows[rng.int(0, Math.min(rows.length, nCluster) - 1)];
		const r = makeRow(null, null, null);
		r.lat = src.lat;
		r.lon = src.lon;
		r.latText = src.latText;
		r.lonText = src.lonText;
	}
	/* No coordinates, no address: listed, but never near anything. */
	for (let k = 0; k < nNoLoc; k++) {
		const r = makeRow(null, null, null);
		r.formats = ['in_person'];
		r.country = '';
		r.city = '';
		r.postal_code = '';
		r.address = '';
	}
	return rows;
}

/* Reads ids from the database and sets row.id (matched by external_id). */
export function attachIds(rows, dbPath) {
	const ids = new Map(sqliteJson(dbPath, 'SELECT id, external_id FROM therapists').map((r) => [r.external_id, r.id]));
	for (const r of rows) {
		r.id = ids.get(r.external_id);
		if (r.id === undefined)
			throw new Error(`${r.external_id} was not imported`);
	}
	return rows;
}

function tokens(s) {
	return foldName(s).split(' ').filter(Boolean);
}

/*
 * The reference search. f: { center: {lat, lon} | null, radiusKm,
 * specialty: [], format, language, certification: [], accepting,
 * feeMax, q, searcher: { region, country } (for format=online with near) }.
 * Returns [{ row, dist }] in the order the API must use (without q
 * relevance: callers compare sets when q is given without a centre).
 */
export function referenceSearch(rows, f) {
	const out = [];
	const onlineByLicense = f.format === 'online' && f.center;
	const qToken = f.q ? foldName(f.q) : null;
	for (const r of rows) {
		if (f.specialty && !f.specialty.every((s) => r.specialties.includes(s)))
			continue;
		if (f.format && !r.formats.includes(f.format))
			continue;
		if (f.language && !r.languages.includes(f.language))
			continue;
		if (f.certification && f.certification.length && !f.certification.some((c) => r.certifications.includes(c)))
			continue;
		if (f.accepting && !r.accepting)
			continue;
		if (f.feeMax !== undefined && f.feeMax !== null &&
		    !((r.fee_min !== null && r.fee_min <= f.feeMax) || r.sliding))
			continue;
		if (qToken) {
			const all = [...tokens(r.name), ...tokens(r.bio), ...tokens(r.approach)];
			if (!all.includes(qToken))
				continue;
		}
		let dist = null;
		if (f.center) {
			if (r.lat === null)
				continue;
			dist = haversineKm(f.center.lat, f.center.lon, r.lat, r.lon);
			if (onlineByLicense) {
				const lic = r.license_regions;
				if (!(lic.includes(f.searcher.region) || lic.includes(f.searcher.country)))
					continue;
			} else if (dist > f.radiusKm) {
				continue;
			}
		}
		out.push({ row: r, dist });
	}
	if (f.center)
		out.sort((a, b) => a.dist - b.dist || a.row.id - b.row.id);
	else {
		for (const o of out)
			o.key = foldName(o.row.name);
		out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.row.id - b.row.id));
	}
	return out;
}

/*
 * Whether a reference answer is too close to call: a row within eps of
 * the radius, or two rows at different places whose distances differ by
 * less than eps (the engine may compute them a hair differently).
 */
export function ambiguous(rows, f, expected, eps = 1e-6) {
	if (f.center && !(f.format === 'online')) {
		for (const r of rows) {
			if (r.lat === null)
				continue;
			const d = haversineKm(f.center.lat, f.center.lon, r.lat, r.lon);
			if (Math.abs(d - f.radiusKm) < eps)
				return `row ${r.external_id} is ${d} km away, radius ${f.radiusKm}`;
		}
	}
	if (f.center) {
		for (let i = 1; i < expected.length; i++) {
			const a = expected[i - 1];
			const b = expected[i];
			if (b.dist - a.dist < eps && (a.row.lat !== b.row.lat || a.row.lon !== b.row.lon))
				return `rows ${a.row.external_id} and ${b.row.external_id} are ${b.dist - a.dist} km apart in distance`;
		}
	}
	return null;
}

export { KM_PER_MILE };
