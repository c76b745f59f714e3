'use strict';
// The live page. Every text that comes from Redis or an LLM goes into the DOM through textContent, never as HTML.

const MAX_POINTS = 2000;
const targets = new Map(); // name -> {el, data: {ts, p95, threshold, decision, rps, desired, ready, hpa, kpa}, plans, charts}
let config = { controls: false, controls_reason: '', history_windows: 600 };
// results the page keeps and loads on open: 25 minutes of one target's 3 s windows, a few rows once the noops are folded
const KEPT_ACTIONS = 500;
const actions = []; // executor results, oldest first
let everyAction = false; // the operator asked for every result, noops unfolded
let actionsDue = false; // the actions table is to be drawn again shortly

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.appendChild(el('td', c));
  return tr;
}

function time(ts) {
  return ts ? new Date(ts * 1000).toLocaleTimeString() : '';
}

function fmt(v, digits = 1) {
  return v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits);
}

async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(url + ': ' + r.status);
  return r.json();
}

function emptySeries() {
  return { ts: [], p95: [], threshold: [], decision: [], rps: [], desired: [], ready: [], hpa: [], kpa: [] };
}

function addWindow(t, ev) {
  const w = ev.window;
  if (!w) return;
  const plan = ev.plan;
  const d = t.data;
  const tel = plan && plan.telemetry ? plan.telemetry : {};
  const action = plan && plan.decision ? plan.decision.action : null;
  d.ts.push(w.ts);
  d.p95.push(w.p95_ms);
  d.threshold.push(tel.threshold_ms ?? null);
  d.decision.push(action && action !== 'noop' ? w.p95_ms : null);
  d.rps.push(w.rps);
  d.desired.push(plan && plan.decision ? plan.decision.target_replicas : null);
  d.ready.push(w.replicas);
  // what HPA and KPA would hold on the same windows (the planner's shadows; they never act)
  d.hpa.push(tel.shadow && tel.shadow.hpa ? tel.shadow.hpa.replicas : null);
  d.kpa.push(tel.shadow && tel.shadow.kpa ? tel.shadow.kpa.replicas : null);
  t.plans.push(plan);
  if (d.ts.length > MAX_POINTS) {
    for (const k of Object.keys(d)) d[k].shift();
    t.plans.shift();
  }
  t.el.dataset.points = String(d.ts.length); // what a test or a curious operator can read off the page
  if (plan) showPlan(t, plan, w);
}

function showPlan(t, plan, w) {
  const dec = plan.decision;
  const card = t.el;
  card.querySelector('.summary').textContent =
    `mode ${dec.mode ?? '–'} · p95 ${fmt(w.p95_ms)} ms · ${fmt(w.rps)} rps · desired ${dec.target_replicas} · ready ${w.replicas}`;
  if (dec.action !== 'noop') {
    const list = card.querySelector('.decisions');
    const li = el('li', `${time(plan.ts)} ${dec.reason}`);
    li.appendChild(el('span', ` (${dec.source}, confidence ${fmt(dec.confidence, 2)})`, 'muted'));
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 50) list.removeChild(list.lastChild);
  }
  if (plan.advice) showAdvice(card, plan.advice, dec);
  if (plan.telemetry && plan.telemetry.shadow) showShadow(card, plan.telemetry.shadow, plan.ts);
}

function showShadow(card, s, now) {
  const body = card.querySelector('.shadow tbody');
  body.replaceChildren(...[['ours', s.ours], ['HPA', s.hpa], ['KPA', s.kpa]].filter(([, p]) => p)
    .map(([name, p]) => row([name, p.replicas, fmt(p.replica_s, 0), fmt(p.est_violation_s, 0)])));
  const since = s.since_ts ? Math.max(0, now - s.since_ts) : null;
  card.querySelector('.shadow-basis').textContent =
    (since !== null ? `over the last ${fmt(since / 60, 1)} min; ` : '') + 'shadows never act; ' + (s.basis ?? '');
}

function showAdvice(card, a, dec) {
  const p = card.querySelector('.advice');
  p.className = 'advice';
  p.textContent = `${a.provider} ${a.model} (${a.role}): ${a.action} → ${a.target_replicas} at ${fmt(a.confidence, 2)}, ` +
    `${a.status}${a.rejection ? ' (' + a.rejection + ')' : ''}: ${a.reasoning ?? ''} · policy: ${dec.action} → ${dec.target_replicas}`;
  if (a.agreement_rate !== undefined && a.agreement_rate !== null) {
    card.querySelector('.agreement').textContent = `agrees with the policy ${fmt(a.agreement_rate * 100, 0)} %`;
  }
}

