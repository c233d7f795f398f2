// dashboard.js: the supervisor's dashboard (/dashboard): the oversight
// statistics of a period (GET /statistics) for the county, each township
// and each department, as SVG bar charts and a table, every figure with its
// formula; the overdue and supervised worklists (GET /cases?view=…); and
// 督办 in two taps: the row's button opens a sheet with the reason picked
// and the feedback due shown, and 确认 posts it (POST /cases/{id}/supervisions).
'use strict';
(() => {
  const { t, $, el, api, day } = desk;
  desk.frame('dashboard', {
    zh: {
      dashboardTitle: '统计与督办', from: '起始日期', to: '截止日期', scope: '范围', county: '全县',
      quick: '快捷时段', month: '本月', quarter: '本季度', year: '本年', apply: '查询',
      keyFigures: '主要指标', byUnit: '各乡镇、部门指标', formulaHint: '点击列名或指标名查看计算公式。',
      townships: '各乡镇', departments: '各职能部门', figure: '指标',
      formula: '计算公式', numerator: '分子', denominator: '分母', basis: '统计口径',
      period: '统计期间 {from} 至 {to}，截至 {now}；共 {n} 件。', unitCol: '单位',
      overdueList: '超期案件', supervisedList: '督办中的案件', more: '加载更多', none: '没有案件。',
      colNo: '编号', colSummary: '摘要', colUnit: '责任单位', colDue: '办理期限', colRisk: '风险', colAction: '操作',
      overdueBy: '已超期 {n} 天', dueIn: '剩 {n} 天', supervise: '督办', supervised: '已督办',
      superviseTitle: '督办', superviseFor: '案件 {no}：{summary}', reason: '督办事由',
      instruction: '督办意见（可不填）', dueDate: '反馈期限', cancel: '取消', confirm: '确认督办',
      dueNote: '不改期限时，承办单位须在 {due} 前书面反馈（自今日起 30 日，遇节假日顺延；《信访条例》第三十六条）。',
      done: '已督办 {no}，反馈期限 {due}。', reasons: ['超期未办结', '临近办理期限', '群众反映强烈', '重复信访', '办理质量不高'],
      noChart: '本期间没有数据。',
    },
    en: {
      dashboardTitle: 'Statistics & supervision', from: 'From', to: 'To', scope: 'Scope', county: 'Whole county',
      quick: 'Quick periods', month: 'This month', quarter: 'This quarter', year: 'This year', apply: 'Show',
      keyFigures: 'Key figures', byUnit: 'Figures by township and department', formulaHint: 'Tap a column or a figure name for its formula.',
      townships: 'Townships', departments: 'Departments', figure: 'Figure',
      formula: 'Formula', numerator: 'Numerator', denominator: 'Denominator', basis: 'Basis',
      period: 'Period {from} to {to}, as of {now}; {n} cases.', unitCol: 'Unit',
      overdueList: 'Overdue cases', supervisedList: 'Supervised cases', more: 'Load more', none: 'No cases.',
      colNo: 'No.', colSummary: 'Summary', colUnit: 'Lead unit', colDue: 'Deadline', colRisk: 'Risk', colAction: 'Action',
      overdueBy: '{n} days overdue', dueIn: '{n} days left', supervise: 'Supervise', supervised: 'Supervised',
      superviseTitle: 'Supervise (督办)', superviseFor: 'Case {no}: {summary}', reason: 'Reason',
      instruction: 'Instruction (optional)', dueDate: 'Answer due', cancel: 'Cancel', confirm: 'Confirm',
      dueNote: 'Unless you change the date, the handling unit must answer in writing by {due} (30 days from today, later if that is a holiday; 信访条例 Art. 36).',
      done: 'Supervised {no}; answer due {due}.', reasons: ['Overdue', 'Deadline near', 'Strong public concern', 'Repeat petition', 'Poor handling'],
      noChart: 'No data in this period.',
    },
  });
  // The reasons go into the ledger in Chinese, whatever the page's language.
  const REASONS_ZH = ['超期未办结', '临近办理期限', '群众反映强烈', '重复信访', '办理质量不高'];
  const CARD_KEYS = ['received_cases', 'persons', 'accepted', 'on_time_acceptance', 'on_time_completion', 'resolution_rate',
    'active_now', 'overdue_now', 'mediation_success', 'satisfaction', 'handling_days_mean', 'supervisions_issued'];
  const TABLE_KEYS = ['received_cases', 'accepted', 'on_time_completion', 'resolution_rate', 'active_now', 'overdue_now', 'mediation_success'];
  const CHART_KEYS = ['received_cases', 'accepted', 'on_time_acceptance', 'on_time_completion', 'resolution_rate', 'active_now',
    'overdue_now', 'handling_days_mean', 'mediation_success', 'satisfaction', 'supervisions_issued'];

  const hr = Object.assign(window.hr, { report: null, lists: { overdue: [], supervised: [] }, supervisions: [] });
  let units = new Map(); // id → unit
  const unitName = (id) => (units.get(id) || {}).name || id || '';
  const figName = (f) => (desk.lang === 'en' ? f.name_en : f.name);
  const todayCST = () => day(new Date());

  function fmt(f) {
    if (!f) return '—';
    if (f.unit === 'rate') return f.denominator > 0 ? (f.value * 100).toFixed(1) + '%' : '—';
    if (f.unit === 'days') return f.denominator > 0 || f.value ? f.value.toFixed(1) : '—';
    return String(Math.round(f.value));
  }
  const formulaText = (f) => `${t('formula')}: ${f.formula}. ${t('numerator')} ${+f.numerator.toFixed(2)}, ` +
    `${t('denominator')} ${+f.denominator.toFixed(2)}. ${t('basis')}: ${f.basis}.`;
  const find = (fs, key) => (fs || []).find((f) => f.key === key);

  // ---- period ----

  function setPeriod(kind) {
    const now = todayCST();
    const [y, m] = now.split('-').map(Number);
    const first = kind === 'year' ? `${y}-01-01` : kind === 'quarter'
      ? `${y}-${String(Math.floor((m - 1) / 3) * 3 + 1).padStart(2, '0')}-01` : `${y}-${String(m).padStart(2, '0')}-01`;
    $('from').value = first;
    $('to').value = now;
  }

  async function loadStats() {
    const q = new URLSearchParams({ from: $('from').value, to: $('to').value });
    if ($('scope').value) q.set('unit', $('scope').value);
    const rep = (hr.report = await api('GET', '/statistics?' + q));
    $('basis').textContent = t('period', { from: $('from').value, to: $('to').value, now: desk.time(rep.query.now), n: rep.cases });
    cards(rep.figures);
    const ids = Object.keys(rep.by_unit || {});
    const of = (level) => ids.filter((id) => (units.get(id) || {}).level === level)
      .sort((a, b) => unitName(a).localeCompare(unitName(b), 'zh-CN'));
    chart('chart-townships', t('townships'), of('township'), rep);
    chart('chart-departments', t('departments'), of('department'), rep);
    table([...of('township'), ...of('department')], rep);
  }

  function cards(figures) {
    const box = $('cards');
    box.replaceChildren();
    for (const key of CARD_KEYS) {
      const f = find(figures, key);
      if (!f) continue;
      box.append(el('article', { class: 'card', 'data-key': key },
        el('h3', { class: 'name', text: figName(f) }),
        el('p', { class: 'value', text: fmt(f) }),
        el('details', { class: 'formula' }, el('summary', { text: t('formula') }),
          el('p', { text: f.formula }),
          el('p', { text: `${t('numerator')} ${+f.numerator.toFixed(2)} · ${t('denominator')} ${+f.denominator.toFixed(2)}` }),
          el('p', { text: `${t('basis')}: ${f.basis}` }))));
    }
  }

  // chart draws one bar per unit of the chosen figure as inline SVG.
  function chart(id, title, ids, rep, key) {
    const box = $(id);
    key = key || box.dataset.key || 'received_cases';
    box.dataset.key = key;
    const sel = el('select', { id: id + '-fig' });
    for (const k of CHART_KEYS) {
      const f = find(rep.figures, k);
      if (f) sel.append(el('option', { value: k, selected: k === key, text: figName(f) }));
    }
    sel.addEventListener('change', () => chart(id, title, ids, rep, sel.value));
    const head = el('div', { class: 'chart-head' }, el('h2', { id: id + '-title', text: title }),
      el('label', { for: id + '-fig' }, t('figure'), sel));
    const sample = find(rep.figures, key);
    const rows = ids.map((u) => ({ u, f: find(rep.by_unit[u], key) }));
    const vals = rows.map((r) => (r.f ? (r.f.unit === 'rate' && !(r.f.denominator > 0) ? 0 : r.f.value) : 0));
    const max = Math.max(...vals, sample && sample.unit === 'rate' ? 1 : 0, 1e-9);
    const W = 640, L = 190, R = 80, H = 24, top = 6;
    const svg = el('svg', { viewBox: `0 0 ${W} ${top + rows.length * H + 6}`, role: 'img',
      'aria-labelledby': id + '-title', class: 'bars' });
    rows.forEach((r, i) => {
      const y = top + i * H;
      const name = unitName(r.u);
      const w = Math.max(0, (vals[i] / max) * (W - L - R));
      const g = el('g', {}, el('title', { text: `${name}: ${fmt(r.f)}` }),
        el('text', { x: L - 8, y: y + 16, 'text-anchor': 'end', text: name.length > 12 ? name.slice(0, 11) + '…' : name }),
        el('rect', { x: L, y: y + 3, width: w.toFixed(1), height: H - 8, rx: 2,
          class: 'bar-rect' + (key === 'overdue_now' && vals[i] > 0.3 ? ' hi' : '') }),
        el('text', { x: L + w + 6, y: y + 16, text: fmt(r.f) }));
      svg.append(g);
    });
    svg.append(el('line', { x1: L, x2: L, y1: 0, y2: top + rows.length * H, class: 'axis' }));
    const note = sample ? el('details', { class: 'formula' }, el('summary', { text: t('formula') }), el('p', { text: formulaText(sample) })) : null;
    box.replaceChildren(head, rows.length ? svg : el('p', { class: 'muted', text: t('noChart') }), note);
  }

  function table(ids, rep) {
    const tb = $('figtable');
    const note = el('caption', { class: 'muted', id: 'fx-note', 'aria-live': 'polite' });
    const head = el('tr', {}, el('th', { scope: 'col', text: t('unitCol') }),
      TABLE_KEYS.map((k) => {
        const f = find(rep.figures, k);
        if (!f) return null;
        return el('th', { scope: 'col', class: 'n' }, el('button', { type: 'button', class: 'fx', title: f.formula,
          onclick: () => { note.textContent = `${figName(f)} — ${formulaText(f)}`; } }, figName(f)));
      }));
    const body = ids.map((u) => el('tr', { 'data-unit': u }, el('th', { scope: 'row', text: unitName(u) }),
      TABLE_KEYS.map((k) => (find(rep.figures, k) ? el('td', { class: 'n', text: fmt(find(rep.by_unit[u], k)) }) : null))));
    const total = el('tr', {}, el('th', { scope: 'row', text: t('county') }),
      TABLE_KEYS.map((k) => (find(rep.figures, k) ? el('td', { class: 'n', text: fmt(find(rep.figures, k)) }) : null)));
    tb.replaceChildren(note, el('thead', {}, head), el('tbody', {}, body, total));
  }

  // ---- worklists ----

  const cursors = {};
  async function loadList(view, more) {
    const q = new URLSearchParams({ view, limit: '15' });
    if (more && cursors[view]) q.set('after', cursors[view]);
    const r = await api('GET', '/cases?' + q);
    let cases = r.cases || [];
    cursors[view] = r.next || '';
    if (view === 'supervised') {
      // The view sorts the supervised cases first, then every other
      // active case: the list ends at the first one not supervised.
      const end = cases.findIndex((c) => !c.supervised);
      if (end >= 0) { cases = cases.slice(0, end); cursors[view] = ''; }
    }
    hr.lists[view] = more ? hr.lists[view].concat(cases) : cases;
    $(view + '-more').hidden = !cursors[view];
    renderList(view);
  }

  function dueCell(c) {
    if (!c.due) return el('td', { text: '—' });
    const d = day(c.due.adjusted);
    const days = Math.round((Date.parse(todayCST()) - Date.parse(d)) / 864e5);
    const rel = days > 0 ? t('overdueBy', { n: days }) : t('dueIn', { n: -days });
    return el('td', { class: 'due' }, el('span', { class: 'no', text: d }), el('br'),
      el('span', { class: days > 0 ? 'badge overdue' : 'muted', text: rel }));
  }

  function renderList(view) {
    const tb = $(view);
    const cases = hr.lists[view];
    const head = el('tr', {}, ['colNo', 'colSummary', 'colUnit', 'colDue', 'colAction'].map((k) =>
      el('th', { scope: 'col', class: k === 'colUnit' ? 'hide-narrow' : null, text: t(k) })));
    const rows = cases.map((c) => el('tr', { 'data-case': c.id },
      el('td', {}, el('a', { class: 'no', href: `/case?id=${encodeURIComponent(c.id)}${desk.lang === 'en' ? '&lang=en' : ''}`, text: c.case_no }),
        ' ', el('span', { class: 'badge ' + c.risk_level, text: t('risk.' + c.risk_level) })),
      el('td', { text: c.summary_public || '' }),
      el('td', { class: 'hide-narrow', text: unitName(c.lead_unit) }),
      dueCell(c),
      el('td', {}, c.supervised || hr.supervisions.includes(c.id)
        ? el('span', { class: 'done', text: '✓ ' + t('supervised') })
        : el('button', { type: 'button', class: 'sup', 'data-case': c.id, 'aria-label': `${t('supervise')} ${c.case_no}`,
          onclick: () => openSheet(c, view) }, t('supervise')))));
    tb.replaceChildren(el('thead', {}, head), el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 5, text: t('none') }))));
  }

  // ---- the 督办 sheet ----

  let sheetCase = null;
  let sheetDefaultDue = '';
  function openSheet(c, view) {
    sheetCase = c;
    $('sheet-case').textContent = t('superviseFor', { no: c.case_no, summary: c.summary_public || '' });
    const reasons = $('reasons');
    reasons.replaceChildren();
    const pick = view === 'overdue' || c.overdue ? 0 : 1;
    S().reasons.forEach((label, i) => {
      const id = 'reason-' + i;
      reasons.append(el('label', { for: id }, el('input', { type: 'radio', name: 'reason', id, value: REASONS_ZH[i], checked: i === pick }), label));
    });
    $('instruction').value = '';
    $('sheet-error').hidden = true;
    const today = Date.parse(todayCST());
    const due = new Date(today + 30 * 864e5);
    $('sheet-due').textContent = t('dueNote', { due: day(due) });
    // The answer's due date: the law's 30 days unless the supervisor sets
    // another, from tomorrow to 90 days ahead.
    sheetDefaultDue = day(due);
    Object.assign($('sheet-due-date'), { value: sheetDefaultDue, min: day(new Date(today + 864e5)), max: day(new Date(today + 90 * 864e5)) });
    $('sheet-confirm').disabled = false;
    $('sheet').showModal();
    $('sheet-confirm').focus();
  }
  const S = () => desk.S[desk.lang];

  $('sheet-cancel').addEventListener('click', () => $('sheet').close());
  $('sheet-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const c = sheetCase;
    const reason = (document.querySelector('#reasons input:checked') || {}).value || REASONS_ZH[0];
    $('sheet-confirm').disabled = true;
    try {
      const body = { reason };
      if ($('instruction').value.trim()) body.instruction = $('instruction').value.trim();
      const chosen = $('sheet-due-date').value;
      if (chosen && chosen !== sheetDefaultDue) body.due = chosen;
      const r = await api('POST', `/cases/${encodeURIComponent(c.id)}/supervisions`, body);
      hr.supervisions.push(c.id);
      $('sheet').close();
      const sups = (r && r.supervisions) || [];
      const due = sups.length ? day(sups[sups.length - 1].due.adjusted || sups[sups.length - 1].due.nominal) : $('sheet-due').textContent;
      toast(t('done', { no: c.case_no, due }));
      renderList('overdue');
      await loadList('supervised');
    } catch (err) {
      $('sheet-error').textContent = desk.explain(err);
      $('sheet-error').hidden = false;
      $('sheet-confirm').disabled = false;
      hr.errors.push(String(err.message));
    }
  });

  let toastTimer = 0;
  function toast(text) {
    $('toast').textContent = text;
    $('toast').hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { $('toast').hidden = true; }, 6000);
  }

  // ---- start ----

  async function load() {
    try {
      await Promise.all([loadStats(), loadList('overdue'), loadList('supervised')]);
      desk.showError('');
      hr.state = 'ready';
    } catch (err) {
      desk.showError(desk.explain(err));
      hr.state = 'error';
      hr.errors.push(String(err.message));
      if (err.status === 0) addEventListener('desk-online', load, { once: true });
    }
  }

  desk.start(async () => {
    const u = await api('GET', '/units');
    units = new Map(u.units.map((x) => [x.id, x]));
    const scope = $('scope');
    scope.append(el('option', { value: '', text: t('county') }));
    for (const x of u.units.filter((x) => x.level === 'township' || x.level === 'department')) {
      scope.append(el('option', { value: x.id, text: x.name }));
    }
    setPeriod('year');
    for (const b of document.querySelectorAll('[data-quick]')) {
      b.addEventListener('click', () => { setPeriod(b.dataset.quick); loadStats().catch((e) => desk.showError(desk.explain(e))); });
    }
    $('period').addEventListener('submit', (e) => { e.preventDefault(); loadStats().catch((err) => desk.showError(desk.explain(err))); });
    $('overdue-more').addEventListener('click', () => loadList('overdue', true));
    $('supervised-more').addEventListener('click', () => loadList('supervised', true));
    await load();
  });
})();
