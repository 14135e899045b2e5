/**
 * The script of the alerts panel and the missions view (GET /missions.js), plain browser
 * JavaScript: loads /api/alerts and /api/missions, then follows the 'alerts' and 'missions' events
 * of the page's stream (forwarded by dashboard.js as `dreamos:<name>` window events).
 * Kept as a TypeScript string so the build (tsc) ships it inside dist/ with the worker that
 * serves it. Raw string: no backtick and no dollar-brace inside.
 */
export const MISSIONS_JS = String.raw`// Alerts and missions, live. window.dreamMissions exposes the state for tests.
(function () {
  'use strict';

  const params = new URLSearchParams(location.search);
  const state = { alerts: null, missions: null, alertUpdates: 0, missionUpdates: 0, open: new Map(), since: params.get('since') || '24h' };
  window.dreamMissions = state;
  const $ = (id) => document.getElementById(id);
  const fmt = new Intl.NumberFormat('en-US');
  const token = () => params.get('token') || sessionStorage.getItem('dreamos-dashboard-token') || '';

  function clock(ms) {
    if (ms === null || ms === undefined) return '—';
    const d = new Date(ms);
    const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    return Math.abs(Date.now() - ms) > 86400000 ? d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' }) + ' ' + time : time;
  }
  function until(ms) {
    const left = ms - Date.now();
    if (left <= 0) return 'due now';
    if (left < 60000) return 'in ' + Math.ceil(left / 1000) + ' s';
    if (left < 3600000) return 'in ' + Math.round(left / 60000) + ' min';
    return 'in ' + (left / 3600000).toFixed(1) + ' h';
  }

  /** Builds an element: el('td', { className: 'x' }, 'text', child, ...). */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'dataset') Object.assign(node.dataset, value);
      else node[key] = value;
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    return node;
  }
  const link = (href, text) => el('a', { href, target: '_blank', rel: 'noopener' }, text);
  const row = (...cells) => el('tr', {}, ...cells.map((c) => (c instanceof Node && c.tagName === 'TD' ? c : el('td', {}, c))));

  async function api(path) {
    const query = new URLSearchParams({ since: state.since });
    const t = token();
    const response = await fetch(path + '?' + query, { headers: t ? { Authorization: 'Bearer ' + t } : {} });
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  }

  function renderAlerts(view) {
    state.alerts = view;
    state.alertUpdates += 1;
    const body = $('alerts-body');
    body.replaceChildren();
    const alerts = [...view.active, ...view.cleared];
    for (const a of alerts) {
      const cleared = a.clearedAt !== undefined && a.clearedAt !== null;
      const tr = row(
        el('td', {}, el('span', { className: 'alert-state ' + (cleared ? 'cleared' : 'active ' + a.severity) }, cleared ? 'cleared' : a.severity)),
        a.kind,
        a.subject,
        el('td', { className: 'msg', title: a.message }, a.message),
        el('td', { className: 'time' }, clock(a.raisedAt)),
        el('td', { className: 'time' }, cleared ? clock(a.clearedAt) : '—'),
      );
      tr.dataset.key = a.key;
      tr.className = cleared ? 'cleared' : 'active';
      body.append(tr);
    }
    if (alerts.length === 0) body.append(el('tr', { className: 'empty' }, el('td', { colSpan: 6 }, 'No alerts.')));
    const message = $('alerts-message');
    message.hidden = view.stored;
    message.textContent = view.stored ? '' : 'No alert store: alerts are kept by the nexus worker (alerts.db beside analytics.db).';
    $('alerts-scope').textContent = view.active.length + ' active · ' + view.cleared.length + ' cleared in this window';
  }

  /** Tasks in tree order: the parts and merge step of a split right under the task they split. */
  function treeOrder(tasks) {
    const children = new Map();
    for (const t of tasks) if (t.parent) children.set(t.parent, [...(children.get(t.parent) || []), t]);
    const out = [];
    const visit = (t, depth) => {
      out.push({ task: t, depth });
      for (const c of children.get(t.taskId) || []) visit(c, depth + 1);
    };
    for (const t of tasks) if (!t.parent || !tasks.some((p) => p.taskId === t.parent)) visit(t, 0);
    return out;
  }

  function questionBlock(q, missionId, url) {
    const block = el('div', { className: 'question', dataset: { mission: missionId, task: q.taskId } },
      el('p', {}, el('b', {}, 'Waiting for a person: '), link(url, missionId), ' · task ', el('b', {}, q.taskId)),
      el('p', { className: 'reason' }, q.reason),
      el('p', { className: 'muted small' }, 'allowed: ' + q.allowed.join(', ') + ' · default ' + q.fallback + ' at ' + clock(q.deadline) + ' (' + until(q.deadline) + ')'),
      el('p', { className: 'commands' }, ...q.commands.map((c) => el('code', {}, c))),
    );
    return block;
  }

  function tasksTable(graph) {
    const body = el('tbody');
    for (const { task: t, depth } of treeOrder(graph.tasks)) {
      const runs = el('td', {}, ...t.runs.flatMap((r, i) => [i ? ' ' : null, link(r.url, t.runs.length > 1 ? '#' + (i + 1) : 'run')]));
      const tr = row(
        el('td', { className: depth ? 'indent' : '' }, (depth ? '↳ ' : '') + t.taskId),
        t.role,
        el('td', {}, el('span', { className: 'task-state ' + t.state }, t.state)),
        String(t.attempts),
        fmt.format(t.tokens),
        [t.dependsOn.length ? 'after ' + t.dependsOn.join(', ') : '', t.parent ? 'part of ' + t.parent : ''].filter(Boolean).join(' · ') || '—',
        runs,
        el('td', { className: 'msg', title: t.reason || '' }, t.reason || ''),
      );
      tr.dataset.task = t.taskId;
      body.append(tr);
    }
    return el('table', { className: 'tasks' },
      el('thead', {}, row(...['Task', 'Role', 'State', 'Attempts', 'Tokens', 'Depends on', 'Runs', 'Reason'].map((h) => el('th', {}, h)))), body);
  }

  function decisionsTable(graph) {
    if (graph.decisions.length === 0) return el('p', { className: 'muted small' }, 'No decisions yet.');
    const body = el('tbody');
    for (const d of graph.decisions) {
      body.append(row(d.taskId + ' #' + d.index, d.kind + (d.byPerson ? ' (person)' : ''), d.cause, el('td', { className: 'msg', title: d.reason }, d.reason), d.detail || '', d.outcome || '—', el('td', { className: 'time' }, clock(d.at)), link(d.url, 'run')));
    }
    return el('table', { className: 'decisions' },
      el('thead', {}, row(...['Decision', 'Kind', 'Cause', 'Reason', 'Detail', 'Outcome', 'At', 'Run'].map((h) => el('th', {}, h)))), body);
  }

  function missionCard(m, openByDefault) {
    const g = m.graph;
    const settled = g ? g.tasks.filter((t) => ['completed', 'abandoned', 'skipped'].includes(t.state)).length : null;
    const summary = el('summary', {},
      el('b', {}, m.missionId),
      el('span', { className: 'task-state ' + (g ? g.status : '') }, g ? g.status + (g.paused ? ' · paused' : '') : m.status.toLowerCase()),
      g ? el('span', { className: 'muted' }, settled + '/' + g.tasks.length + ' tasks settled · ' + fmt.format(g.tokens) + ' tokens' + (g.pending.length ? ' · ' + g.pending.length + ' question(s)' : '')) : null,
      el('span', { className: 'muted' }, 'started ' + clock(m.startTime) + (m.closeTime ? ' · ended ' + clock(m.closeTime) : '')),
      link(m.url, 'Web UI'),
    );
    const body = el('div', { className: 'body' });
    if (g) {
      for (const q of g.pending) body.append(questionBlock(q, m.missionId, m.url));
      body.append(tasksTable(g), el('h3', {}, 'Decisions'), decisionsTable(g));
    } else {
      body.append(el('p', { className: 'muted small' }, 'No task graph: ' + (m.graphMissing || 'unknown')));
    }
    const key = m.workflowId + '/' + m.runId;
    const card = el('details', { className: 'mission', dataset: { missionId: m.missionId, run: key, openByDefault: String(openByDefault) } }, summary, body);
    card.open = state.open.has(key) ? state.open.get(key) : openByDefault;
    return card;
  }

  function renderMissions(view) {
    // A card keeps the open or closed state a person gave it across updates (running cards start open, ended ones closed).
    for (const card of document.querySelectorAll('#missions-view details.mission')) {
      if (String(card.open) !== card.dataset.openByDefault) state.open.set(card.dataset.run, card.open);
      else state.open.delete(card.dataset.run);
    }
    state.missions = view;
    state.missionUpdates += 1;
    const message = $('missions-view-message');
    const problems = view.reachable ? view.gaps.map((g) => 'Not shown: ' + g) : [view.message || 'Temporal is unreachable.'];
    message.hidden = problems.length === 0;
    message.textContent = problems.join(' · ');
    $('questions').replaceChildren(...view.questions.map((q) => questionBlock(q, q.missionId, q.url)));
    $('missions-running-list').replaceChildren(...view.running.map((m) => missionCard(m, true)));
    $('missions-ended-list').replaceChildren(...view.ended.map((m) => missionCard(m, false)));
    $('missions-queued-list').replaceChildren(...view.queued.map((q) =>
      el('div', { className: 'mission queued', dataset: { missionId: q.missionId } }, el('summary', {},
        el('b', {}, '#' + q.position + ' ' + q.missionId),
        el('span', { className: 'muted' }, 'priority ' + q.priority + ' · ' + q.tasks + ' tasks · from ' + q.source + ' · submitted ' + clock(q.submittedAt) + (q.held ? ' · held' : '')),
        link(q.url, 'control tower')))));
    $('missions-scheduled-list').replaceChildren(...view.scheduled.map((s) =>
      el('div', { className: 'mission scheduled', dataset: { scheduleId: s.scheduleId } }, el('summary', {},
        el('b', {}, s.scheduleId),
        s.missionId ? el('span', {}, 'mission ' + s.missionId) : null,
        el('span', { className: 'task-state ' + (s.paused ? 'skipped' : 'running') }, s.paused ? 'paused' : 'active'),
        el('span', { className: 'muted' }, 'next run ' + (s.nextRunAt ? clock(s.nextRunAt) + ' (' + until(s.nextRunAt) + ')' : '—') + (s.lastRunAt ? ' · last ' + clock(s.lastRunAt) : '') + (s.note ? ' · ' + s.note : '')),
        link(s.url, 'Web UI')))));
    $('missions-running-count').textContent = String(view.running.length);
    $('missions-queued-count').textContent = String(view.queued.length);
    $('missions-scheduled-count').textContent = String(view.scheduled.length);
    $('missions-ended-count').textContent = String(view.ended.length);
  }

  function fail(where, err) {
    const message = $(where);
    message.hidden = false;
    message.textContent = 'Could not load: ' + err.message;
  }
  function load() {
    api('/api/alerts').then(renderAlerts, (err) => fail('alerts-message', err));
    api('/api/missions').then(renderMissions, (err) => fail('missions-view-message', err));
  }

  window.addEventListener('dreamos:alerts', (event) => renderAlerts(event.detail));
  window.addEventListener('dreamos:missions', (event) => renderMissions(event.detail));
  window.addEventListener('dreamos:window', (event) => {
    state.since = event.detail.since;
    load();
  });
  if (window.dreamDashboard) state.since = window.dreamDashboard.since;
  load();
})();
`;
