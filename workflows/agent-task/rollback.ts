import { flushEvents } from './failure-events';
import { rollBackMemory } from './memory';
import { setStatus } from './publish';
import { Escalation, freshStep, lastCheckpoint, TaskRun } from './task';

/**
 * Returns the task and its memory to the last checkpoint; the steps completed after it are
 * dropped and the next prompt says why. Past the rollback budget it returns the escalation
 * instead, for the loop to act on.
 */
export async function rollBack(task: TaskRun): Promise<Escalation | undefined> {
  const { spec, state } = task;
  if (state.rollbacks >= spec.budget.maxRollbacks) return { reason: 'rollback-limit', message: `still failing after ${state.rollbacks} rollbacks` };
  setStatus(task, 'rolling-back');
  const target = lastCheckpoint(task);
  const failed = state.consecutiveFailures;
  const kinds = [...new Set(state.recentFailures.slice(-failed).map((f) => f.kind))].join(', ');
  const failedStep = state.step;
  state.records = state.records.slice(0, target.completedSteps);
  state.step = target.completedSteps;
  state.rollbacks += 1;
  state.consecutiveFailures = 0;
  const note = `Resumed from checkpoint ${target.id} after ${failed} failed attempts (${kinds}). Take a different approach than before.`;
  task.rollbackNote = note;
  task.recorder.rollback(failedStep, { attempt: task.current.attempt, message: `to ${target.id} after ${failed} failed attempts (${kinds})` });
  const dropped = Array.from({ length: failedStep - target.completedSteps }, (_, i) => target.completedSteps + i);
  await rollBackMemory(task, target, dropped, note);
  await flushEvents(task.recorder);
  task.current = freshStep();
  setStatus(task, 'running');
  return undefined;
}
