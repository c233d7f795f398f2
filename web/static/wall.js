// wall.js: the supervisor's video wall (/wall). It polls GET /live and
// keeps one hidden, subscribe-only connection (a seat from POST
// /stations/{id}/seats {hidden: true}) per station room with someone in it,
// and one per other running session (a mediation room at no station, a
// caucus, a summoned department's session; POST /sessions/{id}/seats),
// shown after the stations with its kind and case: nobody in a room is told. Tiles receive the low simulcast layer with
// the sound off; a tap shows the room large, at the high layer, with sound.
// Each connection speaks docs/signaling.md like the join page (one
// WebSocket, one RTCPeerConnection, the polite peer) and rejoins by itself.
// On a weak or lost network the page says so and offers audio only.
// Tests read and drive the page through window.hr.
'use strict';
(() => {
  const { t, $, el, api } = desk;
  desk.frame('wall', {
    zh: {
      wallTitle: '视频墙', tiles: '各接访点画面', back: '← 返回视频墙',
      empty: '目前没有正在进行的接访。有接访开始时，画面会自动出现在这里。',
      summary: '{live} 个接访点正在接访，共 {all} 个接访点；{sessions} 场进行中。',
      elsewhere: '不在接访点',
      idle: '空闲的接访点（{n}）', connecting: '正在连接…', watching: '{n} 人在场',
      waitingVideo: '等待画面…', reconnecting: '连接中断，{s} 秒后自动重连…', weak: '网络较差',
      weakNote: '网络较差，画面可能卡顿或中断。可以改为只听声音，节省流量。',
      lostNote: '与服务器的连接中断，正在自动重新连接…',
      audioOnly: '只听声音', videoBack: '恢复画面', audioOnlyOn: '已改为只听声音。',
      audioNote: '仅声音', sound: '声音已打开', tapForSound: '请再点一次以打开声音',
      denied: '无权查看这个接访点。', pollFailed: '无法获取接访状态，正在重试…',
      kinds: { hearing: '视频接访', mediation: '云调解', caucus: '背对背调解', monitoring: '监看' },
    },
    en: {
      wallTitle: 'Video wall', tiles: 'Stations live', back: '← Back to the wall',
      empty: 'No hearing is running now. When one starts, its picture appears here by itself.',
      summary: '{live} stations live of {all}; {sessions} sessions running.',
      elsewhere: 'at no station',
      idle: 'Idle stations ({n})', connecting: 'Connecting…', watching: '{n} present',
      waitingVideo: 'Waiting for the picture…', reconnecting: 'Connection lost. Reconnecting in {s} s…', weak: 'Weak network',
      weakNote: 'The network is weak: the picture may stall. You can listen with sound only to save bandwidth.',
      lostNote: 'The connection to the server is lost. Reconnecting…',
      audioOnly: 'Sound only', videoBack: 'Show video again', audioOnlyOn: 'Sound only.',
      audioNote: 'Sound only', sound: 'Sound on', tapForSound: 'Tap once more to turn the sound on',
      denied: 'You may not watch this station.', pollFailed: 'Cannot read what is live. Retrying…',
      kinds: { hearing: 'Hearing', mediation: 'Mediation', caucus: 'Caucus', monitoring: 'Monitoring' },
    },
  });

  const POLL_MS = 4000;
  const hr = Object.assign(window.hr, {
    watches: {}, // room → Watch
    focus: null, // the room shown large
    audioOnly: false,
    live: null, // the last GET /live
    poll: () => poll(),
    stats: (room) => (hr.watches[room] ? hr.watches[room].stats() : null),
    tiles: () => Object.keys(hr.watches),
  });
  const wsURL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rtc`;

  // Watch is one hidden connection to one station's room, or to the room
  // of another running session (station.seat then names its seat).
  class Watch {
    constructor(station) {
      this.station = station;
      this.room = station.room;
      this.token = '';
      this.ws = null;
      this.pc = null;
      this.state = 'connecting';
      this.retries = 0;
      this.closedByUs = false;
      this.participants = {};
      this.tracks = {};
      this.seen = {};
      this.streams = new Map(); // stream id → {stream, video}
      this.makingOffer = false;
      this.pending = [];
      this.weak = false;
      this.lastStats = null;
      this.firstFrameAt = null;
      this.tile = $('tile-template').content.firstElementChild.cloneNode(true);
      this.tile.dataset.room = this.room;
      if (station.session) this.tile.dataset.session = station.session; else this.tile.dataset.station = station.id;
      this.tile.querySelector('.name').textContent = station.name;
      this.tile.addEventListener('click', () => (hr.focus === this.room ? null : focus(this.room)));
      this.videos = this.tile.querySelector('.videos');
      this.videos.dataset.audioNote = t('audioNote');
      this.label();
      $('tiles').append(this.tile);
      this.timer = setInterval(() => this.check(), 2000);
      this.start();
    }

    async start() {
      try {
        const seat = await api('POST', this.station.seat || `/stations/${encodeURIComponent(this.station.id)}/seats`, { hidden: true });
        this.token = seat.token;
        if (!this.closedByUs) this.connect();
      } catch (err) {
        if (this.closedByUs) return;
        if (err.status === 403 || err.status === 404) { this.state = 'denied'; this.label(); return; }
        this.retry();
      }
    }

    connect() {
      this.state = 'connecting';
      this.label();
      const sock = (this.ws = new WebSocket(wsURL));
      let queue = Promise.resolve();
      sock.onopen = () => this.send({ type: 'join', token: this.token });
      sock.onmessage = (ev) => {
        if (sock !== this.ws) return;
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (msg.type === 'ping') return this.send({ type: 'pong' });
        queue = queue.then(() => sock === this.ws && this.handle(msg))
          .catch((e) => hr.errors.push(`${this.room}: ${e && e.message || e}`));
      };
      sock.onclose = (ev) => { if (sock === this.ws) this.closed(ev.code); };
    }

    send(msg) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
    }

    async handle(msg) {
      switch (msg.type) {
        case 'joined': return this.joined(msg);
        case 'offer': case 'answer': return this.description(msg);
        case 'candidate': return this.candidate(msg.candidate);
        case 'participant-joined':
          this.participants[msg.participant.identity] = msg.participant;
          this.seen[msg.participant.identity] = true;
          return this.label();
        case 'participant-left':
          delete this.participants[msg.participant.identity];
          for (const [id, tr] of Object.entries(this.tracks)) if (tr.participant === msg.participant.identity) delete this.tracks[id];
          this.dropStream(msg.participant.identity);
          return this.label();
        case 'track-published': case 'track-updated':
          this.tracks[msg.track.id] = msg.track;
          return;
        case 'track-unpublished':
          delete this.tracks[msg.track.id];
          return;
        case 'removed': case 'closing': this.final = msg.type; return;
        case 'error': hr.errors.push(`${this.room}: ${msg.code} ${msg.message}`); return;
      }
    }

    joined(msg) {
      this.participants = Object.fromEntries((msg.participants || []).map((p) => [p.identity, p]));
      this.tracks = Object.fromEntries((msg.tracks || []).map((tr) => [tr.id, tr]));
      for (const id of Object.keys(this.participants)) this.seen[id] = true;
      // The layer for every video track, now and later: low on the wall.
      this.quality = hr.focus === this.room ? 'high' : 'low';
      this.send({ type: 'layer', quality: this.quality });
      const pc = (this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' }));
      pc.onicecandidate = ({ candidate }) =>
        this.send({ type: 'candidate', candidate: candidate ? candidate.toJSON() : { candidate: '' } });
      pc.onnegotiationneeded = () => this.negotiate(pc);
      pc.ontrack = (ev) => this.onTrack(ev);
      pc.oniceconnectionstatechange = () => {
        if (pc !== this.pc) return;
        const s = pc.iceConnectionState;
        if (s === 'failed') this.ws.close(3000, 'ice-failed');
        this.label();
      };
      pc.createDataChannel('hr');
      for (const tr of Object.values(this.tracks)) pc.addTransceiver(tr.kind, { direction: 'recvonly' });
      this.state = 'joined';
      this.retries = 0;
      this.label();
      render();
    }

    async negotiate(pc) {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        if (pc === this.pc && pc.localDescription.type === 'offer') this.send({ type: 'offer', sdp: pc.localDescription.sdp });
      } finally {
        this.makingOffer = false;
      }
    }

    async description(msg) {
      const pc = this.pc;
      if (!pc) return;
      if (msg.type === 'answer' && pc.signalingState !== 'have-local-offer') return;
      await pc.setRemoteDescription({ type: msg.type, sdp: msg.sdp });
      if (msg.type === 'offer') {
        this.applyAudioOnly(false);
        await pc.setLocalDescription();
        this.send({ type: 'answer', sdp: pc.localDescription.sdp });
      }
      const waiting = this.pending;
      this.pending = [];
      for (const c of waiting) await this.candidate(c);
    }

    async candidate(c) {
      const pc = this.pc;
      if (!pc || !c) return;
      if (!pc.remoteDescription) { this.pending.push(c); return; }
      try { await pc.addIceCandidate(c); } catch { /* a stale candidate */ }
    }

    onTrack({ track, streams }) {
      const stream = streams[0];
      if (!stream) return;
      let s = this.streams.get(stream.id);
      if (!s) {
        const video = el('video', { autoplay: true, playsinline: true, 'data-identity': stream.id });
        video.muted = hr.focus !== this.room;
        s = { stream, video };
        this.streams.set(stream.id, s);
        this.videos.append(video);
        this.videos.style.setProperty('--cols', Math.ceil(Math.sqrt(this.streams.size)));
        video.srcObject = stream;
        video.play().catch(() => {});
        if ('requestVideoFrameCallback' in video) {
          video.requestVideoFrameCallback(() => { if (this.firstFrameAt === null) this.firstFrameAt = performance.now(); this.label(); });
        }
        stream.onremovetrack = () => { if (stream.getTracks().length === 0) this.dropStream(stream.id); };
      }
      if (track.kind === 'video' && hr.audioOnly) this.applyAudioOnly(true);
      this.label();
    }

    dropStream(id) {
      const s = this.streams.get(id);
      if (!s) return;
      s.video.srcObject = null;
      s.video.remove();
      this.streams.delete(id);
      this.videos.style.setProperty('--cols', Math.max(1, Math.ceil(Math.sqrt(this.streams.size))));
    }

    // applyAudioOnly stops (or resumes) receiving video: the video
    // receivers go inactive, which the next negotiation tells the server.
    applyAudioOnly(renegotiate) {
      if (!this.pc) return;
      let changed = false;
      for (const tr of this.pc.getTransceivers()) {
        if (!tr.receiver || tr.receiver.track.kind !== 'video' || tr.stopped) continue;
        const want = hr.audioOnly ? 'inactive' : 'recvonly';
        if (tr.direction !== want && (tr.currentDirection !== null || !renegotiate)) {
          tr.direction = want;
          changed = true;
        }
      }
      this.tile.dataset.audioOnly = hr.audioOnly;
      return changed && renegotiate;
    }

    setFocus(on) {
      this.quality = on ? 'high' : 'low';
      this.send({ type: 'layer', quality: this.quality });
      for (const { video } of this.streams.values()) {
        video.muted = !on;
        if (on) video.play().catch(() => { $('focus-note').textContent = t('tapForSound'); });
      }
    }

    // check looks at the connection's figures every 2 s: lost packets or
    // a stalled picture make it weak.
    async check() {
      if (!this.pc) return;
      const st = await this.stats();
      const prev = this.lastStats;
      this.lastStats = st;
      let weak = ['disconnected', 'failed'].includes(this.pc.iceConnectionState);
      if (prev && !weak) {
        const got = st.packetsReceived - prev.packetsReceived;
        const lost = st.packetsLost - prev.packetsLost;
        if (got + lost > 20 && lost / (got + lost) > 0.08) weak = true;
        const showing = Object.values(this.tracks).some((tr) => tr.kind === 'video' && !tr.muted);
        if (!hr.audioOnly && showing && prev.framesDecoded > 0 && st.framesDecoded === prev.framesDecoded) weak = true;
      }
      if (weak !== this.weak) {
        this.weak = weak;
        this.label();
        netLine();
      }
    }

    async stats() {
      const out = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPackets: 0, packetsReceived: 0, packetsLost: 0,
        videoTracks: 0, bytesVideo: 0, ice: this.pc ? this.pc.iceConnectionState : 'new' };
      if (!this.pc) return out;
      (await this.pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        out.packetsReceived += s.packetsReceived || 0;
        out.packetsLost += Math.max(0, s.packetsLost || 0);
        if (s.kind === 'video') {
          out.videoTracks++;
          out.framesDecoded += s.framesDecoded || 0;
          out.bytesVideo += s.bytesReceived || 0;
          out.frameWidth = Math.max(out.frameWidth, s.frameWidth || 0);
          out.frameHeight = Math.max(out.frameHeight, s.frameHeight || 0);
        } else out.audioPackets += s.packetsReceived || 0;
      });
      return out;
    }

    label() {
      const n = this.station.present ?? Object.keys(this.participants).length;
      let text = t('watching', { n });
      if (this.state === 'connecting') text = t('connecting');
      else if (this.state === 'retrying') text = t('reconnecting', { s: this.wait });
      else if (this.state === 'denied') text = t('denied');
      else if (this.weak) text = `${t('weak')} · ${text}`;
      else if (this.firstFrameAt === null && !hr.audioOnly) text = `${t('waitingVideo')} · ${text}`;
      this.tile.querySelector('.name').textContent = this.station.name; // a session linked to a case meanwhile is named anew
      this.tile.querySelector('.state').textContent = text;
      this.tile.dataset.weak = this.weak;
      this.tile.dataset.state = this.state;
      this.tile.setAttribute('aria-label', `${this.station.name}, ${text}`);
      if (hr.focus === this.room) $('focus-note').textContent = this.weak ? t('weakNote') : '';
    }

    closed(code) {
      this.teardown();
      if (this.closedByUs) return;
      if (code === 4001) this.token = ''; // the seat's token expired: a new seat
      this.retry();
    }

    retry() {
      const s = Math.min(15, 2 ** this.retries++);
      this.state = 'retrying';
      this.wait = s;
      this.label();
      netLine();
      clearTimeout(this.again);
      this.again = setTimeout(() => {
        if (this.closedByUs) return;
        if (this.token) this.connect(); else this.start();
      }, s * 1000);
    }

    // rejoin replaces this connection by a new one with the same seat.
    rejoin() {
      const ws = this.ws;
      this.ws = null;
      if (ws) ws.close(1000);
      this.teardown();
      if (this.token) this.connect(); else this.start();
    }

    teardown() {
      if (this.pc) this.pc.close();
      this.pc = null;
      this.pending = [];
      for (const id of [...this.streams.keys()]) this.dropStream(id);
      this.participants = {};
      this.tracks = {};
      this.firstFrameAt = null;
      this.lastStats = null;
    }

    close() {
      this.closedByUs = true;
      clearInterval(this.timer);
      clearTimeout(this.again);
      this.send({ type: 'leave' });
      const ws = this.ws;
      this.ws = null;
      if (ws) ws.close(1000);
      this.teardown();
      this.tile.remove();
    }
  }

  // ---- the wall ----

  let pollTimer = 0;
  let pollFailed = false;
  async function poll() {
    clearTimeout(pollTimer);
    try {
      hr.live = await api('GET', '/live');
      pollFailed = false;
      render();
      hr.state = 'ready';
    } catch (err) {
      if (err.status === 401) { location.reload(); return; }
      if (err.status === 403) { desk.showError(desk.explain(err)); hr.state = 'forbidden'; return; }
      pollFailed = true;
      hr.errors.push('poll: ' + err.message);
    }
    netLine();
    pollTimer = setTimeout(poll, POLL_MS);
  }

  function render() {
    const live = hr.live;
    if (!live) return;
    const active = live.stations.filter((s) => s.live && s.present > 0);
    // Then every other running session with someone in it, as a tile of its own.
    const others = live.sessions.filter((x) => !x.at_station && x.present > 0).map(elsewhere);
    const shown = active.concat(others);
    const keep = new Set(shown.map((s) => s.room));
    for (const [room, w] of Object.entries(hr.watches)) {
      if (keep.has(room)) continue;
      if (hr.focus === room) unfocus();
      w.close();
      delete hr.watches[room];
    }
    for (const s of shown) {
      const w = hr.watches[s.room];
      if (w) { w.station = s; w.label(); } else hr.watches[s.room] = new Watch(s);
    }
    layout();
    $('empty').hidden = shown.length > 0;
    $('summary').textContent = t('summary', { live: active.length, all: live.stations.length, sessions: live.sessions.filter((x) => x.present > 0).length });
    const idle = live.stations.filter((s) => !keep.has(s.room));
    $('idle-title').textContent = t('idle', { n: idle.length });
    $('idle-list').replaceChildren(...idle.map((s) => el('li', { text: s.name })));
  }

  // elsewhere is a running session that is not in a station's room, as a
  // tile sees it: named by its kind, its case and the case's title, or the
  // station it came from.
  function elsewhere(x) {
    const where = x.station ? (hr.live.stations.find((s) => s.id === x.station) || {}).name || x.station : t('elsewhere');
    const name = [t('kinds.' + x.kind), x.case_no, x.title || (x.case_no ? '' : where)].filter(Boolean).join(' · ');
    return { id: x.id, session: x.id, room: x.room, name, present: x.present, seat: `/sessions/${encodeURIComponent(x.id)}/seats` };
  }

  // layout picks the columns that show every tile as large as fits the
  // screen below the heading; tiles never get narrower than 300 px.
  function layout() {
    const box = $('tiles');
    const n = Math.max(1, Object.keys(hr.watches).length);
    const W = box.clientWidth || innerWidth;
    const H = Math.max(200, innerHeight - box.getBoundingClientRect().top - 16);
    const most = Math.max(1, Math.floor(W / 300));
    let cols = most;
    for (let c = 1; c <= most; c++) {
      const w = (W - (c - 1) * 13) / c;
      if (Math.ceil(n / c) * (w * 9 / 16 + 13) <= H) { cols = c; break; }
    }
    box.style.setProperty('--cols', cols);
  }
  addEventListener('resize', layout);

  // netLine tells, in words, what the network is doing.
  function netLine() {
    const watches = Object.values(hr.watches);
    const lost = pollFailed || watches.some((w) => w.state === 'retrying');
    const weak = watches.some((w) => w.weak);
    const text = lost ? t('lostNote') : weak ? t('weakNote') : hr.audioOnly ? t('audioOnlyOn') : '';
    desk.net(text, lost ? 'error' : 'warn');
    $('audio-only').hidden = !(weak || lost || hr.audioOnly);
  }

  function setAudioOnly(on) {
    hr.audioOnly = on;
    for (const b of [$('mode'), $('audio-only')]) {
      b.setAttribute('aria-pressed', String(on));
      b.textContent = t(on ? 'videoBack' : 'audioOnly');
    }
    for (const w of Object.values(hr.watches)) {
      // Off: the video receivers go inactive, which negotiationneeded
      // tells the server. Back on: a fresh connection, so that the
      // pictures start at once from a keyframe.
      if (on) w.applyAudioOnly(true); else w.rejoin();
      w.tile.dataset.audioOnly = on;
      w.label();
    }
    netLine();
  }
  $('mode').addEventListener('click', () => setAudioOnly(!hr.audioOnly));
  $('audio-only').addEventListener('click', () => setAudioOnly(!hr.audioOnly));

  function focus(room) {
    const w = hr.watches[room];
    if (!w) return;
    if (hr.focus) unfocus();
    hr.focus = room;
    document.body.classList.add('focusing');
    w.tile.classList.add('large');
    $('focusbar').hidden = false;
    $('focus-title').textContent = w.station.name;
    document.body.style.setProperty('--bar', $('focusbar').offsetHeight + 'px');
    for (const other of Object.values(hr.watches)) if (other !== w) other.tile.hidden = true;
    w.setFocus(true);
    w.label();
    $('back').focus();
  }

  function unfocus() {
    const w = hr.watches[hr.focus];
    hr.focus = null;
    document.body.classList.remove('focusing');
    $('focusbar').hidden = true;
    $('focus-note').textContent = '';
    for (const other of Object.values(hr.watches)) other.tile.hidden = false;
    if (w) {
      w.tile.classList.remove('large');
      w.setFocus(false);
      w.tile.focus();
    }
  }
  $('back').addEventListener('click', unfocus);
  addEventListener('keydown', (e) => { if (e.key === 'Escape' && hr.focus) unfocus(); });
  addEventListener('resize', () => { if (hr.focus) document.body.style.setProperty('--bar', $('focusbar').offsetHeight + 'px'); });
  addEventListener('desk-online', () => poll());
  addEventListener('pagehide', () => { for (const w of Object.values(hr.watches)) w.close(); });

  desk.start(() => poll());
})();
