// casefile.js: the case file (一案一档, /case?id=…): the record
// (GET /cases/{id}), the whole history as a timeline (/history), the media
// sessions with a link to the synchronised review player (/sessions →
// /review#session=…), the documents, and the access log (/access-log, the
// auditor's; others see the reads the history holds). Every read is logged
// by the server.
'use strict';
(() => {
  const { t, $, el, api, time, day } = desk;
  desk.frame('casefile', {
    zh: {
      casefileTitle: '案件档案', contents: '目录', record: '案件信息', history: '办理经过', sessions: '接访与调解场次',
      documents: '文书材料', access: '访问记录', deadlines: '办理期限', oversight: '督办与吹哨',
      noId: '链接中缺少案件编号，请从统计与督办页打开案件。', notFound: '没有找到这个案件，或者您无权查看。',
      f: { kind: '类型', category: '问题类别', channel: '来访渠道', received: '收到日期', lead: '责任单位', owner: '包案领导',
        village: '所在村', station: '接访点', parties: '当事人', request: '诉求', facts: '事实与理由', headcount: '人数', redacted: '当事人信息' },
      redactedText: '您无权查看当事人信息', confidential: '保密', overdue: '超期', supervised: '督办中', summoned: '吹哨中',
      step: '环节', start: '起算', days: '天数', due: '期限', citation: '依据',
      supBy: '{at} {by} 督办：{reason}；反馈期限 {due}', supFeedback: '，已于 {at} 反馈', summon: '{at} 吹哨（{level}）：{units}',
      noneYet: '暂无。', noSessions: '没有接访或调解场次。', review: '回看录像', noRecording: '无录像',
      sKind: '类型', sStart: '开始', sDuration: '时长', sWho: '参加人', sRec: '录像', minutes: '{n} 分钟',
      accessAuditor: '以下是每一次查阅本案档案的记录（包括您本次的查阅）。',
      accessOthers: '完整访问记录仅纪检监察人员可查看。您本次的查阅已记入访问记录；以下为案件历史中可见的查阅记录。',
      aWho: '查阅人', aRole: '角色', aAt: '时间', aWhat: '内容',
      what: { case: '案件档案', history: '办理经过', sessions: '场次', parties: '当事人', 'access-log': '访问记录', recording: '录像', manifest: '录像目录' },
      events: {
        registered: '登记', transition: '办理环节', supervised: '督办', 'supervision.feedback': '督办反馈', summoned: '吹哨报到',
        'summons.reported': '部门报到', 'session.started': '场次开始', 'session.ended': '场次结束', 'session.linked': '关联场次',
        'recording.started': '开始录制', 'recording.stopped': '停止录制', 'recording.stored': '录像已存档', 'recording.played': '回看录像',
        'legal_hold': '保全', read: '查阅', 'reminder.sent': '期限提醒已发送', export: '导出',
      },
      roles: { leader: '领导', dispatcher: '调度员', township_official: '乡镇信访干部', department: '部门', mediator: '调解员',
        auditor: '纪检监察', proxy: '代理员', grid_worker: '网格员', system: '系统', petitioner: '信访人', administrator: '管理员' },
      level: { quick: '快捷哨', emergency: '应急哨', tough: '攻坚哨' },
      transitionTo: '{from} → {to}', docDecision: '受理决定', docNotice: '告知', docReply: '答复意见', docAgreement: '调解协议',
      docAttachment: '附件',
      channels: { visit: '走访', letter: '来信', phone: '来电', fax: '传真', online: '网上信访', grid: '网格员上报', hotline: '12345 热线' },
      steps: { acceptance: '受理', objection: '异议', handling: '办理', handling_extended: '延期办理', review_request: '申请复查',
        review: '复查', recheck_request: '申请复核', recheck: '复核', mediation: '调解', confirmation: '司法确认', performance: '履行', supervision: '督办反馈' },
      sessionKinds: { hearing: '视频接访', mediation: '云调解', caucus: '背对背调解', monitoring: '监看' },
    },
    en: {
      casefileTitle: 'Case file', contents: 'Contents', record: 'Record', history: 'History', sessions: 'Hearings and mediations',
      documents: 'Documents', access: 'Access log', deadlines: 'Deadlines', oversight: 'Supervision and summons',
      noId: 'The link names no case. Open the case from the dashboard.', notFound: 'There is no such case, or you may not see it.',
      f: { kind: 'Kind', category: 'Category', channel: 'Channel', received: 'Received', lead: 'Lead unit', owner: 'Owner (包案)',
        village: 'Village', station: 'Station', parties: 'Parties', request: 'Request', facts: 'Facts', headcount: 'Headcount', redacted: 'Parties' },
      redactedText: 'You may not see the parties', confidential: 'confidential', overdue: 'overdue', supervised: 'supervised', summoned: 'summoned',
      step: 'Step', start: 'Start', days: 'Days', due: 'Due', citation: 'Basis',
      supBy: '{at} supervised by {by}: {reason}; answer due {due}', supFeedback: ', answered {at}', summon: '{at} summons ({level}): {units}',
      noneYet: 'None yet.', noSessions: 'No hearings or mediations.', review: 'Review recording', noRecording: 'No recording',
      sKind: 'Kind', sStart: 'Start', sDuration: 'Duration', sWho: 'Participants', sRec: 'Recording', minutes: '{n} min',
      accessAuditor: 'Every read of this case file, yours included.',
      accessOthers: 'The full access log is for auditors. Your read is logged; below are the reads the history shows.',
      aWho: 'Reader', aRole: 'Role', aAt: 'When', aWhat: 'What',
      what: { case: 'case file', history: 'history', sessions: 'sessions', parties: 'parties', 'access-log': 'access log', recording: 'recording', manifest: 'recordings' },
      events: {
        registered: 'Registered', transition: 'Step', supervised: 'Supervised', 'supervision.feedback': 'Supervision answered', summoned: 'Summons',
        'summons.reported': 'Department reported', 'session.started': 'Session started', 'session.ended': 'Session ended', 'session.linked': 'Session linked',
        'recording.started': 'Recording started', 'recording.stopped': 'Recording stopped', 'recording.stored': 'Recording stored',
        'recording.played': 'Recording played', legal_hold: 'Legal hold', read: 'Read', 'reminder.sent': 'Deadline reminder sent', export: 'Export',
      },
      roles: { leader: 'Leader', dispatcher: 'Dispatcher', township_official: 'Township official', department: 'Department', mediator: 'Mediator',
        auditor: 'Auditor', proxy: 'Proxy', grid_worker: 'Grid worker', system: 'System', petitioner: 'Petitioner', administrator: 'Administrator' },
      level: { quick: 'quick', emergency: 'emergency', tough: 'tough' },
      transitionTo: '{from} → {to}', docDecision: 'Decision', docNotice: 'Notice', docReply: 'Reply', docAgreement: 'Agreement',
      docAttachment: 'Attachment',
      channels: { visit: 'visit', letter: 'letter', phone: 'phone', fax: 'fax', online: 'online', grid: 'grid worker', hotline: '12345 hotline' },
      steps: { acceptance: 'acceptance', objection: 'objection', handling: 'handling', handling_extended: 'handling (extended)',
        review_request: 'review request', review: 'review', recheck_request: 'recheck request', recheck: 'recheck', mediation: 'mediation',
        confirmation: 'judicial confirmation', performance: 'performance', supervision: 'supervision answer' },
      sessionKinds: { hearing: 'Hearing', mediation: 'Mediation', caucus: 'Caucus', monitoring: 'Monitoring' },
    },
  });
  const hr = Object.assign(window.hr, { petition: null, events: [], sessions: [], reads: null });
  const id = desk.param('id') || '';
  let units = new Map();
  let leaders = new Map(); // person id -> name, for the 包案 leader
  let names = new Map(); // actor id -> name, of the history's and access log's actors
  let categories = new Map();
  let stations = new Map(); // id → name
  const unitName = (u) => (units.get(u) || {}).name || u || '';
  const dash = (v) => (v == null || v === '' ? '—' : v);
  // tr names a code from one of the string tables (keys may hold dots).
  const tr = (prefix, key) => { const m = desk.S[desk.lang][prefix] || {}; return m[key] ?? key ?? ''; };

  function record(p) {
    $('case-title').textContent = `${t('casefileTitle')} ${p.case_no}`;
    document.title = `${p.case_no} · ${t('casefileTitle')}`;
    const badges = [el('span', { class: 'badge ' + p.risk_level, text: t('risk.' + p.risk_level) }),
      el('span', { class: 'badge', text: tr('states', p.state) })];
    if (p.overdue) badges.push(el('span', { class: 'badge overdue', text: t('overdue') }));
    if (p.supervised) badges.push(el('span', { class: 'badge supervised', text: t('supervised') }));
    if (p.summoned) badges.push(el('span', { class: 'badge summoned', text: t('summoned') }));
    if (p.confidential) badges.push(el('span', { class: 'badge', text: t('confidential') }));
    $('case-badges').replaceChildren(...badges);
    $('case-summary').textContent = p.summary_public || '';
    const rows = [
      ['kind', tr('kinds', p.kind)], ['category', (categories.get(p.category) || {}).name || p.category],
      ['channel', tr('channels', p.channel)], ['received', time(p.received_at)], ['lead', unitName(p.lead_unit)], ['owner', leaders.get(p.owner) || p.owner],
      ['village', unitName(p.village)], ['station', stations.get(p.station_id) || p.station_id], ['headcount', p.headcount],
    ];
    if (p.redacted) rows.push(['redacted', t('redactedText')]);
    else {
      rows.push(['parties', (p.parties || []).map((x) => x.name).join('、')]);
      rows.push(['request', p.request], ['facts', p.facts]);
    }
    $('facts').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: t('f.' + k) }), el('dd', { text: dash(v) })]));
    const dls = Object.values(p.deadlines || {});
    $('deadlines').replaceChildren(el('thead', {}, el('tr', {}, ['step', 'start', 'days', 'due', 'citation'].map((k) => el('th', { scope: 'col', text: t(k) })))),
      el('tbody', {}, dls.map((d) => el('tr', {}, el('td', { text: tr('steps', d.step) }), el('td', { text: day(d.start) }), el('td', { class: 'n', text: d.days }),
        el('td', { text: day(d.adjusted || d.nominal) }), el('td', { text: d.citation || '' })))));
    const over = [];
    for (const s of p.supervisions || []) {
      over.push(el('li', { text: t('supBy', { at: day(s.issued_at), by: s.by, reason: s.reason, due: day(s.due && (s.due.adjusted || s.due.nominal)) }) +
        (s.feedback_at ? t('supFeedback', { at: day(s.feedback_at) }) : '') }));
    }
    for (const s of p.summons || []) {
      over.push(el('li', { text: t('summon', { at: time(s.issued_at), level: tr('level', s.level), units: (s.departments || []).map((d) => unitName(d.unit_id)).join('、') }) }));
    }
    $('oversight').replaceChildren(...(over.length ? over : [el('li', { class: 'muted', text: t('noneYet') })]));
    const docs = [];
    if (p.decision && p.decision.document) docs.push([t('docDecision'), p.decision.document, p.decision.decided_at]);
    for (const n of p.notices || []) if (n.document) docs.push([t('docNotice'), n.document, n.served_at]);
    if (p.reply) docs.push([t('docReply'), p.reply.document || p.reply.text, p.reply.served_at]);
    if (p.agreement) docs.push([t('docAgreement'), p.agreement.no || p.agreement.terms, p.agreement.signed_at]);
    for (const a of p.attachments || []) docs.push([t('docAttachment'), a.name, a.added_at || a.at]);
    $('docs').replaceChildren(...(docs.length ? docs.map(([k, name, at]) => el('li', {}, el('strong', { text: k + '：' }), name || '', at ? `（${day(at)}）` : ''))
      : [el('li', { class: 'muted', text: t('noneYet') })]));
  }

  function describe(ev) {
    const d = ev.data || {};
    if (ev.kind === 'transition' || ev.kind === 'registered') {
      if (d.from || d.to) return t('transitionTo', { from: tr('states', d.from || ''), to: tr('states', d.to || '') }) + (d.transition ? ` (${d.transition})` : '');
    }
    if (ev.kind === 'supervised' && d.supervision) return d.supervision.reason || '';
    if (d.what) return tr('what', d.what);
    if (d.reason) return d.reason;
    return '';
  }

  // who is an actor's name where the server gave one, else his id.
  const who = (actor) => names.get(actor) || actor || '';

  function timeline(events) {
    const shown = events.filter((e) => e.kind !== 'read');
    $('timeline').replaceChildren(...shown.map((ev) => el('li', { 'data-kind': ev.kind, 'data-seq': ev.case_seq },
      el('time', { datetime: ev.at, text: time(ev.at) }),
      el('span', { class: 'what', text: tr('events', ev.kind) }), ' · ', `${who(ev.actor)}（${tr('roles', ev.actor_role || '')}）`,
      el('span', { class: 'detail', text: describe(ev) }))));
  }

  function sessions(list) {
    const head = el('tr', {}, ['sKind', 'sStart', 'sDuration', 'sWho', 'sRec'].map((k) => el('th', { scope: 'col', text: t(k) })));
    const rows = list.map((s) => {
      const mins = s.end ? Math.round((Date.parse(s.end) - Date.parse(s.start)) / 60000) : null;
      const rec = (s.recordings || []).length
        ? el('a', { href: `/review${desk.lang === 'en' ? '?lang=en' : ''}#session=${encodeURIComponent(s.id)}`, class: 'review', text: t('review') })
        : el('span', { class: 'muted', text: t('noRecording') });
      return el('tr', { 'data-session': s.id }, el('td', { text: tr('sessionKinds', s.kind) }), el('td', { text: time(s.start) }),
        el('td', { text: mins === null ? '—' : t('minutes', { n: mins }) }),
        el('td', { text: (s.participants || []).filter((p) => !p.hidden).map((p) => p.name || p.identity).join('、') }), el('td', {}, rec));
    });
    $('session-table').replaceChildren(el('thead', {}, head), el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 5, text: t('noSessions') }))));
  }

  function access(reads, full) {
    $('access-note').textContent = full ? t('accessAuditor') : t('accessOthers');
    const head = el('tr', {}, ['aAt', 'aWho', 'aRole', 'aWhat'].map((k) => el('th', { scope: 'col', text: t(k) })));
    const rows = reads.slice().reverse().map((r) => el('tr', { 'data-actor': r.actor }, el('td', { text: time(r.at) }), el('td', { text: who(r.actor) }),
      el('td', { text: tr('roles', r.actor_role || '') }), el('td', { text: tr('what', (r.data || {}).what || '') })));
    $('access-table').replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
  }

  async function load() {
    if (!id) { desk.showError(t('noId')); hr.state = 'error'; return; }
    const enc = encodeURIComponent(id);
    try {
      const [u, c, st, p, l] = await Promise.all([api('GET', '/units'), api('GET', '/categories'), api('GET', '/stations'),
        api('GET', `/cases/${enc}`), api('GET', '/leaders').catch(() => ({ leaders: [] }))]);
      stations = new Map(st.stations.map((x) => [x.id, x.name]));
      leaders = new Map((l.leaders || []).map((x) => [x.id, x.name]));
      units = new Map(u.units.map((x) => [x.id, x]));
      categories = new Map(c.categories.map((x) => [x.code, x]));
      hr.petition = p;
      record(p);
      const h = await api('GET', `/cases/${enc}/history`);
      hr.events = h.events || [];
      names = new Map(Object.entries(h.names || {}));
      timeline(hr.events);
      try {
        hr.sessions = (await api('GET', `/cases/${enc}/sessions`)).sessions || [];
      } catch (err) {
        if (err.status !== 403) throw err;
      }
      sessions(hr.sessions);
      try {
        const log = await api('GET', `/cases/${enc}/access-log`);
        hr.reads = log.reads || [];
        for (const [k, v] of Object.entries(log.names || {})) names.set(k, v);
        access(hr.reads, true);
      } catch (err) {
        if (err.status !== 403) throw err;
        access(hr.events.filter((e) => e.kind === 'read'), false);
      }
      hr.state = 'ready';
    } catch (err) {
      desk.showError(err.status === 404 ? t('notFound') : desk.explain(err));
      hr.state = 'error';
      hr.errors.push(String(err.message));
      if (err.status === 0) addEventListener('desk-online', load, { once: true });
    }
  }

  desk.start(load);
})();
