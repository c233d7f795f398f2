// join.js: the minimal join page (served at /join). The room client of
// room.js speaks the signaling protocol of docs/signaling.md; this page
// shows the others' tiles, the status line, the recording sign and the
// caucus controls.
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
      unsupported: '此浏览器不能进行视频通话。请用新版 Chrome、Edge 或 Safari 浏览器打开此链接（在微信里请点右上角，选择“在浏览器打开”）',
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
      unsupported: 'This browser cannot make video calls. Open this link in a recent Chrome, Edge or Safari (in WeChat: the menu at the top right, “Open in browser”).',
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
  const { mainRoom, caucusRoom, CAUCUS } = window.hrRoom;

  const hr = (window.hr = {
    state: 'connecting', room: '', you: null, participants: {}, tracks: {}, recording: false,
    firstFrameAt: null, pc: null, errors: [],
    seen: {}, // every identity the server ever announced to this page
    marks: {}, // ms since navigation start of the first camera, ws-open, joined, offer, answer, ...
    caucus: false, // whether this page is in a caucus room
  });

  let note = ''; // a lasting remark shown after the status, e.g. no camera
  let finalReason = ''; // why the server will close: removed, replaced, closing, moved

  const tiles = window.hrRoom.tiles({
    hr, stage: $('stage'), firstFrame, mutedText: () => t('muted'),
    layout: (n) => { $('waiting').hidden = n > 0 || hr.state !== 'joined'; },
    soundBlocked: () => status(t('tapForSound'), 'warn'),
    soundBack: () => showJoined(),
  });

  const room = window.hrRoom.client({
    hr, report, mark, joining, joined, frame, teardown,
    encodings: () => (simulcast ? [{ rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 150000 }, { rid: 'h', maxBitrate: 900000 }] : null),
    moved: (msg) => { finalReason = 'moved'; keepToken(msg.token); },
    ice: (s) => {
      if (s === 'disconnected') status(t('network'), 'warn');
      if (s === 'connected' || s === 'completed') showJoined();
    },
    show: (id, stream) => tiles.show(id, stream),
    gone: (id) => tiles.remove(id),
    onClose: closed,
    camera: () => { note = ''; },
    noCamera: () => { note = t('noCamera'); },
  });

  Object.assign(hr, {
    stats: room.stats, ping: room.ping, send: (msg) => room.send(msg), leave: () => room.send({ type: 'leave' }),
    setLayer: (quality, track) => room.send(track ? { type: 'layer', track, quality } : { type: 'layer', quality }),
    move: (participant, to) => room.send({ type: 'move', participant, room: to }),
    admit: (participant) => room.send({ type: 'admit', participant }),
    mainRoom: () => mainRoom(hr.room), caucusRoom: () => caucusRoom(hr.room),
  });

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
    status(code === 'unsupported' ? t('unsupported') : t('error', { msg: message || code }), 'error');
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

  // Fallback for requestVideoFrameCallback (e.g. a tab that does not render).
  setInterval(async () => {
    if (hr.firstFrameAt === null && hr.pc && (await room.stats()).videoFramesDecoded > 0) firstFrame();
  }, 100);

  // ---- the session ----

  function connect() {
    finalReason = '';
    status(t('connecting'));
    room.join();
  }

  // frame handles what the room client leaves to the page, once the roster is updated.
  function frame(msg) {
    switch (msg.type) {
      case 'participant-joined': case 'participant-updated':
        adminPanel();
        return tiles.relabel(msg.participant.identity);
      case 'participant-left': return adminPanel();
      case 'track-published': case 'track-updated': case 'track-unpublished':
        return tiles.relabel(msg.track.participant);
      case 'muted': return mutedBy(msg);
      case 'recording': return recording(msg.recording);
      case 'removed': finalReason = msg.reason === 'replaced' ? 'replaced' : 'removed'; return;
      case 'closing': finalReason = 'closing'; return;
      case 'admitted': return admitted(msg);
      case 'error': return report(msg.code, msg.message, msg.ref);
    }
  }

  // joining: the room client has the roster; the camera starts for a publisher.
  async function joining(msg) {
    const wasCaucus = hr.caucus;
    hr.caucus = CAUCUS.test(msg.room);
    if (hr.caucus || wasCaucus) note = t(hr.caucus ? 'caucus' : 'joint');
    $('caucus').hidden = !hr.caucus;
    recording(msg.recording);
    for (const id of [...Object.keys(hr.participants), ...Object.values(hr.tracks).map((tr) => tr.participant)]) hr.seen[id] = true;
    $('self-label').textContent = `${t('me')} · ${msg.you.name || msg.you.identity}`;
    return msg.you.publisher ? room.localMedia() : (room.dropLocal(), null);
  }

  function joined() {
    room.calm();
    tiles.layout();
    adminPanel();
    showJoined();
  }

  function showJoined() {
    if (hr.you && hr.you.waiting) return status(t('waitingRoom'), 'warn');
    status(t(hr.you && hr.you.publisher && room.hasLocal ? 'joined' : 'watching'), 'ok');
  }

  // keepToken makes token the one this page joins with, now and at a reload.
  function keepToken(next) {
    if (!next) return;
    token = next;
    room.token = next;
    frag.set('token', token);
    history.replaceState(null, '', `${location.pathname}${location.search}#${frag}`);
  }

  // An admin let this waiting page publish: the camera starts and its tracks
  // go out in a renegotiation (negotiationneeded).
  async function admitted(msg) {
    keepToken(msg.token);
    if (hr.you) hr.you = { ...hr.you, waiting: false, publisher: true };
    const pc = hr.pc;
    const media = await room.localMedia();
    if (media && pc && pc === hr.pc) room.publish(media, true);
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

  function closed(code) {
    if (code === 4011) { // moved: join the new room at once with the new token
      room.calm();
      return connect();
    }
    const final = { 1000: 'left', 4001: 'unauthorized', 4003: 'forbidden', 4009: finalReason || 'removed', 4010: 'malformed' };
    if (final[code]) {
      room.dropLocal(); // the session is over: the camera goes off
      recording(false);
      return status(t(final[code]), code === 1000 ? 'info' : 'error');
    }
    const s = room.retry(30);
    status(t(finalReason === 'closing' ? 'closing' : 'lost', { s }), 'warn');
    setTimeout(connect, s * 1000);
  }

  function teardown() {
    tiles.clear();
    adminPanel();
  }

  // The token's grant tells early whether we may publish, so the camera starts
  // while the socket connects; the joined frame has the last word.
  function grant() {
    try {
      const b64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(b64)).video || {};
    } catch { return {}; }
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
  addEventListener('resize', tiles.layout);
  tiles.layout();
  if (!token) {
    hr.state = 'closed';
    status(t('noToken'), 'error');
    return;
  }
  const g = grant();
  room.token = token;
  if (g.canPublish !== false && !g.hidden && !g.recorder) room.localMedia();
  connect();
})();
