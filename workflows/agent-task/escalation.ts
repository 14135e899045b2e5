import { ApplicationFailure } from '@temporalio/workflow';
import type { EscalationContext } from '../../src/contracts/agent-task';
import { ESCALATION_REQUIRED } from '../../src/contracts/failure-types';
import { flushEvents } from './failure-events';
import { setStatus } from './publish';
import { Escalation, lastCheckpoint, TaskRun } from './task';

/** What a supervisor needs to decide about the task, including where a new run would resume. */
function escalationContext(task: TaskRun, escalation: Escalation): EscalationContext {
  const { spec, state } = task;
  const last = lastCheckpoint(task);
  return {
    taskId: spec.taskId,
    missionId: spec.missionId,
    role: spec.role,
    reason: escalation.reason,
    step: state.step,
    attempts: state.attempts,
    healAttempts: state.healAttempts,
    rollbacks: state.rollbacks,
    tokens: state.tokens,
    lastCheckpoint: last ? { id: last.id, completedSteps: last.completedSteps } : undefined,
    recentFailures: state.recentFailures,
    resume: { fromWorkflowId: task.workflowId, records: state.records.slice(0, last?.completedSteps ?? 0) },
  };
}

/**
 * Gives the task up: records the escalation and closes its open failure chains as abandoned, then
 * returns the typed, non-retryable failure for the workflow to fail with.
 */
export async function escalate(task: TaskRun, escalation: Escalation): Promise<ApplicationFailure> {
  const { spec, state, recorder } = task;
  setStatus(task, 'escalated');
  const attempt = task.current.attempt;
  recorder.escalation(state.step, { attempt, message: `${escalation.reason}: ${escalation.message}`, tokens: state.tokens });
  for (const step of recorder.state().open) recorder.abandoned(step, { attempt, message: escalation.reason });
  await flushEvents(recorder);
  return ApplicationFailure.create({
    type: ESCALATION_REQUIRED,
    nonRetryable: true,
    message: `${spec.taskId}: ${escalation.message}`,
    details: [escalationContext(task, escalation)],
  });
}
