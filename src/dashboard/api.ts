import { parseDuration } from '../analytics/duration';
import type { SwarmHealthProbe } from '../analytics/health';
import { bucketFor, ClassCount, FrequencySeries, MINUTE_MS, Tally } from '../analytics/metrics';
import { AnalyticsSummary, buildSummary, DecisionView, decisionViews, RecentFailureView, recentFailureViews, StrategyView, strategyViews } from '../analytics/report';
import type { FailureStore, ResolutionReport } from '../analytics/store';
import { FAILURE_CLASSES, FailureClass } from '../contracts/failure-taxonomy';
import { DreamError, isDreamError } from '../errors';
import type { ScalingEventStore } from '../scaling/events';
import type { AlertStore } from '../analytics/alerts';
import type { MissionsSource } from '../missions/overview';
import { alertsView, missionsPageView, missionsUnavailable } from './missions-view';

export interface ApiContext {
  store: FailureStore;
  health: SwarmHealthProbe;
  /** Base URL of the Temporal Web UI, for the run links. */
  temporalUiUrl: string;
  namespace: string;
  /** Window used when a request names none. */
  defaultWindowMs: number;
  /** Scaling decisions; absent: `/api/scaling` answers an empty list. */
  scaling?: ScalingEventStore;
  /** The control tower's alerts; absent: `/api/alerts` answers `stored: false`. */
  alerts?: AlertStore;
  /** Missions from Temporal; absent: `/api/missions` says the dashboard has no Temporal client. */
  missions?: MissionsSource;
}

export type ApiHandler = (params: URLSearchParams, now: number) => Promise<unknown> | unknown;

function badRequest(message: string, fix: string): DreamError {
  return new DreamError('DASHBOARD_BAD_REQUEST', message, fix);
}

/** `since`: a duration back from now (`24h`), epoch milliseconds (digits only), or an ISO date. */
export function parseSince(text: string | null, now: number, defaultWindowMs: number): number {
  if (text === null || text === '') return now - defaultWindowMs;
  if (/^\d+$/.test(text)) return Number(text);
  if (/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$/.test(text)) return now - parseDuration(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) throw badRequest(`since=${text} is neither a duration nor a date.`, 'Use since=24h, since=30m, epoch milliseconds or an ISO date.');
  return date;
}

function parseBucket(text: string | null, windowMs: number): number {
  if (text === null || text === '') return bucketFor(windowMs);
  const ms = tryDuration(text);
  if (ms === undefined || ms % MINUTE_MS !== 0) throw badRequest(`bucket=${text} is not a whole number of minutes.`, 'Use bucket=1m, 5m, 10m, 1h or 1d.');
  if (windowMs / ms > 2_000) throw badRequest(`bucket=${text} makes more than 2000 buckets for this window.`, 'Choose a larger bucket or a shorter window.');
  return ms;
}

function tryDuration(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch (err) {
    if (isDreamError(err)) return undefined;
    throw err;
  }
}

function parseLimit(text: string | null, fallback: number, max: number): number {
  if (text === null || text === '') return fallback;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw badRequest(`limit=${text} is not a positive integer.`, `Use a limit between 1 and ${max}.`);
  return Math.min(limit, max);
}

function parseClass(text: string | null): FailureClass | undefined {
  if (text === null || text === '') return undefined;
  if (!Object.hasOwn(FAILURE_CLASSES, text)) throw badRequest(`failureClass=${text} is not a failure class.`, `Use one of: ${Object.keys(FAILURE_CLASSES).join(', ')}.`);
  return text as FailureClass;
}

const optional = (text: string | null) => (text === null || text === '' ? undefined : text);

/** Everything the page shows for one window: one request, and one server-sent event per change. */
export interface DashboardSnapshot {
  summary: AnalyticsSummary;
  frequency: FrequencySeries;
  classes: { failures: number; byClass: ClassCount[]; byCategory: Tally['byCategory']; byKind: Tally['byKind'] };
  resolution: ResolutionReport;
  strategies: StrategyView[];
  /** The supervisor's decisions by cause, with the share after which the task completed. */
  decisions: DecisionView[];
  recent: RecentFailureView[];
}

