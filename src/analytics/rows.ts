/** Mapping between SQLite rows and the analytics types. */
import type { ChainSummary, Resolution } from './chains';
import type { EventKind, FailureEvent, FailureEventInput, Outcome } from './events';
import { NONE } from './rollup';
import { categoryOf, FailureClass } from './taxonomy';

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

/** Drops absent optional fields instead of carrying `undefined` keys. */
function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function eventFromRow(row: EventRow): FailureEvent {
  return present({
    idempotencyKey: row.idempotency_key,
    at: row.at,
    missionId: row.mission_id,
    workflowId: row.workflow_id,
    runId: row.run_id,
    role: row.role,
    step: row.step,
    attempt: row.attempt,
    kind: row.kind as EventKind,
    failureClass: (row.failure_class ?? undefined) as FailureClass | undefined,
    category: row.failure_class ? categoryOf(row.failure_class as FailureClass) : undefined,
    message: row.message ?? undefined,
    model: row.model ?? undefined,
    tokens: row.tokens ?? undefined,
    strategy: row.strategy ?? undefined,
    outcome: (row.outcome ?? undefined) as Outcome | undefined,
    chainId: row.chain_id,
  });
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

export function chainFromRow(row: ChainRow): ChainSummary {
  return present({
    chainId: row.chain_id,
    missionId: row.mission_id,
    workflowId: row.workflow_id,
    runId: row.run_id,
    role: row.role,
    model: row.model ?? undefined,
    failureClass: (row.failure_class ?? undefined) as FailureClass | undefined,
    firstFailureAt: row.first_failure_at,
    lastAt: row.last_at,
    resolution: row.resolution as Resolution,
    closedAt: row.closed_at ?? undefined,
    timeToResolutionMs: row.ttr_ms ?? undefined,
    strategies: JSON.parse(row.strategies) as string[],
    failures: row.failures,
    healAttempts: row.heal_attempts,
    rollbacks: row.rollbacks,
    escalations: row.escalations,
  });
}

export function chainToRow(chain: ChainSummary): ChainRow {
  return {
    chain_id: chain.chainId,
    mission_id: chain.missionId,
    workflow_id: chain.workflowId,
    run_id: chain.runId,
    role: chain.role,
    model: chain.model ?? null,
    failure_class: chain.failureClass ?? null,
    first_failure_at: chain.firstFailureAt,
    last_at: chain.lastAt,
    resolution: chain.resolution,
    closed_at: chain.closedAt ?? null,
    ttr_ms: chain.timeToResolutionMs ?? null,
    strategies: JSON.stringify(chain.strategies),
    failures: chain.failures,
    heal_attempts: chain.healAttempts,
    rollbacks: chain.rollbacks,
    escalations: chain.escalations,
  };
}

/** A rollup key column back to an optional value. */
export function orNull<T extends string>(value: string): T | null {
  return value === NONE ? null : (value as T);
}
