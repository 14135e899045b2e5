/**
 * The dashboard style sheet (GET /dashboard.css).
 * Kept as a TypeScript string so the build (tsc) ships it inside dist/ with the worker that
 * serves it (the worker image carries dist/ and node_modules only). Raw string: no backtick and
 * no dollar-brace inside.
 */
export const STYLE_CSS = String.raw`:root {
  --bg: #0b1120;
  --panel: #111a2e;
  --panel-border: #1f2a44;
  --text: #e2e8f0;
  --muted: #8b9ab4;
  --accent: #38bdf8;
  --good: #34d399;
  --bad: #f87171;
  --warn: #fbbf24;
  font-family: Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}

* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font-size: 14px; }
h1 { font-size: 20px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 13px; margin: 0; font-weight: 600; color: #cbd5e1; text-transform: uppercase; letter-spacing: 0.04em; }
.muted { color: var(--muted); font-weight: 400; }
.small { font-size: 12px; }
p { margin: 0; }

.top { display: flex; justify-content: space-between; align-items: center; padding: 18px 28px; border-bottom: 1px solid var(--panel-border); background: #0d1528; }
.top p { margin-top: 4px; }
.controls { display: flex; gap: 16px; align-items: center; }
.segmented { display: inline-flex; border: 1px solid var(--panel-border); border-radius: 8px; overflow: hidden; }
.segmented button { background: transparent; color: var(--muted); border: 0; padding: 6px 12px; font: inherit; cursor: pointer; }
.segmented button + button { border-left: 1px solid var(--panel-border); }
.segmented button.active { background: #1e293b; color: var(--text); }
.live { display: inline-flex; align-items: center; gap: 8px; color: var(--muted); font-size: 12px; }
.live .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--warn); }
.live.on .dot { background: var(--good); box-shadow: 0 0 0 3px rgba(52, 211, 153, 0.2); }
.live.off .dot { background: var(--bad); }

main { padding: 20px 28px 32px; display: grid; gap: 16px; max-width: 1600px; margin: 0 auto; }
.tiles { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 16px; }
.tile, .panel { background: var(--panel); border: 1px solid var(--panel-border); border-radius: 12px; }
.tile { padding: 14px 16px; }
.tile .value { font-size: 28px; font-weight: 650; margin-top: 8px; font-variant-numeric: tabular-nums; }
.tile .sub { color: var(--muted); font-size: 12px; margin-top: 4px; }
.panel { padding: 14px 16px; min-width: 0; }
.panel-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; margin-bottom: 10px; }
.grid { display: grid; gap: 16px; }
.grid.two-one { grid-template-columns: 2fr 1fr; }
.grid.three { grid-template-columns: repeat(3, minmax(0, 1fr)); }
.chart { position: relative; height: 240px; }
.chart.tall { height: 300px; }

.health-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(118px, 1fr)); gap: 16px; }
.stat { display: flex; flex-direction: column; gap: 4px; }
.stat .label { color: var(--muted); font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stat .num { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; white-space: nowrap; }
.stat .unit { font-size: 12px; font-weight: 500; color: var(--muted); margin-left: 3px; }
.queues { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
.queues:empty { display: none; }
.queue { background: #0f1a30; border: 1px solid var(--panel-border); border-radius: 8px; padding: 4px 10px; font-size: 12px; }
.queue b { color: var(--text); font-weight: 600; margin-right: 6px; }
.queue.none { color: var(--bad); }
.missions { display: grid; grid-template-columns: 240px minmax(0, 1fr); gap: 16px; align-items: center; }
.mission-totals { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.message { margin-top: 10px; color: var(--warn); font-size: 12px; }
.badge { border-radius: 999px; padding: 2px 10px; font-size: 12px; border: 1px solid var(--panel-border); color: var(--muted); }
.badge.ok { color: var(--good); border-color: rgba(52, 211, 153, 0.4); }
.badge.down { color: var(--bad); border-color: rgba(248, 113, 113, 0.4); }

.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; color: var(--muted); font-weight: 500; padding: 8px 10px; border-bottom: 1px solid var(--panel-border); white-space: nowrap; }
td { padding: 8px 10px; border-bottom: 1px solid #172036; vertical-align: top; }
tr.fresh td { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: rgba(56, 189, 248, 0.18); } to { background: transparent; } }
td.time, td.step { white-space: nowrap; font-variant-numeric: tabular-nums; color: #cbd5e1; }
td.msg { max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: #cbd5e1; }
tr.empty td { color: var(--muted); text-align: center; padding: 20px; }
.pill { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.pill i { width: 8px; height: 8px; border-radius: 2px; display: inline-block; }
.state { border-radius: 999px; padding: 1px 8px; font-size: 12px; }
.state.resolved { background: rgba(52, 211, 153, 0.15); color: var(--good); }
.state.abandoned { background: rgba(248, 113, 113, 0.15); color: var(--bad); }
.state.open { background: rgba(251, 191, 36, 0.15); color: var(--warn); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }

h3 { font-size: 13px; margin: 14px 0 6px; font-weight: 600; color: #cbd5e1; }
.alert-state { border-radius: 999px; padding: 1px 8px; font-size: 12px; white-space: nowrap; }
.alert-state.active.critical { background: rgba(248, 113, 113, 0.18); color: var(--bad); }
.alert-state.active.warning { background: rgba(251, 191, 36, 0.15); color: var(--warn); }
.alert-state.cleared { background: rgba(52, 211, 153, 0.12); color: var(--good); }
tr.cleared td { color: var(--muted); }
.questions:empty { display: none; }
.question { border: 1px solid rgba(251, 191, 36, 0.5); background: rgba(251, 191, 36, 0.07); border-radius: 10px; padding: 10px 12px; margin: 8px 0; }
.question p + p { margin-top: 6px; }
.question code, .mission code { background: #0b1326; border: 1px solid var(--panel-border); border-radius: 6px; padding: 2px 6px; font-size: 12px; user-select: all; display: inline-block; margin: 2px 6px 2px 0; }
.mission-list:empty::after { content: "none"; color: var(--muted); font-size: 12px; }
.mission { border: 1px solid var(--panel-border); border-radius: 10px; margin: 6px 0; background: #0f1a30; }
.mission > summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.mission > summary b { color: var(--text); }
.mission .body { padding: 4px 12px 10px; }
.mission table { font-size: 12px; }
.task-state { border-radius: 999px; padding: 1px 8px; font-size: 12px; background: #1e293b; white-space: nowrap; }
.task-state.completed { background: rgba(52, 211, 153, 0.15); color: var(--good); }
.task-state.running { background: rgba(56, 189, 248, 0.15); color: var(--accent); }
.task-state.asking, .task-state.deciding, .task-state.backing-off { background: rgba(251, 191, 36, 0.15); color: var(--warn); }
.task-state.abandoned, .task-state.skipped { background: rgba(248, 113, 113, 0.15); color: var(--bad); }
td.indent { padding-left: 28px; }

@media (max-width: 1100px) {
  .tiles { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .grid.two-one, .grid.three { grid-template-columns: 1fr; }
  .missions { grid-template-columns: 1fr; }
}
`;
