/**
 * The figures the dashboard and `dreamos analytics report` show, assembled from store queries.
 * One source, so the browser and the terminal never disagree.
 */
import type { ResolutionFigures } from './chains';
import type { EventKind } from '../contracts/failure-events';
import { ClassCount, errorRatePerMinute, MINUTE_MS, StrategyRateRow, successRate, Tally } from './metrics';
import type { FailureStore, RecentFailure, ResolutionReport } from './store';
import type { DecisionRateRow } from './decisions';
import type { FailureCategory } from '../contracts/failure-taxonomy';

export interface SummaryOptions {
  /** Start of the window (ms). */
  since: number;
  /** Clock. Default `Date.now()`. */
  now?: number;
  /** Sliding window of the error rate. Default 5 minutes. */
  errorWindowMs?: number;
}

export interface AnalyticsSummary {
  generatedAt: number;
  window: { since: number; until: number };
  events: number;
  failures: number;
  byKind: Record<EventKind, number>;
  byCategory: Record<FailureCategory, number>;
  topClasses: ClassCount[];
  healAttempts: number;
  healed: number;
  heartbeatTimeouts: number;
  tokens: number;
  resolution: ResolutionFigures;
  errorRate: { windowMs: number; failures: number; perMinute: number };
  lastEventAt: number | null;
}

/** What a summary is made of, for callers that already queried the window's tally and resolution. */
export interface SummaryParts {
  window: Tally;
  resolution: ResolutionReport;
}

export function buildSummary(store: FailureStore, options: SummaryOptions, parts?: SummaryParts): AnalyticsSummary {
  const now = options.now ?? Date.now();
  const errorWindowMs = options.errorWindowMs ?? 5 * MINUTE_MS;
  const window = parts?.window ?? store.tally({ since: options.since, until: now });
  const recent = store.tally({ since: now - errorWindowMs, until: now });
  const { histogram: _histogram, ...resolution } = parts?.resolution ?? store.resolution({ since: options.since, until: now });
  return {
    generatedAt: now,
    window: { since: options.since, until: now },
    events: window.events,
    failures: window.failures,
    byKind: window.byKind,
    byCategory: window.byCategory,
    topClasses: window.byClass.slice(0, 5),
    healAttempts: window.healAttempts,
    healed: window.healed,
    heartbeatTimeouts: window.heartbeatTimeouts,
    tokens: window.tokens,
    resolution,
    errorRate: { windowMs: errorWindowMs, failures: recent.failures, perMinute: errorRatePerMinute(recent.failures, errorWindowMs) },
    lastEventAt: store.lastEventAt(),
  };
}

/** The Temporal Web UI page of one workflow run (e.g. http://localhost:8233/namespaces/default/workflows/<id>/<run>/history). */
export function runUrl(temporalUiUrl: string, workflowId: string, runId: string, namespace = 'default'): string {
  const base = temporalUiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

export interface RecentFailureView extends RecentFailure {
  /** Link to the run's history in the Temporal Web UI. */
  url: string;
}

export function recentFailureViews(store: FailureStore, options: { limit: number; since?: number; temporalUiUrl: string; namespace?: string }): RecentFailureView[] {
  return store.recentFailures(options.limit, options.since).map((f) => ({ ...f, url: runUrl(options.temporalUiUrl, f.workflowId, f.runId, options.namespace) }));
}

export interface StrategyView extends StrategyRateRow {
  successRate: number | null;
}

export function strategyViews(rows: readonly StrategyRateRow[]): StrategyView[] {
  return rows.map((row) => ({ ...row, successRate: successRate(row) }));
}

/** Everything `dreamos analytics report --json` prints. */
export interface AnalyticsReport {
  summary: AnalyticsSummary;
  classes: ClassCount[];
  resolution: ReturnType<FailureStore['resolution']>;
  strategies: StrategyView[];
  decisions: DecisionView[];
  recent: RecentFailureView[];
}

/** A supervisor decision for one cause: how often taken, how often its task then completed. */
export interface DecisionView extends DecisionRateRow {
  successRate: number | null;
}

export function decisionViews(rows: DecisionRateRow[]): DecisionView[] {
  return rows.map((row) => ({ ...row, successRate: row.decisions === 0 ? null : row.resolved / row.decisions }));
}

export interface ReportOptions extends SummaryOptions {
  /** Base URL of the Temporal Web UI for the run links. */
  temporalUiUrl: string;
  /** Namespace of the linked runs. Default `default`. */
  namespace?: string;
  /** Recent failures listed. Default 10. */
  recentLimit?: number;
}

export function buildReport(store: FailureStore, options: ReportOptions): AnalyticsReport {
  const until = options.now ?? Date.now();
  const window = store.tally({ since: options.since, until });
  const resolution = store.resolution({ since: options.since, until });
  return {
    summary: buildSummary(store, { ...options, now: until }, { window, resolution }),
    classes: window.byClass,
    resolution,
    strategies: strategyViews(store.strategyRates({ since: options.since, until: options.now })),
    decisions: decisionViews(store.decisionRates({ since: options.since, until })),
    recent: recentFailureViews(store, { limit: options.recentLimit ?? 10, since: options.since, temporalUiUrl: options.temporalUiUrl, namespace: options.namespace }),
  };
}
