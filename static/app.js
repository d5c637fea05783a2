/*
 * imago's progressive enhancement. The pages work without this file;
 * with it they gain:
 *   - place suggestions under every input with data-suggest (the ARIA
 *     1.2 combobox pattern: a listbox, aria-expanded,
 *     aria-activedescendant, arrow keys, Enter, Escape);
 *   - a Leaflet map in #map: the search circle and a marker per result on
 *     the results page (read from the list's data-lat/data-lon, so the map
 *     shows exactly what the list shows), one marker on a profile;
 *   - tidier search URLs (empty form fields are not submitted).
 * The Content-Security-Policy allows scripts and styles from this site
 * only, so Leaflet is loaded on demand from /static/leaflet/ and nothing
 * here builds markup from strings: data goes in through textContent.
 */
(function () {
	'use strict';

	var SUGGEST_DELAY_MS = 150;
	var SUGGEST_MIN_CHARS = 2;
	var LEAFLET = '/static/leaflet/';

	/* ---- Forms: leave empty fields out of the query string ---- */

	function tidyForms() {
		var forms = document.querySelectorAll('form[action="/therapists"]');
		var disabled = [];
		Array.prototype.forEach.call(forms, function (form) {
			form.addEventListener('submit', function () {
				Array.prototype.forEach.call(form.elements, function (el) {
					if (el.name && !el.disabled && el.type !== 'checkbox' &&
					    el.value === '') {
						el.disabled = true;
						disabled.push(el);
					}
				});
			});
		});
		/* Coming back to the page from the history must not find
		 * the fields still disabled. */
		window.addEventListener('pageshow', function () {
			disabled.forEach(function (el) { el.disabled = false; });
			disabled = [];
		});
	}

	/* ---- Place suggestions ---- */

	var comboboxCount = 0;

	function Combobox(input) {
		this.input = input;
		this.url = input.getAttribute('data-suggest');
		this.places = [];
		this.active = -1;
		this.timer = 0;
		this.request = null;
		this.cache = {};
		var id = 'suggest-' + (++comboboxCount);

		/* The listbox hangs under the input, in a wrapper that
		 * positions it. */
		var wrap = document.createElement('div');
		wrap.className = 'combo';
		input.parentNode.insertBefore(wrap, input);
		wrap.appendChild(input);

		this.list = document.createElement('ul');
		this.list.id = id + '-list';
		this.list.className = 'suggestions';
		this.list.setAttribute('role', 'listbox');
		this.list.setAttribute('aria-label', 'Suggested places');
		this.list.hidden = true;
		wrap.appendChild(this.list);

		/* Screen readers hear how many suggestions there are. */
		this.status = document.createElement('div');
		this.status.className = 'visually-hidden';
		this.status.setAttribute('role', 'status');
		this.status.setAttribute('aria-live', 'polite');
		wrap.appendChild(this.status);

		input.setAttribute('role', 'combobox');
		input.setAttribute('aria-autocomplete', 'list');
		input.setAttribute('aria-expanded', 'false');
		input.setAttribute('aria-controls', this.list.id);
		input.setAttribute('autocomplete', 'off');

		var self = this;
		input.addEventListener('input', function () { self.onInput(); });
		input.addEventListener('keydown', function (ev) { self.onKey(ev); });
		input.addEventListener('blur', function () { self.close(); });
	}

	Combobox.prototype.onInput = function () {
		var self = this;
		var text = this.input.value.trim();
		window.clearTimeout(this.timer);
		if (text.length < SUGGEST_MIN_CHARS) {
			this.abort();
			this.close();
			return;
		}
		this.timer = window.setTimeout(function () { self.fetch(text); },
		    SUGGEST_DELAY_MS);
	};

	Combobox.prototype.abort = function () {
		if (this.request) {
			this.request.abort();
			this.request = null;
		}
	};

	Combobox.prototype.fetch = function (text) {
		var self = this;
		if (Object.prototype.hasOwnProperty.call(this.cache, text)) {
			this.show(text, this.cache[text]);
			return;
		}
		this.abort();
		var controller = new AbortController();
		this.request = controller;
		window.fetch(this.url + '?q=' + encodeURIComponent(text), {
			signal: controller.signal,
			headers: { Accept: 'application/json' }
		}).then(function (res) {
			return res.ok ? res.json() : [];
		}).then(function (places) {
			if (!Array.isArray(places))
				places = [];
			self.cache[text] = places;
			if (self.request === controller)
				self.request = null;
			self.show(text, places);
		}).catch(function () {
			/* Aborted or offline: typing still works. */
		});
	};

	Combobox.prototype.show = function (text, places) {
		/* An answer for text the person has since changed is stale. */
		if (this.input.value.trim() !== text || document.activeElement !== this.input)
			return;
		this.places = places.filter(function (p) {
			return p && typeof p.label === 'string';
		});
		this.active = -1;
		this.input.removeAttribute('aria-activedescendant');
		var list = this.list;
		while (list.firstChild)
			list.removeChild(list.firstChild);
		var self = this;
		this.places.forEach(function (place, i) {
			var li = document.createElement('li');
			li.id = list.id + '-' + i;
			li.setAttribute('role', 'option');
			li.setAttribute('aria-selected', 'false');
			li.textContent = place.label;
			/* mousedown would blur the input and close the list
			 * before the click lands. */
			li.addEventListener('mousedown', function (ev) { ev.preventDefault(); });
			li.addEventListener('click', function () { self.choose(i); });
			list.appendChild(li);
		});
		if (this.places.length === 0) {
			this.close();
			this.status.textContent = 'No matching places.';
			return;
		}
		list.hidden = false;
		this.input.setAttribute('aria-expanded', 'true');
		this.status.textContent = this.places.length +
		    (this.places.length === 1 ? ' place suggested.' : ' places suggested.') +
		    ' Use the up and down arrows to choose.';
	};

	Combobox.prototype.isOpen = function () {
		return !this.list.hidden;
	};

	Combobox.prototype.close = function () {
		this.list.hidden = true;
		this.active = -1;
		this.input.setAttribute('aria-expanded', 'false');
		this.input.removeAttribute('aria-activedescendant');
	};

	Combobox.prototype.highlight = function (i) {
		var items = this.list.children;
		if (this.active >= 0 && items[this.active])
			items[this.active].setAttribute('aria-selected', 'false');
		this.active = i;
		if (i < 0) {
			this.input.removeAttribute('aria-activedescendant');
			return;
		}
		items[i].setAttribute('aria-selected', 'true');
		this.input.setAttribute('aria-activedescendant', items[i].id);
		if (items[i].scrollIntoView)
			items[i].scrollIntoView({ block: 'nearest' });
	};

	Combobox.prototype.move = function (delta) {
		var n = this.places.length;
		if (n === 0)
			return;
		if (!this.isOpen()) {
			this.list.hidden = false;
			this.input.setAttribute('aria-expanded', 'true');
		}
		var i = this.active + delta;
		if (i < 0)
			i = n - 1;
		else if (i >= n)
			i = 0;
		this.highlight(i);
	};

	Combobox.prototype.choose = function (i) {
		var place = this.places[i];
		if (!place)
			return;
		this.input.value = place.label;
		this.close();
		this.input.focus();
	};

	Combobox.prototype.onKey = function (ev) {
		switch (ev.key) {
		case 'ArrowDown':
			ev.preventDefault();
			this.move(1);
			break;
		case 'ArrowUp':
			ev.preventDefault();
			this.move(-1);
			break;
		case 'Enter':
			/* With a suggestion highlighted Enter takes it; otherwise
			 * the form is submitted as usual. */
			if (this.isOpen() && this.active >= 0) {
				ev.preventDefault();
				this.choose(this.active);
			}
			break;
		case 'Escape':
			if (this.isOpen()) {
				ev.preventDefault();
				this.close();
			}
			break;
		case 'Tab':
			this.close();
			break;
		}
	};

	function setupSuggestions() {
		var inputs = document.querySelectorAll('input[data-suggest]');
		Array.prototype.forEach.call(inputs, function (input) {
			new Combobox(input);
		});
	}

	/* ---- Map ---- */

	var leafletPromise = null;

	function loadLeaflet() {
		if (window.L)
			return Promise.resolve(window.L);
		if (leafletPromise)
			return leafletPromise;
		leafletPromise = new Promise(function (resolve, reject) {
			var css = document.createElement('link');
			css.rel = 'stylesheet';
			css.href = LEAFLET + 'leaflet.css';
			var cssLoaded = new Promise(function (ok) {
				css.addEventListener('load', ok);
				css.addEventListener('error', ok);
			});
			document.head.appendChild(css);
			var script = document.createElement('script');
			script.src = LEAFLET + 'leaflet.js';
			script.addEventListener('load', function () {
				cssLoaded.then(function () {
					if (window.L)
						resolve(window.L);
					else
						reject(new Error('Leaflet did not load'));
				});
			});
			script.addEventListener('error', function () {
				reject(new Error('Leaflet did not load'));
			});
			document.head.appendChild(script);
		});
		return leafletPromise;
	}

	function number(v) {
		var n = parseFloat(v);
		return isFinite(n) ? n : null;
	}

	/* The attribution is configured by the operator and may contain
	 * entities ("&copy;"); Leaflet inserts it as HTML, so it is reduced
	 * to plain text and escaped again before it gets there. */
	function attributionHtml(raw) {
		var text = new DOMParser().parseFromString(raw || '', 'text/html')
		    .body.textContent || '';
		var div = document.createElement('div');
		div.textContent = text;
		return div.innerHTML;
	}

	/* The places to mark: each result in the list, or the profile. */
	function mapPoints(el) {
		var points = [];
		var items = document.querySelectorAll('.result[data-lat][data-lon]');
		Array.prototype.forEach.call(items, function (li) {
			var lat = number(li.getAttribute('data-lat'));
			var lon = number(li.getAttribute('data-lon'));
			if (lat !== null && lon !== null)
				points.push({ lat: lat, lon: lon,
				    name: li.getAttribute('data-name') || '',
				    href: li.getAttribute('data-href') });
		});
		if (points.length === 0 && el.hasAttribute('data-name')) {
			var lat = number(el.getAttribute('data-lat'));
			var lon = number(el.getAttribute('data-lon'));
			if (lat !== null && lon !== null)
				points.push({ lat: lat, lon: lon,
				    name: el.getAttribute('data-name'), href: null });
		}
		return points;
	}

	function popup(point) {
		var node;
		if (point.href && point.href.charAt(0) === '/') {
			node = document.createElement('a');
			node.href = point.href;
		} else {
			node = document.createElement('strong');
		}
		node.textContent = point.name;
		return node;
	}

	function drawMap(L, el) {
		var points = mapPoints(el);
		var lat = number(el.getAttribute('data-lat'));
		var lon = number(el.getAttribute('data-lon'));
		var radiusKm = number(el.getAttribute('data-radius-km'));
		if (points.length === 0 && (lat === null || lon === null))
			return;

		el.classList.add('map-active');
		L.Icon.Default.imagePath = LEAFLET + 'images/';
		var map = L.map(el, { scrollWheelZoom: false });
		L.tileLayer(el.getAttribute('data-tile-url'), {
			maxZoom: 19,
			attribution: attributionHtml(el.getAttribute('data-tile-attribution'))
		}).addTo(map);

		var bounds = null;
		points.forEach(function (p) {
			var ll = L.latLng(p.lat, p.lon);
			L.marker(ll, { title: p.name, alt: p.name })
			    .bindPopup(popup(p)).addTo(map);
			bounds = bounds ? bounds.extend(ll) : L.latLngBounds(ll, ll);
		});
		if (lat !== null && lon !== null && radiusKm !== null) {
			var centre = L.latLng(lat, lon);
			L.circle(centre, { radius: radiusKm * 1000, weight: 2,
			    color: '#0b5f5a', fillOpacity: 0.06, interactive: false })
			    .addTo(map);
			map.fitBounds(centre.toBounds(radiusKm * 2000));
		} else if (points.length > 1) {
			map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
		} else {
			var one = points.length ? L.latLng(points[0].lat, points[0].lon) :
			    L.latLng(lat, lon);
			map.setView(one, number(el.getAttribute('data-zoom')) || 12);
		}
	}

	function setupMap() {
		var el = document.getElementById('map');
		if (!el || !el.getAttribute('data-tile-url'))
			return;
		loadLeaflet().then(function (L) {
			drawMap(L, el);
		}).catch(function () {
			/* No map; the list is still there. */
			el.classList.remove('map-active');
		});
	}


	/*
	 * Booking. Without JavaScript the page lists every free time in the
	 * zone named in the URL (the therapist's by default). Here: links to
	 * the book page carry the browser's zone, a book page opened without
	 * one reloads with it, and the days fold into a picker that shows one
	 * day's times at a time.
	 */
	function browserZone() {
		try {
			return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
		} catch (e) {
			return '';
		}
	}

	function withZone(href, zone) {
		var url = new URL(href, window.location.href);
		if (!url.searchParams.get('tz'))
			url.searchParams.set('tz', zone);
		return url.pathname + url.search;
	}

	function setupBooking() {
		var zone = browserZone();
		if (zone) {
			document.querySelectorAll('a.book-link').forEach(function (a) {
				a.setAttribute('href', withZone(a.getAttribute('href'), zone));
			});
			var select = document.querySelector('select.tz-select');
			var here = new URL(window.location.href);
			if (select && select.value !== zone &&
			    !here.searchParams.get('tz') &&
			    here.pathname.indexOf('/book') > 0 &&
			    select.querySelector('option[value="' + zone + '"]')) {
				window.location.replace(withZone(window.location.href, zone));
				return;
			}
		}
		document.querySelectorAll('[data-slot-picker]').forEach(foldDays);
	}

	function foldDays(picker) {
		var days = picker.querySelectorAll('fieldset.slot-day');
		if (days.length < 2)
			return;
		var tabs = document.createElement('div');
		tabs.className = 'day-tabs';
		tabs.setAttribute('role', 'tablist');
		days.forEach(function (day, i) {
			var legend = day.querySelector('legend');
			var tab = document.createElement('button');
			tab.type = 'button';
			tab.className = 'day-tab';
			tab.setAttribute('role', 'tab');
			tab.textContent = legend ? legend.textContent : String(i + 1);
			tab.addEventListener('click', function () { show(i); });
			tabs.appendChild(tab);
		});
		function show(k) {
			days.forEach(function (day, i) { day.hidden = i !== k; });
			tabs.querySelectorAll('.day-tab').forEach(function (tab, i) {
				tab.setAttribute('aria-selected', i === k ? 'true' : 'false');
			});
		}
		/* A required radio in a folded (hidden) day cannot show the
		 * browser's "choose one" bubble, which then blocks the form
		 * silently: the server's answer says it instead. */
		picker.querySelectorAll('input[name="start"]').forEach(function (input) {
			input.required = false;
		});
		var first = days[0].parentNode;
		first.parentNode.insertBefore(tabs, first);
		var checked = 0;
		days.forEach(function (day, i) {
			if (day.querySelector('input:checked'))
				checked = i;
		});
		show(checked);
	}

	function start() {
		tidyForms();
		setupSuggestions();
		setupMap();
		setupBooking();
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
})();
