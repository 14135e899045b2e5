/**
 * The failure event: one thing that happened to one step of one agent task, as recorded by the
 * workflows and read by the dashboard, the CLI report and the healer. Pure and free of Node
 * imports, so workflow code can build events with it.
 */
import type { FailureCategory, FailureClass } from './failure-taxonomy';

export const EVENT_KINDS = [
  'activity-failure',
  'validation-failure',
  'heal-attempt',
  'rollback',
  'escalation',
  'workflow-failure',
  'resolved',
  'abandoned',
  // A mission supervisor's hand-off (a follow-up task an agent's output named): a decision, not a
  // failure, so the store keeps it out of failure chains and rollups (src/analytics/ingest.ts).
  'hand-off',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const OUTCOMES = ['retrying', 'healed', 'rolled-back', 'escalated', 'resolved', 'abandoned'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The kinds counted as errors (frequency charts, error rate, recent failures). */
export const FAILURE_KINDS = ['activity-failure', 'validation-failure', 'workflow-failure'] as const satisfies readonly EventKind[];

export function isFailureKind(kind: EventKind): boolean {
  return (FAILURE_KINDS as readonly EventKind[]).includes(kind);
}

/** A recorded event; `category` is derived from `failureClass`, never sent. */
export interface FailureEvent {
  /** Unique per event; a write replayed or retried with the same key is recorded once. */
  idempotencyKey: string;
  /** When it happened (ms since epoch, workflow time). */
  at: number;
  missionId: string;
  workflowId: string;
  runId: string;
  role: string;
  step: number;
  /** Attempt of the step at the workflow level. */
  attempt: number;
  kind: EventKind;
  failureClass?: FailureClass;
  category?: FailureCategory;
  message?: string;
  model?: string;
  /** Tokens the attempt spent. */
  tokens?: number;
  /** Repair strategy of a heal attempt (e.g. `reask`, `rollback`). */
  strategy?: string;
  outcome?: Outcome;
  /** Groups the events of one failure and its repair; see `chainIdOf`. */
  chainId: string;
}

/** What a workflow sends: the event without its derived category. */
export type FailureEventInput = Omit<FailureEvent, 'category'>;

/** The chain id the workflows use: one chain per step segment (a new segment after a resolution). */
export function chainIdOf(workflowId: string, step: number, segment: number): string {
  return `${workflowId}#step${step}#seg${segment}`;
}

/** What a workflow carries over `continueAsNew` so chains continue in the next run. */
export interface RecorderState {
  /** Current chain segment of each step that has one. */
  segments: Record<number, number>;
  /** Steps whose current chain has events and is not closed. */
  open: number[];
  /** Class of the latest failure of each open chain. */
  classes?: Record<number, FailureClass>;
}
