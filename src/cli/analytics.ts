import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Command } from 'commander';
import { formatDuration, parseDuration } from '../analytics/duration';
import { HealthSource, MissionTokens, MissionTotals, readMissionTokens, temporalHealthSource } from '../analytics/health';
import { AnalyticsReport, buildReport } from '../analytics/report';
import { FailureStore } from '../analytics/store';
import { loadConfig, temporalUiUrl } from '../config';
import { startDashboard } from '../dashboard/server';
import { AlertStore } from '../analytics/alerts';
import { alertsView, AlertsView, missionsUnavailable } from '../dashboard/missions-view';
import { MissionsSource, temporalMissionsSource } from '../missions/overview';
import { DreamError, errorMessage } from '../errors';
import { say } from './context';
import { connectClient, TemporalTarget, temporalTarget } from '../temporal/connection';

/** The analytics store the CLI reads: `--db`, else `<DREAMOS_HOME>/analytics.db`. */
export function analyticsDbFile(db: string | undefined): string {
  return db === undefined ? path.join(loadConfig().home, 'analytics.db') : path.resolve(db);
}

function parseSinceOption(value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new DreamError('CLI_INVALID_OPTION', `--since must be a duration, got "${value}".`, 'Pass e.g. --since 30m, --since 24h or --since 7d.');
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new DreamError('CLI_INVALID_OPTION', `--port must be a port number, got "${value}".`, 'Pass e.g. --port 7400 (0 picks a free port).');
  return port;
}

const number = new Intl.NumberFormat('en-US');
const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);
const pad = (text: string, width: number) => text.padEnd(width);

function bar(count: number, max: number, width = 24): string {
  return max === 0 ? '' : '█'.repeat(Math.max(count > 0 ? 1 : 0, Math.round((count / max) * width)));
}

/** The control tower's alert store beside the analytics database (`alerts.db`), read-only; absent when no nexus worker made one. */
function openAlertStore(analyticsFile: string): AlertStore | undefined {
  const file = path.join(path.dirname(analyticsFile), 'alerts.db');
  return fs.existsSync(file) ? AlertStore.open(file, { readonly: true }) : undefined;
}

/** Active alerts and those cleared in the window, from the alert store beside `analyticsFile`. */
export function readAlerts(analyticsFile: string, clearedSince: number): AlertsView {
  const store = openAlertStore(analyticsFile);
  try {
    return alertsView(store, clearedSince);
  } finally {
    store?.close();
  }
}

function renderAlerts(lines: string[], alerts: AlertsView): void {
  lines.push('', 'Swarm alerts (control tower; active, then cleared in the window)');
  if (!alerts.stored) lines.push('  (no alerts.db beside the database: the nexus worker creates it)');
  else if (alerts.active.length + alerts.cleared.length === 0) lines.push('  (none)');
  for (const a of [...alerts.active, ...alerts.cleared]) {
    const state = a.clearedAt === undefined ? a.severity : `cleared ${new Date(a.clearedAt).toISOString()}`;
    lines.push(`  ${new Date(a.raisedAt).toISOString()}  ${pad(state, 34)}${pad(a.kind, 23)}${pad(a.subject, 24)}${a.message}`);
  }
}

/** Tokens by mission for `report --temporal`: what Temporal said, or why it said nothing. */
export type MissionTokensReport =
  | { temporal: string; reachable: true; missions: MissionTokens[]; totals: MissionTotals }
  | { temporal: string; reachable: false; message: string };

/** Asks the Temporal server at `address` for tokens by mission; never throws, the report stands without it. */
export async function missionTokensReport(target: TemporalTarget, timeoutMs = 3_000): Promise<MissionTokensReport> {
  let client: Client | undefined;
  try {
    client = await connectClient(target, timeoutMs);
    const { missions, missionTotals } = await readMissionTokens({ client, namespace: target.namespace });
    return { temporal: target.address, reachable: true, missions, totals: missionTotals };
  } catch (err) {
    return { temporal: target.address, reachable: false, message: errorMessage(err) };
  } finally {
    await client?.connection.close().catch(() => undefined);
  }
}

