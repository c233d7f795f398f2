// dashboard.shell.js: what the supervisor's pages (/wall, /dashboard,
// /case) share: the language (Simplified Chinese, English with lang=en),
// the API call, the sign-in form, the navigation and the network line.
// Each page adds its strings with desk.strings and starts with desk.start.
'use strict';
(() => {
  const query = new URLSearchParams(location.search);
  const frag = new URLSearchParams(location.hash.slice(1));
  const param = (name) => frag.get(name) ?? query.get(name);
  const lang = param('lang') === 'en' ? 'en' : 'zh';

  const S = {
    zh: {
      navLabel: '督办台', navDesk: '接访工作台', navWall: '视频墙', navDashboard: '统计与督办', navCase: '案件档案',
      signInTitle: '请先登录', login: '账号', password: '密码', signIn: '登录', signOut: '退出登录',
      wrongLogin: '账号或密码错误。', tooMany: '登录失败次数过多，请稍后再试。',
      forbidden: '您的账号无权查看此页面。', failed: '加载失败，请稍后重试。',
      offline: '网络已断开。页面会在网络恢复后自动重新连接。',
      netBack: '网络已恢复。', other: 'English', otherLang: 'en',
      kinds: { petition: '信访事项', mediation: '矛盾纠纷调解' },
      states: {
        draft: '草稿', registered: '已登记', accepted: '已受理', in_progress: '办理中', replied: '已答复',
        review: '复查中', closed: '已办结', archived: '已归档', not_accepted: '不予受理', diverted: '已转送',
        applied: '已申请', mediating: '调解中', agreed: '已达成协议', performing: '履行中', performed: '已履行',
        failed: '调解不成', withdrawn: '已撤回', rejected: '已拒绝',
      },
      risk: { green: '绿', yellow: '黄', red: '红' },
    },
    en: {
      navLabel: 'Supervisor', navDesk: 'Reception desk', navWall: 'Video wall', navDashboard: 'Statistics & supervision', navCase: 'Case file',
      signInTitle: 'Please sign in', login: 'Login', password: 'Password', signIn: 'Sign in', signOut: 'Sign out',
      wrongLogin: 'The login or the password is wrong.', tooMany: 'Too many failed sign-ins. Please wait and try again.',
      forbidden: 'Your account may not see this page.', failed: 'Loading failed. Please try again later.',
      offline: 'The network is down. The page reconnects by itself when it is back.',
      netBack: 'The network is back.', other: '中文', otherLang: 'zh',
      kinds: { petition: 'Petition', mediation: 'Mediation' },
      states: {
        draft: 'Draft', registered: 'Registered', accepted: 'Accepted', in_progress: 'In progress', replied: 'Replied',
        review: 'Under review', closed: 'Closed', archived: 'Archived', not_accepted: 'Not accepted', diverted: 'Diverted',
        applied: 'Applied', mediating: 'Mediating', agreed: 'Agreed', performing: 'Performing', performed: 'Performed',
        failed: 'Failed', withdrawn: 'Withdrawn', rejected: 'Rejected',
      },
      risk: { green: 'green', yellow: 'yellow', red: 'red' },
    },
  };
  const t = (key, vars = {}) => {
    let v = key.split('.').reduce((o, k) => (o == null ? o : o[k]), S[lang]);
    if (v == null) v = key.includes('.') ? key.slice(key.lastIndexOf('.') + 1) : key;
    return String(v).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  };
  const $ = (id) => document.getElementById(id);

  // el builds an element: el('td', {class: 'n'}, 'text', child…).
  function el(tag, attrs = {}, ...children) {
    const svg = ['svg', 'g', 'rect', 'text', 'line', 'title'].includes(tag);
    const e = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === false || v == null) continue;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c != null) e.append(c);
    return e;
  }

  // Network line: offline, or what a page reports (weak media), in words.
  let netReason = '';
  function net(text, kind = 'warn') {
    netReason = text || '';
    const p = $('net');
    if (!navigator.onLine) text = t('offline');
    p.hidden = !text;
    p.dataset.kind = kind;
    $('net-text').textContent = text || '';
  }
  addEventListener('offline', () => net(t('offline'), 'error'));
  addEventListener('online', () => { net(netReason === t('offline') ? '' : netReason); dispatchEvent(new Event('desk-online')); });

  // api calls /api/v1 and returns the parsed body; a failure throws an
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
    const data = resp.status === 204 ? {} : await resp.json().catch(() => ({}));
    if (!resp.ok) throw Object.assign(new Error(data.message || resp.statusText), { status: resp.status, body: data });
    return data;
  }

  const pad = (n) => String(n).padStart(2, '0');
  // Dates are shown in China time, as the ledger's days are.
  function cst(v) {
    const d = new Date(new Date(v).getTime() + 8 * 3600e3);
    return { y: d.getUTCFullYear(), m: pad(d.getUTCMonth() + 1), d: pad(d.getUTCDate()), h: pad(d.getUTCHours()), i: pad(d.getUTCMinutes()) };
  }
  const day = (v) => { if (!v) return ''; const c = cst(v); return `${c.y}-${c.m}-${c.d}`; };
  const time = (v) => { if (!v) return ''; const c = cst(v); return `${c.y}-${c.m}-${c.d} ${c.h}:${c.i}`; };

  function showError(msg) {
    $('error').textContent = msg || '';
    $('error').hidden = !msg;
  }

  function explain(err) {
    if (err.status === 0) return t('offline');
    if (err.status === 403) return t('forbidden');
    if (err.status === 429) return t('tooMany');
    return err.message && err.status < 500 ? err.message : t('failed');
  }

  // start shows the sign-in form until someone is signed in, then calls
  // ready(person) once.
  async function start(ready) {
    const form = $('signin');
    const go = async (person) => {
      form.hidden = true;
      $('who').textContent = person.name || person.id;
      $('signout').hidden = false;
      $('main').hidden = false;
      window.hr.person = person;
      roleNav(person);
      try { await ready(person); } catch (e) { showError(explain(e)); }
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showError('');
      try {
        const r = await api('POST', '/session', { login: $('login').value, password: $('password').value });
        $('password').value = '';
        await go(r.person);
      } catch (err) {
        showError(err.status === 401 ? t('wrongLogin') : explain(err));
      }
    });
    $('signout').addEventListener('click', async () => {
      try { await api('DELETE', '/session'); } catch { /* signed out anyway */ }
      location.reload();
    });
    try {
      const me = await api('GET', '/me');
      await go(me.person);
    } catch (err) {
      if (err.status !== 401) showError(explain(err));
      form.hidden = false;
      window.hr.state = 'signin';
      $('login').focus();
    }
  }

  // roleNav fits the navigation to whom it serves: an official who came
  // from the reception desk (to a case file, or to his township's
  // statistics) gets a way back to it; the wall is offered to those who
  // watch stations (leaders, the dispatcher, the auditor), not to others.
  function roleNav(person) {
    const roles = new Set((person.roles || []).map((g) => g.role));
    const has = (...rs) => rs.some((r) => roles.has(r));
    const item = (page) => { const a = document.querySelector(`nav.desk a[data-page="${page}"]`); return a && a.parentElement; };
    const desk = item('desk');
    if (desk) desk.hidden = !has('township_official', 'county_dispatcher', 'department_staff', 'mediator');
    const wall = item('wall');
    if (wall) wall.hidden = !has('leader', 'county_dispatcher', 'auditor') && !wall.querySelector('[aria-current]');
  }

  // The page's frame: language, labels, navigation, language switch.
  function frame(page, strings) {
    for (const l of ['zh', 'en']) Object.assign(S[l], strings[l]);
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
    for (const e of document.querySelectorAll('[data-t-label]')) e.setAttribute('aria-label', t(e.dataset.tLabel));
    for (const e of document.querySelectorAll('[data-t-title]')) e.title = t(e.dataset.tTitle);
    document.title = t(page + 'Title');
    const keep = lang === 'en' ? '?lang=en' : '';
    for (const a of document.querySelectorAll('nav.desk a')) {
      a.href = a.dataset.href + keep;
      if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    }
    const other = new URLSearchParams(location.search);
    if (S[lang].otherLang === 'en') other.set('lang', 'en'); else other.delete('lang');
    const qs = other.toString();
    $('lang').href = location.pathname + (qs ? '?' + qs : '') + location.hash;
    $('lang').textContent = t('other');
    $('lang').lang = S[lang].otherLang === 'en' ? 'en' : 'zh-CN';
    net('');
  }

  window.hr = { state: 'loading', errors: [], participants: {}, tracks: {} };
  window.desk = { lang, t, S, $, el, api, net, day, time, start, frame, showError, explain, param };
})();
