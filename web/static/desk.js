// desk.js: the official's desk (served at /desk), for a tablet (iPad Safari,
// Android Chrome, portrait or landscape) or a PC. After sign-in, home shows
// the stations calling in (GET /api/v1/calls, polled), today's reception
// schedule and the official's cases due soon, overdue and supervised, each
// with its deadline clock. Accepting a call (or entering a station's room)
// opens the hearing: the join page (/join, one WebRTC client for the whole
// product) in a frame beside the case panel, where the official finds or
// registers the case, writes the minutes, grades the risk, assigns,
// summons departments (吹哨报到) and records the outcome through the
// lifecycle's transitions. The media session is linked to the case.
//
// A summoned department's staff open /desk#summons=CASE&n=N&unit=UNIT&station=S:
// the page reports them in (the ledger logs it) and seats them in the room.
//
// Options in the query or the fragment: lang=en (Simplified Chinese
// otherwise). Tests read the page through window.hr.
'use strict';
(() => {
  const query = new URLSearchParams(location.search);
  const frag = new URLSearchParams(location.hash.slice(1));
  const param = (name) => frag.get(name) ?? query.get(name);
  const lang = param('lang') === 'en' ? 'en' : 'zh';

  const POLL_CALLS = 4000; // ms between reads of the call queue
  const POLL_HOME = 60000; // ms between reads of the schedule and the worklists
  const POLL_ROOM = 2000; // ms between looks at the room's connection
  const POLL_CASE = 5000; // ms between reads of the open case (report-ins)
  const TZ = 'Asia/Shanghai'; // the county's time zone: days and deadlines are counted in it

  const STRINGS = window.deskStrings;
  const S = STRINGS[lang];
  const t = (key, vars = {}) => String(S[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  const $ = (id) => document.getElementById(id);

  // Which transitions the assign tab offers; the outcome tab offers the rest.
  const ASSIGN = ['accept', 'transfer', 'start', 'extend'];
  // The agreement tab (desk-agreement.js) takes a mediation's agreement steps.
  const AGREEMENT = ['reach_agreement', 'sign', 'countersign', 'make_effective'];
  // The input fields of each transition: [name, type, required].
  const FIELDS = {
    accept: [['unit', 'unit'], ['manner', 'manner']],
    transfer: [['unit', 'unit', true], ['transfer_type', 'transfer_type', true]],
    start: [['unit', 'unit'], ['owner', 'owner', true]],
    extend: [['days', 'number', true], ['reason', 'text', true]],
    reply: [['outcome', 'outcome', true], ['text', 'textarea', true], ['manner', 'manner']],
    not_accept: [['reason_code', 'text', true], ['reason', 'text'], ['manner', 'manner']],
    divert: [['route', 'text', true], ['reason', 'text']],
    withdraw: [['document', 'text']],
    object: [['reason', 'text', true]],
    close: [['settled', 'checkbox']],
    archive: [['dossier_no', 'text', true]],
    answer_review: [['outcome', 'outcome', true], ['document', 'text'], ['manner', 'manner']],
    answer_recheck: [['outcome', 'outcome', true], ['document', 'text'], ['manner', 'manner']],
    hold_hearing: [['days', 'number', true]],
    request_review: [['unit', 'unit']],
    request_recheck: [['unit', 'unit']],
  };

  const hr = (window.hr = {
    state: 'loading', me: null, queue: null, calls: [], seat: null, station: '', kind: 'hearing',
    caseId: '', case: null, sessionId: '', linked: false, summonsLinks: [], room: '', errors: [],
    department: null, // {caseId, n, unit, station} when joining as a summoned department
  });
  let units = new Map();
  let stations = [];
  let leaders = []; // the leaders' directory: who may be a case's 包案 leader
  let view = 'due_this_week';
  let timers = [];
  let online = navigator.onLine;
  let apiTrouble = false;
  let audioOnly = false;
  let renderedKey = null; // the case version the forms were built for

  // ---- text ----

  function translate() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.title = t('title');
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t(el.dataset.tLabel));
    for (const el of document.querySelectorAll('[data-t-title]')) el.title = t(el.dataset.tTitle);
    const other = $('lang');
    other.textContent = S.other;
    other.lang = lang === 'en' ? 'zh-CN' : 'en';
    const u = new URL(location.href);
    u.searchParams.set('lang', lang === 'en' ? 'zh' : 'en');
    other.href = u.pathname + u.search + u.hash;
  }

  const unitName = (id) => (units.get(id) || {}).name || id || '';
  const stationName = (id) => (stations.find((s) => s.id === id) || {}).name || id;
  const fmtTime = (iso) => {
    const d = new Date(iso);
    return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: TZ });
  };
  // Deadlines are days in China time, whatever the tablet's clock says.
  const fmtDate = (iso) => new Date(iso).toLocaleDateString(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: TZ });
  const el = (tag, props = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'for') e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  };

  // ---- errors and the network ----

  function showError(msg) {
    const p = $('error');
    p.textContent = msg;
    p.hidden = !msg;
    if (msg) hr.errors.push(msg);
  }

  function showNet() {
    let msg = '';
    if (!online) msg = t('offline');
    else if (apiTrouble) msg = t('apiSlow');
    $('net').textContent = msg;
    $('net').classList.toggle('bad', !!msg);
  }
  addEventListener('online', () => { online = true; showNet(); refresh(); });
  addEventListener('offline', () => { online = false; showNet(); });

  class APIError extends Error {
    constructor(status, body) {
      super((body && body.message) || String(status));
      this.status = status;
      this.body = body || {};
    }
  }

  // api sends one request and returns the decoded answer, or throws an
  // APIError (a status and the error body) or a network error.
  async function api(method, path, body) {
    const init = { method, headers: {}, credentials: 'same-origin' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch('/api/v1' + path, init);
    } catch (e) {
      apiTrouble = true;
      showNet();
      throw e;
    }
    if (apiTrouble) {
      apiTrouble = false;
      showNet();
    }
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!resp.ok) throw new APIError(resp.status, data);
    return data;
  }

  // failure says what went wrong in words, with the fields the server named.
  function failure(e) {
    if (!(e instanceof APIError)) return t('offline');
    let msg = e.body.message || String(e.status);
    const fields = e.body.fields || {};
    const parts = Object.entries(fields).map(([k, v]) => t('fieldErr', { field: S.f[k] || k, msg: v }));
    if (parts.length) msg += ' ' + parts.join('；');
    return t('failed', { msg });
  }

  function every(ms, fn) {
    fn();
    timers.push(setInterval(fn, ms));
  }
  function stopTimers() {
    for (const id of timers) clearInterval(id);
    timers = [];
  }

  // ---- screens ----

  function show(state) {
    hr.state = state;
    $('signin').hidden = state !== 'signin';
    $('home').hidden = state !== 'home';
    $('hearing').hidden = state !== 'hearing';
    $('signout').hidden = state === 'signin' || state === 'loading';
    document.body.dataset.screen = state;
  }

  async function start() {
    translate();
    showNet();
    try {
      const me = await api('GET', '/me');
      await signedIn(me.person);
    } catch (e) {
      if (e instanceof APIError && e.status === 401) {
        show('signin');
        $('login').focus();
        return;
      }
      showError(failure(e));
    }
  }

  $('signin').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    try {
      const r = await api('POST', '/session', { login: $('login').value, password: $('password').value });
      $('password').value = '';
      await signedIn(r.person);
    } catch (e) {
      if (e instanceof APIError && e.status === 401) showError(t('wrongLogin'));
      else if (e instanceof APIError && e.status === 429) showError(t('tooMany'));
      else showError(failure(e));
    }
  });

  $('signout').addEventListener('click', async () => {
    leaveRoom();
    stopTimers();
    try { await api('DELETE', '/session'); } catch { /* the cookie goes with the page */ }
    hr.me = null;
    $('who').textContent = '';
    show('signin');
  });

  async function signedIn(person) {
    hr.me = person;
    $('who').textContent = person.name;
    const [u, s, c, l] = await Promise.all([
      api('GET', '/units').catch(() => ({ units: [] })),
      api('GET', '/stations').catch(() => ({ stations: [] })),
      api('GET', '/categories').catch(() => ({ categories: [] })),
      api('GET', '/leaders').catch(() => ({ leaders: [] })),
    ]);
    units = new Map(u.units.map((x) => [x.id, x]));
    leaders = l.leaders || [];
    stations = s.stations || [];
    const where = (person.roles || []).map((g) => unitName(g.unit)).filter(Boolean).join('、');
    $('who').textContent = person.name + (where ? '（' + where + '）' : '');
    fillSelect($('r-category'), (c.categories || []).map((k) => [k.code, k.name]));
    fillSelect($('open-station'), myStations().map((st) => [st.id, st.name]));
    const depts = [...units.values()].filter((x) => x.level === 'department');
    $('s-depts').replaceChildren(...depts.map((d) => el('label', { class: 'choice' },
      el('input', { type: 'checkbox', name: 'dept', value: d.id }), ' ' + d.name)));
    if (frag.get('summons')) {
      await joinSummoned();
      return;
    }
    goHome();
  }

  // myStations lists the stations within the units of the official's roles
  // (every station for county-wide roles), the township's own first.
  function myStations() {
    const grants = (hr.me && hr.me.roles) || [];
    const within = (unit, anc) => {
      for (let u = unit; u; u = (units.get(u) || {}).parent_id) if (u === anc) return true;
      return false;
    };
    const county = grants.some((g) => g.role === 'dispatcher' || !(units.get(g.unit) || {}).parent_id);
    const mine = stations.filter((st) => county || grants.some((g) => within(st.unit, g.unit)));
    return mine.length ? mine : stations;
  }

  function fillSelect(sel, pairs, blank) {
    const opts = pairs.map(([v, label]) => el('option', { value: v, text: label }));
    if (blank !== undefined) opts.unshift(el('option', { value: '', text: blank }));
    sel.replaceChildren(...opts);
  }

  // ---- home ----

  function goHome() {
    stopTimers();
    show('home');
    every(POLL_CALLS, loadCalls);
    every(POLL_HOME, () => { loadSchedule(); loadCases(); });
    every(30000, tickClocks);
  }

  function refresh() {
    if (hr.state === 'home') { loadCalls(); loadSchedule(); loadCases(); }
    if (hr.state === 'hearing' && hr.caseId) loadCase();
  }

  async function loadCalls() {
    if (hr.queue === false) return;
    try {
      const r = await api('GET', '/calls');
      hr.queue = true;
      hr.calls = r.calls || [];
      renderCalls();
    } catch (e) {
      if (e instanceof APIError && e.status === 404) {
        hr.queue = false; // the queue is not on this server (yet)
        $('queue-note').textContent = t('queueOff');
      }
    }
  }

  function renderCalls() {
    $('queue-note').textContent = hr.calls.length ? '' : t('queueEmpty');
    $('queue-note').hidden = !!hr.calls.length;
    $('calls').replaceChildren(...hr.calls.map((c) => {
      const mins = Math.max(0, Math.floor((Date.now() - new Date(c.since)) / 60000));
      const b = el('button', { type: 'button', class: 'accept', text: t('accept') });
      b.setAttribute('aria-label', t('accept') + ' ' + (c.station_name || c.station));
      b.addEventListener('click', () => acceptCall(c));
      return el('li', { class: 'call', 'data-call': c.id },
        el('div', { class: 'call-what' },
          el('strong', { text: c.station_name || stationName(c.station) }),
          el('span', { class: 'muted', text: [c.township, c.village].filter(Boolean).map(unitName).join(' · ') }),
          el('span', { class: 'tag', text: c.kind === 'mediation' ? t('kindMediation') : t('kindHearing') }),
          el('span', { class: 'muted', text: t('waitingSince', { m: mins }) + (c.receiver ? ' · ' + t('receiver', { name: c.receiver.name }) : '') })),
        b);
    }));
  }

  async function acceptCall(c) {
    showError('');
    try {
      const r = await api('POST', '/calls/' + encodeURIComponent(c.id) + '/accept');
      openHearing(r.seat, c.station, c.kind || 'hearing');
    } catch (e) {
      showError(e instanceof APIError && e.status === 409 ? t('takenByOther') : failure(e));
      loadCalls();
    }
  }

  $('open').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    const station = $('open-station').value;
    const kind = $('open-kind').value;
    try {
      let seat;
      if (hr.queue) {
        // The station's terminal is rung; the official waits in the room.
        seat = (await api('POST', '/stations/' + encodeURIComponent(station) + '/invitations', { kind })).seat;
      } else {
        seat = await api('POST', '/stations/' + encodeURIComponent(station) + '/seats', { kind });
      }
      openHearing(seat, station, kind);
    } catch (e) {
      showError(failure(e));
    }
  });

  async function loadSchedule() {
    const day = new Date().toLocaleDateString('sv-SE', { timeZone: TZ }); // YYYY-MM-DD in China
    try {
      const r = await api('GET', '/schedule?from=' + day + '&to=' + day);
      const mine = myStations().map((s) => s.id);
      const rs = (r.receptions || []).filter((x) => x.leader_id === hr.me.id || mine.includes(x.station));
      rs.sort((a, b) => (b.leader_id === hr.me.id) - (a.leader_id === hr.me.id));
      $('schedule').replaceChildren(...(rs.length ? rs.map((x) => el('li', { class: x.leader_id === hr.me.id ? 'me' : '' },
        el('strong', { text: stationName(x.station) }),
        el('span', { class: 'muted', text: ' ' + (x.leader_id === hr.me.id ? hr.me.name + t('mineMark') : x.leader_id) }),
        x.note ? el('span', { class: 'muted', text: ' · ' + x.note }) : null)) : [el('li', { class: 'muted', text: t('noSchedule') })]));
    } catch (e) {
      if (e instanceof APIError) showError(failure(e));
    }
  }

  async function loadCases() {
    try {
      const r = await api('GET', '/cases?view=' + view + '&limit=20');
      $('cases').replaceChildren(...(r.cases.length ? r.cases.map((c) => caseLine(c, null, true)) : [el('li', { class: 'muted', text: t('noCases') })]));
      tickClocks();
    } catch (e) {
      if (e instanceof APIError) showError(failure(e));
    }
  }

  for (const b of document.querySelectorAll('.view')) {
    b.addEventListener('click', () => {
      view = b.dataset.view;
      for (const o of document.querySelectorAll('.view')) o.setAttribute('aria-selected', String(o === b));
      loadCases();
    });
  }

  // caseLine is a case in a list: number, category, state, risk, clock;
  // with link, the number opens the case file (not from a live hearing,
  // which it would leave).
  function caseLine(c, action, link) {
    const no = el('strong', { text: c.case_no });
    const li = el('li', { class: 'case risk-' + (c.risk_level || 'green'), 'data-case': c.id },
      el('div', { class: 'case-what' },
        link ? el('a', { class: 'case-no', href: '/case?id=' + encodeURIComponent(c.id) + (lang === 'en' ? '&lang=en' : '') }, no) : no,
        el('span', { class: 'muted', text: [(S.states[c.state] || c.state), (S.risks[c.risk_level] || ''), unitName(c.lead_unit)].filter(Boolean).join(' · ') }),
        c.summary_public ? el('span', { class: 'summary', text: c.summary_public }) : null,
        el('span', { class: 'marks' },
          c.supervised ? el('span', { class: 'tag warn', text: t('supervisedMark') }) : null,
          c.summoned ? el('span', { class: 'tag', text: t('summonedMark') }) : null)),
      c.due ? clock(c.due) : null);
    if (action) li.append(action);
    return li;
  }

  // clock shows the time left to a deadline, red once it passed; the end
  // of its adjusted day counts, as the ledger counts it.
  function clock(due) {
    const c = el('span', { class: 'clock', 'data-due': due.adjusted, 'data-step': due.step || '' });
    setClock(c);
    return c;
  }
  function setClock(c) {
    const d = new Date(c.dataset.due);
    const end = new Date(d.toLocaleDateString('sv-SE', { timeZone: TZ }) + 'T00:00:00+08:00').getTime() + 86400000;
    const ms = (isNaN(end) ? d.getTime() : end) - Date.now();
    const hours = Math.floor(Math.abs(ms) / 3600000);
    const days = Math.floor(hours / 24);
    let text;
    if (ms >= 0) text = days ? t('left', { d: days, h: hours % 24 }) : t('leftHours', { h: hours });
    else text = days ? t('late', { d: days }) : t('lateHours', { h: hours });
    const step = S.steps[c.dataset.step] || '';
    c.textContent = (step ? t('due', { step, date: fmtDate(c.dataset.due) }) + ' · ' : '') + text;
    c.classList.toggle('late', ms < 0);
    c.classList.toggle('soon', ms >= 0 && days < 3);
  }
  function tickClocks() {
    for (const c of document.querySelectorAll('.clock[data-due]')) setClock(c);
  }

  // ---- the hearing ----

  function openHearing(seat, station, kind) {
    stopTimers();
    hr.seat = seat;
    hr.station = station;
    hr.kind = kind;
    hr.room = seat.room;
    hr.sessionId = '';
    hr.linked = false;
    hr.caseId = '';
    hr.case = null;
    audioOnly = false;
    $('audio-only').setAttribute('aria-pressed', 'false');
    $('station-name').textContent = stationName(station) + ' · ' + (kind === 'mediation' ? t('kindMediation') : t('kindHearing'));
    $('caucus').hidden = kind !== 'mediation';
    // A summoned department follows the case; the official handles it.
    for (const n of ['find', 'risk', 'assign', 'outcome']) $('tab-' + n).hidden = !!hr.department;
    renderedKey = null;
    $('room').src = seat.join + (lang === 'en' ? '&lang=en' : '');
    renderCase();
    show('hearing');
    selectTab(hr.department ? 'minutes' : 'find');
    every(POLL_ROOM, watchRoom);
    every(POLL_CASE, () => { if (hr.caseId) loadCase(); findSession(); });
    every(30000, tickClocks);
  }

  function roomPage() {
    try { return $('room').contentWindow.hr || null; } catch { return null; }
  }

  // watchRoom reads the framed join page's state and says in plain words
  // how the connection is; the join page rejoins by itself.
  function watchRoom() {
    const r = roomPage();
    let msg = t('connecting');
    let bad = false;
    if (r) {
      const pc = r.pc;
      const cs = pc && pc.connectionState;
      if (r.state === 'joined' && (cs === 'connected' || cs === 'new' || !cs)) msg = t('connected');
      if (r.state === 'joined' && cs === 'disconnected') { msg = t('weak'); bad = true; }
      if (r.state !== 'joined' && hr.everJoined) { msg = t('lost'); bad = true; }
      if (r.state === 'joined') hr.everJoined = true;
    }
    if (!online) { msg = t('offline'); bad = true; }
    if (audioOnly && !bad) msg = t('audioOnlyOn');
    $('room-net').textContent = msg;
    $('room-net').classList.toggle('bad', bad);
    if (audioOnly && r) applyAudioOnly(r);
  }

  // applyAudioOnly stops sending the camera and showing video, and asks
  // for the lowest video layer: the voice keeps what bandwidth there is.
  function applyAudioOnly(r) {
    try {
      for (const s of (r.pc && r.pc.getSenders()) || []) if (s.track && s.track.kind === 'video') s.track.enabled = !audioOnly;
      for (const v of $('room').contentDocument.querySelectorAll('video')) v.style.visibility = audioOnly ? 'hidden' : '';
      if (r.setLayer) r.setLayer(audioOnly ? 'low' : 'high');
    } catch { /* the page is between connections: the next look applies it */ }
  }

  $('audio-only').addEventListener('click', () => {
    audioOnly = !audioOnly;
    $('audio-only').setAttribute('aria-pressed', String(audioOnly));
    const r = roomPage();
    if (r) applyAudioOnly(r);
    watchRoom();
  });

  function leaveRoom() {
    const r = roomPage();
    try { if (r && r.leave) r.leave(); } catch { /* closing the frame ends the call too */ }
    $('room').src = 'about:blank';
    hr.seat = null;
    hr.everJoined = false;
  }

  $('end').addEventListener('click', () => {
    leaveRoom();
    hr.department = null;
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    goHome();
  });

  // findSession finds the live session of the room and links it to the
  // case once both are known.
  async function findSession() {
    if (!hr.seat || hr.linked || hr.department) return;
    if (!hr.sessionId) {
      try {
        const r = await api('GET', '/sessions/today');
        // Not the kiosk's monitoring session: it ends when the hearing starts in the room.
        const s = (r.sessions || []).find((x) => x.room === hr.room && x.status === 'live' && x.kind !== 'monitoring');
        if (s) hr.sessionId = s.id;
      } catch { return; }
    }
    if (hr.sessionId && hr.caseId) {
      try {
        await api('POST', '/sessions/' + encodeURIComponent(hr.sessionId) + '/link', { case_id: hr.caseId });
        hr.linked = true;
        renderCase();
      } catch (e) {
        if (e instanceof APIError && e.status !== 409) showError(failure(e));
        if (e instanceof APIError && e.status === 409) { hr.linked = true; renderCase(); }
      }
    }
  }

  // ---- tabs ----

  const TABS = ['find', 'minutes', 'risk', 'assign', 'summon', 'outcome', 'agreement'];
  function selectTab(name) {
    for (const n of TABS) {
      const tab = $('tab-' + n);
      tab.setAttribute('aria-selected', String(n === name));
      tab.tabIndex = n === name ? 0 : -1;
      $('p-' + n).hidden = n !== name;
    }
    hr.tab = name;
  }
  for (const n of TABS) {
    const tab = $('tab-' + n);
    tab.addEventListener('click', () => selectTab(n));
    tab.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
      const shown = TABS.filter((x) => !$('tab-' + x).hidden);
      const i = shown.indexOf(n) + (ev.key === 'ArrowRight' ? 1 : -1);
      const next = shown[(i + shown.length) % shown.length];
      selectTab(next);
      $('tab-' + next).focus();
      ev.preventDefault();
    });
  }

  // ---- the case ----

  async function useCase(id) {
    hr.caseId = id;
    await loadCase();
    findSession();
    if (!hr.department) selectTab('minutes');
  }

  async function loadCase() {
    try {
      const [c, tr, h] = await Promise.all([
        api('GET', '/cases/' + encodeURIComponent(hr.caseId)),
        api('GET', '/cases/' + encodeURIComponent(hr.caseId) + '/transitions'),
        api('GET', '/cases/' + encodeURIComponent(hr.caseId) + '/history'),
      ]);
      hr.case = c;
      hr.transitions = tr.transitions || [];
      hr.minutes = (h.events || []).filter((e) => e.kind === 'minutes');
      renderCase();
    } catch (e) {
      showError(failure(e));
    }
  }

  function renderCase() {
    const c = hr.case;
    $('case-title').textContent = c ? c.case_no : t('noCase');
    $('case-meta').textContent = c ? [t('state', { s: S.states[c.state] || c.state }), t('risk', { r: S.risks[c.risk_level] || c.risk_level }),
      unitName(c.lead_unit), c.supervised ? t('supervisedMark') : ''].filter(Boolean).join(' · ') : '';
    const cl = $('case-clock');
    cl.hidden = !(c && c.due);
    if (c && c.due) {
      cl.dataset.due = c.due.adjusted;
      cl.dataset.step = c.due.step || '';
      cl.classList.add('clock');
      setClock(cl);
    }
    $('case-link').textContent = !c ? '' : hr.department ? t('reported') : hr.linked ? t('linked') : t('linking');
    document.querySelector('.panel').dataset.risk = c ? c.risk_level : '';
    renderMinutes();
    renderSummons();
    agreement.render();
    // The forms are rebuilt only when the case changed, so that a poll
    // never wipes what the official is typing.
    const key = c ? c.id + '@' + c.version + ':' + (hr.transitions || []).map((x) => x.name).join(',') : '';
    if (key !== renderedKey) {
      renderedKey = key;
      renderRisk();
      renderActions();
    }
  }

  $('search').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    try {
      const r = await api('GET', '/cases/search?q=' + encodeURIComponent($('q').value.trim()));
      $('found').replaceChildren(...(r.cases.length ? r.cases.map((c) => {
        const b = el('button', { type: 'button', class: 'quiet', text: t('use') });
        b.setAttribute('aria-label', t('use') + ' ' + c.case_no);
        b.addEventListener('click', () => useCase(c.id));
        return caseLine(c, b);
      }) : [el('li', { class: 'muted', text: t('notFound') })]));
    } catch (e) {
      showError(failure(e));
    }
  });

  $('register').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    const stationUnit = (stations.find((s) => s.id === hr.station) || {}).unit;
    const village = (units.get(stationUnit) || {}).level === 'village' ? stationUnit : '';
    const body = {
      kind: hr.kind === 'mediation' ? 'mediation' : 'petition',
      category: $('r-category').value, channel: 'visit', medium: 'video', station_id: hr.station,
      request: $('r-request').value.trim(), facts: $('r-facts').value.trim(), headcount: 1,
      parties: [{ id: 'p1', side: 'petitioner', name: $('r-name').value.trim(),
        contact: $('r-phone').value.trim() ? { phone: $('r-phone').value.trim() } : undefined }],
    };
    if (body.kind === 'petition') body.class = $('r-class').value;
    if (village) body.village = village;
    try {
      const c = await api('POST', '/cases', body);
      $('register').reset();
      await useCase(c.id);
    } catch (e) {
      showError(failure(e));
    }
  });

  function renderMinutes() {
    const list = hr.case ? (hr.minutes || []) : [];
    $('minutes-list').replaceChildren(...(list.length ? list.slice().reverse().map((e) => {
      let d = e.data;
      if (typeof d === 'string') try { d = JSON.parse(d); } catch { d = {}; }
      return el('li', {}, el('span', { class: 'muted', text: fmtTime(e.at) }), el('p', { text: (d && d.text) || '' }));
    }) : [el('li', { class: 'muted', text: hr.case ? t('noMinutes') : t('needCase') })]));
    $('minutes').hidden = !hr.case || !!hr.department;
  }

  $('minutes').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    try {
      await api('POST', '/cases/' + encodeURIComponent(hr.caseId) + '/minutes', { text: $('m-text').value, session: hr.sessionId || undefined });
      $('m-text').value = '';
      await loadCase();
    } catch (e) {
      showError(failure(e));
    }
  });

  function renderRisk() {
    $('risk').hidden = !hr.case || !!hr.department;
    if (!hr.case) return;
    for (const r of document.querySelectorAll('#risk input[name=level]')) r.checked = r.value === hr.case.risk_level;
  }

  $('risk').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    const level = (document.querySelector('#risk input[name=level]:checked') || {}).value;
    try {
      hr.case = await api('POST', '/cases/' + encodeURIComponent(hr.caseId) + '/risk', { level, reason: $('risk-reason').value.trim() });
      $('risk-reason').value = '';
      await loadCase();
    } catch (e) {
      showError(failure(e));
    }
  });

  // renderActions offers the transitions the official may take now, each
  // as a small form with the fields it needs: assignment ones on the assign
  // tab, the rest on the outcome tab.
  function renderActions() {
    const ts = (hr.case && !hr.department && hr.transitions) || [];
    const mk = (list, none) => (list.length ? list.map(actionForm) : [el('p', { class: 'muted', text: hr.case ? t(none) : t('needCase') })]);
    $('assign-actions').replaceChildren(...mk(ts.filter((x) => ASSIGN.includes(x.name)), 'noAssign'));
    $('outcome-actions').replaceChildren(...mk(ts.filter((x) => !ASSIGN.includes(x.name) && !AGREEMENT.includes(x.name) && x.name !== 'register'), 'noActions'));
  }

  // ownerSelect offers the leaders as the case's 包案 leader, those of the
  // unit the form names (else the case's lead unit, else the official's
  // own) first, then those of the units above it, each with the unit he
  // leads; the case's leader, or the official himself if he is a leader,
  // chosen. The order follows the form's unit as it changes.
  function ownerSelect(id, name, form) {
    const sel = el('select', { id, name });
    const fill = () => {
      const unit = (form.elements.unit && form.elements.unit.value) || (hr.case && hr.case.lead_unit) ||
        ((hr.me && hr.me.roles) || []).map((g) => g.unit)[0] || '';
      const above = new Set();
      for (let u = unit; u; u = (units.get(u) || {}).parent_id) above.add(u);
      const near = (x) => (x.units.includes(unit) ? 0 : x.units.some((u) => above.has(u)) ? 1 : 2);
      const list = [...leaders].sort((a, b) => near(a) - near(b) || a.name.localeCompare(b.name, 'zh-CN'));
      const was = sel.value;
      fillSelect(sel, list.map((x) => [x.id, x.name + ' · ' + x.units.map(unitName).join('、')]), t('pick'));
      sel.value = was || (hr.case && hr.case.owner) || (leaders.some((x) => hr.me && x.id === hr.me.id) ? hr.me.id : '');
    };
    form.addEventListener('change', (ev) => { if (ev.target.name === 'unit') fill(); });
    queueMicrotask(fill); // once the form's unit field is in it
    return sel;
  }

  function actionForm(tr) {
    const f = el('form', { class: 'action stack', 'data-transition': tr.name });
    const label = S.transitions[tr.name] || tr.name;
    // The lifecycle explains each step in English, citing the law.
    f.append(el('h3', { text: label }));
    if (lang === 'en') f.append(el('p', { class: 'doc muted', text: tr.doc }));
    for (const [name, type, required] of FIELDS[tr.name] || []) {
      const id = 'x-' + tr.name + '-' + name;
      let input;
      if (type === 'unit') {
        input = el('select', { id, name });
        fillSelect(input, [...units.values()].filter((u) => u.level !== 'village').map((u) => [u.id, u.name]), required ? undefined : '—');
        if (!required) input.value = '';
      } else if (type === 'owner') {
        input = ownerSelect(id, name, f);
      } else if (type === 'manner') {
        input = el('select', { id, name });
        fillSelect(input, Object.entries(S.manners));
      } else if (type === 'outcome') {
        input = el('select', { id, name });
        fillSelect(input, Object.entries(S.outcomes));
      } else if (type === 'transfer_type') {
        input = el('select', { id, name });
        fillSelect(input, Object.entries(S.transferTypes));
      } else if (type === 'textarea') {
        input = el('textarea', { id, name, rows: 3, maxLength: 8000 });
      } else if (type === 'checkbox') {
        input = el('input', { id, name, type: 'checkbox' });
        f.append(el('label', { class: 'choice', for: id }, input, ' ' + (S.f[name] || name)));
        continue;
      } else {
        input = el('input', { id, name, type: type === 'number' ? 'number' : 'text' });
        if (type === 'number') input.min = '1';
      }
      if (required) input.required = true;
      f.append(el('label', { for: id, text: S.f[name] || name }), input);
    }
    f.append(el('button', { type: 'submit', text: label }));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showError('');
      const input = {};
      for (const [name, type] of FIELDS[tr.name] || []) {
        const x = f.elements[name];
        if (!x) continue;
        if (type === 'checkbox') { if (x.checked) input[name] = true; } else if (type === 'number') { if (x.value) input[name] = Number(x.value); } else if (x.value.trim()) input[name] = x.value.trim();
      }
      try {
        await api('POST', '/cases/' + encodeURIComponent(hr.caseId) + '/transitions', { name: tr.name, input, version: hr.case.version });
        await loadCase();
      } catch (e) {
        showError(failure(e));
        if (e instanceof APIError && e.status === 409) loadCase();
      }
    });
    return f;
  }

  // ---- summons ----

  $('summon').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    const departments = [...document.querySelectorAll('#s-depts input:checked')].map((x) => x.value);
    if (!departments.length) { showError(t('chooseDept')); return; }
    try {
      await api('POST', '/cases/' + encodeURIComponent(hr.caseId) + '/summons',
        { level: $('s-level').value, departments, reason: $('s-reason').value.trim() });
      for (const x of document.querySelectorAll('#s-depts input:checked')) x.checked = false;
      $('s-reason').value = '';
      await loadCase();
    } catch (e) {
      showError(failure(e));
    }
  });

  // summonsLink is the link a summoned department's staff open.
  function summonsLink(n, unit) {
    const p = new URLSearchParams({ summons: hr.caseId, n: String(n), unit, station: hr.station });
    return location.origin + '/desk#' + p.toString();
  }

  function renderSummons() {
    const c = hr.case;
    $('summon').hidden = !c || !!hr.department;
    const items = [];
    hr.summonsLinks = [];
    (c && c.summons || []).forEach((sm, n) => {
      for (const d of sm.departments || []) {
        const link = summonsLink(n, d.unit_id);
        hr.summonsLinks.push({ n, unit: d.unit_id, link, reported: !!d.reported_at });
        const out = el('output', { class: 'link', text: link });
        const copy = el('button', { type: 'button', class: 'quiet', text: t('copy') });
        copy.setAttribute('aria-label', t('copy') + ' ' + unitName(d.unit_id));
        copy.addEventListener('click', async () => {
          try { await navigator.clipboard.writeText(link); } catch {
            const r = document.createRange();
            r.selectNodeContents(out);
            getSelection().removeAllRanges();
            getSelection().addRange(r);
          }
          copy.textContent = t('copied');
        });
        items.push(el('li', { class: d.reported_at ? 'reported' : '', 'data-unit': d.unit_id },
          el('strong', { text: unitName(d.unit_id) }),
          el('span', { class: d.reported_at ? 'ok' : 'muted', text: ' ' + (d.reported_at ? t('reportedAt', { time: fmtTime(d.reported_at) }) : t('notReported', { time: fmtTime(sm.report_due) })) }),
          hr.department ? null : el('div', { class: 'linkrow' }, el('span', { class: 'visually-hidden', text: t('joinLink', { unit: unitName(d.unit_id) }) }), out, copy)));
      }
    });
    $('summons-list').replaceChildren(...(items.length ? items : [el('li', { class: 'muted', text: c ? t('noSummons') : t('needCase') })]));
  }

  // ---- a summoned department joins ----

  async function joinSummoned() {
    const d = { caseId: frag.get('summons'), n: Number(frag.get('n') || 0), unit: frag.get('unit') || '', station: frag.get('station') || '' };
    hr.department = d;
    try {
      const r = await api('POST', '/cases/' + encodeURIComponent(d.caseId) + '/summons/' + d.n + '/seats', { unit: d.unit, station: d.station });
      openHearing(r.seat, d.station, r.seat.kind === 'mediation' ? 'mediation' : 'hearing');
      hr.caseId = d.caseId;
      hr.case = r.case;
      await loadCase();
      $('case-link').textContent = t('reported');
      selectTab('summon');
    } catch (e) {
      hr.department = null;
      showError(failure(e));
      goHome();
    }
  }

  const agreement = window.deskAgreement({ lang, hr, api, APIError, el, showError, failure, loadCase });
  start();
})();
