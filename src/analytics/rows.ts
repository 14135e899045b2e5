/** Mapping between SQLite rows and the analytics types. */
import type { ChainSummary, Resolution } from './chains';
import type { EventKind, FailureEvent, FailureEventInput, Outcome } from '../contracts/failure-events';
import { NONE } from './rollup';
import { categoryOf, FailureClass } from '../contracts/failure-taxonomy';

export interface EventRow {
  idempotency_key: string;
  at: number;
  mission_id: string;
  workflow_id: string;
  run_id: string;
  role: string;
  step: number;
  attempt: number;
  kind: string;
  failure_class: string | null;
  message: string | null;
  model: string | null;
  tokens: number | null;
  strategy: string | null;
  outcome: string | null;
  chain_id: string;
}

export function eventFromRow(row: EventRow): FailureEvent {
  const event: FailureEvent = {
    idempotencyKey: row.idempotency_key,
    at: row.at,
    missionId: row.mission_id,
    workflowId: row.workflow_id,
    runId: row.run_id,
    role: row.role,
    step: row.step,
    attempt: row.attempt,
    kind: row.kind as EventKind,
    chainId: row.chain_id,
  };
  // Absent optional fields stay absent rather than `undefined` keys.
  if (row.failure_class !== null) {
    event.failureClass = row.failure_class as FailureClass;
    event.category = categoryOf(event.failureClass);
  }
  if (row.message !== null) event.message = row.message;
  if (row.model !== null) event.model = row.model;
  if (row.tokens !== null) event.tokens = row.tokens;
  if (row.strategy !== null) event.strategy = row.strategy;
  if (row.outcome !== null) event.outcome = row.outcome as Outcome;
  return event;
}

/** Positional parameters of the raw insert, in column order. */
export function eventParams(event: FailureEventInput): (string | number | null)[] {
  return [
    event.idempotencyKey,
    event.at,
    event.missionId,
    event.workflowId,
    event.runId,
    event.role,
    event.step,
    event.attempt,
    event.kind,
    event.failureClass ?? null,
    event.message ?? null,
    event.model ?? null,
    event.tokens ?? null,
    event.strategy ?? null,
    event.outcome ?? null,
    event.chainId,
  ];
}

export interface ChainRow {
  chain_id: string;
  mission_id: string;
  workflow_id: string;
  run_id: string;
  role: string;
  model: string | null;
  failure_class: string | null;
  first_at: number;
  first_failure_at: number;
  last_at: number;
  resolution: string;
  closed_at: number | null;
  ttr_ms: number | null;
  strategies: string;
  failures: number;
  heal_attempts: number;
  rollbacks: number;
  escalations: number;
}

/** Joins a chain's strategies in one column; validation keeps it out of strategy names. */
export const STRATEGY_SEPARATOR = '\u001f';

export function chainFromRow(row: ChainRow): ChainSummary {
  const chain: ChainSummary = {
    chainId: row.chain_id,
    missionId: row.mission_id,
    workflowId: row.workflow_id,
    runId: row.run_id,
    role: row.role,
    firstAt: row.first_at,
    firstFailureAt: row.first_failure_at,
    lastAt: row.last_at,
    resolution: row.resolution as Resolution,
    strategies: row.strategies === '' ? [] : row.strategies.split(STRATEGY_SEPARATOR),
    failures: row.failures,
    healAttempts: row.heal_attempts,
    rollbacks: row.rollbacks,
    escalations: row.escalations,
  };
  if (row.model !== null) chain.model = row.model;
  if (row.failure_class !== null) chain.failureClass = row.failure_class as FailureClass;
  if (row.closed_at !== null) chain.closedAt = row.closed_at;
  if (row.ttr_ms !== null) chain.timeToResolutionMs = row.ttr_ms;
  return chain;
}


/** Positional parameters of the chain upsert, in column order. */
export function chainParams(chain: ChainSummary): (string | number | null)[] {
  return [
    chain.chainId,
    chain.missionId,
    chain.workflowId,
    chain.runId,
    chain.role,
    chain.model ?? null,
    chain.failureClass ?? null,
    chain.firstAt,
    chain.firstFailureAt,
    chain.lastAt,
    chain.resolution,
    chain.closedAt ?? null,
    chain.timeToResolutionMs ?? null,
    chain.strategies.join(STRATEGY_SEPARATOR),
    chain.failures,
    chain.healAttempts,
    chain.rollbacks,
    chain.escalations,
  ];
}

/** A rollup key column back to an optional value. */
export function orNull<T extends string>(value: string): T | null {
  return value === NONE ? null : (value as T);
}
