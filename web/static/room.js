// room.js: the room client that join.js and kiosk.js share. It speaks the
// protocol of docs/signaling.md: one WebSocket at /rtc (join with a token,
// ping/pong, JSON frames handled in order), one RTCPeerConnection (the
// client's first offer, then server-driven renegotiation as the polite peer
// of "perfect negotiation", trickle ICE both ways), the camera and
// microphone, and the room's roster in window.hr (room, you, participants,
// tracks, pc), which the pages and the browser tests read.
//
// window.hrRoom.client(options) returns one client per page; it outlives
// its sessions: join(token) opens a session, close() leaves on purpose, and
// onClose(code) lets the page decide what a server close means (a move,
// 4011, rejoins at once with the token the "moved" frame carried; 1000,
// 4001, 4003, 4009 and 4010 end the session; anything else is a lost
// network, for retry() back-off). window.hrRoom.tiles(options) lays out
// the others' videos on a stage.
'use strict';
window.hrRoom = (() => {
  // A caucus room is "<main>~caucus-<n>", n from 1 to 9 (the server's rule:
  // media/caucus.go); the server checks every move.
  const CAUCUS = /~caucus-[1-9]$/;
  const mainRoom = (room) => room.replace(CAUCUS, '');
  const caucusRoom = (room) => `${mainRoom(room)}~caucus-1`;
  const stopAll = (stream) => stream.getTracks().forEach((tr) => tr.stop());
  const text = (e) => String(e && e.message || e);

  // client options, all but hr optional:
  //   hr            the page's window.hr, whose room fields the client keeps
  //   report(code, message, ref), mark(name)
  //   joining(msg)  after hr.room/you/participants/tracks are set from a
  //                 "joined" frame: resolves to the stream to publish, or null
  //   joined(msg)   once the peer connection is up and hr.state is 'joined'
  //   receiveSlots() whether to add a receive slot per track already in the room
  //   encodings()   the camera's send encodings (simulcast), or null for addTrack
  //   frame(msg)    every frame but ping, moved, joined, offer, answer,
  //                 candidate and pong, after the roster is updated
  //   moved(msg)    a "moved" frame, at once (the 4011 close follows)
  //   ice(state), show(id, stream), gone(id), teardown(), onClose(code)
  //   camera(stream), noCamera(error), cameraOff()
  function client(o) {
    const hr = o.hr;
    const call = (name, ...args) => (o[name] ? o[name](...args) : undefined);
    const report = (code, message, ref) => call('report', code, message, ref);
    const mark = (name) => call('mark', name);
    let ws = null;
    let token = '';
    let makingOffer = false;
    let pendingCandidates = [];
    let pongWaiters = [];
    let videoSender = null; // the camera's sender
    let localPromise = null;
    let local = null; // the camera and microphone stream
    let lastStats = null;
    let retries = 0;
    const owners = {}; // remote MediaStreamTrack id -> publisher identity
    const unannounced = new Map(); // stream id -> MediaStream not (yet) announced by the server

    function send(msg) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    }

    // join opens a session with tok, or with the last token (a move's).
    function join(tok) {
      if (tok) token = tok;
      // A browser without WebRTC (an app's built-in browser, an old or
      // stripped-down one) cannot take part: say so instead of failing
      // half-way in its own words.
      if (typeof RTCPeerConnection === 'undefined') {
        hr.state = 'unsupported';
        return report('unsupported', 'this browser has no RTCPeerConnection');
      }
      hr.state = 'connecting';
      if (ws) { const old = ws; ws = null; try { old.close(1000); } catch { /* closed */ } }
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
        if (msg.type === 'moved') { if (msg.token) token = msg.token; return call('moved', msg); }
        queue = queue.then(() => sock === ws && handle(msg))
          .catch((e) => report('client', text(e), msg.type));
      };
      sock.onclose = (ev) => {
        console.info(`hearingroom: socket closed ${ev.code} ${ev.reason}`);
        if (sock !== ws) return;
        hr.state = 'closed';
        teardown();
        call('onClose', ev.code);
      };
    }

    // close leaves the room on purpose: no close reaches onClose.
    function close() {
      if (ws) { send({ type: 'leave' }); const old = ws; ws = null; setTimeout(() => { try { old.close(1000); } catch { /* closed */ } }, 500); }
      teardown();
    }

    // ping resolves at the server's next pong: every frame sent before it has arrived.
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
          break;
        case 'participant-left': {
          const id = msg.participant.identity;
          delete hr.participants[id];
          for (const [tid, tr] of Object.entries(hr.tracks)) if (tr.participant === id) delete hr.tracks[tid];
          gone(id);
          break;
        }
        case 'track-published': case 'track-updated':
          hr.tracks[msg.track.id] = msg.track;
          hr.seen[msg.track.participant] = true;
          if (unannounced.has(msg.track.stream)) show(msg.track.stream, unannounced.get(msg.track.stream));
          break;
        case 'track-unpublished': {
          const id = msg.track.participant;
          delete hr.tracks[msg.track.id];
          if (!Object.values(hr.tracks).some((tr) => tr.participant === id)) gone(id);
          break;
        }
      }
      return call('frame', msg);
    }

    async function joined(msg) {
      mark('joined');
      hr.room = msg.room;
      hr.you = msg.you;
      hr.participants = Object.fromEntries((msg.participants || []).map((p) => [p.identity, p]));
      hr.tracks = Object.fromEntries((msg.tracks || []).map((tr) => [tr.id, tr]));
      const media = await call('joining', msg);

      const pc = (hr.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' }));
      pc.onicecandidate = ({ candidate: c }) =>
        send({ type: 'candidate', candidate: c ? c.toJSON() : { candidate: '' } });
      pc.onnegotiationneeded = () => negotiate(pc);
      pc.ontrack = onTrack;
      pc.oniceconnectionstatechange = () => {
        if (pc !== hr.pc) return;
        const s = pc.iceConnectionState;
        if (s === 'connected' || s === 'completed') mark('ice-connected');
        call('ice', s);
        if (s === 'failed' && ws) ws.close(3000, 'ice-failed'); // rejoin from scratch
      };
      if (media) publish(media);
      else pc.createDataChannel('hr');
      // A receive slot for each track already in the room: the server fills
      // them in its answer, which saves a renegotiation before the first frame.
      if (!o.receiveSlots || o.receiveSlots()) for (const tr of Object.values(hr.tracks)) pc.addTransceiver(tr.kind, { direction: 'recvonly' });
      hr.state = 'joined';
      return call('joined', msg);
    }

    // publish sends media on the current peer connection. late: the session
    // is under way (an admission). addTrack would then reuse a receive slot
    // of the same kind, turning the server's send-only m-line into sendrecv,
    // which the server does not take as a publication: new send-only
    // transceivers get m-lines of their own.
    function publish(media, late = false) {
      const pc = hr.pc;
      const add = (track, sendEncodings) => {
        if (sendEncodings) return pc.addTransceiver(track, { direction: 'sendonly', streams: [media], sendEncodings }).sender;
        if (late) return pc.addTransceiver(track, { direction: 'sendonly', streams: [media] }).sender;
        return pc.addTrack(track, media);
      };
      for (const track of media.getAudioTracks()) add(track, null);
      for (const track of media.getVideoTracks()) videoSender = add(track, o.encodings ? o.encodings() : null);
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
        report('negotiation', text(e), 'offer');
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
        if (c.candidate) report('bad-candidate', text(e), 'candidate');
      }
    }

    function teardown() {
      if (hr.pc) hr.pc.close();
      hr.pc = null;
      makingOffer = false;
      pendingCandidates = [];
      hr.participants = {};
      hr.tracks = {};
      videoSender = null;
      lastStats = null;
      unannounced.clear();
      call('teardown');
    }

    // ---- remote streams ----

    function onTrack({ track, streams }) {
      const stream = streams[0];
      if (!stream) return; // every forwarded track has its publisher's stream; this is none
      const id = stream.id;
      owners[track.id] = id;
      mark(`track-${track.kind}`);
      stream.onremovetrack = () => { if (stream.getTracks().length === 0) gone(id); };
      if (!known(id)) { unannounced.set(id, stream); return; } // shown once announced
      show(id, stream);
    }

    function known(id) {
      return id in hr.participants || Object.values(hr.tracks).some((tr) => tr.stream === id);
    }

    function show(id, stream) {
      unannounced.delete(id);
      call('show', id, stream);
    }

    function gone(id) {
      unannounced.delete(id);
      call('gone', id);
    }

    // ---- the camera and microphone ----

    function localMedia() {
      if (localPromise) return localPromise;
      const md = navigator.mediaDevices;
      const video = { width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 24 } };
      const p = (localPromise = (md ? md.getUserMedia({ audio: true, video })
        : Promise.reject(new Error('mediaDevices unavailable'))).then((stream) => {
        if (localPromise !== p) return stopAll(stream), null; // dropped meanwhile
        local = stream;
        mark('camera');
        document.getElementById('local').srcObject = stream;
        document.getElementById('self').hidden = false;
        call('camera', stream);
        return stream;
      }, (e) => {
        if (localPromise === p) localPromise = null; // try again at the next join
        hr.errors.push({ code: 'getUserMedia', message: text(e), at: performance.now() });
        call('noCamera', e);
        return null;
      }));
      return p;
    }

    function dropLocal() {
      const p = localPromise;
      localPromise = null;
      local = null;
      document.getElementById('self').hidden = true;
      document.getElementById('local').srcObject = null;
      if (p) p.then((stream) => stream && stopAll(stream));
      call('cameraOff');
    }

    // setAudioOnly stops the picture both ways on a weak link: the camera's
    // sender sends nothing, and the lowest layer of the others comes in.
    async function setAudioOnly(on) {
      const cam = local && local.getVideoTracks()[0];
      if (videoSender && cam) await videoSender.replaceTrack(on ? null : cam).catch(() => {});
      const own = Object.values(hr.tracks).find((tr) => tr.participant === (hr.you && hr.you.identity) && tr.kind === 'video');
      if (own) send({ type: 'mute', participant: hr.you.identity, track: own.id, muted: on });
      send({ type: 'layer', quality: on ? 'low' : 'high' });
    }

    // ---- statistics ----

    // stats sums the inbound RTP streams (per stream in inbound) and lists
    // the outbound ones: what the tests read through hr.stats().
    async function stats() {
      const out = { videoFramesDecoded: 0, audioPacketsReceived: 0, inbound: [], outbound: [] };
      if (!hr.pc) return out;
      (await hr.pc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp') {
          out.outbound.push({ kind: s.kind, rid: s.rid || '', packetsSent: s.packetsSent ?? 0, frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0 });
        }
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

    // quality samples the peer connection: the round trip and the share of
    // packets lost since the last sample make good, fair or poor; a broken
    // ICE connection is lost. It resolves to null without a session.
    async function quality() {
      const pc = hr.pc;
      if (!pc || hr.state !== 'joined') return null;
      let rtt = 0, lost = 0, got = 0;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') rtt = s.currentRoundTripTime || 0;
        if (s.type === 'remote-inbound-rtp') { lost += s.packetsLost || 0; }
        if (s.type === 'inbound-rtp') { lost += s.packetsLost || 0; got += s.packetsReceived || 0; }
        if (s.type === 'outbound-rtp') got += s.packetsSent || 0;
      });
      const prev = lastStats || { lost: 0, got: 0 };
      lastStats = { lost, got };
      const dl = Math.max(0, lost - prev.lost), dg = Math.max(0, got - prev.got);
      const loss = dg + dl > 0 ? dl / (dg + dl) : 0;
      const ice = pc.iceConnectionState;
      if (ice === 'disconnected' || ice === 'failed') return 'lost';
      return rtt > 0.6 || loss > 0.1 ? 'poor' : rtt > 0.3 || loss > 0.03 ? 'fair' : 'good';
    }

    return {
      join, close, send, ping, publish, localMedia, dropLocal, setAudioOnly, stats, quality,
      // retry returns the next back-off in seconds, doubling up to max; calm resets it.
      retry: (max) => Math.min(max, 2 ** retries++),
      calm: () => { retries = 0; },
      // drop closes the socket as a lost network would.
      drop: (code, reason) => { if (ws) ws.close(code, reason); },
      get token() { return token; },
      set token(tok) { token = tok; },
      get local() { return local; }, // the camera stream, once open
      get hasLocal() { return !!localPromise; }, // the camera is open or opening
    };
  }

  // tiles shows each publisher's stream in a tile cloned from #tile-template
  // on stage, in a grid that fills it without scrolling. Options: hr,
  // mutedText (a badge on a tile whose audio is muted), firstFrame(),
  // layout(n), soundBlocked() and soundBack() around autoplay with sound.
  function tiles(o) {
    const stage = o.stage;
    const map = new Map(); // publisher identity (= MediaStream id) -> {el, video}

    function show(id, stream) {
      let tile = map.get(id);
      if (!tile) {
        const el = document.getElementById('tile-template').content.firstElementChild.cloneNode(true);
        el.dataset.identity = id;
        tile = { el, video: el.querySelector('video') };
        map.set(id, tile);
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
          if (o.soundBlocked) o.soundBlocked();
          document.addEventListener('pointerdown', () => {
            for (const { video } of map.values()) video.muted = false;
            if (o.soundBack) o.soundBack();
          }, { once: true });
        });
      }
      if (o.firstFrame && stream.getVideoTracks().length && 'requestVideoFrameCallback' in tile.video) {
        tile.video.requestVideoFrameCallback(o.firstFrame);
      }
    }

    function remove(id) {
      const tile = map.get(id);
      if (!tile) return;
      tile.video.srcObject = null;
      tile.el.remove();
      map.delete(id);
      layout();
    }

    function relabel(id) {
      const tile = map.get(id);
      if (!tile) return;
      const p = o.hr.participants[id];
      tile.el.querySelector('.name').textContent = (p && p.name) || id;
      if (!o.mutedText) return;
      const muted = Object.values(o.hr.tracks).some((tr) => tr.participant === id && tr.kind === 'audio' && tr.muted);
      const badge = tile.el.querySelector('.badge');
      badge.textContent = o.mutedText();
      badge.hidden = !muted;
    }

    function layout() {
      const n = map.size;
      const wide = innerWidth >= innerHeight;
      const cols = Math.max(1, wide ? Math.ceil(Math.sqrt(n)) : n <= 2 ? 1 : 2);
      stage.style.setProperty('--cols', cols);
      stage.style.setProperty('--rows', Math.max(1, Math.ceil(n / cols)));
      stage.dataset.count = n;
      if (o.layout) o.layout(n);
    }

    function clear() {
      for (const id of [...map.keys()]) remove(id);
      layout();
    }

    return { show, remove, relabel, layout, clear, get size() { return map.size; } };
  }

  return { client, tiles, CAUCUS, mainRoom, caucusRoom };
})();
