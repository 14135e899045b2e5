/**
 * Checks failure events at the store's door. Hand-written rather than a zod schema: it runs for
 * every recorded event, and at tens of thousands of events per second zod's cost showed up as
 * the largest single item in the ingest profile.
 */
import { EVENT_KINDS, FailureEventInput, OUTCOMES } from '../contracts/failure-events';
import { STRATEGY_SEPARATOR } from './rows';
import { FAILURE_CLASSES } from '../contracts/failure-taxonomy';

/** Longest message kept; longer ones (e.g. long validation error lists) are cut, not refused. */
export const MAX_MESSAGE_CHARS = 2_000;
/** Longest identifier (key, ids, role, model, strategy). */
export const MAX_ID_CHARS = 500;
/** Most events in one `record` call (one transaction). */
export const MAX_BATCH = 10_000;

const FIELDS = new Set([
  'idempotencyKey', 'at', 'missionId', 'workflowId', 'runId', 'role', 'step', 'attempt', 'kind',
  'failureClass', 'message', 'model', 'tokens', 'strategy', 'outcome', 'chainId',
]);
const REQUIRED_IDS = ['idempotencyKey', 'missionId', 'workflowId', 'runId', 'role', 'chainId'] as const;
const OPTIONAL_IDS = ['model', 'strategy'] as const;
const REQUIRED_COUNTS = ['at', 'step', 'attempt'] as const;
const KINDS = new Set<string>(EVENT_KINDS);
const OUTCOME_SET = new Set<string>(OUTCOMES);

export type ParsedEvents = { ok: true; events: FailureEventInput[] } | { ok: false; issues: string[] };

const isId = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_CHARS;
const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function issuesOf(value: unknown, at: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected an object`];
  const event = value as Record<string, unknown>;
  const issues: string[] = [];
  for (const key in event) if (!FIELDS.has(key)) issues.push(`${at}.${key}: unknown field`);
  for (const key of REQUIRED_IDS) if (!isId(event[key])) issues.push(`${at}.${key}: expected a string of 1 to ${MAX_ID_CHARS} characters`);
  for (const key of OPTIONAL_IDS) if (event[key] !== undefined && !isId(event[key])) issues.push(`${at}.${key}: expected a string of 1 to ${MAX_ID_CHARS} characters`);
  for (const key of REQUIRED_COUNTS) if (!isCount(event[key])) issues.push(`${at}.${key}: expected a whole number >= 0`);
  if (event.tokens !== undefined && !isCount(event.tokens)) issues.push(`${at}.tokens: expected a whole number >= 0`);
  if (!KINDS.has(event.kind as string)) issues.push(`${at}.kind: expected one of ${EVENT_KINDS.join(', ')}`);
  if (event.failureClass !== undefined && !Object.hasOwn(FAILURE_CLASSES, event.failureClass as string)) issues.push(`${at}.failureClass: not a failure class`);
  if (event.outcome !== undefined && !OUTCOME_SET.has(event.outcome as string)) issues.push(`${at}.outcome: expected one of ${OUTCOMES.join(', ')}`);
  if (event.message !== undefined && typeof event.message !== 'string') issues.push(`${at}.message: expected a string`);
  if (typeof event.strategy === 'string' && event.strategy.includes(STRATEGY_SEPARATOR)) issues.push(`${at}.strategy: contains a control character`);
  return issues;
}

/**
 * A copy with every field in one order (absent ones undefined): events arrive in many shapes,
 * and one shape keeps the rest of the write path's property reads fast.
 */
function normalized(e: FailureEventInput): FailureEventInput {
  return {
    idempotencyKey: e.idempotencyKey,
    at: e.at,
    missionId: e.missionId,
    workflowId: e.workflowId,
    runId: e.runId,
    role: e.role,
    step: e.step,
    attempt: e.attempt,
    kind: e.kind,
    failureClass: e.failureClass,
    message: e.message !== undefined && e.message.length > MAX_MESSAGE_CHARS ? e.message.slice(0, MAX_MESSAGE_CHARS) : e.message,
    model: e.model,
    tokens: e.tokens,
    strategy: e.strategy,
    outcome: e.outcome,
    chainId: e.chainId,
  };
}

/** Validates a batch; long messages are cut to MAX_MESSAGE_CHARS. */
export function parseFailureEvents(value: unknown): ParsedEvents {
  if (!Array.isArray(value)) return { ok: false, issues: ['events: expected an array'] };
  if (value.length > MAX_BATCH) return { ok: false, issues: [`events: at most ${MAX_BATCH} per batch, got ${value.length}`] };
  const issues: string[] = [];
  const events: FailureEventInput[] = [];
  value.forEach((item: unknown, index) => {
    const found = issuesOf(item, `events[${index}]`);
    if (found.length > 0) return issues.push(...found);
    events.push(normalized(item as FailureEventInput));
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, events };
}

/** The first few issues on one line. */
export function describeIssues(issues: readonly string[]): string {
  const shown = issues.slice(0, 5).join('; ');
  return issues.length > 5 ? `${shown}; and ${issues.length - 5} more` : shown;
}
