// join.js: the minimal join page (served at /join). It speaks the signaling
// protocol of docs/signaling.md: one WebSocket at /rtc, one RTCPeerConnection,
// the client's first offer, then server-driven renegotiation with "perfect
// negotiation" (this page is the polite peer), trickle ICE both ways.
//
// The link carries the token: /join#token=… (or ?token=…). Options in the
// query or the fragment: lang=en (Simplified Chinese otherwise), simulcast=1.
// Tests read and drive the page through window.hr.
//
// Caucus (背对背): on "moved" the page rejoins the room it names with the
// token it carries, on a new socket and peer connection, and keeps the new
// token in the fragment so that a reload rejoins there. A waiting party
// ("waiting" in its participant object) publishes once "admitted". A room
// admin gets a small panel: admit, to the caucus and back.
'use strict';
(() => {
  const query = new URLSearchParams(location.search);
  const frag = new URLSearchParams(location.hash.slice(1));
  const param = (name) => frag.get(name) ?? query.get(name);
  let token = param('token') || '';
  const lang = param('lang') === 'en' ? 'en' : 'zh';
  const simulcast = param('simulcast') === '1';

  const STRINGS = {
    zh: {
      title: '视频接访', me: '我', waiting: '等待对方加入…',
      connecting: '正在连接…', joined: '已接通', watching: '已接通（仅观看）',
      noCamera: '摄像头或麦克风无法打开，仅接收对方画面',
      network: '网络不稳定，正在恢复…',
      lost: '连接中断，{s} 秒后自动重连…', closing: '服务器正在重启，{s} 秒后自动重连…',
      noToken: '链接中缺少令牌，请向工作人员索取新链接',
      unauthorized: '链接无效或已过期，请向工作人员索取新链接',
      forbidden: '此链接无权进入该接访室', removed: '您已被主持人请出接访室',
      replaced: '同一身份已在别处加入，本页已断开', left: '已离开接访室',
      malformed: '本页与服务器通信出错，请刷新页面',
      mutedBy: '您的{kind}已被 {by} 关闭', unmutedBy: '您的{kind}已恢复',
      audio: '麦克风', video: '摄像头', muted: '已静音',
      tapForSound: '请点击屏幕以开启声音', error: '出错：{msg}',
      recording: '录制中', recordingOn: '本次接访正在录制', recordingOff: '录制已停止',
      caucus: '您已进入单独调解室', joint: '您已回到联合调解', waitingRoom: '请稍候，主持人同意后即可发言',
      admitted: '主持人已同意您发言', waitingTag: '等候中', admit: '准许发言',
      toCaucus: '单独调解', toJoint: '回到联合调解', meToCaucus: '我进入单独调解室', meToJoint: '我回到联合调解',
    },
    en: {
      title: 'Video hearing', me: 'Me', waiting: 'Waiting for the other side to join…',
      connecting: 'Connecting…', joined: 'Connected', watching: 'Connected (watching only)',
      noCamera: 'Camera or microphone unavailable: receiving only',
      network: 'Network unstable, recovering…',
      lost: 'Connection lost. Reconnecting in {s} s…',
      closing: 'The server is restarting. Reconnecting in {s} s…',
      noToken: 'The link has no token. Ask the staff for a new link.',
      unauthorized: 'The link is invalid or has expired. Ask the staff for a new link.',
      forbidden: 'This link does not admit you to this room.',
      removed: 'The host removed you from the room.',
      replaced: 'You joined from another device; this page is disconnected.',
      left: 'You left the room.', malformed: 'This page and the server disagree. Reload the page.',
      mutedBy: 'Your {kind} was turned off by {by}', unmutedBy: 'Your {kind} is back on',
      audio: 'microphone', video: 'camera', muted: 'muted',
      tapForSound: 'Tap the screen to turn the sound on', error: 'Error: {msg}',
      recording: 'Recording', recordingOn: 'This hearing is being recorded', recordingOff: 'Recording stopped',
      caucus: 'You are in a private room', joint: 'You are back in the joint session',
      waitingRoom: 'Please wait: the host will let you speak', admitted: 'The host lets you speak now',
      waitingTag: 'waiting', admit: 'Admit', toCaucus: 'Private room', toJoint: 'Back to joint session',
      meToCaucus: 'Go to the private room', meToJoint: 'Back to the joint session',
    },
  };
  const t = (key, vars = {}) =>
    (STRINGS[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');

  const $ = (id) => document.getElementById(id);
  const stage = $('stage');
  const tiles = new Map(); // publisher identity (= MediaStream id) -> {el, video}
  const owners = {}; // remote MediaStreamTrack id -> publisher identity
  const unannounced = new Map(); // stream id -> MediaStream not (yet) announced by the server

  const hr = (window.hr = {
    state: 'connecting', room: '', you: null, participants: {}, tracks: {}, recording: false,
    firstFrameAt: null, pc: null, errors: [],
    seen: {}, // every identity the server ever announced to this page
    marks: {}, // ms since navigation start of the first camera, ws-open, joined, offer, answer, ...
    stats, ping, send: (msg) => send(msg), leave: () => send({ type: 'leave' }),
    setLayer: (quality, track) => send(track ? { type: 'layer', track, quality } : { type: 'layer', quality }),
    move: (participant, room) => send({ type: 'move', participant, room }),
    admit: (participant) => send({ type: 'admit', participant }),
    mainRoom: () => mainRoom(hr.room), caucusRoom: () => caucusRoom(hr.room),
    caucus: false, // whether this page is in a caucus room
  });

  // A caucus room is "<main>~caucus-<n>", n from 1 to 9 (the server's rule:
  // media/caucus.go); the server checks every move.
  const CAUCUS = /~caucus-[1-9]$/;
  const mainRoom = (room) => room.replace(CAUCUS, '');
  const caucusRoom = (room) => `${mainRoom(room)}~caucus-1`;

  let ws = null;
  let makingOffer = false;
  let pendingCandidates = [];
  let localPromise = null;
  let note = ''; // a lasting remark shown after the status, e.g. no camera
  let finalReason = ''; // why the server will close: removed, replaced, closing, moved
  let retries = 0;

  // ---- status line and test hooks ----

  function status(text, kind = 'info') {
    const el = $('status');
    el.textContent = note && kind === 'ok' ? `${text} · ${note}` : text;
    el.dataset.kind = kind;
  }

  // The recording indicator: shown while the server says the room is
  // recorded ("joined", then "recording" frames), announced on each change.
  function recording(on) {
    on = on === true;
    if (on === hr.recording) return;
    hr.recording = on;
    $('rec').hidden = !on;
    $('rec-live').textContent = t(on ? 'recordingOn' : 'recordingOff');
  }

  function report(code, message, ref) {
    hr.errors.push({ code, message, ref, at: performance.now() });
    console.warn('hearingroom:', code, message, ref || '');
    status(t('error', { msg: message || code }), 'error');
  }

  function mark(name) {
    if (!(name in hr.marks)) hr.marks[name] = performance.now();
  }

  function firstFrame() {
    if (hr.firstFrameAt !== null) return;
    hr.firstFrameAt = performance.now();
    mark('first-frame');
    console.info(`hearingroom: first remote frame at ${hr.firstFrameAt.toFixed(0)} ms`);
  }

  async function stats() {
    const out = { videoFramesDecoded: 0, audioPacketsReceived: 0, inbound: [] };
    if (!hr.pc) return out;
    (await hr.pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      const e = {
        kind: s.kind, mid: s.mid, trackIdentifier: s.trackIdentifier,
        participant: owners[s.trackIdentifier] ?? null,
        packetsReceived: s.packetsReceived ?? 0, packetsLost: s.packetsLost ?? 0,
        bytesReceived: s.bytesReceived ?? 0, framesDecoded: s.framesDecoded ?? 0,
        frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0,
      };
      if (e.kind === 'video') out.videoFramesDecoded += e.framesDecoded;
      if (e.kind === 'audio') out.audioPacketsReceived += e.packetsReceived;
      out.inbound.push(e);
    });
    return out;
  }

  // Fallback for requestVideoFrameCallback (e.g. a tab that does not render).
  setInterval(async () => {
    if (hr.firstFrameAt === null && hr.pc && (await stats()).videoFramesDecoded > 0) firstFrame();
  }, 100);

  // ---- signaling ----

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function connect() {
    hr.state = 'connecting';
    finalReason = '';
    status(t('connecting'));
    const sock = (ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rtc`));
    sock.onopen = () => { mark('ws-open'); send({ type: 'join', token }); };
    // Frames are handled one at a time, in order, on a queue of this socket's
    // own: a peer connection closed mid-operation leaves its promise pending
    // for ever, and must not hold up the next session.
    let queue = Promise.resolve();
    sock.onmessage = (ev) => {
      if (sock !== ws) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return report('bad-json', 'unreadable frame from server'); }
      if (msg.type === 'ping') return send({ type: 'pong' }); // at once, whatever is queued
      // At once too: the close (4011) that follows must find the new token.
      if (msg.type === 'moved') { finalReason = 'moved'; return keepToken(msg.token); }
      queue = queue.then(() => sock === ws && handle(msg))
        .catch((e) => report('client', String(e && e.message || e), msg.type));
    };
    sock.onclose = (ev) => {
      console.info(`hearingroom: socket closed ${ev.code} ${ev.reason}`);
      if (sock === ws) closed(ev.code);
    };
  }

  // ping resolves at the server's next pong: every frame sent before it has arrived.
  let pongWaiters = [];
  function ping() {
    return new Promise((resolve) => { pongWaiters.push(resolve); send({ type: 'ping' }); });
  }

  async function handle(msg) {
    switch (msg.type) {
      case 'joined': return joined(msg);
      case 'offer': case 'answer': return description(msg);
      case 'candidate': return candidate(msg.candidate);
      case 'pong': pongWaiters.splice(0).forEach((resolve) => resolve(true)); return;
      case 'participant-joined': case 'participant-updated':
        hr.participants[msg.participant.identity] = msg.participant;
        hr.seen[msg.participant.identity] = true;
        adminPanel();
        return relabel(msg.participant.identity);
      case 'participant-left': {
        const id = msg.participant.identity;
        delete hr.participants[id];
        for (const [tid, tr] of Object.entries(hr.tracks)) if (tr.participant === id) delete hr.tracks[tid];
        adminPanel();
        return removeTile(id);
      }
      case 'track-published': case 'track-updated':
        hr.tracks[msg.track.id] = msg.track;
        hr.seen[msg.track.participant] = true;
        if (unannounced.has(msg.track.stream)) showStream(msg.track.stream, unannounced.get(msg.track.stream));
        return relabel(msg.track.participant);
      case 'track-unpublished': {
        const id = msg.track.participant;
        delete hr.tracks[msg.track.id];
        if (!Object.values(hr.tracks).some((tr) => tr.participant === id)) removeTile(id);
        return relabel(id);
      }
      case 'muted': return mutedBy(msg);
      case 'recording': return recording(msg.recording);
      case 'removed': finalReason = msg.reason === 'replaced' ? 'replaced' : 'removed'; return;
      case 'closing': finalReason = 'closing'; return;
      case 'admitted': return admitted(msg);
      case 'error': return report(msg.code, msg.message, msg.ref);
    }
  }

  async function joined(msg) {
    mark('joined');
    hr.room = msg.room;
    hr.you = msg.you;
    const wasCaucus = hr.caucus;
    hr.caucus = CAUCUS.test(msg.room);
    if (hr.caucus || wasCaucus) note = t(hr.caucus ? 'caucus' : 'joint');
    $('caucus').hidden = !hr.caucus;
    recording(msg.recording);
    hr.participants = Object.fromEntries((msg.participants || []).map((p) => [p.identity, p]));
    hr.tracks = Object.fromEntries((msg.tracks || []).map((tr) => [tr.id, tr]));
    for (const id of [...Object.keys(hr.participants), ...Object.values(hr.tracks).map((tr) => tr.participant)]) hr.seen[id] = true;
    $('self-label').textContent = `${t('me')} · ${msg.you.name || msg.you.identity}`;
    const media = msg.you.publisher ? await localMedia() : (dropLocal(), null);

    const pc = (hr.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' }));
    pc.onicecandidate = ({ candidate }) =>
      send({ type: 'candidate', candidate: candidate ? candidate.toJSON() : { candidate: '' } });
    pc.onnegotiationneeded = () => negotiate(pc);
    pc.ontrack = onTrack;
    pc.oniceconnectionstatechange = () => {
      if (pc !== hr.pc) return;
      const s = pc.iceConnectionState;
      if (s === 'disconnected') status(t('network'), 'warn');
      if (s === 'connected' || s === 'completed') { mark('ice-connected'); showJoined(); }
      if (s === 'failed') ws.close(3000, 'ice-failed'); // rejoin from scratch
    };
    if (media) publish(pc, media);
    else pc.createDataChannel('hr');
    // A receive slot for each track already in the room: the server fills
    // them in its answer, which saves a renegotiation before the first frame.
    for (const tr of Object.values(hr.tracks)) pc.addTransceiver(tr.kind, { direction: 'recvonly' });

    retries = 0;
    hr.state = 'joined';
    layout();
    adminPanel();
    showJoined();
  }

  function showJoined() {
    if (hr.you && hr.you.waiting) return status(t('waitingRoom'), 'warn');
    status(t(hr.you && hr.you.publisher && localPromise ? 'joined' : 'watching'), 'ok');
  }

  // keepToken makes token the one this page joins with, now and at a reload.
  function keepToken(next) {
    if (!next) return;
    token = next;
    frag.set('token', token);
    history.replaceState(null, '', `${location.pathname}${location.search}#${frag}`);
  }

  // An admin let this waiting page publish: the camera starts and its tracks
  // go out in a renegotiation (negotiationneeded).
  async function admitted(msg) {
    keepToken(msg.token);
    if (hr.you) hr.you = { ...hr.you, waiting: false, publisher: true };
    const pc = hr.pc;
    const media = await localMedia();
    if (media && pc && pc === hr.pc) publish(pc, media, true);
    status(t('admitted'), 'ok');
  }

  // The admin's panel: admit waiting parties, send a party to the caucus
  // room or back, and go there or back oneself.
  function adminPanel() {
    const panel = $('admin');
    panel.replaceChildren();
    panel.hidden = !(hr.state === 'joined' && hr.you && hr.you.admin);
    if (panel.hidden) return;
    const target = hr.caucus ? mainRoom(hr.room) : caucusRoom(hr.room);
    const button = (label, action, who) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.dataset.action = action;
      b.dataset.identity = who;
      b.onclick = () => (action === 'admit' ? hr.admit(who) : hr.move(who, target));
      return b;
    };
    for (const p of Object.values(hr.participants)) {
      const row = document.createElement('p');
      row.className = 'admin-row';
      const name = document.createElement('span');
      name.textContent = (p.name || p.identity) + (p.waiting ? ` · ${t('waitingTag')}` : '');
      row.append(name);
      if (p.waiting) row.append(button(t('admit'), 'admit', p.identity));
      row.append(button(t(hr.caucus ? 'toJoint' : 'toCaucus'), 'move', p.identity));
      panel.append(row);
    }
    const me = document.createElement('p');
    me.className = 'admin-row';
    me.append(button(t(hr.caucus ? 'meToJoint' : 'meToCaucus'), 'move', hr.you.identity));
    panel.append(me);
  }

  // late: the session is under way (an admission). addTrack would then reuse
  // a receive slot of the same kind, turning the server's send-only m-line
  // into sendrecv, which the server does not take as a publication: new
  // send-only transceivers get m-lines of their own.
  function publish(pc, media, late = false) {
    for (const track of media.getAudioTracks()) {
      if (late) pc.addTransceiver(track, { direction: 'sendonly', streams: [media] });
      else pc.addTrack(track, media);
    }
    for (const track of media.getVideoTracks()) {
      if (!simulcast && late) { pc.addTransceiver(track, { direction: 'sendonly', streams: [media] }); continue; }
      if (!simulcast) { pc.addTrack(track, media); continue; }
      const sendEncodings = [{ rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 150000 }, { rid: 'h', maxBitrate: 900000 }];
      pc.addTransceiver(track, { direction: 'sendonly', streams: [media], sendEncodings });
    }
  }

  async function negotiate(pc) {
    try {
      makingOffer = true;
      await pc.setLocalDescription();
      if (pc === hr.pc && pc.localDescription.type === 'offer') {
        mark('offer');
        send({ type: 'offer', sdp: pc.localDescription.sdp });
      }
    } catch (e) {
      report('negotiation', String(e && e.message || e), 'offer');
    } finally {
      makingOffer = false;
    }
  }

  // The polite peer never ignores an offer: setRemoteDescription rolls back an
  // offer of ours that crossed the server's (glare), and negotiationneeded
  // fires again once we are stable, so our change is offered anew.
  async function description(msg) {
    const pc = hr.pc;
    if (!pc) return;
    if (msg.type === 'answer' && pc.signalingState !== 'have-local-offer') return; // stale
    if (msg.type === 'offer' && (makingOffer || pc.signalingState !== 'stable')) {
      console.info('hearingroom: offer collision, rolling back ours');
    }
    await pc.setRemoteDescription({ type: msg.type, sdp: msg.sdp });
    mark(msg.type === 'offer' ? 'server-offer' : 'answer');
    if (msg.type === 'offer') {
      await pc.setLocalDescription();
      send({ type: 'answer', sdp: pc.localDescription.sdp });
    }
    const waiting = pendingCandidates;
    pendingCandidates = [];
    for (const c of waiting) await candidate(c);
  }

  async function candidate(c) {
    const pc = hr.pc;
    if (!pc || !c) return;
    if (!pc.remoteDescription) { pendingCandidates.push(c); return; }
    try {
      await pc.addIceCandidate(c);
    } catch (e) {
      if (c.candidate) report('bad-candidate', String(e && e.message || e), 'candidate');
    }
  }

  function closed(code) {
    hr.state = 'closed';
    teardown();
    if (code === 4011) { // moved: join the new room at once with the new token
      retries = 0;
      return connect();
    }
    const final = { 1000: 'left', 4001: 'unauthorized', 4003: 'forbidden', 4009: finalReason || 'removed', 4010: 'malformed' };
    if (final[code]) {
      dropLocal(); // the session is over: the camera goes off
      recording(false);
      return status(t(final[code]), code === 1000 ? 'info' : 'error');
    }
    const s = Math.min(30, 2 ** retries++);
    status(t(finalReason === 'closing' ? 'closing' : 'lost', { s }), 'warn');
    setTimeout(connect, s * 1000);
  }

  function teardown() {
    if (hr.pc) hr.pc.close();
    hr.pc = null;
    makingOffer = false;
    pendingCandidates = [];
    hr.participants = {};
    hr.tracks = {};
    for (const id of [...tiles.keys()]) removeTile(id);
    unannounced.clear();
    layout();
    adminPanel();
  }

  // ---- media ----

  // The token's grant tells early whether we may publish, so the camera starts
  // while the socket connects; the joined frame has the last word.
  function grant() {
    try {
      const b64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(b64)).video || {};
    } catch { return {}; }
  }

  const stopAll = (stream) => stream.getTracks().forEach((tr) => tr.stop());

  function localMedia() {
    if (localPromise) return localPromise;
    const md = navigator.mediaDevices;
    const video = { width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 24 } };
    const p = (localPromise = (md ? md.getUserMedia({ audio: true, video })
      : Promise.reject(new Error('mediaDevices unavailable'))).then((stream) => {
      if (localPromise !== p) return stopAll(stream), null; // dropped meanwhile
      mark('camera');
      $('local').srcObject = stream;
      $('self').hidden = false;
      note = '';
      return stream;
    }, (e) => {
      if (localPromise === p) localPromise = null; // try again at the next join
      note = t('noCamera');
      hr.errors.push({ code: 'getUserMedia', message: String(e && e.message || e), at: performance.now() });
      return null;
    }));
    return p;
  }

  function dropLocal() {
    const p = localPromise;
    localPromise = null;
    $('self').hidden = true;
    $('local').srcObject = null;
    if (p) p.then((stream) => stream && stopAll(stream));
  }

  function mutedBy(msg) {
    const id = typeof msg.track === 'string' ? msg.track : msg.track && msg.track.id;
    const published = hr.tracks[id] || (typeof msg.track === 'object' ? msg.track : {});
    const local = $('local').srcObject;
    const tracks = local ? local.getTracks() : [];
    const own = tracks.find((tr) => tr.id === id) || tracks.find((tr) => tr.kind === published.kind);
    if (own) own.enabled = !msg.muted;
    const kind = t(own ? own.kind : published.kind || 'audio');
    status(t(msg.muted ? 'mutedBy' : 'unmutedBy', { kind, by: msg.by || '' }), 'warn');
  }

  // ---- tiles ----

  function onTrack({ track, streams }) {
    const stream = streams[0];
    if (!stream) return; // every forwarded track has its publisher's stream; this is none
    const id = stream.id;
    owners[track.id] = id;
    mark(`track-${track.kind}`);
    stream.onremovetrack = () => { if (stream.getTracks().length === 0) removeTile(id); };
    if (!known(id)) { unannounced.set(id, stream); return; } // shown once announced
    showStream(id, stream);
  }

  function known(id) {
    return id in hr.participants || Object.values(hr.tracks).some((tr) => tr.stream === id);
  }

  function showStream(id, stream) {
    unannounced.delete(id);
    const tile = ensureTile(id, stream);
    if (stream.getVideoTracks().length && 'requestVideoFrameCallback' in tile.video) {
      tile.video.requestVideoFrameCallback(firstFrame);
    }
  }

  function ensureTile(id, stream) {
    let tile = tiles.get(id);
    if (!tile) {
      const el = $('tile-template').content.firstElementChild.cloneNode(true);
      el.dataset.identity = id;
      tile = { el, video: el.querySelector('video') };
      tiles.set(id, tile);
      stage.append(el);
      layout();
      relabel(id);
    }
    if (tile.video.srcObject !== stream) {
      tile.video.srcObject = stream;
      tile.video.play().catch((e) => {
        if (e.name !== 'NotAllowedError') return;
        tile.video.muted = true; // autoplay with sound refused: play muted until a tap
        tile.video.play().catch(() => {});
        status(t('tapForSound'), 'warn');
        document.addEventListener('pointerdown', () => {
          for (const { video } of tiles.values()) video.muted = false;
          showJoined();
        }, { once: true });
      });
    }
    return tile;
  }

  function removeTile(id) {
    unannounced.delete(id);
    const tile = tiles.get(id);
    if (!tile) return;
    tile.video.srcObject = null;
    tile.el.remove();
    tiles.delete(id);
    layout();
  }

  function relabel(id) {
    const tile = tiles.get(id);
    if (!tile) return;
    const p = hr.participants[id];
    tile.el.querySelector('.name').textContent = (p && p.name) || id;
    const muted = Object.values(hr.tracks).some((tr) => tr.participant === id && tr.kind === 'audio' && tr.muted);
    const badge = tile.el.querySelector('.badge');
    badge.textContent = t('muted');
    badge.hidden = !muted;
  }

  // A grid that fills the stage without scrolling: columns by orientation.
  function layout() {
    const n = tiles.size;
    const wide = innerWidth >= innerHeight;
    const cols = Math.max(1, wide ? Math.ceil(Math.sqrt(n)) : n <= 2 ? 1 : 2);
    stage.style.setProperty('--cols', cols);
    stage.style.setProperty('--rows', Math.max(1, Math.ceil(n / cols)));
    stage.dataset.count = n;
    $('waiting').hidden = n > 0 || hr.state !== 'joined';
  }

  // ---- start ----

  document.title = t('title');
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  $('title').textContent = t('title');
  $('waiting').textContent = t('waiting');
  $('self-label').textContent = t('me');
  $('rec-label').textContent = t('recording');
  // The caucus badge and the admin panel are the page's own (join.html is shared).
  const badge = document.createElement('p');
  badge.id = 'caucus';
  badge.className = 'caucus';
  badge.hidden = true;
  badge.textContent = t('caucus');
  $('rec').after(badge);
  const panel = document.createElement('nav');
  panel.id = 'admin';
  panel.className = 'admin';
  panel.hidden = true;
  document.body.append(panel);
  addEventListener('resize', layout);
  layout();
  if (!token) {
    hr.state = 'closed';
    status(t('noToken'), 'error');
    return;
  }
  const g = grant();
  if (g.canPublish !== false && !g.hidden && !g.recorder) localMedia();
  connect();
})();