function renderMissionTokens(lines: string[], tokens: MissionTokensReport): void {
  lines.push('', `Tokens by mission (Temporal at ${tokens.temporal})`);
  if (!tokens.reachable) {
    lines.push(`  Unavailable: ${tokens.message}`, '  The figures above come from the database alone; pass --temporal <host:port> of a running server for tokens by mission.');
    return;
  }
  const t = tokens.totals;
  const scope = t.limitReached ? ` (latest ${number.format(t.tasks)} agent tasks only)` : '';
  lines.push(`  ${number.format(t.tokens)} tokens · ${number.format(t.missions)} missions · ${number.format(t.tasks)} agent tasks (${number.format(t.running)} running)${scope}`);
  if (tokens.missions.length === 0) lines.push('  (no agent tasks with a mission)');
  const max = Math.max(0, ...tokens.missions.map((m) => m.tokens));
  for (const m of tokens.missions) {
    lines.push(`  ${pad(m.missionId, 32)}${`${number.format(m.tasks)} task${m.tasks === 1 ? '' : 's'}`.padStart(11)}${`${number.format(m.running)} running`.padStart(12)}${number.format(m.tokens).padStart(13)}  ${bar(m.tokens, max)}`);
  }
}

/** The terminal form of the report: the figures of the dashboard, one block each. */
export function renderReport(report: AnalyticsReport, windowMs: number, dbFile: string, tokens?: MissionTokensReport, alerts?: AlertsView): string {
  const { summary: s, resolution: r } = report;
  const lines: string[] = [];
  const add = (label: string, value: string) => lines.push(`  ${pad(label, 20)}${value}`);
  lines.push(`Failure analytics · last ${formatDuration(windowMs)} · ${dbFile}`, '');
  add('Failures', `${number.format(s.failures)} (activity ${number.format(s.byKind['activity-failure'])} · validation ${number.format(s.byKind['validation-failure'])} · workflow ${number.format(s.byKind['workflow-failure'])})`);
  add('Error rate', `${s.errorRate.perMinute.toFixed(2)}/min over the last ${formatDuration(s.errorRate.windowMs)}`);
  add('Heal attempts', `${number.format(s.healAttempts)}, healed ${number.format(s.healed)} (${percent(s.healAttempts === 0 ? null : s.healed / s.healAttempts)})`);
  add('Rollbacks', `${number.format(s.byKind.rollback)} · escalations ${number.format(s.byKind.escalation)}`);
  add('Resolution rate', `${percent(r.rate)} (${number.format(r.resolved)} resolved · ${number.format(r.abandoned)} abandoned · ${number.format(r.open)} open)`);
  add('Time to resolution', `p50 ${formatDuration(r.p50Ms)} · p95 ${formatDuration(r.p95Ms)}`);
  add('Heartbeat timeouts', number.format(s.heartbeatTimeouts));
  add('Tokens spent', number.format(s.tokens));
  add('Last event', s.lastEventAt === null ? '—' : new Date(s.lastEventAt).toISOString());

  lines.push('', 'Failure classes');
  if (report.classes.length === 0) lines.push('  (none)');
  const maxClass = Math.max(0, ...report.classes.map((c) => c.count));
  for (const c of report.classes) {
    lines.push(`  ${pad(c.failureClass, 20)}${pad(c.category, 17)}${number.format(c.count).padStart(9)}  ${percent(s.failures === 0 ? null : c.count / s.failures).padStart(6)}  ${bar(c.count, maxClass)}`);
  }

  lines.push('', 'Time to resolution (resolved chains)');
  const maxTtr = Math.max(0, ...r.histogram.map((h) => h.count));
  for (const h of r.histogram) lines.push(`  ${pad(h.label, 12)}${number.format(h.count).padStart(9)}  ${bar(h.count, maxTtr)}`);

  lines.push('', 'Healing strategies per failure class (healed / attempts)');
  if (report.strategies.length === 0) lines.push('  (none)');
  for (const st of report.strategies.slice(0, 15)) {
    lines.push(`  ${pad(`${st.strategy} · ${st.failureClass ?? 'any'}`, 40)}${`${number.format(st.successes)}/${number.format(st.attempts)}`.padStart(13)}  ${percent(st.successRate).padStart(6)}`);
  }

  lines.push('', 'Supervisor decisions by cause (task completed after / decided)');
  if (report.decisions.length === 0) lines.push('  (none)');
  for (const d of report.decisions) {
    lines.push(`  ${pad(`${d.decision} · ${d.cause || 'any'}`, 40)}${`${number.format(d.resolved)}/${number.format(d.decisions)}`.padStart(13)}  ${percent(d.successRate).padStart(6)}`);
  }

  lines.push('', 'Recent failures');
  if (report.recent.length === 0) lines.push('  (none)');
  for (const f of report.recent) {
    const message = (f.message ?? '').replace(/\s+/g, ' ').slice(0, 60);
    lines.push(`  ${new Date(f.at).toISOString()}  ${pad(f.failureClass ?? 'unknown', 18)}${pad(f.role, 12)}step ${f.step + 1} · attempt ${f.attempt}  ${pad(f.resolution ?? 'open', 10)}${message}`);
    lines.push(`    ${f.url}`);
  }
  if (alerts) renderAlerts(lines, alerts);
  if (tokens) renderMissionTokens(lines, tokens);
  return lines.join('\n');
}

