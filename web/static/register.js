// register.js: village staff (代理员, 网格员) register a petition or a
// mediation for a villager, served at /register, on the committee's kiosk
// or a phone.
//
// The staff sign in (POST /api/v1/session), then a short wizard: the kind
// (信访事项 / 矛盾纠纷调解), the category as picture buttons, the villager
// (name, phone, village preselected from the staff's unit; for a mediation
// the other party), what happened and what they ask, and the villager's
// consent. 同意 files the case (POST /api/v1/cases, a proxy filing with the
// consent recorded); the receipt shows the case number and query code very
// large, prints alone (打印回执), and for a mediation leads to the mediator
// board (/board?case=ID). A proxy's petition waits as a draft until an
// official registers it, and the receipt says so.
//
// Options in the query: lang=en. Tests read window.hr.
'use strict';
(() => {
  const query = new URLSearchParams(location.search);
  const lang = query.get('lang') === 'en' ? 'en' : 'zh';

  const STRINGS = {
    zh: {
      title: '代理登记', signout: '退出', home: '返回首页', who: '{name}（{unit}）',
      signinTitle: '工作人员登录', signinHelp: '村（社区）代理员、网格员用自己的账号登录，为群众登记。',
      login: '账号', password: '密码', signinOk: '登录', signingIn: '正在登录…',
      signinBad: '账号或密码不对，请再试一次', signinMany: '错误次数太多，请过一会儿再试',
      signinEmpty: '请填写账号和密码', notStaff: '这个账号不能代群众登记，请用代理员或网格员账号登录',
      step: '第 {n} 步，共 {total} 步',
      kindTitle: '要登记什么？', kindPetition: '信访事项', kindPetitionSub: '反映问题、提出诉求',
      kindMediation: '矛盾纠纷调解', kindMediationSub: '请调解员帮双方调解',
      categoryTitle: '是哪一类事情？', back: '上一步', next: '下一步',
      personTitle: '群众信息', name: '群众姓名', phone: '联系电话', optional: '（可不填）',
      village: '所在村（社区）', choose: '请选择', other: '对方姓名（或单位）',
      matterTitle: '什么事情', facts: '发生了什么', request: '希望怎么解决',
      consentTitle: '请群众确认', agree: '同意',
      consentPetition: '我同意把以上信息记录下来，由有关部门用于办理我反映的事情。我的个人信息依法保密，不会用于其他用途。',
      consentMediation: '我同意把以上信息记录下来，用于组织人民调解。调解坚持自愿、平等，我可以自己点选调解员。我的个人信息依法保密，不会用于其他用途。',
      submitting: '正在提交…',
      doneTitle: '登记成功', caseNo: '事项编号', queryCode: '查询码',
      keep: '请妥善保管事项编号和查询码，可凭它们查询办理进度。',
      stateDraft: '已提交，等待乡镇工作人员登记受理。',
      stateRegistered: '已登记，将按规定期限办理。',
      stateApplied: '调解申请已登记。下一步请双方当事人点选调解员。',
      print: '打印回执', toBoard: '去点单', again: '再登记一件',
      dKind: '类型', dCategory: '类别', dName: '群众', dVillage: '村（社区）', dOther: '对方',
      dReceived: '登记时间', dFiledBy: '代理人', dPhone: '电话', summary: '登记内容',
      footer: '查询网址：{url}',
      errName: '请填写群众姓名', errPhone: '电话号码不对，请只填数字，例如 13912345678',
      errVillage: '请选择所在村（社区）', errOther: '请填写对方的姓名或单位名称',
      errFacts: '请简单说一下发生了什么', errRequest: '请说一下希望怎么解决',
      errCategory: '请选一个类别', errTooLong: '写得太长了，请精简一些',
      errOtherField: '请检查：{field}', errSession: '登录已过期，请重新登录后再点“同意”',
      errServer: '提交没有成功，请再点一次。如果还不行，请联系管理员。',
      errNetwork: '网络不通，请检查网络后再试', loadFailed: '读取类别和村庄失败，请刷新页面',
    },
    en: {
      title: 'Register for a villager', signout: 'Sign out', home: 'Back to the start', who: '{name} ({unit})',
      signinTitle: 'Staff sign-in', signinHelp: 'Village proxies and grid workers sign in with their own account to register for villagers.',
      login: 'Login', password: 'Password', signinOk: 'Sign in', signingIn: 'Signing in…',
      signinBad: 'The login or the password is wrong. Please try again.', signinMany: 'Too many failed attempts. Please wait a while.',
      signinEmpty: 'Enter the login and the password', notStaff: 'This account cannot register for villagers. Sign in as a proxy or grid worker.',
      step: 'Step {n} of {total}',
      kindTitle: 'What is it?', kindPetition: 'A petition', kindPetitionSub: 'A problem or a request to the government',
      kindMediation: 'A dispute to mediate', kindMediationSub: 'A mediator helps both sides agree',
      categoryTitle: 'What kind of matter?', back: 'Back', next: 'Next',
      personTitle: 'The villager', name: 'Villager\u2019s name', phone: 'Phone', optional: '(optional)',
      village: 'Village', choose: 'Choose', other: 'The other party (person or organisation)',
      matterTitle: 'The matter', facts: 'What happened', request: 'What they ask for',
      consentTitle: 'The villager agrees', agree: 'I agree',
      consentPetition: 'I agree that the information above is recorded and used by the authorities to handle my matter. My personal details are kept confidential as the law requires and used for nothing else.',
      consentMediation: 'I agree that the information above is recorded and used to arrange people\u2019s mediation. Mediation is voluntary and equal; I may pick the mediator myself. My personal details are kept confidential as the law requires and used for nothing else.',
      submitting: 'Sending…',
      doneTitle: 'Registered', caseNo: 'Case number', queryCode: 'Query code',
      keep: 'Keep the case number and the query code: with them you can look up the progress.',
      stateDraft: 'Sent. A township official will now register it.',
      stateRegistered: 'Registered; it will be handled within the legal time limits.',
      stateApplied: 'The mediation request is registered. Next, the parties pick a mediator.',
      print: 'Print the receipt', toBoard: 'Pick a mediator', again: 'Register another',
      dKind: 'Kind', dCategory: 'Category', dName: 'Villager', dVillage: 'Village', dOther: 'Other party',
      dReceived: 'Registered at', dFiledBy: 'Registered by', dPhone: 'Phone', summary: 'What is recorded',
      footer: 'Look it up at {url}',
      errName: 'Enter the villager\u2019s name', errPhone: 'That phone number looks wrong: digits only, e.g. 13912345678',
      errVillage: 'Choose the village', errOther: 'Enter the other party\u2019s name',
      errFacts: 'Say briefly what happened', errRequest: 'Say what they ask for',
      errCategory: 'Choose a category', errTooLong: 'Too long; please shorten it',
      errOtherField: 'Please check: {field}', errSession: 'The sign-in has expired. Sign in again, then tap \u201cI agree\u201d.',
      errServer: 'Sending failed. Please tap again; if it still fails, call the administrator.',
      errNetwork: 'No network. Check the connection and try again.', loadFailed: 'Could not load categories and villages. Reload the page.',
    },
  };
  // Names of the default catalogue in English; other catalogues show the
  // server's names.
  const CATEGORY_EN = {
    wage_arrears: 'Unpaid wages', land_transfer: 'Land transfer', marriage_family: 'Marriage and family',
    neighbours: 'Neighbours', property_management: 'Property management', medical: 'Medical dispute',
    labour: 'Labour dispute', elevator_installation: 'Lift installation', traffic_accident: 'Traffic accident',
    other: 'Other',
  };
  // Pictograms of the default categories (48×48, stroked); others get the
  // paper.
  const ICONS = {
    wage_arrears: '<rect x="5" y="12" width="38" height="26" rx="3"/><circle cx="24" cy="25" r="7"/><path d="M21 22l3 3 3-3M24 25v6M21 28h6"/>',
    land_transfer: '<path d="M4 40h40M10 40V28M10 30c-4 0-6-3-6-6 4 0 6 2 6 6zM10 30c4 0 6-3 6-6-4 0-6 2-6 6zM24 40V22M24 25c-4 0-6-3-6-6 4 0 6 2 6 6zM24 25c4 0 6-3 6-6-4 0-6 2-6 6zM38 40V28M38 30c-4 0-6-3-6-6 4 0 6 2 6 6zM38 30c4 0 6-3 6-6-4 0-6 2-6 6z"/>',
    marriage_family: '<path d="M6 22L24 8l18 14M11 19v21h26V19"/><path d="M24 36s-7-4-7-9a3.5 3.5 0 0 1 7-1 3.5 3.5 0 0 1 7 1c0 5-7 9-7 9z"/>',
    neighbours: '<path d="M3 24l10-9 10 9M6 22v18h14V22M25 24l10-9 10 9M28 22v18h14V22M11 40v-8h4v8M33 40v-8h4v8"/>',
    property_management: '<rect x="10" y="5" width="28" height="38" rx="2"/><path d="M16 12h4M28 12h4M16 20h4M28 20h4M16 28h4M28 28h4M21 43v-7h6v7"/>',
    medical: '<circle cx="24" cy="24" r="19"/><path d="M20 13h8v7h7v8h-7v7h-8v-7h-7v-8h7z"/>',
    labour: '<path d="M6 34h36M9 34c0-9 6-16 15-16s15 7 15 16M20 18v-6h8v6M24 18v8"/><path d="M6 34v4h36v-4"/>',
    elevator_installation: '<rect x="9" y="4" width="30" height="40" rx="2"/><path d="M24 4v40M14 20l4-5 4 5M26 28l4 5 4-5"/>',
    traffic_accident: '<path d="M6 32v-7l4-9h20l5 9h5a3 3 0 0 1 3 3v4zM6 25h37"/><circle cx="14" cy="33" r="4"/><circle cx="34" cy="33" r="4"/><path d="M38 6l-3 6 5 1-4 6"/>',
    other: '<circle cx="24" cy="24" r="19"/><circle cx="15" cy="24" r="1.5"/><circle cx="24" cy="24" r="1.5"/><circle cx="33" cy="24" r="1.5"/>',
  };
  const PAPER = '<path d="M12 5h18l8 8v30H12z"/><path d="M30 5v8h8M17 22h16M17 29h16M17 36h10"/>';
  const STEPS = ['kind', 'category', 'person', 'matter', 'consent'];
  const STAFF_ROLES = ['proxy', 'grid_worker', 'township_official', 'county_dispatcher', 'department_staff', 'mediator'];

  const t = (key, vars = {}) =>
    (STRINGS[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  const $ = (id) => document.getElementById(id);

  const hr = (window.hr = {
    screen: 'boot', errors: [], me: null, categories: [], units: [], draft: newDraft(), created: null,
  });
  addEventListener('error', (e) => hr.errors.push({ code: 'error', message: String(e.message) }));
  addEventListener('unhandledrejection', (e) => hr.errors.push({ code: 'rejection', message: String(e.reason && e.reason.message || e.reason) }));
  addEventListener('securitypolicyviolation', (e) => hr.errors.push({ code: 'csp', message: `${e.violatedDirective} ${e.blockedURI}` }));

  function newDraft() {
    return { kind: '', category: '', name: '', phone: '', village: '', other: '', facts: '', request: '' };
  }

  // ---- screens ----

  function show(screen) {
    hr.screen = screen;
    document.body.dataset.screen = screen;
    for (const el of document.querySelectorAll('.screen')) el.hidden = el.id !== `screen-${screen}`;
    const n = STEPS.indexOf(screen);
    $('progress').hidden = n < 0;
    $('progress').textContent = n < 0 ? '' : t('step', { n: n + 1, total: STEPS.length });
    const signedIn = !!hr.me && screen !== 'signin';
    $('who').hidden = !signedIn;
    $('signout').hidden = !signedIn;
    status('');
    window.scrollTo(0, 0);
    // Focus the screen's heading, so that a screen reader reads where we are,
    // and the first field on forms.
    const sec = $(`screen-${screen}`);
    const first = sec && sec.querySelector('input:not([type=hidden]), select, textarea');
    if (first && screen !== 'signin') first.focus({ preventScroll: true });
    else if (sec) {
      const h = sec.querySelector('h2');
      if (h) { h.tabIndex = -1; h.focus({ preventScroll: true }); }
    }
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

  // ---- the API ----

  async function api(method, path, body) {
    let r;
    try {
      r = await fetch(path, {
        method, credentials: 'same-origin',
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch {
      return { status: 0, body: {} };
    }
    let data = {};
    try { data = await r.json(); } catch { /* 204 or not JSON */ }
    return { status: r.status, body: data };
  }

  // ---- sign-in ----

  async function boot() {
    translate();
    const r = await api('GET', '/api/v1/me');
    if (r.status === 200 && await signedIn(r.body.person)) return;
    show('signin');
  }

  async function signedIn(person) {
    const grant = (person.roles || []).find((g) => STAFF_ROLES.includes(g.role));
    if (!grant) {
      show('signin');
      fieldError('signin-error', t('notStaff'));
      return false;
    }
    hr.me = person;
    hr.grant = grant;
    const [cats, units] = await Promise.all([api('GET', '/api/v1/categories'), api('GET', '/api/v1/units')]);
    if (cats.status !== 200 || units.status !== 200) {
      show('kind');
      status(t('loadFailed'), 'error');
      return true;
    }
    hr.categories = cats.body.categories || [];
    hr.units = units.body.units || [];
    const unit = hr.units.find((u) => u.id === grant.unit);
    $('who').textContent = t('who', { name: person.name, unit: unit ? unit.name : grant.unit });
    buildCategories();
    buildVillages();
    show('kind');
    return true;
  }

  $('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    const login = $('login').value.trim();
    const password = $('password').value;
    fieldError('signin-error', '');
    if (!login || !password) {
      fieldError('signin-error', t('signinEmpty'));
      return;
    }
    busy($('signin-ok'), t('signingIn'));
    const r = await api('POST', '/api/v1/session', { login, password });
    done($('signin-ok'));
    if (r.status === 200) {
      $('password').value = '';
      if (await signedIn(r.body.person) && hr.pending) {
        hr.pending = false;
        show('consent');
      }
      return;
    }
    fieldError('signin-error', r.status === 429 ? t('signinMany') : r.status === 0 ? t('errNetwork') :
      r.status === 401 ? t('signinBad') : t('errServer'));
  });

  // On a village terminal (kiosk.js keeps its credential under hr.kiosk)
  // the staff go back to the kiosk's home screen; signing out first.
  try {
    if (JSON.parse(localStorage.getItem('hr.kiosk'))?.credential) $('home').hidden = false;
  } catch { /* no terminal here */ }
  $('home').addEventListener('click', async (e) => {
    e.preventDefault();
    if (hr.me) await api('DELETE', '/api/v1/session');
    location.href = '/kiosk' + (document.documentElement.lang === 'en' ? '?lang=en' : '');
  });

  $('signout').addEventListener('click', async () => {
    await api('DELETE', '/api/v1/session');
    hr.me = null;
    hr.draft = newDraft();
    resetForms();
    show('signin');
  });

  function busy(btn, text) {
    btn.dataset.label = btn.textContent;
    btn.textContent = text;
    btn.disabled = true;
  }
  function done(btn) {
    if (btn.dataset.label) btn.textContent = btn.dataset.label;
    btn.disabled = false;
  }

  // ---- the wizard ----

  function buildCategories() {
    const box = $('categories');
    box.textContent = '';
    for (const c of hr.categories) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'choice';
      b.dataset.category = c.code;
      b.setAttribute('aria-pressed', 'false');
      b.innerHTML = `<svg viewBox="0 0 48 48" aria-hidden="true">${ICONS[c.code] || PAPER}</svg>`;
      const span = document.createElement('span');
      span.textContent = categoryName(c.code);
      b.append(span);
      b.addEventListener('click', () => {
        hr.draft.category = c.code;
        for (const o of box.children) o.setAttribute('aria-pressed', String(o === b));
        fieldError('err-category', '');
        show('person');
      });
      box.append(b);
    }
  }

  function categoryName(code) {
    if (lang === 'en' && CATEGORY_EN[code]) return CATEGORY_EN[code];
    const c = hr.categories.find((x) => x.code === code);
    return c ? c.name : code;
  }

  function unitName(id) {
    const u = hr.units.find((x) => x.id === id);
    return u ? u.name : id;
  }

  // The villages, grouped by township; the staff's own village (or the
  // first of his township) chosen.
  function buildVillages() {
    const sel = $('village');
    sel.textContent = '';
    const blank = new Option(t('choose'), '');
    sel.append(blank);
    const byParent = new Map();
    for (const u of hr.units) {
      if (u.level !== 'village') continue;
      if (!byParent.has(u.parent_id)) byParent.set(u.parent_id, []);
      byParent.get(u.parent_id).push(u);
    }
    // The staff's township first.
    const mine = hr.units.find((u) => u.id === hr.grant.unit);
    const home = mine && (mine.level === 'village' ? mine.parent_id : mine.id);
    const parents = [...byParent.keys()].sort((a, b) => (a === home ? -1 : b === home ? 1 : 0));
    for (const p of parents) {
      const g = document.createElement('optgroup');
      g.label = unitName(p);
      for (const v of byParent.get(p)) g.append(new Option(v.name, v.id));
      sel.append(g);
    }
    if (mine && mine.level === 'village') sel.value = mine.id;
    hr.draft.village = sel.value;
  }

  for (const b of document.querySelectorAll('[data-kind]')) {
    b.addEventListener('click', () => {
      hr.draft.kind = b.dataset.kind;
      for (const o of document.querySelectorAll('[data-kind]')) o.setAttribute('aria-pressed', String(o === b));
      $('other-field').hidden = hr.draft.kind !== 'mediation';
      show('category');
    });
  }
  for (const b of document.querySelectorAll('.back')) {
    b.addEventListener('click', () => show(STEPS[Math.max(0, STEPS.indexOf(hr.screen) - 1)]));
  }

  function fieldError(id, msg) {
    const el = $(id);
    el.textContent = msg;
    el.hidden = !msg;
    const input = $(id.replace(/^err-/, ''));
    if (input && id.startsWith('err-') && input.matches('input, select, textarea')) {
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  const PHONE = /^[0-9０-９+\-\s()]{7,20}$/;

  function checkPerson() {
    const d = hr.draft;
    d.name = $('name').value.trim();
    d.phone = $('phone').value.trim();
    d.village = $('village').value;
    d.other = $('other').value.trim();
    const errs = {
      name: d.name ? '' : t('errName'),
      phone: !d.phone || (PHONE.test(d.phone) && d.phone.replace(/\D/g, '').length >= 7) ? '' : t('errPhone'),
      village: d.village ? '' : t('errVillage'),
      other: d.kind !== 'mediation' || d.other ? '' : t('errOther'),
    };
    return showErrors(errs);
  }

  function checkMatter() {
    const d = hr.draft;
    d.facts = $('facts').value.trim();
    d.request = $('request').value.trim();
    return showErrors({ facts: d.facts ? '' : t('errFacts'), request: d.request ? '' : t('errRequest') });
  }

  // showErrors shows one message per field and focuses the first field in
  // error; it reports whether there was none.
  function showErrors(errs) {
    let first = null;
    for (const [field, msg] of Object.entries(errs)) {
      fieldError(`err-${field}`, msg);
      if (msg && !first) first = $(field);
    }
    if (first) first.focus();
    return !first;
  }

  $('person').addEventListener('submit', (e) => {
    e.preventDefault();
    if (checkPerson()) show('matter');
  });
  $('matter').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!checkMatter()) return;
    $('consent-text').textContent = t(hr.draft.kind === 'mediation' ? 'consentMediation' : 'consentPetition');
    const d = hr.draft;
    const rows = [['dKind', t(d.kind === 'mediation' ? 'kindMediation' : 'kindPetition')], ['dCategory', categoryName(d.category)],
      ['dName', d.name], ['dPhone', d.phone], ['dVillage', unitName(d.village)]];
    if (d.kind === 'mediation') rows.push(['dOther', d.other]);
    rows.push(['facts', d.facts], ['request', d.request]);
    fillDetails($('summary'), rows.filter((r) => r[1]));
    $('summary').setAttribute('aria-label', t('summary'));
    fieldError('submit-error', '');
    show('consent');
  });

  // ---- filing ----

  function proxyLevel() {
    const u = hr.units.find((x) => x.id === hr.grant.unit);
    return u && (u.level === 'village' || u.level === 'township') ? u.level : 'county';
  }

  function body() {
    const d = hr.draft;
    const now = new Date();
    const petitioner = { id: 'p1', side: 'petitioner', name: d.name, village: d.village };
    if (d.phone) petitioner.contact = { phone: d.phone };
    const parties = [petitioner];
    if (d.kind === 'mediation') parties.push({ id: 'p2', side: 'respondent', name: d.other });
    const b = {
      kind: d.kind, category: d.category,
      channel: hr.grant.role === 'grid_worker' ? 'grid' : 'visit', medium: 'in_person',
      risk_level: 'green', headcount: 1, village: d.village,
      request: d.request, facts: d.facts, parties,
      proxy_level: proxyLevel(), on_behalf_of: 'p1',
      // The consent record: who agreed, when, before whom, on what text.
      consent_ref: `consent:${d.kind}:${now.toISOString()}:${hr.me.id}`,
    };
    if (d.kind === 'petition') b.class = 'claim';
    return b;
  }

  // Where each field the server may name is asked, and its message.
  const FIELDS = {
    category: ['category', 'category', 'errCategory'],
    'parties[0].name': ['person', 'name', 'errName'],
    parties: ['person', 'name', 'errName'],
    'parties[0].contact.phone': ['person', 'phone', 'errPhone'],
    'parties[1].name': ['person', 'other', 'errOther'],
    village: ['person', 'village', 'errVillage'],
    facts: ['matter', 'facts', 'errFacts'],
    request: ['matter', 'request', 'errRequest'],
  };

  $('consent-ok').addEventListener('click', async () => {
    const btn = $('consent-ok');
    fieldError('submit-error', '');
    busy(btn, t('submitting'));
    const r = await api('POST', '/api/v1/cases', body());
    done(btn);
    if (r.status === 201) {
      receipt(r.body);
      return;
    }
    if (r.status === 401) {
      hr.pending = true;
      show('signin');
      fieldError('signin-error', t('errSession'));
      return;
    }
    if (r.status === 0) {
      fieldError('submit-error', t('errNetwork'));
      return;
    }
    const fields = r.body.fields || {};
    let step = '';
    const other = [];
    for (const [name, msg] of Object.entries(fields)) {
      const f = FIELDS[name];
      if (!f) { other.push(name); continue; }
      fieldError(`err-${f[1]}`, /long|at most/i.test(msg) ? t('errTooLong') : t(f[2]));
      if (!step || STEPS.indexOf(f[0]) < STEPS.indexOf(step)) step = f[0];
    }
    if (step) {
      show(step);
      return;
    }
    fieldError('submit-error', other.length ? t('errOtherField', { field: other.join('、') }) + ' ' + (r.body.message || '') : t('errServer'));
  });

  function receipt(c) {
    hr.created = c;
    const d = hr.draft;
    $('case-no').textContent = c.case_no;
    $('query-code').textContent = c.query_code;
    $('done-state').textContent = t(c.kind === 'mediation' ? 'stateApplied' : c.state === 'draft' ? 'stateDraft' : 'stateRegistered');
    const dl = $('receipt-details');
    const when = new Date(c.received_at || Date.now());
    const rows = [
      ['dKind', t(c.kind === 'mediation' ? 'kindMediation' : 'kindPetition')],
      ['dCategory', categoryName(c.category)],
      ['dName', d.name],
      ['dVillage', unitName(d.village)],
    ];
    if (c.kind === 'mediation') rows.push(['dOther', d.other]);
    rows.push(['dReceived', when.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Shanghai' })],
      ['dFiledBy', hr.me.name]);
    fillDetails(dl, rows);
    $('receipt-footer').textContent = t('footer', { url: `${location.origin}/lookup` });
    const board = $('to-board');
    board.hidden = c.kind !== 'mediation';
    board.href = `/board?case=${encodeURIComponent(c.id)}${lang === 'en' ? '&lang=en' : ''}`;
    show('done');
  }

  // fillDetails lists rows of [string key, value] in the dl.
  function fillDetails(dl, rows) {
    dl.textContent = '';
    for (const [k, v] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = t(k);
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    }
  }

  function resetForms() {
    for (const f of ['name', 'phone', 'other', 'facts', 'request']) {
      $(f).value = '';
      fieldError(`err-${f}`, '');
    }
    for (const o of document.querySelectorAll('[aria-pressed]')) o.setAttribute('aria-pressed', 'false');
    if (hr.grant) buildVillages();
  }

  $('print').addEventListener('click', () => window.print());
  $('again').addEventListener('click', () => {
    hr.draft = newDraft();
    hr.created = null;
    resetForms();
    show('kind');
  });

  boot().catch((e) => hr.errors.push({ code: 'boot', message: String(e && e.message || e) }));
})();
