import { ApplicationFailure } from '@temporalio/activity';
import type { FailureEventInput } from '../src/contracts/failure-events';
import type { ClassCount } from '../src/analytics/metrics';
import type { FailureStore } from '../src/analytics/store';
import { FAILURE_CLASSES, FailureCategory, FailureClass } from '../src/contracts/failure-taxonomy';
import { describeIssues, parseFailureEvents } from '../src/analytics/validation';
import type { StrategyStatRow } from '../src/healing/chooser';
import { INVALID_ANALYTICS_INPUT } from '../src/contracts/failure-types';

export type { FailureEventInput } from '../src/contracts/failure-events';
export type { StrategyStatRow } from '../src/healing/chooser';


export interface RecordFailureEventsInput {
  /** Events of one workflow, built with `FailureRecorder` (workflows/agent-task/failure-recorder.ts); at most 10 000. */
  events: FailureEventInput[];
}

export interface RecordFailureEventsResult {
  /** Events stored for the first time. */
  recorded: number;
  /** Events already stored under their idempotency key: a retried activity, never counted twice. */
  duplicates: number;
  /** Events older than the compaction watermark, dropped (they may have been stored before). */
  tooOld: number;
}

export interface StrategyStatsInput {
  /** Only this failure class. The chooser wants the whole class (it falls back to class-wide figures). */
  failureClass?: FailureClass;
  role?: string;
  model?: string;
}

export interface FailureClassesInput {
  /** How far back to count. Default 1 hour. */
  windowMs?: number;
}

export interface FailureClassesResult {
  windowMs: number;
  failures: number;
  /** Most frequent first. */
  byClass: ClassCount[];
  byCategory: Record<FailureCategory, number>;
  heartbeatTimeouts: number;
}

function invalid(what: string, detail: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`Invalid ${what}: ${detail}`, INVALID_ANALYTICS_INPUT);
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw invalid('strategy stats input', `${field} must be a non-empty string`);
  return value;
}

/**
 * Activities of the failure analytics store. They run on the `nexus` queue, whose single worker
 * owns the store; workflows call them with `proxyActivities<AnalyticsActivities>`.
 */
export const createAnalyticsActivities = (store: FailureStore) => ({
  /**
   * Records a batch of failure events in one transaction. Idempotent by event key: a retry (or a
   * second workflow task sending the same events) is counted in `duplicates`, never stored twice.
   */
  async recordFailureEvents(input: RecordFailureEventsInput): Promise<RecordFailureEventsResult> {
    const parsed = parseFailureEvents(input?.events);
    if (!parsed.ok) throw invalid('failure events', describeIssues(parsed.issues));
    return store.record(parsed.events);
  },

  /**
   * All-time heal attempts and successes per (failure class, role, model, strategy): the `stats`
   * of the healer's `chooseStrategy`. A missing class or model is the empty string.
   */
  async strategyStats(input: StrategyStatsInput = {}): Promise<StrategyStatRow[]> {
    if (input.failureClass !== undefined && !Object.hasOwn(FAILURE_CLASSES, input.failureClass)) {
      throw invalid('strategy stats input', `failureClass ${String(input.failureClass)} is not a failure class`);
    }
    const rows = store.strategyStats({ failureClass: input.failureClass, role: optionalText(input.role, 'role'), model: optionalText(input.model, 'model') });
    return rows.map((row) => ({ ...row, failureClass: row.failureClass ?? '', model: row.model ?? '' }));
  },

  /** Failures by class over the last `windowMs`: what the supervisor watches (e.g. rate limits). */
  async failureClasses(input: FailureClassesInput = {}): Promise<FailureClassesResult> {
    const windowMs = input.windowMs ?? 3_600_000;
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw invalid('failure classes input', 'windowMs must be a positive number');
    const tally = store.tally({ since: Date.now() - windowMs });
    return { windowMs, failures: tally.failures, byClass: tally.byClass, byCategory: tally.byCategory, heartbeatTimeouts: tally.heartbeatTimeouts };
  },
});

export type AnalyticsActivities = ReturnType<typeof createAnalyticsActivities>;
