// agreement.js: a party of a mediation reads the agreement and confirms it
// on his own screen (the village terminal or his phone), served at
// /agreement. He has no account: the case number and query code of his
// receipt open it (/agreement#case=…&code=… fills them in), and his
// confirmation is his electronic signature in the ledger
// (POST /api/v1/agreement/confirm). Options: lang=en. Tests read window.hr.
'use strict';
(() => {
  const query = new URLSearchParams(location.search);
  const frag = new URLSearchParams(location.hash.slice(1));
  const lang = (frag.get('lang') ?? query.get('lang')) === 'en' ? 'en' : 'zh';
  const STRINGS = {
    zh: {
      title: '确认调解协议', findTitle: '请输入回执上的事项编号和查询码', caseNo: '事项编号', code: '查询码',
      open: '查看协议', agTitle: '调解协议（事项编号 {no}）', facts: '纠纷事实', issues: '争议事项',
      terms: '协议内容', manner: '履行方式',
      help: '请每位当事人在自己的屏幕上，点自己名字旁的按钮确认。确认即为您的电子签名。',
      confirm: '我是{name}，我确认', confirmed: '✓ {name} 已确认（{at}）', waiting: '{name} 尚未确认',
      closed: '本协议已不能再确认。', notFound: '事项编号或查询码不对，请核对回执。',
      tooMany: '输错次数过多，请稍后再试。', required: '请填写事项编号和查询码。', failed: '没有成功，请再试一次。',
      allDone: '各方当事人都已确认，调解员将签字并盖章，协议随即生效。',
    },
    en: {
      title: 'Confirm the mediation agreement', findTitle: 'Enter the case number and query code of your receipt',
      caseNo: 'Case number', code: 'Query code', open: 'Open the agreement', agTitle: 'Mediation agreement (case {no})',
      facts: 'Facts', issues: 'Issues', terms: 'Terms', manner: 'How it is carried out',
      help: 'Each party confirms on their own screen, with the button beside their own name. Confirming is your electronic signature.',
      confirm: 'I am {name}, I confirm', confirmed: '✓ {name} confirmed ({at})', waiting: '{name} has not confirmed yet',
      closed: 'This agreement no longer takes confirmations.', notFound: 'The case number or query code is wrong; check your receipt.',
      tooMany: 'Too many wrong tries; try again later.', required: 'Enter the case number and the query code.',
      failed: 'That did not work; try again.',
      allDone: 'All parties confirmed. The mediator signs and seals, and the agreement takes effect.',
    },
  };
  const S = STRINGS[lang];
  const t = (k, vars = {}) => S[k].replace(/\{(\w+)\}/g, (_, v) => vars[v] ?? '');
  const $ = (id) => document.getElementById(id);
  const hr = (window.hr = { agreement: null, errors: [] });

  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  $('lang').textContent = lang === 'en' ? '中文' : 'English';
  $('lang').lang = lang === 'en' ? 'zh-CN' : 'en';
  $('lang').href = lang === 'en' ? location.pathname : '?lang=en';

  function message(text, error = false) {
    $('status').textContent = text;
    $('status').hidden = !text;
    $('status').classList.toggle('error', error);
  }
  const when = (iso) => new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN',
    { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });

  async function call(path, body) {
    let r;
    try {
      r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    } catch {
      return { status: 0 };
    }
    let data = {};
    try { data = await r.json(); } catch { /* no body */ }
    return { status: r.status, data };
  }

  function explain(status) {
    if (status === 404) return t('notFound');
    if (status === 429) return t('tooMany');
    if (status === 409) return t('closed');
    return t('failed');
  }

  function render(ag) {
    hr.agreement = ag;
    $('find').hidden = true;
    $('agreement').hidden = false;
    $('ag-title').textContent = t('agTitle', { no: ag.case_no });
    $('facts').textContent = ag.facts;
    $('issues').textContent = ag.issues;
    $('terms').textContent = ag.terms;
    $('manner').textContent = ag.performance_manner;
    const list = $('parties');
    list.replaceChildren();
    for (const p of ag.parties) {
      const li = document.createElement('li');
      if (p.confirmed) {
        const done = document.createElement('span');
        done.className = 'done';
        done.textContent = t('confirmed', { name: p.name, at: when(p.confirmed_at) });
        li.append(done);
      } else if (ag.open) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'btn confirm';
        b.dataset.party = p.id;
        b.textContent = t('confirm', { name: p.name });
        b.addEventListener('click', () => confirmAs(p.id, b));
        li.append(b);
      } else {
        li.textContent = t('waiting', { name: p.name });
      }
      list.append(li);
    }
    const all = ag.parties.every((p) => p.confirmed);
    message(all ? t('allDone') : ag.open ? '' : t('closed'));
  }

  let creds = null;
  async function confirmAs(party, button) {
    button.disabled = true;
    const r = await call('/api/v1/agreement/confirm', { ...creds, party });
    if (r.status === 200) return render(r.data.agreement);
    button.disabled = false;
    hr.errors.push(r.status);
    message(explain(r.status), true);
  }

  async function open(caseNo, code) {
    if (!caseNo || !code) return message(t('required'), true);
    creds = { case_no: caseNo, query_code: code };
    const r = await call('/api/v1/agreement', creds);
    if (r.status === 200) return render(r.data.agreement);
    hr.errors.push(r.status);
    message(explain(r.status), true);
  }

  $('find').addEventListener('submit', (e) => {
    e.preventDefault();
    open($('case-no').value.trim(), $('code').value.trim().toUpperCase());
  });
  $('case-no').value = frag.get('case') ?? '';
  $('code').value = frag.get('code') ?? '';
  if ($('case-no').value && $('code').value) open($('case-no').value, $('code').value);
})();