function makeCharts(t) {
  const card = t.el;
  const width = () => Math.max(280, card.querySelector('.charts').clientWidth / (window.innerWidth < 700 ? 1 : 2) - 10);
  const tooltip = (u) => {
    const i = u.cursor.idx;
    const detail = card.querySelector('.detail');
    if (i === null || i === undefined) return;
    const plan = t.plans[i];
    if (!plan || !plan.decision) { detail.textContent = `${time(t.data.ts[i])}: p95 ${fmt(t.data.p95[i])} ms, no plan`; return; }
    const d = plan.decision;
    const tel = plan.telemetry || {};
    detail.textContent = `${time(plan.ts)} ${d.action} → ${d.target_replicas} (${d.source}, confidence ${fmt(d.confidence, 2)}): ` +
      `${d.reason} · load ${fmt(tel.load_rps)} rps from ${tel.load_source ?? '–'}, ${fmt(tel.per_replica_rps)} rps per replica (${tel.rate_basis ?? '–'})`;
  };
  const latency = new uPlot({
    width: width(), height: 220, title: 'p95 latency (ms)',
    cursor: { drag: { x: false, y: false } },
    hooks: { setCursor: [tooltip] },
    series: [{}, { label: 'p95', stroke: '#2563eb' }, { label: 'threshold', stroke: '#b42318', dash: [6, 4] },
      { label: 'decision', stroke: '#7a2e0e', paths: () => null, points: { show: true, size: 9, fill: '#f79009' } }],
  }, [t.data.ts, t.data.p95, t.data.threshold, t.data.decision], card.querySelector('.chart.latency'));
  const load = new uPlot({
    width: width(), height: 220, title: 'load and replicas',
    cursor: { drag: { x: false, y: false } },
    hooks: { setCursor: [tooltip] },
    scales: { n: { range: (u, lo, hi) => [0, Math.max(2, hi + 1)] } },
    axes: [{}, { label: 'rps' }, { side: 1, scale: 'n', label: 'replicas', grid: { show: false } }],
    series: [{}, { label: 'rps', stroke: '#0e9384' }, { label: 'desired', stroke: '#6941c6', scale: 'n', width: 2 },
      { label: 'ready', stroke: '#98a2b3', scale: 'n', dash: [4, 3] },
      { label: 'HPA (shadow)', stroke: '#dc6803', scale: 'n', dash: [2, 3] },
      { label: 'KPA (shadow)', stroke: '#0086c9', scale: 'n', dash: [2, 3] }],
  }, [t.data.ts, t.data.rps, t.data.desired, t.data.ready, t.data.hpa, t.data.kpa], card.querySelector('.chart.load'));
  t.charts = [latency, load];
  window.addEventListener('resize', () => t.charts.forEach((c) => c.setSize({ width: width(), height: 220 })));
}

function redraw(t) {
  if (!t.charts.length) return; // still loading its history: the charts take the data when they are made
  const d = t.data;
  t.charts[0].setData([d.ts, d.p95, d.threshold, d.decision]);
  t.charts[1].setData([d.ts, d.rps, d.desired, d.ready, d.hpa, d.kpa]);
}

function showReplicas(t, replicas) {
  const body = t.el.querySelector('.replicas tbody');
  body.replaceChildren(...(replicas || []).map((r) => row([r.id, r.address, r.state])));
}

function showUpstreams(t, u) {
  if (!u) return;
  t.el.querySelector('.upstreams').textContent = `nginx upstream: ${(u.servers || []).join(', ') || '(none)'}` +
    (u.reloaded === false ? ' (not reloaded)' : '');
}

