/**
 * The supervisor's analytics events, one chain per mission task (`mission.<id>/<task>#step0#seg0`):
 * the escalation it took over, each decision as a heal attempt of strategy `supervisor:<kind>`
 * (healed when the task then completed) and the chain's end, resolved or abandoned. So a chain
 * that ends in a successful reassignment counts as resolved by the supervisor, and decision
 * success rates appear with the healer's strategies. A hand-off is an event of its own kind on the
 * origin's chain id, which the store does not fold into the chain. Keys are deterministic: replays and retries
 * record nothing twice.
 */
import { chainIdOf, FailureEventInput } from '../../src/contracts/failure-events';
import { FAILURE_CLASSES, FailureClass } from '../../src/contracts/failure-taxonomy';
import type { DecisionRecord } from '../../src/contracts/mission';

export interface EventScope {
  missionId: string;
  workflowId: string;
  runId: string;
}

function failureClassOf(name: string | undefined): FailureClass {
  return name && Object.hasOwn(FAILURE_CLASSES, name) ? (name as FailureClass) : 'escalation';
}

function base(scope: EventScope, taskId: string, role: string, attempt: number, at: number) {
  const chainOwner = `${scope.workflowId}/${taskId}`;
  return { at, missionId: scope.missionId, workflowId: scope.workflowId, runId: scope.runId, role, step: 0, attempt, chainId: chainIdOf(chainOwner, 0, 0), keyPrefix: chainOwner };
}

function event(scope: EventScope, taskId: string, role: string, attempt: number, at: number, key: string, fields: Omit<FailureEventInput, 'idempotencyKey' | 'at' | 'missionId' | 'workflowId' | 'runId' | 'role' | 'step' | 'attempt' | 'chainId'>): FailureEventInput {
  const { keyPrefix, ...common } = base(scope, taskId, role, attempt, at);
  return { ...common, idempotencyKey: `${keyPrefix}/${key}`, ...fields };
}

/** A child of the task ended without completing: the supervisor takes it over. */
export function takenOver(scope: EventScope, taskId: string, role: string, run: number, at: number, failureClass: string | undefined, message: string, tokens: number): FailureEventInput {
  return event(scope, taskId, role, run, at, `escalation-${run}`, { kind: 'escalation', failureClass: failureClassOf(failureClass), message: message.slice(0, 500), outcome: 'escalated', tokens });
}

/** The supervisor model's part in a decision, for the event's message: ` [advice split followed]`. */
export function adviceNote(record: DecisionRecord): string {
  const advice = record.advice;
  if (!advice) return '';
  const what = advice.kind ? `advice ${advice.kind} ${advice.verdict}` : `advice ${advice.verdict}`;
  return ` [${what}${advice.note ? `: ${advice.note}` : ''}]`;
}

/** A decision whose outcome is known. */
export function decided(scope: EventScope, role: string, record: DecisionRecord): FailureEventInput {
  return event(scope, record.taskId, role, record.index, record.at, `decision-${record.index}`, {
    kind: 'heal-attempt',
    strategy: `supervisor:${record.kind}`,
    failureClass: failureClassOf(record.failureClass),
    message: `${record.cause}: ${record.reason}${record.detail ? ` (${record.detail})` : ''}${record.byPerson ? ' [person]' : ''}${adviceNote(record)}`.slice(0, 500),
    outcome: record.outcome === 'resolved' ? 'healed' : record.outcome === 'abandoned' ? 'abandoned' : 'retrying',
  });
}

/** The task's supervision chain ends. */
export function ended(scope: EventScope, taskId: string, role: string, attempt: number, at: number, resolution: 'resolved' | 'abandoned', strategy: string | undefined, message: string): FailureEventInput {
  return event(scope, taskId, role, attempt, at, resolution, { kind: resolution, outcome: resolution, message: message.slice(0, 500), ...(strategy ? { strategy } : {}) });
}

/** A hand-off whose outcome is known: resolved or abandoned with its task, or refused. Not a failure: the store keeps it out of chains. */
export function handedOff(scope: EventScope, role: string, record: DecisionRecord): FailureEventInput {
  return event(scope, record.taskId, role, record.index, record.at, `hand-off-${record.index}`, {
    kind: 'hand-off',
    strategy: 'supervisor:hand-off',
    message: `${record.cause}: ${record.reason}${record.detail ? ` (${record.detail})` : ''}`.slice(0, 500),
    outcome: record.outcome === 'resolved' ? 'resolved' : 'abandoned',
  });
}
