/**
 * The dashboard page script (GET /dashboard.js), plain browser JavaScript: loads /api/dashboard, draws
 * the Chart.js charts and follows the server-sent stream /api/events.
 * Kept as a TypeScript string so the build (tsc) ships it inside dist/ with the worker that
 * serves it (the worker image carries dist/ and node_modules only). Raw string: no backtick and
 * no dollar-brace inside.
 */
export const CLIENT_JS = String.raw`// The failure analytics page: loads /api/dashboard, draws Chart.js charts, and follows the
// server-sent stream (/api/events: 'dashboard' snapshots on every write, 'health' every few
// seconds), so figures, charts and tables update without a reload.
// Plain browser JavaScript, served as-is. window.dreamDashboard exposes the state for tests.
(function () {
  'use strict';

  const CATEGORY_COLORS = { 'model-transport': '#38bdf8', 'model-output': '#f59e0b', infrastructure: '#a78bfa', logic: '#94a3b8' };
  const CLASS_COLORS = {
    'model-timeout': '#38bdf8', 'model-rate-limit': '#0ea5e9', 'model-server-error': '#60a5fa', 'model-unreachable': '#2563eb', 'model-rejected': '#1d4ed8',
    'malformed-json': '#f59e0b', 'schema-violation': '#fb923c', 'empty-answer': '#fbbf24', refusal: '#f97316',
    'worker-lost': '#c084fc', 'heartbeat-timeout': '#a78bfa',
    'budget-exhausted': '#f87171', escalation: '#ef4444', unknown: '#94a3b8',
  };
  const WINDOW_LABELS = { '1h': 'Last hour', '6h': 'Last 6 hours', '24h': 'Last 24 hours', '7d': 'Last 7 days' };
  const params = new URLSearchParams(location.search);
  const token = params.get('token') || sessionStorage.getItem('dreamos-dashboard-token') || '';
  if (token) sessionStorage.setItem('dreamos-dashboard-token', token);

  const dashboard = { charts: {}, snapshot: null, health: null, updates: 0, live: false, since: params.get('since') || '24h' };
  window.dreamDashboard = dashboard;
  const $ = (id) => document.getElementById(id);
  const fmt = new Intl.NumberFormat('en-US');
  const colorOf = (failureClass, category) => CLASS_COLORS[failureClass] || CATEGORY_COLORS[category] || '#94a3b8';

  function duration(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    if (ms < 3600000) return Math.floor(ms / 60000) + ' m ' + String(Math.floor((ms % 60000) / 1000)).padStart(2, '0') + ' s';
    return Math.floor(ms / 3600000) + ' h ' + String(Math.floor((ms % 3600000) / 60000)).padStart(2, '0') + ' m';
  }
  function compact(n) {
    if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
    return fmt.format(n);
  }
  function clock(ms, withDay) {
    const d = new Date(ms);
    const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: withDay ? undefined : '2-digit' });
    return withDay ? d.toLocaleDateString('en-GB', { weekday: 'short' }) + ' ' + time : time;
  }
  const percent = (rate) => (rate === null || rate === undefined ? '—' : (rate * 100).toFixed(1) + '%');

  async function api(path) {
    const query = new URLSearchParams({ since: dashboard.since });
    const response = await fetch(path + '?' + query, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  }

  function createCharts() {
    Chart.defaults.color = '#94a3b8';
    Chart.defaults.borderColor = 'rgba(148, 163, 184, 0.12)';
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.plugins.legend.labels.boxWidth = 10;
    const legend = { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'rectRounded', padding: 12 } };
    dashboard.charts.frequency = new Chart($('chart-frequency'), {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: { maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false },
        scales: { x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 16 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend } },
    });
    dashboard.charts.classes = new Chart($('chart-classes'), {
      type: 'doughnut',
      data: { labels: [], datasets: [{ data: [], backgroundColor: [], borderColor: '#111a2e', borderWidth: 2 }] },
      options: { maintainAspectRatio: false, animation: false, cutout: '62%', plugins: { legend: Object.assign({}, legend, { position: 'right' }) } },
    });
    dashboard.charts.resolution = new Chart($('chart-resolution'), {
      type: 'doughnut',
      data: { labels: ['Resolved', 'Abandoned', 'Open'], datasets: [{ data: [0, 0, 0], backgroundColor: ['#34d399', '#f87171', '#fbbf24'], borderColor: '#111a2e', borderWidth: 2 }] },
      options: { maintainAspectRatio: false, animation: false, cutout: '62%', plugins: { legend: Object.assign({}, legend, { position: 'right' }) } },
    });
    dashboard.charts.ttr = new Chart($('chart-ttr'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'Resolved chains', data: [], backgroundColor: '#34d399', borderRadius: 4 }] },
      options: { maintainAspectRatio: false, animation: false, scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
    });
    dashboard.charts.strategies = new Chart($('chart-strategies'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'Success rate', data: [], backgroundColor: '#38bdf8', borderRadius: 4 }] },
      options: { indexAxis: 'y', maintainAspectRatio: false, animation: false,
        scales: { x: { min: 0, max: 100, ticks: { callback: (v) => v + '%' } }, y: { grid: { display: false } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => {
          const row = dashboard.strategyRows[item.dataIndex];
          return ' ' + item.raw.toFixed(1) + '% (' + row.successes + ' of ' + row.attempts + ' healed)';
        } } } } },
    });
    dashboard.charts.missions = new Chart($('chart-missions'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'Tokens', data: [], backgroundColor: '#a78bfa', borderRadius: 4, maxBarThickness: 22 }] },
      options: { indexAxis: 'y', maintainAspectRatio: false, animation: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0, callback: (v) => compact(v) } }, y: { grid: { display: false } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => {
          const row = dashboard.missionRows[item.dataIndex];
          return ' ' + fmt.format(row.tokens) + ' tokens · ' + fmt.format(row.tasks) + ' tasks (' + fmt.format(row.running) + ' running)';
        } } } } },
    });
  }

  // Scaling: workers (stepped), desired and standby workers against backlog and open tasks, per profile.
  const SCALING_COLORS = ['#34d399', '#38bdf8', '#f472b6', '#fbbf24'];
  function createScalingChart() {
    dashboard.charts.scaling = new Chart($('chart-scaling'), {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: { maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false }, elements: { point: { radius: 0 } },
        scales: { x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 16 } },
          workers: { position: 'left', beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'workers' } },
          load: { position: 'right', beginAtZero: true, grid: { display: false }, title: { display: true, text: 'tasks' } } },
        plugins: { legend: { position: 'bottom', labels: { usePointStyle: true, padding: 12 } } } },
    });
  }
  function renderScaling(events) {
    dashboard.scaling = events;
    const chart = dashboard.charts.scaling;
    const times = [...new Set(events.map((e) => e.at))].sort((a, b) => a - b);
    const profiles = [...new Set(events.map((e) => e.swarmId + '/' + e.profile))];
    const series = (key, pick) => times.map((t) => { const e = events.find((x) => x.at === t && x.swarmId + '/' + x.profile === key); return e ? pick(e) : null; });
    chart.data.labels = times.map((t) => clock(t));
    chart.data.datasets = profiles.flatMap((key, i) => {
      const color = SCALING_COLORS[i % SCALING_COLORS.length];
      // Warm standby workers (booted, not polling), drawn only for profiles that keep some.
      const standby = events.some((e) => e.swarmId + '/' + e.profile === key && e.standby > 0)
        ? [{ label: key + ' standby', yAxisID: 'workers', data: series(key, (e) => e.standby ?? 0), borderColor: color, borderDash: [1, 3], stepped: true, spanGaps: true }]
        : [];
      return [
        { label: key + ' workers', yAxisID: 'workers', data: series(key, (e) => e.actual), borderColor: color, backgroundColor: color, stepped: true, spanGaps: true },
        { label: key + ' desired', yAxisID: 'workers', data: series(key, (e) => e.desired), borderColor: color, borderDash: [4, 4], stepped: true, spanGaps: true },
        ...standby,
        { label: key + ' backlog', yAxisID: 'load', data: series(key, (e) => e.activityBacklog + e.workflowBacklog), borderColor: '#f59e0b', backgroundColor: 'rgba(245, 158, 11, 0.15)', fill: true, spanGaps: true },
        { label: key + ' open tasks', yAxisID: 'load', data: series(key, (e) => e.openTasks), borderColor: '#a78bfa', spanGaps: true },
      ];
    });
    chart.update();
    const last = events[events.length - 1];
    const message = $('scaling-message');
    message.hidden = events.length > 0;
    message.textContent = events.length ? '' : 'No scaling decisions in this window: start a scaler with dreamos swarm start.';
    if (last) $('scaling-scope').textContent = 'last decision ' + clock(last.at) + ': ' + last.current + ' → ' + last.desired + ' (' + last.reason + ')';
  }
  async function refreshScaling() {
    try {
      renderScaling(await api('/api/scaling'));
    } catch (err) {
      $('scaling-message').hidden = false;
      $('scaling-message').textContent = 'Scaling decisions unavailable: ' + err.message;
    }
  }

  function renderSummary(s) {
    dashboard.summary = s;
    $('tile-failures').textContent = fmt.format(s.failures);
    $('tile-failures-sub').textContent = fmt.format(s.healAttempts) + ' heal attempts · ' + fmt.format(s.healed) + ' healed';
    $('tile-error-rate').textContent = s.errorRate.perMinute.toFixed(s.errorRate.perMinute < 10 ? 2 : 1);
    $('tile-resolution').textContent = percent(s.resolution.rate);
    $('tile-resolution-sub').textContent = fmt.format(s.resolution.resolved) + ' resolved · ' + fmt.format(s.resolution.abandoned) + ' abandoned · ' + fmt.format(s.resolution.open) + ' open';
    $('tile-ttr').textContent = duration(s.resolution.p50Ms);
    $('tile-ttr-sub').textContent = 'p50 · p95 ' + duration(s.resolution.p95Ms);
    $('tile-heartbeats').textContent = fmt.format(s.heartbeatTimeouts);
    $('tile-tokens').textContent = compact(s.tokens);
  }

  function renderFrequency(f) {
    const chart = dashboard.charts.frequency;
    const multiDay = f.buckets.length > 0 && f.buckets[f.buckets.length - 1] - f.buckets[0] > 86400000;
    chart.data.labels = f.buckets.map((b) => clock(b, multiDay || f.bucketMs >= 3600000));
    chart.data.datasets = f.series.map((s) => ({ label: s.failureClass, data: s.counts, backgroundColor: colorOf(s.failureClass, s.category), borderRadius: 2, maxBarThickness: 28 }));
    chart.update();
    $('frequency-bucket').textContent = 'per ' + duration(f.bucketMs).replace(' 00 s', '').replace(' 00 m', '');
  }

  function renderClasses(c) {
    const chart = dashboard.charts.classes;
    chart.data.labels = c.byClass.map((r) => r.failureClass);
    chart.data.datasets[0].data = c.byClass.map((r) => r.count);
    chart.data.datasets[0].backgroundColor = c.byClass.map((r) => colorOf(r.failureClass, r.category));
    chart.update();
    $('classes-total').textContent = fmt.format(c.failures) + ' failures';
  }

  function renderResolution(r) {
    const chart = dashboard.charts.resolution;
    chart.data.datasets[0].data = [r.resolved, r.abandoned, r.open];
    chart.update();
    $('resolution-counts').textContent = 'rate ' + percent(r.rate);
    const ttr = dashboard.charts.ttr;
    ttr.data.labels = r.histogram.map((h) => h.label);
    ttr.data.datasets[0].data = r.histogram.map((h) => h.count);
    ttr.update();
  }

  function renderStrategies(rows) {
    const merged = new Map();
    for (const row of rows) {
      const key = row.strategy + ' · ' + (row.failureClass || 'any');
      const known = merged.get(key) || { label: key, attempts: 0, successes: 0 };
      known.attempts += row.attempts;
      known.successes += row.successes;
      merged.set(key, known);
    }
    const top = [...merged.values()].sort((a, b) => b.attempts - a.attempts).slice(0, 8);
    dashboard.strategyRows = top;
    const chart = dashboard.charts.strategies;
    chart.data.labels = top.map((r) => r.label);
    chart.data.datasets[0].data = top.map((r) => (r.attempts ? (100 * r.successes) / r.attempts : 0));
    chart.update();
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    if (className) td.className = className;
    if (text instanceof Node) td.appendChild(text);
    else td.textContent = text;
    return td;
  }

  function renderDecisions(rows) {
    const body = $('decisions-body');
    body.replaceChildren();
    if (!rows || rows.length === 0) {
      cell(body.insertRow(), 'No supervisor decisions yet.').colSpan = 4;
      body.rows[0].className = 'empty';
      return;
    }
    for (const d of rows) {
      const tr = body.insertRow();
      cell(tr, d.decision);
      cell(tr, d.cause || 'any');
      cell(tr, fmt.format(d.resolved) + ' / ' + fmt.format(d.decisions));
      cell(tr, d.successRate === null ? '—' : (d.successRate * 100).toFixed(0) + '%');
    }
  }

  function renderRecent(rows) {
    const body = $('recent-body');
    const seen = new Set([...body.querySelectorAll('tr[data-key]')].map((tr) => tr.dataset.key));
    const first = dashboard.updates === 0;
    body.replaceChildren();
    if (rows.length === 0) {
      cell(body.insertRow(), 'No failures recorded yet.').colSpan = 8;
      body.rows[0].className = 'empty';
    }
    for (const f of rows) {
      const tr = body.insertRow();
      tr.dataset.key = f.idempotencyKey;
      if (!first && !seen.has(f.idempotencyKey)) tr.className = 'fresh';
      cell(tr, clock(f.at, Date.now() - f.at > 86400000), 'time');
      const pill = document.createElement('span');
      pill.className = 'pill';
      const swatch = document.createElement('i');
      swatch.style.background = colorOf(f.failureClass || 'unknown', f.category);
      pill.append(swatch, f.failureClass || 'unknown');
      cell(tr, pill);
      cell(tr, f.kind);
      cell(tr, f.role);
      cell(tr, (f.step + 1) + ' · ' + f.attempt, 'step');
      cell(tr, f.message || '', 'msg').title = f.message || '';
      const state = document.createElement('span');
      state.className = 'state ' + (f.resolution || 'open');
      state.textContent = f.resolution || 'open';
      cell(tr, state);
      const link = document.createElement('a');
      link.href = f.url;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = f.workflowId;
      cell(tr, link);
    }
  }

  function count(n) {
    return n === null || n === undefined ? '—' : fmt.format(n);
  }

  function withUnit(element, value, unit) {
    const small = document.createElement('span');
    small.className = 'unit';
    small.textContent = unit;
    element.replaceChildren(value, small);
  }

  function renderHealth(h) {
    dashboard.health = h;
    const live = h.live;
    const badge = $('health-status');
    badge.textContent = live.reachable ? 'live' : 'live figures unavailable';
    badge.className = 'badge ' + (live.reachable ? 'ok' : 'down');
    $('health-active').textContent = count(live.activeAgents);
    $('health-workers').textContent = count(live.workers);
    $('health-pollers').textContent = count(live.pollers);
    $('health-running').textContent = count(live.tasks.running);
    $('health-completed').textContent = count(live.tasks.completed);
    $('health-failed').textContent = count(live.tasks.failed);
    $('health-error-window').textContent = duration(h.errorRate.windowMs).replace(' 00 s', '');
    withUnit($('health-error-rate'), h.errorRate.perMinute.toFixed(2), '/min');
    $('health-burn-window').textContent = duration(h.heartbeatTimeouts.windowMs).replace(' 00 m', '');
    $('health-heartbeats').textContent = fmt.format(h.heartbeatTimeouts.count);
    withUnit($('health-burn'), compact(Math.round(h.budget.tokensPerMinute)), 'tokens/min');
    const queues = $('health-queues');
    queues.replaceChildren();
    const byQueue = new Map();
    for (const q of live.queues) byQueue.set(q.queue, Object.assign(byQueue.get(q.queue) || {}, { [q.type]: q.pollers }));
    for (const [queue, counts] of byQueue) {
      const span = document.createElement('span');
      span.className = 'queue' + ((counts.workflow || 0) + (counts.activity || 0) === 0 ? ' none' : '');
      const name = document.createElement('b');
      name.textContent = queue;
      span.append(name, (counts.workflow || 0) + ' · ' + (counts.activity || 0));
      queues.appendChild(span);
    }
    const message = $('health-message');
    message.hidden = !live.message;
    message.textContent = live.message || '';
    renderMissions(live);
  }

  function renderMissions(live) {
    const rows = live.missions || [];
    dashboard.missionRows = rows;
    const chart = dashboard.charts.missions;
    chart.data.labels = rows.map((r) => r.missionId);
    chart.data.datasets[0].data = rows.map((r) => r.tokens);
    chart.update();
    const totals = live.missionTotals;
    $('missions-tokens').textContent = totals ? compact(totals.tokens) : '—';
    $('missions-tokens').title = totals ? fmt.format(totals.tokens) + ' tokens' : '';
    $('missions-count').textContent = count(totals && totals.missions);
    $('missions-tasks').textContent = count(totals && totals.tasks);
    $('missions-running').textContent = count(totals && totals.running);
    $('missions-scope').textContent = 'most tokens first · ' + (totals && totals.limitReached ? 'latest ' + fmt.format(totals.tasks) + ' agent tasks' : 'agent tasks in Temporal');
    const message = $('missions-message');
    const text = !live.reachable ? '' : !totals ? 'Temporal did not report tokens by mission: are the DreamMission and DreamTokens search attributes registered (dreamos setup search-attributes)?' : '';
    message.hidden = !text;
    message.textContent = text;
  }

  function render(snapshot) {
    // The first fetch and the stream's first event race; never go back to an older snapshot.
    if (dashboard.snapshot && snapshot.summary.generatedAt < dashboard.snapshot.summary.generatedAt) return;
    renderSummary(snapshot.summary);
    renderFrequency(snapshot.frequency);
    renderClasses(snapshot.classes);
    renderResolution(snapshot.resolution);
    renderStrategies(snapshot.strategies);
    renderDecisions(snapshot.decisions);
    renderRecent(snapshot.recent);
    dashboard.snapshot = snapshot;
    dashboard.updates += 1;
    $('live-text').textContent = (dashboard.live ? 'live · ' : '') + 'updated ' + clock(Date.now());
  }

  let stream = null;
  function connect() {
    if (stream) stream.close();
    const query = new URLSearchParams({ since: dashboard.since });
    if (token) query.set('token', token);
    stream = new EventSource('/api/events?' + query);
    stream.addEventListener('open', () => {
      dashboard.live = true;
      $('live').className = 'live on';
    });
    stream.addEventListener('dashboard', (event) => render(JSON.parse(event.data)));
    // The alerts panel and the missions view (missions.js) follow the same stream.
    for (const name of ['alerts', 'missions']) {
      stream.addEventListener(name, (event) => window.dispatchEvent(new CustomEvent('dreamos:' + name, { detail: JSON.parse(event.data) })));
    }
    stream.addEventListener('health', (event) => {
      renderHealth(JSON.parse(event.data));
      refreshScaling();
    });
    stream.addEventListener('error', () => {
      dashboard.live = false;
      $('live').className = 'live off';
      $('live-text').textContent = 'reconnecting…';
    });
  }

  let generation = 0;
  async function load() {
    const mine = ++generation;
    try {
      const [snapshot, health] = await Promise.all([api('/api/dashboard'), api('/api/health')]);
      if (mine !== generation) return;
      render(snapshot);
      renderHealth(health);
      refreshScaling();
    } catch (err) {
      $('live-text').textContent = 'load failed: ' + err.message;
    }
  }

  function selectWindow(since) {
    dashboard.since = since;
    dashboard.snapshot = null;
    for (const button of document.querySelectorAll('#window-picker button')) button.classList.toggle('active', button.dataset.since === since);
    $('window-label').textContent = WINDOW_LABELS[since] || 'Since ' + since;
    window.dispatchEvent(new CustomEvent('dreamos:window', { detail: { since, token } }));
    load();
    connect();
  }

  createCharts();
  createScalingChart();
  for (const button of document.querySelectorAll('#window-picker button')) button.addEventListener('click', () => selectWindow(button.dataset.since));
  selectWindow(dashboard.since);
})();
`;
