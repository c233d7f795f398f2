// desk-agreement.js: the agreement tab of the desk's case panel (起草调解协议),
// loaded before desk.js, which calls window.deskAgreement once with what it
// shares and then render() whenever the case is read (every few seconds).
//
// For a mediation in mediation, the assigned mediator drafts the written
// agreement (调解协议) in a form filled in from the case (the parties, the
// request as the issues, the facts, the mediator) with the terms editable:
// the agreed obligations, an amount, the performance deadline and the way
// of performance; it is sent as POST /cases/{id}/agreement (the
// reach_agreement transition, the server writing the terms out). Then the
// tab shows the agreement and, from the polled case, which party has
// confirmed it on his own screen (/agreement, with the case number and the
// query code of his receipt), and once all have, the mediator signs and
// seals it (countersign, make_effective).
'use strict';
window.deskAgreement = ({ lang, hr, api, APIError, el, showError, failure, loadCase }) => {
  const STRINGS = {
    zh: {
      tab: '调解协议', draftTitle: '起草调解协议', mediator: '调解员：{name}', parties: '签署协议的当事人',
      facts: '纠纷事实', issues: '争议事项', obligations: '协议内容（各方的义务）',
      obligationsHint: '写明谁在何时做什么，例如：李四赔偿张三院墙修缮费用。',
      amount: '涉及金额（元，可不填）', deadline: '履行期限（可不填）', manner: '履行方式',
      mannerHint: '例如：当面交付，村委会见证；银行转账', submit: '提交协议，请当事人确认',
      notYet: '调解开始后，可在这里起草调解协议。', notMediation: '只有调解案件有调解协议。',
      onlyMediator: '只有本案的调解员可以起草协议。',
      agreementTitle: '调解协议', terms: '协议内容', status: '当事人确认情况',
      confirmed: '✓ {name}已确认（{at}）', waiting: '{name}尚未确认',
      howTo: '请每位当事人在自己的屏幕（村委会接访终端或手机）上打开“{url}”，输入回执上的事项编号 {no} 和查询码 {code}，再点自己名字旁的“我确认”。本页会自动刷新确认情况。',
      allConfirmed: '各方当事人都已确认。请您签字盖章，协议即生效。', seal: '调解员签字盖章，协议生效',
      effective: '协议已于 {at} 生效。',
      sides: { petitioner: '申请人', respondent: '被申请人', third_party: '第三人' },
      pickTwo: '请至少选择两位当事人。',
    },
    en: {
      tab: 'Agreement', draftTitle: 'Draft the mediation agreement', mediator: 'Mediator: {name}', parties: 'Parties who sign',
      facts: 'Facts', issues: 'Issues in dispute', obligations: 'Terms (what each party will do)',
      obligationsHint: 'Who does what, by when; e.g. Li Si pays Zhang San for repairing the wall.',
      amount: 'Amount (yuan, optional)', deadline: 'Performance deadline (optional)', manner: 'How it is carried out',
      mannerHint: 'e.g. paid in person before the village committee; bank transfer', submit: 'Submit for the parties to confirm',
      notYet: 'Once mediation has started, draft the agreement here.', notMediation: 'Only a mediation has an agreement.',
      onlyMediator: 'Only a mediator of this case drafts its agreement.',
      agreementTitle: 'Mediation agreement', terms: 'Terms', status: 'Who has confirmed',
      confirmed: '✓ {name} confirmed ({at})', waiting: '{name} has not confirmed yet',
      howTo: 'Each party opens "{url}" on their own screen (the village terminal or a phone), enters the case number {no} and the query code {code} of the receipt, and taps "I confirm" beside their own name. This page shows each confirmation as it comes.',
      allConfirmed: 'All parties have confirmed. Sign and seal, and the agreement takes effect.', seal: 'Sign and seal: the agreement takes effect',
      effective: 'The agreement took effect on {at}.',
      sides: { petitioner: 'applicant', respondent: 'respondent', third_party: 'third party' },
      pickTwo: 'Choose at least two parties.',
    },
  };
  const S = STRINGS[lang];
  const t = (key, vars = {}) => String(S[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  const $ = (id) => document.getElementById(id);
  const TZ = 'Asia/Shanghai';
  const when = (iso) => new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN',
    { timeZone: TZ, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const today = () => new Date().toLocaleDateString('sv-SE', { timeZone: TZ });
  const field = (id, label, input) => el('div', { class: 'field' }, el('label', { for: id, text: label }), input);

  $('tab-agreement').textContent = t('tab');
  let formKey = null; // the case version the draft form was built for
  hr.agreement = null; // {parties: [{id, name, confirmed}], all, state} as the tab shows it

  // render shows the tab for a mediation, and in it the draft form, or the
  // agreement with its confirmations.
  function render() {
    const c = hr.case;
    const show = !!c && c.kind === 'mediation' && !hr.department;
    $('tab-agreement').hidden = !show;
    if (!show) {
      if (hr.tab === 'agreement' && c) $('tab-minutes').click();
      hr.agreement = null;
      formKey = null;
      $('agreement-panel').replaceChildren(el('p', { class: 'muted', text: c ? t('notMediation') : '' }));
      return;
    }
    const ag = c.mediation && c.mediation.agreement;
    const can = (name) => (hr.transitions || []).some((x) => x.name === name);
    if (!ag) {
      hr.agreement = null;
      const key = c.id + '@' + c.version + ':' + can('reach_agreement');
      if (key === formKey) return; // never wipe what the mediator is typing
      formKey = key;
      if (c.state !== 'in_mediation') { $('agreement-panel').replaceChildren(el('p', { class: 'muted', text: t('notYet') })); return; }
      if (!can('reach_agreement')) { $('agreement-panel').replaceChildren(el('p', { class: 'muted', text: t('onlyMediator') })); return; }
      $('agreement-panel').replaceChildren(draftForm(c));
      return;
    }
    formKey = null;
    $('agreement-panel').replaceChildren(...status(c, ag, can));
  }

  function draftForm(c) {
    const f = el('form', { id: 'agreement-draft', class: 'stack agreement-draft' });
    f.append(el('h3', { text: t('draftTitle') }));
    f.append(el('p', { class: 'note', id: 'ag-mediator', text: t('mediator', { name: (hr.me && hr.me.name) || '' }) }));
    const parties = el('fieldset', {}, el('legend', { text: t('parties') }));
    for (const p of c.parties || []) {
      const box = el('input', { type: 'checkbox', name: 'party', value: p.id, id: 'ag-party-' + p.id });
      box.checked = true;
      parties.append(el('label', { class: 'choice', for: box.id }, box, ' ' + p.name + '（' + (S.sides[p.side] || p.side) + '）'));
    }
    f.append(parties);
    const area = (id, rows, value, required) => {
      const x = el('textarea', { id, rows, maxLength: 8000 });
      x.value = value || '';
      x.required = !!required;
      return x;
    };
    f.append(field('ag-facts', t('facts'), area('ag-facts', 3, c.facts, true)));
    f.append(field('ag-issues', t('issues'), area('ag-issues', 2, c.request, true)));
    const ob = area('ag-obligations', 4, '', true);
    ob.placeholder = t('obligationsHint');
    f.append(field('ag-obligations', t('obligations'), ob));
    const amount = el('input', { id: 'ag-amount', inputMode: 'decimal', autocomplete: 'off', pattern: '[0-9]{1,12}(\\.[0-9]{1,2})?', maxLength: 15 });
    const due = el('input', { id: 'ag-deadline', type: 'date', min: today() });
    f.append(el('div', { class: 'row' }, field('ag-amount', t('amount'), amount), field('ag-deadline', t('deadline'), due)));
    const manner = el('input', { id: 'ag-manner', maxLength: 8000, autocomplete: 'off', required: true });
    manner.placeholder = t('mannerHint');
    f.append(field('ag-manner', t('manner'), manner));
    f.append(el('button', { type: 'submit', id: 'ag-submit', text: t('submit') }));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showError('');
      const chosen = [...f.querySelectorAll('input[name=party]:checked')].map((x) => x.value);
      if (chosen.length < 2) { showError(t('pickTwo')); return; }
      const body = {
        parties: chosen, facts: $('ag-facts').value.trim(), issues: $('ag-issues').value.trim(),
        obligations: ob.value.trim(), performance_manner: manner.value.trim(), version: c.version,
      };
      if (amount.value.trim()) body.amount = amount.value.trim();
      if (due.value) body.performance_deadline = due.value;
      try {
        await api('POST', '/cases/' + encodeURIComponent(c.id) + '/agreement', body);
        await loadCase();
      } catch (e) {
        showError(failure(e));
        if (e instanceof APIError && e.status === 409) loadCase();
      }
    });
    return f;
  }

  // status shows the agreement, each party's confirmation, how a party
  // confirms, and the mediator's seal once every party has confirmed.
  function status(c, ag, can) {
    const names = new Map((c.parties || []).map((p) => [p.id, p.name]));
    const signed = new Map((ag.signatures || []).filter((s) => s.party_id).map((s) => [s.party_id, s.at]));
    const parties = (ag.parties || []).map((id) => ({ id, name: names.get(id) || id, confirmed: signed.has(id), at: signed.get(id) }));
    const all = parties.length > 0 && parties.every((p) => p.confirmed);
    hr.agreement = { parties, all, state: c.state };
    const out = [
      el('h3', { text: t('agreementTitle') }),
      el('dl', { class: 'agreement-text' },
        el('dt', { text: t('facts') }), el('dd', { text: ag.facts }),
        el('dt', { text: t('issues') }), el('dd', { text: ag.issues }),
        el('dt', { text: t('terms') }), el('dd', { id: 'ag-terms', text: ag.terms }),
        el('dt', { text: t('manner') }), el('dd', { text: ag.performance_manner })),
      el('h3', { text: t('status') }),
      el('ul', { id: 'ag-status', class: 'agreement-status' }, ...parties.map((p) => el('li',
        { class: p.confirmed ? 'reported' : '', 'data-party': p.id },
        el('span', { class: p.confirmed ? 'ok' : 'muted', text: p.confirmed ? t('confirmed', { name: p.name, at: when(p.at) }) : t('waiting', { name: p.name }) })))),
    ];
    if (ag.effective_at) {
      out.push(el('p', { id: 'ag-effective', class: 'ok', text: t('effective', { at: when(ag.effective_at) }) }));
      return out;
    }
    if (c.state !== 'agreement_reached') return out;
    if (!all) {
      out.push(el('p', { id: 'ag-howto', class: 'note howto', text: t('howTo', { url: location.origin + '/agreement', no: c.case_no, code: c.query_code || '' }) }));
      return out;
    }
    out.push(el('p', { class: 'ok', text: t('allConfirmed') }));
    if (can('make_effective') || can('countersign')) {
      const b = el('button', { type: 'button', id: 'ag-seal', text: t('seal') });
      b.addEventListener('click', () => seal(c, ag, b));
      out.push(b);
    }
    return out;
  }

  // seal signs the agreement as the mediator (unless he has) and makes it
  // effective: two transitions, each on the case as it then stands.
  async function seal(c, ag, b) {
    showError('');
    b.disabled = true;
    const step = async (name, input, version) =>
      api('POST', '/cases/' + encodeURIComponent(c.id) + '/transitions', { name, input, version });
    try {
      let version = c.version;
      if (!(ag.signatures || []).some((s) => s.mediator_id)) {
        version = (await step('countersign', { sign_manner: 'electronic' }, version)).version;
      }
      await step('make_effective', {}, version);
      await loadCase();
    } catch (e) {
      b.disabled = false;
      showError(failure(e));
      if (e instanceof APIError && e.status === 409) loadCase();
    }
  }

  return { render };
};
