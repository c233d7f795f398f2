// review.js: the recording review page (served at /review#session=ID). It
// reads the session's manifest, asks for a playback URL of each recorded
// segment (every request is logged in the ledger), and plays the
// participants' files side by side on one timeline: time 0 is the session's
// start, each segment sits at its offset.
//
// One master clock (performance.now, frozen while a playing file waits for
// data) runs from 0 to the session's duration; every tile plays the segment
// that covers the clock's time and is re-seeked when it drifts by more than
// 0.25 s. Options in the query or the fragment: lang=en (Simplified Chinese
// otherwise). Tests read and drive the page through window.hr.
'use strict';
(() => {
  const query = new URLSearchParams(location.search);
  const frag = new URLSearchParams(location.hash.slice(1));
  const param = (name) => frag.get(name) ?? query.get(name);
  const lang = param('lang') === 'en' ? 'en' : 'zh';
  const sessionID = param('session') || '';

  const DRIFT = 0.25; // seconds a file may stray from the clock
  const STEP = 5000; // ms the arrow keys move
  const STALL_MAX = 8000; // ms the clock waits for a file that has no data
  const PRELOAD = 10000; // ms before its offset a file starts buffering

  const STRINGS = {
    zh: {
      title: '录像回看', signInTitle: '请先登录', login: '账号', password: '密码', signIn: '登录',
      participants: '参加人', controls: '播放控制', position: '播放位置', speed: '播放速度',
      moments: '关键时刻', keys: '空格键：播放/暂停　←/→：后退/前进 5 秒',
      play: '播放', pause: '暂停', speedTo: '{r} 倍速',
      noRecording: '无录像', interrupted: '录制中断', loading: '正在加载…', buffering: '正在缓冲…',
      noSegments: '本场次没有录像。', segmentFailed: '这段录像无法播放',
      noSession: '链接中缺少场次编号，请从台账中重新打开录像。',
      notFound: '没有找到这个场次，或者您无权查看。', forbidden: '您无权回看这个场次的录像。',
      wrongLogin: '账号或密码错误。', tooMany: '登录失败次数过多，请稍后再试。',
      failed: '加载失败，请稍后刷新页面重试。', tapToPlay: '浏览器阻止了自动播放，请再点一次“播放”。',
      other: 'English', otherLang: 'en',
      kinds: { hearing: '视频接访', mediation: '云调解', caucus: '背对背调解', monitoring: '监看' },
      statuses: { live: '进行中', ended: '已结束', interrupted: '异常中断' },
      roles: {
        official: '接访领导', villager: '信访人', petitioner: '信访人', party: '当事人', mediator: '调解员',
        proxy: '代理员', staff: '村工作人员', grid_worker: '网格员', department: '职能部门',
        supervisor: '督办', leader: '县级领导', judge: '法官助理', police: '民警',
        township_official: '乡镇干部', county_dispatcher: '县信访局', department_staff: '职能部门',
        auditor: '审计', administrator: '管理员',
      },
      joined: '{who} 加入', left: '{who} 离开', 'recording.started': '开始录制', 'recording.stopped': '停止录制',
      transition: '办理环节：{label}', summoned: '吹哨报到', 'summons.reported': '部门报到',
      supervised: '督办', 'supervision.feedback': '督办反馈', registered: '登记事项',
      'session.started': '接访开始', 'session.ended': '接访结束', 'session.linked': '关联到事项',
      'recording.stored': '录像已保存', 'recording.purged': '录像已按期删除', 'session.rated': '群众评价',
      'risk.graded': '风险定级',
    },
    en: {
      title: 'Recording review', signInTitle: 'Please sign in', login: 'Login', password: 'Password', signIn: 'Sign in',
      participants: 'Participants', controls: 'Playback controls', position: 'Position', speed: 'Speed',
      moments: 'Moments', keys: 'Space: play/pause   ←/→: back/forward 5 s',
      play: 'Play', pause: 'Pause', speedTo: 'Speed {r}×',
      noRecording: 'No recording', interrupted: 'Interrupted', loading: 'Loading…', buffering: 'Buffering…',
      noSegments: 'This session has no recordings.', segmentFailed: 'This recording cannot be played',
      noSession: 'The link names no session. Open the recording again from the ledger.',
      notFound: 'There is no such session, or you may not see it.',
      forbidden: 'You are not permitted to review the recordings of this session.',
      wrongLogin: 'The login or the password is wrong.', tooMany: 'Too many failed sign-ins. Please wait and try again.',
      failed: 'Loading failed. Please reload the page later.',
      tapToPlay: 'The browser blocked playback. Press Play once more.',
      other: '中文', otherLang: 'zh',
      kinds: { hearing: 'Video hearing', mediation: 'Mediation', caucus: 'Caucus', monitoring: 'Monitoring' },
      statuses: { live: 'live', ended: 'ended', interrupted: 'interrupted' },
      roles: {
        official: 'Official', villager: 'Petitioner', petitioner: 'Petitioner', party: 'Party', mediator: 'Mediator',
        proxy: 'Proxy', staff: 'Village staff', grid_worker: 'Grid worker', department: 'Department',
        supervisor: 'Supervisor', leader: 'County leader', judge: 'Judge assistant', police: 'Police officer',
        township_official: 'Township official', county_dispatcher: 'County petitions bureau',
        department_staff: 'Department', auditor: 'Auditor', administrator: 'Administrator',
      },
      joined: '{who} joined', left: '{who} left', 'recording.started': 'Recording started',
      'recording.stopped': 'Recording stopped', transition: 'Case step: {label}', summoned: 'Departments summoned',
      'summons.reported': 'Department reported in', supervised: 'Supervised', 'supervision.feedback': 'Supervision feedback',
      registered: 'Case registered', 'session.started': 'Session started', 'session.ended': 'Session ended',
      'session.linked': 'Linked to a case', 'recording.stored': 'Recording stored',
      'recording.purged': 'Recording deleted (retention)', 'session.rated': 'Rated by the party',
      'risk.graded': 'Risk graded',
    },
  };
  const S = STRINGS[lang];
  const t = (key, vars = {}) => String(S[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');

  const $ = (id) => document.getElementById(id);
  if (lang === 'en') document.documentElement.lang = 'en';
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t(el.dataset.tLabel));
  {
    const other = new URLSearchParams(location.search);
    if (S.otherLang === 'en') other.set('lang', 'en'); else other.delete('lang');
    const f = new URLSearchParams(location.hash.slice(1));
    f.delete('lang');
    const qs = other.toString();
    $('lang').href = location.pathname + (qs ? '?' + qs : '') + (f.toString() ? '#' + f : '');
    $('lang').textContent = S.other;
    $('lang').lang = S.otherLang === 'en' ? 'en' : 'zh-CN';
  }
  for (const b of document.querySelectorAll('.speed')) b.setAttribute('aria-label', t('speedTo', { r: b.dataset.rate }));

  // hr is what tests read: the state, the clock and the tiles.
  const hr = window.hr = { state: 'loading', errors: [], tiles: [], manifest: null };

  const mmss = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600);
    const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
  };

  function showError(msg) {
    $('error').textContent = msg;
    $('error').hidden = !msg;
    if (msg) hr.errors.push(msg);
  }

  // api calls the API and returns the parsed body; a failure throws an
  // Error whose status is the HTTP status (0 for the network).
  async function api(method, path, body) {
    let resp;
    try {
      resp = await fetch('/api/v1' + path, {
        method, credentials: 'same-origin',
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw Object.assign(new Error(String(e)), { status: 0 });
    }
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw Object.assign(new Error(data.message || resp.statusText), { status: resp.status });
    return data;
  }

  function explain(err) {
    switch (err.status) {
      case 403: return t('forbidden');
      case 404: return t('notFound');
      case 429: return t('tooMany');
      default: return t('failed');
    }
  }

  // ---- sign-in ----

  $('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    showError('');
    try {
      await api('POST', '/session', { login: $('login').value, password: $('password').value });
    } catch (err) {
      showError(err.status === 401 ? t('wrongLogin') : explain(err));
      return;
    }
    $('signin').hidden = true;
    $('password').value = '';
    load();
  });

  // ---- loading ----

  async function load() {
    hr.state = 'loading';
    if (!sessionID) {
      hr.state = 'error';
      showError(t('noSession'));
      return;
    }
    let m;
    try {
      m = await api('GET', `/sessions/${encodeURIComponent(sessionID)}/manifest`);
    } catch (err) {
      if (err.status === 401) {
        hr.state = 'signin';
        $('signin').hidden = false;
        $('login').focus();
        return;
      }
      hr.state = 'error';
      showError(explain(err));
      return;
    }
    hr.manifest = m;
    build(m);
    hr.state = 'ready';
  }

  // ---- the timeline ----

  const clock = { base: 0, at: 0, playing: false, rate: 1, duration: 0, stallAt: 0 };
  const now = () => (clock.playing
    ? Math.min(clock.duration, clock.base + (performance.now() - clock.at) * clock.rate)
    : clock.base);
  const anchor = (ms) => { clock.base = Math.max(0, Math.min(clock.duration, ms)); clock.at = performance.now(); };
  let tiles = [];
  let dragging = false;
  let ticker = 0;

  function build(m) {
    clock.duration = Math.max(0, m.duration_ms || 0);
    const ss = m.session || {};
    const people = new Map((ss.participants || []).map((p) => [p.identity, p]));
    const start = ss.start ? new Date(ss.start).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN',
      { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' }) : '';
    $('info').textContent = [S.kinds[ss.kind] || ss.kind, ss.room, start, S.statuses[ss.status] || ss.status]
      .filter(Boolean).join(' · ');

    // One tile per recorded participant, in the session's order.
    const byWho = new Map();
    for (const s of m.segments || []) {
      if (!byWho.has(s.participant)) byWho.set(s.participant, []);
      byWho.get(s.participant).push(s);
    }
    const order = [...(ss.participants || []).map((p) => p.identity).filter((id) => byWho.has(id)),
      ...[...byWho.keys()].filter((id) => !people.has(id))];
    $('tiles').replaceChildren();
    tiles = order.map((id) => makeTile(id, people.get(id), byWho.get(id)));
    hr.tiles = tiles;
    if (!tiles.length) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = t('noSegments');
      $('tiles').append(p);
    }
    $('tiles').dataset.count = String(tiles.length);

    $('seek').max = String(clock.duration);
    buildMoments(m.moments || [], people);
    $('player').hidden = false;
    render();
    for (const tile of tiles) for (const seg of tile.segments) fetchURL(tile, seg);
    if (!ticker) ticker = setInterval(tick, 100);
  }

  function makeTile(identity, person, segs) {
    const el = document.createElement('article');
    el.className = 'tile';
    el.dataset.identity = identity;
    const head = document.createElement('header');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = segs.find((s) => s.name)?.name || person?.name || identity;
    const roleKey = segs.find((s) => s.role)?.role || person?.role || '';
    const role = document.createElement('span');
    role.className = 'role';
    role.textContent = S.roles[roleKey] || roleKey;
    role.hidden = !roleKey;
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = t('interrupted');
    badge.hidden = true;
    head.append(name, role, badge);

    const stage = document.createElement('div');
    stage.className = 'stage';
    const placeholder = document.createElement('div');
    placeholder.className = 'placeholder';
    placeholder.textContent = t('noRecording');
    stage.append(placeholder);

    // Where this participant has recordings, on the session's timeline.
    const strip = document.createElement('div');
    strip.className = 'strip';
    strip.setAttribute('aria-hidden', 'true');

    const tile = { identity, el, name, badge, stage, placeholder, segments: [], active: null };
    for (const s of segs.sort((a, b) => a.offset_ms - b.offset_ms)) {
      const v = document.createElement('video');
      v.preload = 'metadata'; // 'auto' once it is near (see sync)
      v.playsInline = true;
      v.hidden = true;
      v.dataset.index = String(s.index);
      v.setAttribute('aria-label', `${name.textContent} ${mmss(s.offset_ms)}`);
      const seg = { index: s.index, offset: s.offset_ms, duration: s.duration_ms || 0, interrupted: !!s.interrupted,
        el: v, failed: false, url: '', fetchedAt: 0 };
      v.addEventListener('loadedmetadata', () => sync(true));
      v.addEventListener('error', () => onMediaError(tile, seg));
      stage.append(v);
      const mark = document.createElement('span');
      mark.className = 'seg' + (seg.interrupted ? ' interrupted' : '');
      seg.mark = mark;
      strip.append(mark);
      tile.segments.push(seg);
    }
    el.append(head, stage, strip);
    $('tiles').append(el);
    return tile;
  }

  // length returns how long seg covers the timeline, in ms: the manifest's
  // figure, cut to the file's own length once it is known.
  function length(seg) {
    const d = seg.el.duration;
    const file = Number.isFinite(d) && d > 0 ? d * 1000 : 0;
    if (seg.duration && file) return Math.min(seg.duration, file);
    return seg.duration || file;
  }

  async function fetchURL(tile, seg) {
    seg.fetchedAt = performance.now();
    try {
      const r = await api('POST', `/sessions/${encodeURIComponent(sessionID)}/recordings/${seg.index}/playback`);
      seg.url = r.url;
      seg.failed = false;
      seg.el.src = r.url;
      seg.el.playbackRate = clock.rate;
      seg.el.defaultPlaybackRate = clock.rate;
    } catch (err) {
      seg.failed = true;
      if (err.status === 401) {
        $('signin').hidden = false;
        hr.state = 'signin';
      }
      showError(err.status === 401 ? t('signInTitle') : explain(err));
    }
    render();
  }

  // onMediaError asks once more for a URL (it may have expired), else marks
  // the segment as failed.
  function onMediaError(tile, seg) {
    if (seg.url && performance.now() - seg.fetchedAt > 60000) {
      fetchURL(tile, seg);
      return;
    }
    seg.failed = true;
    render();
  }

  function covering(tile, T) {
    return tile.segments.find((s) => !s.failed && s.url && T >= s.offset && T < s.offset + length(s)) || null;
  }

  // sync puts every tile at the clock's time: the covering segment shown,
  // seeked if it strays (or always if force), played or paused with the
  // clock; the others paused.
  function sync(force = false) {
    let T = now();
    // While a file that should play has no data, the clock waits for it
    // (up to STALL_MAX), so the tiles stay together.
    const waiting = clock.playing && tiles.some((tile) => {
      const seg = covering(tile, T);
      return seg && (seg.el.seeking || seg.el.readyState < 2);
    });
    if (waiting) {
      if (!clock.stallAt) clock.stallAt = performance.now();
      if (performance.now() - clock.stallAt < STALL_MAX) { anchor(T); }
    } else {
      clock.stallAt = 0;
    }
    const stalled = waiting && performance.now() - clock.stallAt < STALL_MAX;
    if (clock.playing && T >= clock.duration) {
      clock.playing = false;
      anchor(clock.duration);
      T = clock.duration;
    }
    for (const tile of tiles) {
      const seg = covering(tile, T);
      for (const s of tile.segments) {
        // Buffer the file that plays and the one coming next, not all of them.
        if (s.el.preload !== 'auto' && T >= s.offset - PRELOAD && T < s.offset + (length(s) || Infinity)) s.el.preload = 'auto';
        if (s !== seg) {
          if (!s.el.paused) s.el.pause();
          s.el.hidden = true;
        }
      }
      tile.active = seg;
      tile.placeholder.hidden = !!seg;
      tile.badge.hidden = !(seg && seg.interrupted);
      tile.el.classList.toggle('buffering', !!(seg && clock.playing && (seg.el.seeking || seg.el.readyState < 2)));
      if (!seg) continue;
      const v = seg.el;
      v.hidden = false;
      if (v.playbackRate !== clock.rate) v.playbackRate = clock.rate;
      const want = (T - seg.offset) / 1000;
      if (force || (!v.seeking && Math.abs(v.currentTime - want) > DRIFT * clock.rate)) v.currentTime = want;
      const play = clock.playing && !stalled;
      if (play && v.paused && !v.ended) {
        v.play().catch((e) => { if (e.name === 'NotAllowedError') { pause(); showError(t('tapToPlay')); } });
      } else if (!play && !v.paused) {
        v.pause();
      }
    }
  }

  function render() {
    const T = now();
    const playBtn = $('play');
    playBtn.textContent = clock.playing ? '❚❚' : '▶';
    playBtn.setAttribute('aria-label', clock.playing ? t('pause') : t('play'));
    playBtn.setAttribute('aria-pressed', String(clock.playing));
    if (!dragging) $('seek').value = String(Math.round(T));
    $('seek').setAttribute('aria-valuetext', `${mmss(T)} / ${mmss(clock.duration)}`);
    $('time').textContent = `${mmss(T)} / ${mmss(clock.duration)}`;
    for (const b of document.querySelectorAll('.speed')) b.setAttribute('aria-pressed', String(Number(b.dataset.rate) === clock.rate));
    const D = clock.duration || 1;
    for (const tile of tiles) {
      for (const s of tile.segments) {
        s.mark.style.left = `${(100 * s.offset) / D}%`;
        s.mark.style.width = `${(100 * Math.max(length(s), 0)) / D}%`;
        s.mark.classList.toggle('failed', s.failed);
      }
      tile.placeholder.textContent = tile.segments.length && tile.segments.every((s) => s.failed) ? t('segmentFailed')
        : (tile.segments.some((s) => !s.url && !s.failed) ? t('loading') : t('noRecording'));
    }
    let current = null;
    for (const li of $('moments').children) {
      if (Number(li.dataset.offset) <= T) current = li;
      li.classList.remove('current');
    }
    if (current) current.classList.add('current');
    document.body.style.setProperty('--progress', `${(100 * T) / D}%`);
  }

  function tick() {
    sync(false);
    render();
  }

  function play() {
    if (clock.playing) return;
    showError('');
    if (now() >= clock.duration) anchor(0); else anchor(now());
    clock.playing = true;
    clock.stallAt = 0;
    sync(true);
    render();
  }

  function pause() {
    if (!clock.playing) return;
    anchor(now());
    clock.playing = false;
    sync(true);
    render();
  }

  function seek(ms) {
    anchor(ms);
    clock.stallAt = 0;
    sync(true);
    render();
  }

  function setRate(r) {
    anchor(now());
    clock.rate = r;
    for (const tile of tiles) {
      for (const s of tile.segments) { s.el.defaultPlaybackRate = r; s.el.playbackRate = r; }
    }
    render();
  }

  function buildMoments(moments, people) {
    const ol = $('moments');
    ol.replaceChildren();
    for (const mo of moments) {
      const who = people.get(mo.identity)?.name || mo.identity || '';
      const text = t(mo.kind, { who, label: mo.label || '' });
      const li = document.createElement('li');
      li.dataset.offset = String(mo.offset_ms);
      li.dataset.kind = mo.kind;
      const b = document.createElement('button');
      b.type = 'button';
      const time = document.createElement('span');
      time.className = 'at';
      time.textContent = mmss(mo.offset_ms);
      const what = document.createElement('span');
      what.className = 'what';
      what.textContent = text === mo.kind && mo.label ? `${text} ${mo.label}` : text;
      b.append(time, what);
      b.addEventListener('click', () => seek(mo.offset_ms));
      li.append(b);
      ol.append(li);
    }
    $('moments').parentElement.hidden = !moments.length;
  }

  // ---- controls ----

  $('play').addEventListener('click', () => (clock.playing ? pause() : play()));
  $('seek').addEventListener('pointerdown', () => { dragging = true; });
  $('seek').addEventListener('pointerup', () => { dragging = false; });
  $('seek').addEventListener('pointercancel', () => { dragging = false; });
  $('seek').addEventListener('input', () => seek(Number($('seek').value)));
  for (const b of document.querySelectorAll('.speed')) b.addEventListener('click', () => setRate(Number(b.dataset.rate)));
  document.addEventListener('keydown', (e) => {
    if (hr.state !== 'ready' || e.altKey || e.ctrlKey || e.metaKey) return;
    const tag = e.target.tagName;
    const typing = (tag === 'INPUT' && e.target.type !== 'range') || tag === 'TEXTAREA';
    if (typing) return;
    if (e.key === ' ' || e.code === 'Space') {
      if (tag === 'BUTTON') return; // the button's own click
      e.preventDefault();
      if (clock.playing) pause(); else play();
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      seek(now() + (e.key === 'ArrowLeft' ? -STEP : STEP));
    }
  });

  Object.defineProperties(hr, {
    time: { get: () => now() },
    playing: { get: () => clock.playing },
    rate: { get: () => clock.rate },
    duration: { get: () => clock.duration },
  });
  Object.assign(hr, { play, pause, seek, setRate });

  load();
})();
