// The petitioner's receipt: the case's public progress for its number and
// query code. Simplified Chinese by default, English with ?lang=en.
(() => {
  'use strict';
  const en = new URLSearchParams(location.search).get('lang') === 'en';
  const T = en ? {
    title: 'Track your petition', intro: 'Enter the case number and query code you were given.',
    caseNo: 'Case number', code: 'Query code', submit: 'Look up', progress: 'Progress',
    notFound: 'No case has that number and query code.', tooMany: 'Too many tries. Please wait and try again.',
    failed: 'The lookup failed. Please try again.', state: 'State', kind: 'Kind', category: 'Category',
    received: 'Received', accepted: 'Accepted', replied: 'Replied', closed: 'Closed', summary: 'Summary',
    outcome: 'Reply', due: 'Due',
  } : {
    title: '信访事项办理进度查询', intro: '请输入受理时告知您的事项编号和查询码。',
    caseNo: '事项编号', code: '查询码', submit: '查询', progress: '办理进度',
    notFound: '没有找到该编号和查询码对应的事项，请核对后再试。', tooMany: '尝试次数过多，请稍后再试。',
    failed: '查询失败，请稍后再试。', state: '当前状态', kind: '类型', category: '类别',
    received: '收到日期', accepted: '受理日期', replied: '答复日期', closed: '办结日期', summary: '事项摘要',
    outcome: '处理意见', due: '办理期限',
  };
  if (en) document.documentElement.lang = 'en';
  document.title = T.title;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = T[el.dataset.t];

  const day = (s) => (s ? new Date(s).toLocaleDateString(en ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai' }) : '');
  const $ = (id) => document.getElementById(id);

  $('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('error').hidden = true;
    $('result').hidden = true;
    let resp;
    try {
      resp = await fetch('/api/v1/lookup', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ case_no: $('case_no').value, query_code: $('query_code').value }),
      });
    } catch { return fail(T.failed); }
    if (resp.status === 404) return fail(T.notFound);
    if (resp.status === 429) return fail(T.tooMany);
    if (!resp.ok) return fail(T.failed);
    const { receipt: r } = await resp.json();
    const rows = [
      [T.caseNo, r.case_no], [T.kind, r.kind], [T.category, r.category], [T.state, r.state],
      [T.received, day(r.received_at)], [T.accepted, day(r.accepted_at)], [T.replied, day(r.replied_at)],
      [T.outcome, r.reply_outcome], [T.closed, day(r.closed_at)], [T.summary, r.summary],
    ];
    for (const [step, due] of Object.entries(r.due || {})) rows.push([`${T.due} (${step})`, day(due)]);
    const dl = $('fields');
    dl.replaceChildren();
    for (const [k, v] of rows) {
      if (!v) continue;
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v;
      dl.append(dt, dd);
    }
    $('result').hidden = false;
  });

  function fail(msg) { $('error').textContent = msg; $('error').hidden = false; }
})();