/**
 * A health source that connects to Temporal on first use (the dashboard starts without it) and
 * connects again later if that fails; `close` closes the connection it made.
 */
function lazyTemporalSource(target: TemporalTarget): { source: HealthSource; missions: MissionsSource; close(): Promise<void> } {
  let client: Promise<Client> | undefined;
  let missions: { of: Client; source: MissionsSource } | undefined;
  return {
    async source() {
      client ??= connectClient(target);
      try {
        return await temporalHealthSource({ client: await client, namespace: target.namespace })();
      } catch (err) {
        const failed = client;
        client = undefined;
        await failed?.then((c) => c.connection.close()).catch(() => undefined);
        throw err;
      }
    },
    async missions() {
      let of: Client;
      try {
        of = await (client ??= connectClient(target));
      } catch (err) {
        client = undefined;
        return { ...missionsUnavailable(Date.now()), message: `Temporal did not answer: ${errorMessage(err)}` };
      }
      // One source (and its cache) per connection.
      if (missions?.of !== of) missions = { of, source: temporalMissionsSource({ client: of }) };
      return missions.source();
    },
    async close() {
      await client?.then((c) => c.connection.close()).catch(() => undefined);
    },
  };
}

export function analyticsCommand(): Command {
  const analytics = new Command('analytics')
    .description('Failure analytics: what failed, how it was healed, how fast (the nexus worker records into <DREAMOS_HOME>/analytics.db)')
    .option('--db <file>', 'analytics database to read instead of <DREAMOS_HOME>/analytics.db')
    // Set before the subcommands exist, so they inherit it: main.ts turns exits into exit codes.
    .exitOverride();

  analytics
    .command('report')
    .description('Print the failure analytics figures: failures by class, error rate, resolution, time to resolution, strategies, recent failures')
    .option('--since <duration>', 'window to report, back from now: 30m, 24h, 7d', '24h')
    .option('--json', 'print the report as JSON')
    .option('--temporal [address]', 'also show tokens by mission from this Temporal server (host:port; alone: the configured server)')
    .action(async (options: { since: string; json?: boolean; temporal?: string | true }, command: Command) => {
      const windowMs = parseSinceOption(options.since);
      const config = loadConfig();
      const file = analyticsDbFile(command.optsWithGlobals<{ db?: string }>().db);
      const store = FailureStore.open(file, { readonly: true });
      let report: AnalyticsReport;
      const now = Date.now();
      try {
        report = buildReport(store, { since: now - windowMs, now, temporalUiUrl: temporalUiUrl(config), namespace: config.temporal.namespace });
      } finally {
        store.close();
      }
      const alerts = readAlerts(file, now - windowMs);
      const address = options.temporal === true ? undefined : options.temporal;
      const tokens = options.temporal === undefined ? undefined : await missionTokensReport(temporalTarget(config, address));
      say(options.json ? JSON.stringify({ ...report, alerts, ...(tokens ? { missionTokens: tokens } : {}) }, null, 2) : renderReport(report, windowMs, file, tokens, alerts));
    });

  analytics
    .command('dashboard')
    .description('Serve the failure analytics dashboard from the database file (the nexus worker serves it too)')
    .option('--host <host>', 'interface to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 7400)
    .option('--token <token>', 'token required by the API (Authorization: Bearer or ?token=)')
    .action(async (options: { host: string; port: number; token?: string }, command: Command) => {
      const config = loadConfig();
      const dbFile = analyticsDbFile(command.optsWithGlobals<{ db?: string }>().db);
      const store = FailureStore.open(dbFile, { readonly: true });
      const alerts = openAlertStore(dbFile);
      const temporal = lazyTemporalSource(temporalTarget(config));
      const dashboard = await startDashboard({
        store,
        host: options.host,
        port: options.port,
        token: options.token,
        temporalUiUrl: temporalUiUrl(config),
        namespace: config.temporal.namespace,
        healthSource: temporal.source,
        missions: temporal.missions,
        alerts,
      }).catch((err: unknown) => {
        store.close();
        alerts?.close();
        throw err;
      });
      say(`failure analytics dashboard at ${dashboard.url}${options.token ? '/?token=<token>' : ''} (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await dashboard.close();
      await temporal.close();
      store.close();
      alerts?.close();
    });

  return analytics;
}
