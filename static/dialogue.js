/*
 * The guided dialogue, live. /couple/dialogue/{id} works without this
 * file (plain forms, a Refresh link); with it:
 *   - the page watches the dialogue's event stream (server-sent events)
 *     and on every "change" re-reads the state JSON and redraws the step,
 *     so the partner's page follows within a moment, without a reload;
 *   - actions go through fetch to the JSON API with the version the page
 *     shows; a stale version re-reads and says so (the stop button
 *     retries once, so "We need a break" always gets through);
 *   - a timer, when the dialogue has one, counts down each turn.
 * The markup mirrors src/web/pages_dialogue.c (class names are the
 * contract). Text goes in through textContent only: nothing here builds
 * markup from strings, and the Content-Security-Policy forbids inline
 * script.
 */
(function () {
	'use strict';

	var root = document.getElementById('dialogue');
	if (!root || !window.fetch)
		return;

	var STATE = root.getAttribute('data-state');
	var EVENTS = root.getAttribute('data-events');
	var PAGE = root.getAttribute('data-page');
	var CSRF = root.getAttribute('data-csrf');
	var live = root.querySelector('.dialogue-live');
	var current = null;		/* the last state drawn */
	var timer = 0;
	var timerEnd = 0;

	var STEP_TITLES = {
		appointment: 'Making an appointment', scheduled: 'Appointment made',
		sending: 'Sending', mirroring: 'Mirroring', mirror_check: 'Checking the mirror',
		summary: 'Summary', summary_check: 'Checking the summary', validation: 'Validation',
		empathy: 'Empathy', empathy_check: 'Checking empathy', closing: 'Closing',
		ended: 'Finished', stopped: 'Stopped for a break'
	};
	var LABELS = {
		accept: 'Yes, now is a good time', propose: 'Propose another time',
		begin: 'Begin now', send: 'Send', mirror: 'Mirror', more: 'Yes, and there is more',
		correct: 'Not quite', no_more: 'You got it; there is no more',
		summarize: 'Send the summary', confirm: 'Yes, you got it', validate: 'Validate',
		empathize: 'Share what you imagine', appreciate: 'Send an appreciation',
		'switch': 'Switch roles', finish: 'Finish', stop: 'We need a break'
	};
	var PROPOSE_MINUTES = [15, 30, 60, 120, 240, 480, 720, 1380];

	/* ---- small DOM helpers ---- */

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
		if (text !== undefined && text !== null)
			e.textContent = text;
		return e;
	}

	function add(parent, child) {
		parent.appendChild(child);
		return child;
	}

	function roleName(d, role) {
		var p = role === 'sender' ? d.sender : d.receiver;
		return p && p.display_name ? p.display_name : 'the ' + role;
	}

	function closed(d) {
		return d.step === 'ended' || d.step === 'stopped';
	}

	/* ---- drawing the step (the twin of pages_dialogue.c) ---- */

	function csrfField() {
		return el('input', { type: 'hidden', name: 'csrf', value: CSRF });
	}

	function actForm(d, as) {
		var choices = (d.actions || []).filter(function (c) {
			return c.as === as && c.action !== 'stop';
		});
		if (choices.length === 0)
			return null;
		var box = el('div', { 'class': 'dialogue-act', 'data-as': as });
		if (d.acts_for_both)
			add(box, el('h3', null, 'As ' + roleName(d, as) + ' (the ' + as + ')'));
		var form = add(box, el('form', { method: 'post', action: PAGE + '/act' }));
		add(form, csrfField());
		add(form, el('input', { type: 'hidden', name: 'version', value: String(d.version) }));
		if (d.acts_for_both)
			add(form, el('input', { type: 'hidden', name: 'as', value: as }));
		if (choices.some(function (c) { return c.text; })) {
			var id = 'f-text-' + as;
			add(form, el('label', { 'for': id }, 'What you say'));
			var ta = add(form, el('textarea', { name: 'text', rows: '4', maxlength: '1000', id: id }));
			var stems = d.prompt && d.prompt.role === as ? d.prompt.stems || [] : [];
			if (stems.length)
				ta.placeholder = stems[0];
		}
		if (choices.some(function (c) { return c.action === 'propose'; })) {
			var wid = 'f-when-' + as;
			add(form, el('label', { 'for': wid }, 'Another time, within a day'));
			var sel = add(form, el('select', { name: 'proposed_in', id: wid }));
			PROPOSE_MINUTES.forEach(function (m) {
				add(sel, el('option', { value: String(m) }, m < 60 ? 'in ' + m + ' minutes'
				    : 'in ' + m / 60 + (m === 60 ? ' hour' : ' hours')));
			});
		}
		var buttons = add(form, el('div', { 'class': 'dialogue-buttons' }));
		choices.forEach(function (c) {
			add(buttons, el('button', { type: 'submit', name: 'action', value: c.action },
			    LABELS[c.action] || c.action));
		});
		return box;
	}

	/* The twin of record_form() in pages_dialogue.c: posts as a page. */
	function recordForm(notes) {
		var sec = el('section', { 'class': 'dialogue-record' });
		add(sec, el('h2', null, 'Keep a private record'));
		add(sec, el('p', null, 'Keep the topic, the date and your own notes in your workspace.' +
		    ' Nobody else sees it unless you share it.'));
		var form = add(sec, el('form', { method: 'post', action: PAGE + '/record' }));
		add(form, csrfField());
		add(form, el('label', { 'for': 'f-notes' }, 'Your notes'));
		var ta = add(form, el('textarea', { id: 'f-notes', name: 'notes', rows: '4', maxlength: '4000' }));
		ta.value = notes || '';
		add(form, el('button', { type: 'submit' }, 'Keep the record'));
		var back = add(sec, el('p'));
		add(back, el('a', { href: '/couple/dialogue' }, 'Back to the dialogues'));
		return sec;
	}

	function render(d) {
		var typed = {};
		var notesBox = live.querySelector('.dialogue-record textarea');
		var notes = notesBox ? notesBox.value : '';
		if (current && current.step === d.step && current.round === d.round) {
			Array.prototype.forEach.call(live.querySelectorAll('.dialogue-act'), function (box) {
				var ta = box.querySelector('textarea');
				if (ta && ta.value)
					typed[box.getAttribute('data-as')] = ta.value;
			});
		}
		var f = document.createDocumentFragment();
		var p = add(f, el('p', { 'class': 'dialogue-topic' }, 'Topic: '));
		add(p, el('strong', null, d.topic || ''));
		p = add(f, el('p', { 'class': 'dialogue-roles' }));
		add(p, el('span', { 'class': 'dialogue-sender' }, roleName(d, 'sender')));
		add(p, document.createTextNode(' is sending; '));
		add(p, el('span', { 'class': 'dialogue-receiver' }, roleName(d, 'receiver')));
		add(p, document.createTextNode(' is receiving. Round ' + d.round + '.'));
		p = add(f, el('p', { 'class': 'dialogue-you' }));
		add(p, el('strong', null, d.acts_for_both ? 'You are on one device and act for both of you.'
		    : 'You are the ' + d.you + '.'));
		if (d.acts_for_both && (d.turn === 'sender' || d.turn === 'receiver')) {
			var turns = d.turns || [];
			var last = turns.length ? turns[turns.length - 1].role : null;
			if (last !== d.turn) {
				p = add(f, el('p', { 'class': 'notice dialogue-handover', role: 'status' },
				    'Hand the device to '));
				add(p, el('strong', null, roleName(d, d.turn)));
				add(p, document.createTextNode('.'));
			}
		}
		add(f, el('h2', { 'class': 'dialogue-step' }, STEP_TITLES[d.step] || d.step));
		if (d.prompt && d.prompt.instruction)
			add(f, el('p', { 'class': 'dialogue-instruction' }, d.prompt.instruction));
		if (d.prompt && d.prompt.stems && d.prompt.stems.length) {
			var ul = add(f, el('ul', { 'class': 'dialogue-stems' }));
			d.prompt.stems.forEach(function (s) { add(ul, el('li', null, s)); });
		}
		if (d.step === 'scheduled' && d.proposed_at)
			add(f, el('p', { 'class': 'dialogue-proposed' },
			    'Agreed time: ' + new Date(d.proposed_at).toLocaleString()));
		var timerEl = null;
		if (d.timer_seconds > 0 && !closed(d))
			timerEl = add(f, el('p', { 'class': 'dialogue-timer', 'data-seconds': String(d.timer_seconds) }));
		var sec = add(f, el('section', { 'class': 'dialogue-turns-section' }));
		add(sec, el('h2', null, 'This round so far'));
		var said = (d.turns || []).filter(function (t) { return t.text !== null && t.text !== undefined; });
		if (said.length === 0)
			add(sec, el('p', { 'class': 'dialogue-empty' }, 'Nothing yet.'));
		var ol = add(sec, el('ol', { 'class': 'dialogue-turns' }));
		said.forEach(function (t) {
			var li = add(ol, el('li', { 'data-role': t.role }));
			add(li, el('span', { 'class': 'dialogue-who' }, roleName(d, t.role)));
			add(li, document.createTextNode(' '));
			add(li, el('span', { 'class': 'dialogue-what' }, t.verb || t.action));
			add(li, document.createTextNode(' '));
			add(li, el('q', { 'class': 'dialogue-text' }, t.text));
		});
		if (closed(d)) {
			add(f, recordForm(notes));
		} else {
			var acts = add(f, el('section', { 'class': 'dialogue-actions' }));
			['sender', 'receiver'].forEach(function (as) {
				var box = actForm(d, as);
				if (box) {
					add(acts, box);
					var ta = box.querySelector('textarea');
					if (ta && typed[as])
						ta.value = typed[as];
				}
			});
			var stop = add(f, el('div', { 'class': 'dialogue-stop' }));
			var form = add(stop, el('form', { method: 'post', action: PAGE + '/act' }));
			add(form, csrfField());
			add(form, el('input', { type: 'hidden', name: 'version', value: String(d.version) }));
			add(form, el('button', { type: 'submit', name: 'action', value: 'stop', 'class': 'danger' },
			    'We need a break'));
		}
		var stepChanged = !current || current.version !== d.version;
		live.textContent = '';
		live.appendChild(f);
		current = d;
		if (timerEl) {
			/* A new turn starts the clock; a redraw keeps it. */
			if (stepChanged || !timerEnd)
				timerEnd = Date.now() + d.timer_seconds * 1000;
			startTimer(timerEl, timerEnd);
		}
		root.setAttribute('data-version', String(d.version));
		root.setAttribute('data-step', d.step);
	}

	/* ---- the timer ---- */

	function startTimer(node, end) {
		clearInterval(timer);
		function tick() {
			var left = Math.max(0, Math.round((end - Date.now()) / 1000));
			node.textContent = left > 0
			    ? 'Time left for this turn: ' + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0')
			    : 'Time is up for this turn; finish your sentence.';
			if (left === 0)
				clearInterval(timer);
		}
		tick();
		timer = setInterval(tick, 1000);
	}

	/* ---- reading and acting ---- */

	function showError(message) {
		var old = root.querySelector('.dialogue-error');
		if (old)
			old.remove();
		if (!message)
			return;
		var box = el('div', { 'class': 'form-error dialogue-error', role: 'alert' });
		add(box, el('p', null, message));
		root.insertBefore(box, root.firstChild);
	}

	var reading = null;
	var readAgain = false;

	/* Re-reads the state; a change during a read reads once more. */
	function refresh() {
		if (reading) {
			readAgain = true;
			return reading;
		}
		reading = fetch(STATE, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
		    .then(function (res) { return res.json().then(function (j) { return { res: res, j: j }; }); })
		    .then(function (r) {
			if (r.res.ok && r.j.dialogue)
				render(r.j.dialogue);
		    })
		    .catch(function () { /* the next event or the Refresh link */ })
		    .then(function () {
			reading = null;
			if (readAgain) {
				readAgain = false;
				refresh();
			}
		    });
		return reading;
	}

	function post(body) {
		return fetch(STATE + '/actions', {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json', Accept: 'application/json',
			    'X-CSRF-Token': CSRF },
			body: JSON.stringify(body)
		}).then(function (res) {
			return res.json().then(function (j) { return { ok: res.ok, j: j }; });
		});
	}

	function act(form, action, retried) {
		var body = { version: Number(form.elements.version.value), action: action };
		if (form.elements.as)
			body.as = form.elements.as.value;
		var ta = form.elements.text;
		if (ta && ta.value.trim() !== '')
			body.text = ta.value;
		var when = form.elements.proposed_in;
		if (when && action === 'propose')
			body.proposed_at = new Date(Date.now() + Number(when.value) * 60000).toISOString();
		return post(body).then(function (r) {
			if (r.ok) {
				showError(null);
				render(r.j.dialogue);
				return;
			}
			var err = r.j && r.j.error ? r.j.error : { code: '', message: 'Something went wrong.' };
			if (err.code === 'stale_version' && action === 'stop' && !retried) {
				/* The partner acted a moment before: stop anyway. */
				return refresh().then(function () {
					var f = live.querySelector('.dialogue-stop form');
					if (f)
						return act(f, 'stop', true);
				});
			}
			showError(err.message.charAt(0).toUpperCase() + err.message.slice(1) +
			    (/[.!?]$/.test(err.message) ? '' : '.'));
			if (err.code === 'stale_version' || err.code === 'wrong_step' ||
			    err.code === 'not_your_turn' || err.code === 'dialogue_ended')
				return refresh();
		});
	}

	root.addEventListener('submit', function (ev) {
		var form = ev.target;
		var action = form.getAttribute('action') || '';
		if (!/\/act$/.test(action))
			return;	/* the record form posts as a page */
		var button = ev.submitter;
		if (!button || !button.value)
			return;
		ev.preventDefault();
		var buttons = form.querySelectorAll('button');
		Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
		act(form, button.value, false).catch(function () {
			showError('The server could not be reached; try again.');
		}).then(function () {
			Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
		});
	});

	/* ---- the event stream ---- */

	function watch() {
		if (!window.EventSource)
			return;
		var source = new EventSource(EVENTS);
		source.addEventListener('change', refresh);
		/* After a reconnection, something may have changed meanwhile. */
		var opened = false;
		source.addEventListener('open', function () {
			if (opened)
				refresh();
			opened = true;
			root.setAttribute('data-live', 'yes');
		});
		source.addEventListener('error', function () {
			if (source.readyState === EventSource.CLOSED) {
				/* Refused (too many streams, signed out): try later. */
				root.setAttribute('data-live', 'no');
				setTimeout(watch, 10000);
			}
		});
	}

	refresh();
	watch();
}());
