// board.js: the mediator board (点单式调解), served at /board.
//
// Two modes. On an enrolled kiosk (a device credential in localStorage
// "hr.kiosk", as kiosk.js keeps it) it shows its station's board to browse
// (GET /api/v1/terminal/mediators): each mediator a card with photo (or the
// surname in a coloured circle), name, unit, specialties, cases mediated and
// satisfaction. With ?case=ID the staff who filed the mediation, signed in,
// pick with the parties: each card has 选这位调解员 (the "pick" transition);
// a waiting screen then polls the case until the mediator answers: accepted
// (with the first session's time when he gave one) or declined (the reason,
// and the board again without him). Signed in without a case, the board of
// the staff's own unit is shown to browse.
//
// Options in the query: case=ID, lang=en, poll=MS (how often the waiting
// screen reads the case; 3000). Tests read window.hr.
'use strict';
(() => {
  const query = new URLSearchParams(location.search);
  const KEY = 'hr.kiosk';
  const saved = (() => { try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch { return {}; } })();
  const caseID = query.get('case') || '';
  const lang = query.get('lang') ? (query.get('lang') === 'en' ? 'en' : 'zh')
    : (saved.settings && saved.settings.lang === 'en' ? 'en' : 'zh');
  const pollMs = Math.max(500, Number(query.get('poll')) || 3000);

  const STRINGS = {
    zh: {
      title: '点单式调解', home: '返回首页', loading: '正在读取…',
      signinTitle: '工作人员登录', signinHelp: '请登记这件调解的代理员登录后，陪同当事人点选调解员。',
      login: '账号', password: '密码', signinOk: '登录', signingIn: '正在登录…',
      signinBad: '账号或密码不对，请再试一次', signinMany: '错误次数太多，请过一会儿再试',
      signinEmpty: '请填写账号和密码',
      boardTitle: '调解员名录', boardTitlePick: '请选一位调解员',
      helpBrowse: '以下调解员可以为本村群众调解矛盾纠纷。需要调解时，请找村里的代理员登记。',
      helpPick: '请当事人看一看，选一位信得过的调解员。调解员同意后，会与您约定调解时间。',
      caseLine: '事项编号 {no}', kioskLine: '{name}',
      empty: '暂时没有可以点选的调解员，请联系乡镇调解委员会。',
      cases: '调解 {n} 件', rate: '满意率 {p}%', rateCount: '（{n} 人评价）', noRate: '暂无评价',
      pick: '选这位调解员', picking: '正在提交…',
      pickFailed: '没有选上：{msg}', pickTaken: '这位调解员已婉拒本案，请另选一位',
      waitTitle: '正在等待调解员答复', waitWho: '已请 {name} 调解员接单',
      waitHelp: '调解员同意后，这里会显示结果。可以先离开，稍后再打开本页查看。',
      acceptedTitle: '调解员已接单', acceptedWho: '{name} 调解员同意为您调解',
      again: '登记下一件', firstSession: '第一次调解时间', noTime: '调解员将与您联系约定时间',
      declined: '{name} 调解员不能接这件调解：{reason}。请另选一位调解员。',
      errorTitle: '无法点单', notFound: '没有找到这件调解，或者您不是它的登记人。',
      notMediation: '这不是调解申请，不用点选调解员。',
      pastPicking: '这件调解已经不在点选调解员的阶段了（当前状态：{state}）。',
      notPicker: '只有登记这件调解的代理员可以代当事人点单。',
      noKiosk: '本机还没有配对为村委会终端，请在终端首页配对，或由工作人员登录。',
      revoked: '本终端已被停用，请联系管理员重新配对。',
      errNetwork: '网络不通，正在重试…', errServer: '出错了，请稍后再试。',
    },
    en: {
      title: 'Mediator board', home: 'Home', loading: 'Loading…',
      signinTitle: 'Staff sign-in', signinHelp: 'The proxy who registered this mediation signs in, then helps the parties pick a mediator.',
      login: 'Login', password: 'Password', signinOk: 'Sign in', signingIn: 'Signing in…',
      signinBad: 'The login or the password is wrong. Please try again.', signinMany: 'Too many failed attempts. Please wait a while.',
      signinEmpty: 'Enter the login and the password',
      boardTitle: 'Mediators', boardTitlePick: 'Pick a mediator',
      helpBrowse: 'These mediators help villagers settle disputes. To ask for mediation, see the village proxy.',
      helpPick: 'Let the parties look and pick a mediator they trust. Once the mediator agrees, a time is arranged.',
      caseLine: 'Case {no}', kioskLine: '{name}',
      empty: 'No mediator can be picked now. Please contact the township mediation committee.',
      cases: 'Cases mediated: {n}', rate: '{p}% satisfied', rateCount: ' ({n} ratings)', noRate: 'Not rated yet',
      pick: 'Pick this mediator', picking: 'Sending…',
      pickFailed: 'Not picked: {msg}', pickTaken: 'This mediator has declined this case; pick another',
      waitTitle: 'Waiting for the mediator', waitWho: '{name} has been asked',
      waitHelp: 'The answer appears here. You may leave and open this page again later.',
      acceptedTitle: 'The mediator accepted', acceptedWho: '{name} will mediate',
      again: 'Register the next one', firstSession: 'First session', noTime: 'The mediator will contact you to arrange a time',
      declined: '{name} cannot take this mediation: {reason}. Please pick another mediator.',
      errorTitle: 'Cannot pick', notFound: 'This mediation was not found, or you did not register it.',
      notMediation: 'This is not a mediation; no mediator is picked.',
      pastPicking: 'This mediation is past picking a mediator (state: {state}).',
      notPicker: 'Only the proxy who registered this mediation may pick for the parties.',
      noKiosk: 'This device is not paired as a village terminal. Pair it on the kiosk page, or sign in as staff.',
      revoked: 'This terminal has been switched off. Ask the administrator to pair it again.',
      errNetwork: 'No network; retrying…', errServer: 'Something went wrong. Please try later.',
    },
  };
  // The default catalogue, for a kiosk (which may not read /api/v1/categories).
  const CATEGORIES = {
    zh: {
      wage_arrears: '拖欠工资', land_transfer: '土地流转', marriage_family: '婚姻家庭', neighbours: '邻里纠纷',
      property_management: '物业管理', medical: '医疗纠纷', labour: '劳动争议', elevator_installation: '加装电梯',
      traffic_accident: '交通事故', other: '其他',
    },
    en: {
      wage_arrears: 'Unpaid wages', land_transfer: 'Land transfer', marriage_family: 'Marriage and family',
      neighbours: 'Neighbours', property_management: 'Property management', medical: 'Medical disputes',
      labour: 'Labour disputes', elevator_installation: 'Lift installation', traffic_accident: 'Traffic accidents',
      other: 'Other',
    },
  };
  const STATE_ZH = {
    applied: '已申请', refused: '不予调解', mediator_pending: '等待调解员答复', accepted: '已受理',
    in_mediation: '调解中', agreement_reached: '达成协议', agreement_effective: '协议生效',
    failed: '调解不成', terminated_by_party: '当事人终止', closed: '已办结', archived: '已归档',
  };

  const t = (key, vars = {}) =>
    (STRINGS[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  const $ = (id) => document.getElementById(id);

  const hr = (window.hr = {
    screen: 'boot', mode: '', errors: [], mediators: [], case: null, picked: '', polls: 0,
    categories: {},
  });
  addEventListener('error', (e) => hr.errors.push({ code: 'error', message: String(e.message) }));
  addEventListener('unhandledrejection', (e) => hr.errors.push({ code: 'rejection', message: String(e.reason && e.reason.message || e.reason) }));
  addEventListener('securitypolicyviolation', (e) => hr.errors.push({ code: 'csp', message: `${e.violatedDirective} ${e.blockedURI}` }));

  function show(screen) {
    hr.screen = screen;
    document.body.dataset.screen = screen;
    for (const el of document.querySelectorAll('.screen')) el.hidden = el.id !== `screen-${screen}`;
    const h = $(`screen-${screen}`).querySelector('h2');
    if (h && screen !== 'signin') { h.tabIndex = -1; h.focus({ preventScroll: true }); }
  }

  function status(msg, kind = '') {
    $('status').hidden = !msg;
    $('status').textContent = msg;
    $('status').dataset.kind = kind;
  }

  function translate() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.title = t('title');
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  }

  async function api(method, path, body, headers = {}) {
    let r;
    try {
      r = await fetch(path, {
        method, credentials: 'same-origin',
        headers: Object.assign(body ? { 'Content-Type': 'application/json' } : {}, headers),
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch {
      return { status: 0, body: {} };
    }
    let data = {};
    try { data = await r.json(); } catch { /* not JSON */ }
    return { status: r.status, body: data };
  }

  // ---- modes ----

  async function boot() {
    translate();
    hr.categories = CATEGORIES[lang];
    if (caseID) {
      hr.mode = 'staff';
      const me = await api('GET', '/api/v1/me');
      if (me.status !== 200) { show('signin'); return; }
      await staff(me.body.person);
      return;
    }
    if (saved.credential) {
      hr.mode = 'kiosk';
      await kiosk();
      return;
    }
    hr.mode = 'browse';
    const me = await api('GET', '/api/v1/me');
    if (me.status !== 200) { show('signin'); return; }
    await staff(me.body.person);
  }

  async function kiosk() {
    const auth = { Authorization: `Device ${saved.credential}` };
    $('home').hidden = false;
    const [self, board] = await Promise.all([api('GET', '/api/v1/terminal', null, auth),
      api('GET', '/api/v1/terminal/mediators', null, auth)]);
    if (board.status === 401 || board.status === 403) { fail(t('revoked')); return; }
    if (board.status !== 200) { fail(board.status === 0 ? t('errNetwork') : t('errServer')); return; }
    if (self.status === 200 && self.body.terminal) $('subtitle').textContent = t('kioskLine', { name: self.body.terminal.name || '' });
    hr.mediators = board.body.mediators || [];
    renderBoard(false);
  }

  async function staff(person) {
    hr.me = person;
    const cats = await api('GET', '/api/v1/categories');
    if (cats.status === 200 && lang === 'zh') {
      for (const c of cats.body.categories || []) hr.categories[c.code] = c.name;
    }
    if (!caseID) {
      const grant = (person.roles || [])[0];
      await loadBoard(grant ? grant.unit : '');
      renderBoard(false);
      return;
    }
    const r = await api('GET', `/api/v1/cases/${encodeURIComponent(caseID)}`);
    if (r.status !== 200) { fail(r.status === 0 ? t('errNetwork') : t('notFound')); return; }
    hr.case = r.body;
    if (hr.case.kind !== 'mediation') { fail(t('notMediation')); return; }
    $('subtitle').textContent = t('caseLine', { no: hr.case.case_no });
    const unit = hr.case.village || hr.case.lead_unit || ((person.roles || [])[0] || {}).unit;
    if (!await loadBoard(unit)) return;
    follow(hr.case, true);
  }

  async function loadBoard(unit) {
    const r = await api('GET', `/api/v1/mediators?unit=${encodeURIComponent(unit)}`);
    if (r.status !== 200) { fail(r.status === 0 ? t('errNetwork') : t('errServer')); return false; }
    hr.mediators = r.body.mediators || [];
    return true;
  }

  function fail(msg) {
    $('error-text').textContent = msg;
    show('error');
  }

  $('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    const login = $('login').value.trim();
    const password = $('password').value;
    const err = $('signin-error');
    err.hidden = true;
    if (!login || !password) { err.textContent = t('signinEmpty'); err.hidden = false; return; }
    const btn = $('signin-ok');
    btn.disabled = true;
    btn.textContent = t('signingIn');
    const r = await api('POST', '/api/v1/session', { login, password });
    btn.disabled = false;
    btn.textContent = t('signinOk');
    if (r.status === 200) {
      $('password').value = '';
      await staff(r.body.person);
      return;
    }
    err.textContent = r.status === 429 ? t('signinMany') : r.status === 401 ? t('signinBad') : t('errServer');
    err.hidden = false;
  });

  // ---- the board ----

  function mediatorName(id) {
    const m = hr.mediators.find((x) => x.id === id);
    return m ? m.name : '';
  }

  function renderBoard(picking) {
    const declined = new Set(((hr.case && hr.case.mediation && hr.case.mediation.declines) || []).map((d) => d.mediator_id));
    const list = hr.mediators.filter((m) => !picking || !declined.has(m.id));
    $('board-title').textContent = t(picking ? 'boardTitlePick' : 'boardTitle');
    $('board-help').textContent = t(picking ? 'helpPick' : 'helpBrowse');
    const ul = $('cards');
    ul.textContent = '';
    list.forEach((m, i) => ul.append(card(m, i, picking)));
    $('empty').hidden = list.length > 0;
    show('board');
  }

  function card(m, i, picking) {
    const li = document.createElement('li');
    li.className = 'card';
    li.dataset.id = m.id;
    const head = document.createElement('div');
    head.className = 'head';
    let avatar;
    if (m.photo && /^data:image\/|^\//.test(m.photo)) {
      avatar = document.createElement('img');
      avatar.src = m.photo;
      avatar.alt = '';
      avatar.className = 'avatar';
    } else {
      avatar = document.createElement('span');
      avatar.className = `avatar initial c${hash(m.id) % 6}`;
      avatar.setAttribute('aria-hidden', 'true');
      avatar.textContent = [...(m.name || '?')][0];
    }
    const who = document.createElement('div');
    const h = document.createElement('h3');
    h.textContent = m.name;
    h.id = `m-${i}`;
    const unit = document.createElement('p');
    unit.className = 'unit';
    unit.textContent = m.unit_name || m.unit;
    who.append(h, unit);
    head.append(avatar, who);
    li.append(head);

    if (m.specialties && m.specialties.length) {
      const chips = document.createElement('ul');
      chips.className = 'chips';
      for (const s of m.specialties) {
        const c = document.createElement('li');
        c.textContent = hr.categories[s] || s;
        chips.append(c);
      }
      li.append(chips);
    }
    if (m.intro) {
      const p = document.createElement('p');
      p.className = 'intro';
      p.textContent = m.intro;
      li.append(p);
    }
    const rec = document.createElement('p');
    rec.className = 'record';
    const n = document.createElement('span');
    n.textContent = t('cases', { n: m.cases || 0 });
    const rate = document.createElement('span');
    if (m.satisfaction == null) {
      rate.className = 'rate none';
      rate.textContent = t('noRate');
    } else {
      rate.className = 'rate';
      rate.textContent = t('rate', { p: Math.round(m.satisfaction * 100) }) + t('rateCount', { n: m.rated });
    }
    rec.append(n, rate);
    li.append(rec);

    if (picking) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn pick';
      b.textContent = t('pick');
      b.setAttribute('aria-describedby', h.id);
      b.addEventListener('click', () => pick(m, b));
      li.append(b);
    }
    return li;
  }

  function hash(s) {
    let h = 0;
    for (const ch of s) h = (h * 31 + ch.codePointAt(0)) >>> 0;
    return h;
  }

  // ---- picking and the answer ----

  async function pick(m, btn) {
    for (const b of document.querySelectorAll('.btn.pick')) b.disabled = true;
    btn.textContent = t('picking');
    status('');
    const r = await api('POST', `/api/v1/cases/${encodeURIComponent(caseID)}/transitions`,
      { name: 'pick', input: { mediator_id: m.id, selection_mode: 'board' } });
    if (r.status === 200) {
      hr.picked = m.id;
      hr.case = r.body;
      follow(r.body, false);
      return;
    }
    for (const b of document.querySelectorAll('.btn.pick')) { b.disabled = false; b.textContent = t('pick'); }
    if (r.status === 403) { fail(t('notPicker')); return; }
    const taken = r.body.fields && r.body.fields.mediator_id;
    status(taken ? t('pickTaken') : t('pickFailed', { msg: r.status === 0 ? t('errNetwork') : (r.body.message || r.status) }), 'error');
  }

  let timer = 0;

  // follow shows what case c's state means for picking, and keeps reading
  // the case while the mediator has not answered. first: the page just
  // opened (a decline before it is not news).
  function follow(c, first) {
    clearTimeout(timer);
    hr.case = c;
    const med = c.mediation || {};
    const declines = med.declines || [];
    switch (c.state) {
    case 'applied':
    case 'mediator_pending':
      if (med.candidate) {
        hr.picked = med.candidate;
        $('wait-who').textContent = t('waitWho', { name: mediatorName(med.candidate) || med.candidate });
        if (hr.screen !== 'wait') show('wait');
        timer = setTimeout(poll, pollMs);
        return;
      }
      // No one picked, or the last one declined: the board again.
      renderBoard(true);
      {
        const last = declines[declines.length - 1];
        const news = last && (!first || c.state === 'mediator_pending');
        $('declined').hidden = !news;
        if (news) $('declined').textContent = t('declined', { name: mediatorName(last.mediator_id) || last.mediator_id, reason: last.reason });
      }
      return;
    default:
      if ((med.mediator_ids || []).length) {
        accepted(c);
        return;
      }
      fail(t('pastPicking', { state: lang === 'zh' ? (STATE_ZH[c.state] || c.state) : c.state }));
    }
  }

  async function poll() {
    hr.polls++;
    const r = await api('GET', `/api/v1/cases/${encodeURIComponent(caseID)}`);
    if (r.status === 200) {
      status('');
      follow(r.body, false);
      return;
    }
    status(r.status === 0 ? t('errNetwork') : t('errServer'), 'error');
    timer = setTimeout(poll, pollMs);
  }

  function accepted(c) {
    const med = c.mediation || {};
    const id = (med.mediator_ids || [])[med.mediator_ids.length - 1];
    $('accepted-who').textContent = t('acceptedWho', { name: mediatorName(id) || id });
    const when = $('when');
    if (med.scheduled_at) {
      const d = new Date(med.scheduled_at);
      when.textContent = d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
        timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric', weekday: 'short',
        hour: '2-digit', minute: '2-digit',
      });
      when.classList.remove('vague');
      $('when-label').hidden = false;
    } else {
      when.textContent = t('noTime');
      when.classList.add('vague');
      $('when-label').hidden = true;
    }
    $('accepted-case').textContent = t('caseLine', { no: c.case_no });
    $('again').href = `/register${lang === 'en' ? '?lang=en' : ''}`;
    show('accepted');
  }

  boot().catch((e) => hr.errors.push({ code: 'boot', message: String(e && e.message || e) }));
})();
