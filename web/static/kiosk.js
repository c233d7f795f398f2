// kiosk.js: the village committee's terminal (村委会接访终端), served at /kiosk.
//
// Paired once with the administrator's code (on-screen keys, or
// /kiosk#pair=CODE), it keeps its device credential in localStorage and
// opens on its station's home screen: the place, today's receiving
// official, two big buttons (呼叫接访, 视频调解), the link status and the
// time. While the station is open it publishes its camera and microphone
// at a low layer into the station's room for the leaders' wall, with a
// permanent on-camera sign; outside those hours it publishes nothing.
// Calling in waits in the official's queue (the call board, /api/v1/
// terminal/calls); an official's invitation is answered by itself with a
// chime (settings: auto-answer). Before a recorded session the recording
// notice is shown and spoken; after it, the parties rate it with three
// faces. A weak or lost network is said in plain words, with an
// audio-only button, and the page rejoins by itself.
//
// Media goes through the room client of room.js, shared with join.js
// (docs/signaling.md).
//
// Options in the query or fragment: lang=en, pair=CODE, device=CREDENTIAL
// (a pre-enrolled terminal, e.g. the demo's), notice=MS (how long the
// recording notice shows at least; 6000). Tests read window.hr.
'use strict';
(() => {
  const query = new URLSearchParams(location.search);
  const frag = new URLSearchParams(location.hash.slice(1));
  const param = (name) => frag.get(name) ?? query.get(name);
  const KEY = 'hr.kiosk';
  const saved = (() => { try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch { return {}; } })();
  const settings = Object.assign({ autoAnswer: true, lang: 'zh' }, saved.settings || {});
  if (param('lang')) settings.lang = param('lang') === 'en' ? 'en' : 'zh';
  let credential = saved.credential || '';
  const noticeMs = Math.max(0, Number(param('notice') ?? 6000) || 0);

  function persist() {
    try { localStorage.setItem(KEY, JSON.stringify({ credential, settings })); } catch { /* private mode: kept in memory */ }
  }

  const STRINGS = window.kioskStrings;
  const t = (key, vars = {}) =>
    (STRINGS[settings.lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  const $ = (id) => document.getElementById(id);

  const hr = (window.hr = {
    state: 'idle', // room connection: idle, connecting, joined, closed
    screen: 'boot', mode: '', // mode: presence (open hours) or session
    room: '', you: null, participants: {}, tracks: {}, recording: false, pc: null,
    errors: [], seen: {}, marks: {}, firstFrameAt: null,
    home: null, call: null, invitation: null, session: null, rating: null, net: 'off',
    publishing: false, audioOnly: false, chimes: 0, spoken: '',
    leave: () => endSession('button'),
  });

  // ---- screens and text ----

  function show(screen) {
    hr.screen = screen;
    document.body.dataset.screen = screen;
    for (const el of document.querySelectorAll('.screen')) el.hidden = el.id !== `screen-${screen}`;
    $('top').hidden = screen === 'pair' || screen === 'boot';
    // Focus left on a control of a hidden screen moves to the new screen's first.
    const active = document.activeElement;
    if (active && active !== document.body && active.closest('[hidden]')) {
      $(`screen-${screen}`)?.querySelector('button, input')?.focus({ preventScroll: true });
    }
  }

  function message(text = '', kind = 'info') {
    const el = $('status');
    el.textContent = text;
    el.dataset.kind = kind;
    el.hidden = !text;
  }

  function report(code, msg) {
    hr.errors.push({ code, message: msg, at: performance.now() });
    console.warn('hearingroom kiosk:', code, msg);
    if (code === 'unsupported') message(t('unsupported'), 'error');
  }

  function translate() {
    document.documentElement.lang = settings.lang === 'en' ? 'en' : 'zh-CN';
    document.title = t('title');
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    $('links').setAttribute('aria-label', settings.lang === 'en' ? 'Device status' : '设备状态');
    $('keypad').setAttribute('aria-label', t('pairCode'));
    $('lang-toggle').textContent = settings.lang === 'en' ? '中文' : 'English';
    const lang = settings.lang === 'en' ? '?lang=en' : '';
    $('to-board').href = '/board' + lang;
    $('to-register').href = '/register' + lang;
    document.querySelector('.more').setAttribute('aria-label', settings.lang === 'en' ? 'More' : '更多');
    $('lang-toggle').lang = settings.lang === 'en' ? 'zh-CN' : 'en';
    if (hr.home) renderHome();
    linkStatus();
  }

  function clock() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, '0');
    $('clock').textContent = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
    $('date').textContent = now.toLocaleDateString(settings.lang === 'en' ? 'en-GB' : 'zh-CN',
      { year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' });
  }

  // ---- the API ----

  async function api(method, path, body) {
    const headers = { Authorization: `Device ${credential}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      const e = new Error((data && data.message) || `HTTP ${res.status}`);
      e.status = res.status;
      e.code = data && data.code;
      throw e;
    }
    return data;
  }

  // ---- pairing ----

  const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  let code = '';

  function buildKeypad() {
    const pad = $('keypad');
    for (const ch of ALPHABET) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'key';
      b.textContent = ch;
      b.addEventListener('click', () => { if (code.length < 8) { code += ch; showCode(); } });
      pad.append(b);
    }
    $('pair-back').addEventListener('click', () => { code = code.slice(0, -1); showCode(); });
    $('pair-ok').addEventListener('click', () => pair(code));
  }

  function showCode() {
    $('pair-code').textContent = (code + '________'.slice(code.length)).replace(/(.{4})/, '$1 ');
  }

  async function pair(c) {
    c = c.toUpperCase().replace(/[\s-]/g, '');
    if (c.length !== 8) return message(t('pairShort'), 'warn');
    message(t('pairing'));
    try {
      const e = await api('POST', '/terminals', { code: c, name: settings.lang === 'en' ? 'Village kiosk' : '村委会接访终端' });
      credential = e.credential;
      persist();
      code = '';
      showCode();
      message('');
      await loadHome();
      poll();
    } catch (e) {
      message(e.status === 429 ? t('pairMany') : e.status >= 400 && e.status < 500 ? t('pairBad') : t('serverDown'), 'error');
    }
  }

  function unpair() {
    credential = '';
    persist();
    hr.home = null;
    closeRoom();
    show('pair');
  }

  // ---- home ----

  let homeTimer = 0;

  async function loadHome() {
    clearTimeout(homeTimer);
    homeTimer = setTimeout(loadHome, 15000);
    try {
      hr.home = await api('GET', '/terminal/home');
    } catch (e) {
      if (e.status === 401) {
        credential = '';
        persist();
        closeRoom();
        show('pair');
        return message(t('revoked'), 'error');
      }
      linkStatus();
      if (hr.screen === 'boot') show('home');
      return message(navigator.onLine === false ? t('offline') : t('serverDown'), 'warn');
    }
    if (hr.screen === 'boot' || hr.screen === 'pair') show('home');
    if (hr.screen === 'home' && $('status').dataset.kind !== 'info') message('');
    renderHome();
    presence();
  }

  function renderHome() {
    const h = hr.home;
    const place = [h.township, h.village].filter(Boolean).join(' · ') || h.station.name;
    $('place').textContent = place;
    $('station-name').textContent = h.station.name;
    const names = (h.receivers || []).map((r) => r.name).filter(Boolean);
    $('receiver').textContent = names.length ? names.join('、') : t('noReceiver');
    $('receiver').dataset.none = names.length ? '' : 'true';
    $('hours').textContent = `${t('hours', { h: h.hours })} · ${h.open ? t('openNow') : t('closedNow')}`;
  }

  // presence keeps the station's camera in its room while it is open and
  // nothing else is going on, and out of it otherwise.
  function presence() {
    const open = !!(hr.home && hr.home.open);
    if (hr.mode === 'session') return;
    if (open && hr.mode !== 'presence') enterPresence();
    if (!open && hr.mode === 'presence') closeRoom();
  }

  async function enterPresence() {
    hr.mode = 'presence';
    try {
      const seat = await api('POST', '/terminal/presence', {});
      if (hr.mode !== 'presence') return;
      connect(seat.token, 'low');
    } catch (e) {
      hr.mode = '';
      if (e.status === 409) return; // closed meanwhile: the next home refresh says so
      scheduleRejoin();
    }
  }

  // ---- calls and invitations ----

  let pollTimer = 0;
  let callStarted = 0;

  async function callIn(kind) {
    stopChime();
    try {
      hr.call = await api('POST', '/terminal/calls', { kind });
    } catch (e) {
      return message(e.status === 409 ? t('callBusy') : t('error', { msg: e.message }), 'error');
    }
    callStarted = Date.now();
    message('');
    show('wait');
    renderWait();
    poll();
  }

  function renderWait() {
    const c = hr.call;
    if (!c) return;
    $('wait-position').textContent = c.position <= 1 ? t('positionFirst') : t('position', { n: c.position - 1 });
    const s = Math.floor((Date.now() - callStarted) / 1000);
    const waited = t('waited', { t: `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` });
    $('wait-detail').textContent = c.receiver ? `${t('waitFor', { name: c.receiver.name })} · ${waited}` : waited;
  }

  async function cancelCall() {
    const c = hr.call;
    hr.call = null;
    if (c) await api('DELETE', `/terminal/calls/${c.id}`).catch(() => {});
    message(t('callCancelled'));
    goHome();
  }

  // poll asks the board every two seconds: the call's state while waiting,
  // the station's invitations while at home or waiting.
  async function poll() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, 2000);
    if (!credential || !hr.home) return;
    try {
      if (hr.call && hr.screen === 'wait') {
        hr.call = await api('GET', `/terminal/calls/${hr.call.id}`);
        if (hr.call.state === 'accepted') return startSession(hr.call.kind, hr.call.accepted_by);
        if (hr.call.state !== 'waiting') {
          hr.call = null;
          message(t('callExpired'), 'warn');
          return goHome();
        }
        renderWait();
      }
      if (hr.screen === 'home' || hr.screen === 'wait' || hr.screen === 'invite') {
        const { invitations } = await api('GET', '/terminal/invitations');
        const inv = invitations[0];
        if (!inv && hr.screen === 'invite') { hr.invitation = null; stopChime(); return goHome(); }
        if (inv && (!hr.invitation || hr.invitation.id !== inv.id)) invited(inv);
      }
    } catch (e) {
      if (e.status === 401) return loadHome();
      if (e.status === 404 && hr.call && hr.screen === 'wait') return recall();
    }
  }

  // recall places the station's call again when the board no longer knows
  // it (the server restarted and its call board with it): the villager
  // keeps waiting in the queue instead of waiting for nobody.
  async function recall() {
    try {
      hr.call = await api('POST', '/terminal/calls', { kind: hr.call.kind });
      renderWait();
    } catch (e) {
      report('recall', e.message); // the next poll tries again
    }
  }

  async function invited(inv) {
    hr.invitation = inv;
    const kind = t(inv.kind === 'mediation' ? 'mediation' : 'hearing');
    $('invite-from').textContent = t('inviteFrom', { name: inv.from.name, kind });
    if (settings.autoAnswer) {
      chime();
      return answer(true);
    }
    show('invite');
    chime(true);
  }

  async function answer(accept) {
    const inv = hr.invitation;
    stopChime();
    if (!inv) return goHome();
    try {
      await api('POST', `/terminal/invitations/${inv.id}/answer`, { accept });
    } catch (e) {
      hr.invitation = null;
      message(t('callExpired'), 'warn');
      return goHome();
    }
    if (!accept) { hr.invitation = null; return goHome(); }
    if (hr.call) { // an invitation overtakes the station's own call
      api('DELETE', `/terminal/calls/${hr.call.id}`).catch(() => {});
      hr.call = null;
    }
    startSession(inv.kind, inv.from);
  }

  // ---- the chime (WebAudio: nothing loaded) ----

  let audioCtx = null;
  let chimeTimer = 0;

  function chime(repeat = false) {
    clearInterval(chimeTimer);
    ring();
    if (repeat) chimeTimer = setInterval(ring, 3000);
  }

  function ring() {
    hr.chimes++;
    try {
      audioCtx = audioCtx || new (window.AudioContext || window.webkitAudioContext)();
      if (audioCtx.state === 'suspended') audioCtx.resume();
      const at = audioCtx.currentTime;
      [[880, 0], [660, 0.35], [990, 0.7]].forEach(([f, d]) => {
        const o = audioCtx.createOscillator();
        const g = audioCtx.createGain();
        o.type = 'sine';
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, at + d);
        g.gain.exponentialRampToValueAtTime(0.4, at + d + 0.03);
        g.gain.exponentialRampToValueAtTime(0.0001, at + d + 0.6);
        o.connect(g).connect(audioCtx.destination);
        o.start(at + d);
        o.stop(at + d + 0.65);
      });
    } catch { /* no audio output: the screen still shows the invitation */ }
  }

  function stopChime() { clearInterval(chimeTimer); chimeTimer = 0; }

  // ---- the session ----

  let sessionKind = 'hearing';
  let emptySince = 0;
  let sessionTimer = 0;

  async function startSession(kind, who) {
    clearTimeout(pollTimer);
    sessionKind = kind === 'mediation' ? 'mediation' : 'hearing';
    hr.mode = 'session';
    hr.session = null;
    hr.audioOnly = false;
    closeRoom(true); // the presence ends: the hearing is a session of its own
    hr.mode = 'session';
    $('session-title').textContent = `${t(sessionKind)} · ${(who && who.name) || ''}`;
    await recordingNotice();
    if (hr.mode !== 'session') return;
    try {
      const seat = await api('POST', '/terminal/sessions', { kind: sessionKind });
      if (hr.mode !== 'session') return;
      show('session');
      emptySince = Date.now();
      connect(seat.token, 'full');
      clearInterval(sessionTimer);
      sessionTimer = setInterval(sessionTick, 1000);
    } catch (e) {
      hr.mode = '';
      message(t('error', { msg: e.message }), 'error');
      goHome();
    }
  }

  // recordingNotice shows the notice and speaks it (speechSynthesis when
  // there is one) before the recorded session starts.
  function recordingNotice() {
    const text = t('notice', { kind: t(sessionKind) });
    $('notice-text').textContent = text;
    show('notice');
    hr.spoken = '';
    return new Promise((resolve) => {
      let spoken = !('speechSynthesis' in window);
      let waited = false;
      const done = () => { if (spoken && waited) resolve(); };
      setTimeout(() => { waited = true; done(); }, noticeMs);
      if (!spoken) {
        try {
          const u = new SpeechSynthesisUtterance(text);
          u.lang = settings.lang === 'en' ? 'en-GB' : 'zh-CN';
          u.rate = 0.9;
          u.onend = u.onerror = () => { spoken = true; done(); };
          speechSynthesis.cancel();
          speechSynthesis.speak(u);
          hr.spoken = text;
          // A voice that never ends (none installed) must not hold the session.
          setTimeout(() => { spoken = true; done(); }, noticeMs + 15000);
        } catch { spoken = true; done(); }
      }
    });
  }

  // sessionTick ends the session when the officials have been gone a while
  // (a network drop of theirs gets time to come back), and learns the
  // ledger's session id for the rating.
  async function sessionTick() {
    if (hr.mode !== 'session') return clearInterval(sessionTimer);
    const others = Object.keys(hr.participants).length;
    if (others > 0) emptySince = 0;
    else if (!emptySince) emptySince = Date.now();
    const met = Object.keys(hr.seen).some((id) => id !== (hr.you && hr.you.identity));
    const grace = met ? 20000 : 120000; // nobody came: give up after two minutes
    if (emptySince && Date.now() - emptySince > grace) return endSession('empty');
    if (!hr.session && hr.state === 'joined' && met) {
      try { hr.session = await api('GET', '/terminal/session'); } catch { /* not yet stored */ }
    }
  }

  async function endSession(why) {
    if (hr.mode !== 'session') return;
    clearInterval(sessionTimer);
    if (!hr.session && Object.keys(hr.seen).length > 1) {
      try { hr.session = await api('GET', '/terminal/session'); } catch { /* none */ }
    }
    closeRoom(true);
    hr.mode = '';
    hr.call = null;
    hr.invitation = null;
    console.info('hearingroom kiosk: session ended', why);
    if (hr.session) {
      $('rate-title').textContent = t(sessionKind === 'mediation' ? 'rateTitleMediation' : 'rateTitle');
      message(t('ended'));
      show('rate');
      clearTimeout(rateTimer);
      rateTimer = setTimeout(goHome, 90000);
    } else {
      message(t('ended'));
      goHome();
    }
  }

  let rateTimer = 0;
  let rating = false;

  async function rate(score) {
    if (!hr.session || rating) return;
    rating = true;
    try {
      hr.rating = await api('POST', '/terminal/ratings', { session: hr.session.id, score });
    } catch (e) {
      rating = false;
      if (e.status === 409) { hr.rating = { score }; } else return message(t('rateFailed'), 'error');
    }
    rating = false;
    clearTimeout(rateTimer);
    message('');
    show('thanks');
    rateTimer = setTimeout(goHome, 4000);
  }

  function goHome() {
    clearTimeout(rateTimer);
    stopChime();
    if (hr.mode === 'session') return;
    show('home');
    if (hr.home) renderHome();
    presence();
    poll();
  }

  // ---- the room connection (room.js) ----

  let quality = 'low';
  let rejoinTimer = 0;
  let finalClose = false;
  const camera = { video: 'off', audio: 'off' };

  const tiles = window.hrRoom.tiles({
    hr, stage: $('stage'), firstFrame,
    layout: (n) => { $('stage-waiting').hidden = n > 0; },
    soundBlocked: () => message(t('tapForSound'), 'warn'),
    soundBack: () => message(''),
  });

  const room = window.hrRoom.client({
    hr, report, frame, joining, joined, ice, onClose: closed,
    mark: (name) => { if (name === 'ws-open') hr.marks.wsOpen ??= performance.now(); },
    // One low layer for the wall while the station is merely open, simulcast in a session.
    encodings: () => (quality === 'low'
      ? [{ scaleResolutionDownBy: 2, maxBitrate: 150000, maxFramerate: 15 }]
      : [{ rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 150000 }, { rid: 'h', maxBitrate: 900000 }]),
    receiveSlots: () => quality === 'full',
    show: (id, stream) => { if (hr.mode === 'session') tiles.show(id, stream); }, // the presence shows no one: the wall watches
    gone: (id) => tiles.remove(id),
    teardown: () => { hr.publishing = false; tiles.clear(); },
    camera: (stream) => {
      camera.video = stream.getVideoTracks().length ? 'ok' : 'failed';
      camera.audio = stream.getAudioTracks().length ? 'ok' : 'failed';
      for (const tr of stream.getTracks()) tr.onended = () => { camera[tr.kind] = 'failed'; linkStatus(); };
      linkStatus();
    },
    noCamera: () => { camera.video = camera.audio = 'failed'; linkStatus(); },
    cameraOff: () => { camera.video = camera.audio = 'off'; linkStatus(); },
  });
  Object.assign(hr, { stats: room.stats, ping: room.ping });

  function connect(tok, q) {
    clearTimeout(rejoinTimer);
    quality = q;
    finalClose = false;
    room.join(tok);
  }

  // closeRoom leaves the room on purpose: no rejoin. keepCamera keeps the
  // camera open for the session that follows at once.
  function closeRoom(keepCamera = false) {
    finalClose = true;
    clearTimeout(rejoinTimer);
    room.close();
    hr.state = 'idle';
    if (hr.mode === 'presence') hr.mode = '';
    if (!keepCamera) room.dropLocal();
    onCamera();
  }

  function closed(code) {
    // Moved by the official (背对背): join the room the move named at once, with its token.
    if (code === 4011 && !finalClose && hr.mode === 'session') { room.calm(); return connect(room.token, quality); }
    if (finalClose || code === 1000 || code === 4001 || code === 4003 || code === 4010) {
      onCamera();
      if (hr.mode === 'session') return endSession('closed');
      hr.mode = '';
      return;
    }
    onCamera();
    scheduleRejoin();
  }

  // scheduleRejoin comes back with a new seat after a lost link: with
  // back-off, and at once when the browser says it is online again.
  function scheduleRejoin() {
    clearTimeout(rejoinTimer);
    hr.net = 'lost';
    linkStatus();
    rejoinTimer = setTimeout(rejoin, room.retry(15) * 1000);
  }

  async function rejoin() {
    hr.rejoins++;
    if (hr.mode === 'presence') {
      hr.mode = '';
      await loadHome();
      return;
    }
    if (hr.mode !== 'session') return;
    try {
      const seat = await api('POST', '/terminal/sessions', { kind: sessionKind });
      if (hr.mode === 'session') connect(seat.token, 'full');
    } catch { scheduleRejoin(); }
  }

  // frame handles what the room client leaves to the page, once the roster is updated.
  function frame(msg) {
    switch (msg.type) {
      case 'participant-joined': return tiles.relabel(msg.participant.identity);
      case 'participant-left':
        if (hr.mode === 'session' && Object.keys(hr.participants).length === 0 && msg.reason === 'left') {
          return endSession('left');
        }
        return;
      case 'track-published': case 'track-updated':
        if (msg.track.participant === (hr.you && hr.you.identity)) { hr.publishing = true; onCamera(); }
        return tiles.relabel(msg.track.participant);
      case 'recording': return recording(msg.recording);
      case 'removed': finalClose = true; return;
      case 'error': return report(msg.code, msg.message);
    }
  }

  function joining(msg) {
    hr.seen = { [msg.you.identity]: true };
    recording(msg.recording);
    for (const id of Object.keys(hr.participants)) hr.seen[id] = true;
    return room.localMedia();
  }

  function joined() {
    onCamera();
    tiles.layout();
  }

  function ice(s) {
    if (s === 'disconnected') { hr.net = 'lost'; linkStatus(); }
    if (s === 'connected' || s === 'completed') { room.calm(); if (hr.net === 'lost') hr.net = 'good'; linkStatus(); }
  }

  function recording(on) {
    hr.recording = on === true;
    $('rec').hidden = !hr.recording;
  }

  // onCamera shows the sign while the room's picture leaves the terminal.
  function onCamera() {
    const on = hr.state === 'joined' && !!room.local;
    $('oncam').hidden = !on;
    document.body.classList.toggle('on-camera', on);
  }

  function firstFrame() { if (hr.firstFrameAt === null) hr.firstFrameAt = performance.now(); }

  // ---- link status: camera, microphone, network quality ----

  function linkStatus() {
    const set = (id, state, text) => {
      const el = $(id);
      el.dataset.state = state;
      el.querySelector('.v').textContent = text;
    };
    set('link-camera', camera.video, t(camera.video));
    set('link-mic', camera.audio, t(camera.audio));
    const net = navigator.onLine === false ? 'lost' : hr.net;
    set('link-net', { good: 'ok', fair: 'warn', poor: 'warn', lost: 'failed', off: 'off' }[net] || 'off',
      net === 'off' ? (hr.home ? t('good') : '—') : t(net));
    weak();
  }

  function weak() {
    const net = navigator.onLine === false ? 'lost' : hr.net;
    const visible = (hr.mode === 'session' && net === 'poor') || (net === 'lost' && !!hr.home);
    $('weak').hidden = !visible;
    $('weak-text').textContent = net === 'lost' ? t('lostNet') : t('weak');
    $('weak-audio').hidden = hr.mode !== 'session' || hr.audioOnly || net === 'lost';
  }

  // sample reads the network quality every two seconds (hr.setNet forces one).
  async function sample() {
    const q = await room.quality();
    if (q === null) {
      if (hr.state === 'idle' && hr.net !== 'lost') hr.net = hr.home ? 'good' : 'off';
      return linkStatus();
    }
    if (q === 'lost') hr.net = 'lost';
    else if (!hr.forceNet) hr.net = q;
    if (hr.forceNet) hr.net = hr.forceNet;
    linkStatus();
  }

  // audioOnly stops the picture both ways on a weak link.
  async function audioOnly(on = !hr.audioOnly) {
    hr.audioOnly = on;
    await room.setAudioOnly(on);
    $('audio-only').textContent = t(on ? 'videoBack' : 'audioOnly');
    document.body.classList.toggle('audio-only', on);
    weak();
  }

  // ---- start ----

  buildKeypad();
  showCode();
  $('call-hearing').addEventListener('click', () => callIn('hearing'));
  $('call-mediation').addEventListener('click', () => callIn('mediation'));
  $('wait-cancel').addEventListener('click', cancelCall);
  $('invite-accept').addEventListener('click', () => answer(true));
  $('invite-decline').addEventListener('click', () => answer(false));
  $('end').addEventListener('click', () => endSession('button'));
  $('audio-only').addEventListener('click', () => audioOnly());
  $('weak-audio').addEventListener('click', () => audioOnly(true));
  for (const b of document.querySelectorAll('.face')) b.addEventListener('click', () => rate(b.dataset.score));
  $('rate-skip').addEventListener('click', goHome);
  $('settings-open').addEventListener('click', () => { $('auto-answer').checked = settings.autoAnswer; show('settings'); });
  $('settings-close').addEventListener('click', goHome);
  $('auto-answer').addEventListener('change', (e) => { settings.autoAnswer = e.target.checked; persist(); });
  $('lang-toggle').addEventListener('click', () => { settings.lang = settings.lang === 'en' ? 'zh' : 'en'; persist(); translate(); });
  // Unpairing takes a second tap within five seconds: one stray touch must
  // not take the village's screen out of service.
  let unpairArmed = 0;
  $('unpair').addEventListener('click', () => {
    if (Date.now() - unpairArmed < 5000) return unpair();
    unpairArmed = Date.now();
    $('unpair').textContent = t('unpairConfirm');
    setTimeout(() => { $('unpair').textContent = t('unpair'); }, 5000);
  });
  addEventListener('resize', tiles.layout);
  addEventListener('online', () => { hr.net = 'good'; linkStatus(); if (hr.mode !== 'session' || hr.state !== 'joined') { room.calm(); rejoin(); loadHome(); } });
  addEventListener('offline', () => { hr.net = 'lost'; linkStatus(); });
  hr.refresh = () => loadHome();
  hr.rejoins = 0;
  // dropLink cuts the room's socket as a lost network would (tests).
  hr.dropLink = () => room.drop(3001, 'dropped');
  hr.setNet = (q) => { hr.forceNet = q || ''; if (q) hr.net = q; linkStatus(); };

  translate();
  clock();
  setInterval(clock, 1000);
  setInterval(() => { if (hr.screen === 'wait') renderWait(); }, 1000);
  setInterval(sample, 2000);
  message('');

  const fromLink = param('pair');
  const device = param('device');
  if (fromLink || device || param('lang')) history.replaceState(null, '', location.pathname + location.search);
  if (device) { credential = device; persist(); }
  if (fromLink) { // a new code pairs the screen anew, whatever it was paired to
    show('pair');
    code = fromLink.toUpperCase().slice(0, 8);
    showCode();
    pair(fromLink);
  } else if (credential) {
    loadHome();
    poll();
  } else {
    show('pair');
  }
})();