/** Failures listed in the page's table. */
export const RECENT_ON_PAGE = 15;

export function dashboardSnapshot(ctx: ApiContext, since: number, now: number): DashboardSnapshot {
  const window = ctx.store.tally({ since, until: now });
  const resolution = ctx.store.resolution({ since, until: now });
  const { byClass, byCategory, byKind, failures } = window;
  return {
    summary: buildSummary(ctx.store, { since, now }, { window, resolution }),
    frequency: ctx.store.frequency({ since, until: now, bucketMs: bucketFor(now - since) }),
    classes: { failures, byClass, byCategory, byKind },
    resolution,
    strategies: strategyViews(ctx.store.strategyRates({ since, until: now })),
    decisions: decisionViews(ctx.store.decisionRates({ since, until: now })),
    recent: recentFailureViews(ctx.store, { limit: RECENT_ON_PAGE, since, temporalUiUrl: ctx.temporalUiUrl, namespace: ctx.namespace }),
  };
}

/** The missions view: from the source (cached there), with Web UI links and decide commands. */
export async function missionsSnapshot(ctx: ApiContext, now: number) {
  return missionsPageView(ctx, ctx.missions ? await ctx.missions() : missionsUnavailable(now));
}

/** The JSON API: path → handler. Every handler reads the store (and Temporal for health) only. */
export function apiRoutes(ctx: ApiContext): Map<string, ApiHandler> {
  const since = (params: URLSearchParams, now: number) => parseSince(params.get('since'), now, ctx.defaultWindowMs);
  return new Map<string, ApiHandler>([
    ['/api/dashboard', (params, now) => dashboardSnapshot(ctx, since(params, now), now)],
    ['/api/summary', (params, now) => buildSummary(ctx.store, { since: since(params, now), now })],
    ['/api/decisions', (params, now) => decisionViews(ctx.store.decisionRates({ since: since(params, now), until: now }))],
    [
      '/api/frequency',
      (params, now) => {
        const from = since(params, now);
        return ctx.store.frequency({ since: from, until: now, bucketMs: parseBucket(params.get('bucket'), now - from) });
      },
    ],
    [
      '/api/classes',
      (params, now) => {
        const { byClass, byCategory, byKind, failures } = ctx.store.tally({ since: since(params, now), until: now });
        return { failures, byClass, byCategory, byKind };
      },
    ],
    ['/api/resolution', (params, now) => ctx.store.resolution({ since: since(params, now), until: now })],
    ['/api/strategies', (params, now) => strategyViews(ctx.store.strategyRates({ since: since(params, now), until: now, failureClass: parseClass(params.get('failureClass')) }))],
    [
      '/api/strategy-totals',
      (params) =>
        ctx.store.strategyStats({
          failureClass: parseClass(params.get('failureClass')),
          role: optional(params.get('role')),
          model: optional(params.get('model')),
          strategy: optional(params.get('strategy')),
        }),
    ],
    [
      '/api/recent',
      (params, now) =>
        recentFailureViews(ctx.store, {
          limit: parseLimit(params.get('limit'), 20, 500),
          since: params.has('since') ? since(params, now) : undefined,
          temporalUiUrl: ctx.temporalUiUrl,
          namespace: ctx.namespace,
        }),
    ],
    ['/api/health', (_params, now) => ctx.health.check(now)],
    ['/api/alerts', (params, now) => alertsView(ctx.alerts, since(params, now))],
    ['/api/missions', (_params, now) => missionsSnapshot(ctx, now)],
    ['/api/scaling', (params, now) => ctx.scaling?.list({ since: since(params, now), swarmId: optional(params.get('swarm')), limit: parseLimit(params.get('limit'), 2_000, 10_000) }) ?? []],
  ]);
}