function setupControls(t) {
  const form = t.el.querySelector('.controls');
  const reason = form.querySelector('.controls-reason');
  if (!config.controls) {
    for (const c of form.elements) c.disabled = true;
    reason.textContent = config.controls_reason;
    return;
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const name of ['mode', 'llm']) if (form.elements[name].value) body[name] = form.elements[name].value;
    for (const name of ['min', 'max', 'scale']) if (form.elements[name].value !== '') body[name] = Number(form.elements[name].value);
    if (form.elements.slo.value !== '') body.slo = Number(form.elements.slo.value);
    const out = form.querySelector('.control-result');
    try {
      const r = await fetch('/api/targets/' + encodeURIComponent(t.name), {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Admin-Token': form.elements.token.value },
        body: JSON.stringify(body),
      });
      const answer = await r.json();
      out.className = r.ok ? 'control-result' : 'control-result error';
      out.textContent = r.ok ? 'applied: ' + JSON.stringify(answer.settings) : 'refused: ' + answer.error;
      if (r.ok) showAudit(await getJson('/api/audit?limit=50'));
    } catch (err) {
      out.className = 'control-result error';
      out.textContent = 'failed: ' + err.message;
    }
  });
}

async function addTarget(name) {
  if (targets.has(name)) return targets.get(name);
  const card = document.getElementById('target-card').content.firstElementChild.cloneNode(true);
  card.dataset.target = name;
  card.querySelector('.name').textContent = name;
  document.getElementById('targets').appendChild(card);
  const t = { name, el: card, data: emptySeries(), plans: [], charts: [] };
  targets.set(name, t);
  const detail = await getJson('/api/targets/' + encodeURIComponent(name) + '?limit=' + config.history_windows);
  for (const ev of detail.history) addWindow(t, ev);
  // the planners share the targets out: which one decides this one (as of the page's load)
  if (detail.status.planner) card.querySelector('.name').appendChild(el('span', ` · planner ${detail.status.planner}`, 'muted planner'));
  makeCharts(t);
  showReplicas(t, detail.replicas);
  showUpstreams(t, detail.upstreams);
  setupControls(t);
  return { t, cursor: detail.cursor };
}

function resultText(r) {
  return r.result ? `${r.result.status}${r.result.message ? ': ' + r.result.message : ''}` : '';
}

/** Nothing changed: the executor found the count as desired, or a noop plan was skipped (advise mode) with nothing to do. */
function isNoop(r) {
  const status = r.result ? r.result.status : null;
  return status === 'noop' || (r.action === 'noop' && status === 'skipped');
}

/** What a folded row says of all its noops: noops that say something else start a row of their own. */
function noopSays(r) {
  return `${r.replicas_before} → ${r.replicas_after} · ${resultText(r)}`;
}

/**
 * The results (oldest first) as the table's rows, oldest first: a change is a row {result} of its own, and a target's
 * consecutive noops that say the same are one row {noops}. A row stands where its newest result does, so a run that
 * goes on after another target's change sits above that change in the newest-first table.
 */
function foldActions(results) {
  const rows = [];
  const runs = new Map(); // target -> its run of noops that no change of that target has ended yet
  results.forEach((r, i) => {
    const run = runs.get(r.target);
    if (!isNoop(r)) {
      runs.delete(r.target);
      rows.push({ result: r, newest: i });
    } else if (run && noopSays(run.noops[0]) === noopSays(r)) {
      run.noops.push(r);
      run.newest = i;
    } else {
      const fresh = { noops: [r], newest: i };
      runs.set(r.target, fresh);
      rows.push(fresh);
    }
  });
  return rows.sort((a, b) => a.newest - b.newest);
}

function actionRow(r) {
  return row([time(r.ts), r.target, r.action, `${r.replicas_before} → ${r.replicas_after}`, resultText(r), r.reason]);
}

function foldedRow(noops) {
  const first = noops[0];
  const last = noops[noops.length - 1];
  const tr = row([`${time(first.ts)}–${time(last.ts)}`, last.target, `noop ×${noops.length}`,
    `${last.replicas_before} → ${last.replicas_after}`, resultText(last), `newest: ${last.reason ?? ''}`]);
  tr.className = 'folded';
  tr.title = `${noops.length} noops in a row; "show every action" lists each`;
  return tr;
}

function showActions() {
  actionsDue = false;
  const rows = everyAction ? actions.map((r) => ({ result: r })) : foldActions(actions);
  const trs = rows.map((f) => (f.result ? actionRow(f.result) : f.noops.length === 1 ? actionRow(f.noops[0]) : foldedRow(f.noops)));
  document.querySelector('#actions tbody').replaceChildren(...trs.reverse());
}

function addResult(r) {
  actions.push(r);
  if (actions.length > KEPT_ACTIONS) actions.splice(0, actions.length - KEPT_ACTIONS);
  // the table is drawn whole (a new noop can change a folded row anywhere): at most a few times a second, not per result
  if (!actionsDue) setTimeout(showActions, 200);
  actionsDue = true;
}

