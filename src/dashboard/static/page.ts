/**
 * The dashboard page (GET /): the layout the script fills in.
 * Kept as a TypeScript string so the build (tsc) ships it inside dist/ with the worker that
 * serves it (the worker image carries dist/ and node_modules only). Raw string: no backtick and
 * no dollar-brace inside.
 */
export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Dream.OS Swarm · Failure analytics</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/dashboard.css">
  <script src="/vendor/chart.umd.js" defer></script>
  <script src="/dashboard.js" defer></script>
  <script src="/missions.js" defer></script>
</head>
<body>
  <header class="top">
    <div>
      <h1>Dream.OS Swarm <span class="muted">· Failure analytics</span></h1>
      <p class="muted" id="window-label">Last 24 hours</p>
    </div>
    <div class="controls">
      <div class="segmented" id="window-picker" role="group" aria-label="Window">
        <button type="button" data-since="1h">1h</button>
        <button type="button" data-since="6h">6h</button>
        <button type="button" data-since="24h" class="active">24h</button>
        <button type="button" data-since="7d">7d</button>
      </div>
      <span class="live" id="live"><span class="dot"></span><span id="live-text">connecting…</span></span>
    </div>
  </header>

  <main>
    <section class="tiles" aria-label="Figures">
      <article class="tile"><h2>Failures</h2><p class="value" id="tile-failures">—</p><p class="sub" id="tile-failures-sub">&nbsp;</p></article>
      <article class="tile"><h2>Error rate</h2><p class="value" id="tile-error-rate">—</p><p class="sub" id="tile-error-rate-sub">per minute, last 5 min</p></article>
      <article class="tile"><h2>Resolution rate</h2><p class="value" id="tile-resolution">—</p><p class="sub" id="tile-resolution-sub">&nbsp;</p></article>
      <article class="tile"><h2>Time to resolution</h2><p class="value" id="tile-ttr">—</p><p class="sub" id="tile-ttr-sub">p50 · p95 —</p></article>
      <article class="tile"><h2>Heartbeat timeouts</h2><p class="value" id="tile-heartbeats">—</p><p class="sub">workers lost mid-call</p></article>
      <article class="tile"><h2>Token burn</h2><p class="value" id="tile-tokens">—</p><p class="sub">spent on failed attempts</p></article>
    </section>

    <section class="panel health" aria-label="Swarm health">
      <div class="panel-head"><h2>Swarm health</h2><span class="badge" id="health-status">—</span></div>
      <div class="health-grid">
        <div class="stat"><span class="label">Active agents</span><span class="num" id="health-active">—</span></div>
        <div class="stat"><span class="label">Live workers</span><span class="num" id="health-workers">—</span></div>
        <div class="stat"><span class="label">Pollers</span><span class="num" id="health-pollers">—</span></div>
        <div class="stat"><span class="label">Tasks running</span><span class="num" id="health-running">—</span></div>
        <div class="stat"><span class="label">Tasks completed</span><span class="num" id="health-completed">—</span></div>
        <div class="stat"><span class="label">Tasks failed</span><span class="num" id="health-failed">—</span></div>
        <div class="stat"><span class="label">Error rate <span class="muted" id="health-error-window">5 min</span></span><span class="num" id="health-error-rate">—</span></div>
        <div class="stat"><span class="label">Heartbeats lost <span class="muted" id="health-burn-window">1 h</span></span><span class="num" id="health-heartbeats">—</span></div>
        <div class="stat"><span class="label">Budget burn</span><span class="num" id="health-burn">—</span></div>
      </div>
      <div class="queues" id="health-queues" aria-label="Pollers per task queue (workflow · activity)"></div>
      <p class="message" id="health-message" hidden></p>
    </section>

    <section class="panel" aria-label="Alerts" id="alerts">
      <div class="panel-head"><h2>Alerts</h2><span class="muted small" id="alerts-scope">raised by the control tower · active first, then cleared in this window</span></div>
      <div class="table-wrap">
        <table>
          <thead><tr><th>State</th><th>Kind</th><th>Subject</th><th>Message</th><th>Raised</th><th>Cleared</th></tr></thead>
          <tbody id="alerts-body"><tr class="empty"><td colspan="6">No alerts.</td></tr></tbody>
        </table>
      </div>
      <p class="message" id="alerts-message" hidden></p>
    </section>

    <section class="panel" aria-label="Missions" id="missions-view">
      <div class="panel-head"><h2>Missions</h2><span class="muted small" id="missions-view-scope">running, queued, scheduled and recently ended · links open Temporal's Web UI</span></div>
      <p class="message" id="missions-view-message" hidden></p>
      <div id="questions" class="questions" aria-label="Waiting for a person"></div>
      <div class="mission-groups">
        <div><h3>Running <span class="muted" id="missions-running-count"></span></h3><div id="missions-running-list" class="mission-list"></div></div>
        <div><h3>Queued in the control tower <span class="muted" id="missions-queued-count"></span></h3><div id="missions-queued-list" class="mission-list"></div></div>
        <div><h3>Scheduled <span class="muted" id="missions-scheduled-count"></span></h3><div id="missions-scheduled-list" class="mission-list"></div></div>
        <div><h3>Recently ended <span class="muted" id="missions-ended-count"></span></h3><div id="missions-ended-list" class="mission-list"></div></div>
      </div>
    </section>

    <section class="panel" aria-label="Scaling">
      <div class="panel-head"><h2>Scaling</h2><span class="muted small" id="scaling-scope">workers against backlog · every scaler decision</span></div>
      <div class="chart tall"><canvas id="chart-scaling" aria-label="Workers over time against backlog and open tasks, per profile"></canvas></div>
      <p class="message" id="scaling-message" hidden></p>
    </section>

    <section class="panel" aria-label="Tokens by mission">
      <div class="panel-head"><h2>Tokens by mission</h2><span class="muted small" id="missions-scope">most tokens first · agent tasks in Temporal</span></div>
      <div class="missions">
        <div class="mission-totals">
          <div class="stat"><span class="label">Tokens</span><span class="num" id="missions-tokens">—</span></div>
          <div class="stat"><span class="label">Missions</span><span class="num" id="missions-count">—</span></div>
          <div class="stat"><span class="label">Agent tasks</span><span class="num" id="missions-tasks">—</span></div>
          <div class="stat"><span class="label">Running</span><span class="num" id="missions-running">—</span></div>
        </div>
        <div class="chart"><canvas id="chart-missions" aria-label="Tokens spent by the agent tasks of each mission"></canvas></div>
      </div>
      <p class="message" id="missions-message" hidden></p>
    </section>

    <section class="grid two-one">
      <article class="panel"><div class="panel-head"><h2>Error frequency by class</h2><span class="muted small" id="frequency-bucket"></span></div><div class="chart tall"><canvas id="chart-frequency" aria-label="Error frequency over time by failure class"></canvas></div></article>
      <article class="panel"><div class="panel-head"><h2>Failure types</h2><span class="muted small" id="classes-total"></span></div><div class="chart tall"><canvas id="chart-classes" aria-label="Failures by class"></canvas></div></article>
    </section>

    <section class="grid three">
      <article class="panel"><div class="panel-head"><h2>Resolution</h2><span class="muted small" id="resolution-counts"></span></div><div class="chart"><canvas id="chart-resolution" aria-label="Resolved, abandoned and open failure chains"></canvas></div></article>
      <article class="panel"><div class="panel-head"><h2>Time to resolution</h2><span class="muted small">resolved chains</span></div><div class="chart"><canvas id="chart-ttr" aria-label="Time to resolution histogram"></canvas></div></article>
      <article class="panel"><div class="panel-head"><h2>Strategy success rates</h2><span class="muted small">healed / attempts</span></div><div class="chart"><canvas id="chart-strategies" aria-label="Heal strategy success rates"></canvas></div></article>
    </section>

    <section class="panel" aria-label="Supervisor decisions">
      <div class="panel-head"><h2>Supervisor decisions</h2><span class="muted small">by cause · task completed after / decided</span></div>
      <div class="table-wrap">
        <table id="decisions">
          <thead><tr><th>Decision</th><th>Cause</th><th>Resolved / decided</th><th>Success</th></tr></thead>
          <tbody id="decisions-body"><tr class="empty"><td colspan="4">No supervisor decisions yet.</td></tr></tbody>
        </table>
      </div>
    </section>

    <section class="panel" aria-label="Recent failures">
      <div class="panel-head"><h2>Recent failures</h2><span class="muted small">links open the run in the Temporal Web UI</span></div>
      <div class="table-wrap">
        <table id="recent">
          <thead><tr><th>Time</th><th>Class</th><th>Kind</th><th>Role</th><th>Step · attempt</th><th>Message</th><th>Chain</th><th>Run</th></tr></thead>
          <tbody id="recent-body"><tr class="empty"><td colspan="8">No failures recorded yet.</td></tr></tbody>
        </table>
      </div>
    </section>
  </main>
</body>
</html>
`;