function setupActionsToggle() {
  const button = document.getElementById('every-action');
  button.addEventListener('click', () => {
    everyAction = !everyAction;
    button.setAttribute('aria-pressed', String(everyAction));
    button.textContent = everyAction ? 'fold the noops' : 'show every action';
    showActions();
  });
}

function addLlm(c) {
  const body = document.querySelector('#llm tbody');
  const a = c.advice;
  body.insertBefore(row([time(c.ts), c.target, `${c.provider} ${c.model}`, `${fmt(c.latency_ms, 0)} ms`, c.outcome,
    a ? `${a.action} → ${a.target_replicas} (${fmt(a.confidence, 2)}): ${a.reasoning ?? ''}` : '', c.applied ?? '', c.reason ?? '']), body.firstChild);
  while (body.children.length > 100) body.removeChild(body.lastChild);
  if (c.calls_left !== undefined && c.calls_left !== null) document.getElementById('llm-left').textContent = `${c.calls_left} calls left in the bucket`;
}

/** Control changes, newest first: who (the client's address), which target, what changed from what. */
function showAudit(list) {
  const body = document.querySelector('#audit tbody');
  body.replaceChildren(...list.slice().reverse().map((a) => {
    const fields = Object.keys(a.change ?? {});
    const was = fields.map((f) => `${f}=${a.before?.[f] ?? '—'}`).join(' ');
    const now = fields.map((f) => `${f}=${a.change[f]}`).join(' ');
    return row([time(a.ts), a.target, a.client, was, now]);
  }));
}

function showServices(list) {
  const ul = document.getElementById('services');
  ul.replaceChildren(...list.map((s) => {
    // a service with a single-writer lease (planner, executor) says whether it acts or stands by
    const role = !s.lease ? '' : s.lease.role === 'standby' ? ` · standby (lease held by ${s.lease.holder || 'nobody'})` : ` · ${s.lease.role}`;
    const li = el('li', `${s.name} ${s.instance}${role}`);
    li.title = `${s.ops_url} · version ${s.version} · seen ${fmt(s.age_sec, 0)} s ago`;
    if (s.age_sec > 15) li.className = 'stale';
    return li;
  }));
}

function connect(cursor) {
  const conn = document.getElementById('conn');
  const source = new EventSource('/api/stream' + (cursor ? '?since=' + encodeURIComponent(cursor) : ''));
  source.onopen = () => { conn.textContent = 'live'; conn.className = 'badge live'; };
  source.onerror = () => { conn.textContent = 'reconnecting…'; conn.className = 'badge down'; };
  source.addEventListener('window', async (e) => {
    const ev = JSON.parse(e.data);
    let t = targets.get(ev.target);
    if (!t) { await addTarget(ev.target); return; }
    addWindow(t, ev);
    redraw(t);
  });
  source.addEventListener('result', (e) => addResult(JSON.parse(e.data)));
  source.addEventListener('llm', (e) => addLlm(JSON.parse(e.data)));
  source.addEventListener('services', (e) => showServices(JSON.parse(e.data)));
  source.addEventListener('replicas', (e) => { const r = JSON.parse(e.data); const t = targets.get(r.target); if (t) showReplicas(t, r.replicas); });
  source.addEventListener('upstreams', (e) => { const u = JSON.parse(e.data); const t = targets.get(u.target); if (t) showUpstreams(t, u); });
}

async function start() {
  config = await getJson('/api/config');
  let cursor = null;
  for (const s of await getJson('/api/targets')) {
    const added = await addTarget(s.target);
    cursor = added.cursor ?? cursor;
  }
  setupActionsToggle();
  for (const r of await getJson('/api/events?limit=' + KEPT_ACTIONS)) addResult(r);
  for (const c of (await getJson('/api/llm?limit=50')).calls) addLlm(c);
  showAudit(await getJson('/api/audit?limit=50'));
  showServices(await getJson('/api/services'));
  if (!cursor) cursor = (await getJson('/api/config')).cursor;
  connect(cursor);
}

start().catch((e) => {
  const conn = document.getElementById('conn');
  conn.textContent = 'failed to load: ' + e.message;
  conn.className = 'badge down';
  setTimeout(() => location.reload(), 3000);
});
