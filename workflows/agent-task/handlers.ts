import { setHandler } from '@temporalio/workflow';
import { amendGoalUpdate, checkpointsQuery, hintSignal, pauseSignal, resumeSignal, stateQuery } from '../../src/contracts/agent-task';
import { publish, setStatus } from './publish';
import type { TaskRun } from './task';

/** Queries `state` and `checkpoints`; signals `pause`, `resume`, `hint`; update `amendGoal` (validated). */
export function registerHandlers(task: TaskRun): void {
  const { state } = task;
  setHandler(stateQuery, () => state);
  setHandler(checkpointsQuery, () => task.checkpoints);
  setHandler(pauseSignal, () => {
    if (state.status === 'running') setStatus(task, 'paused');
  });
  setHandler(resumeSignal, () => {
    if (state.status === 'paused') setStatus(task, 'running');
  });
  setHandler(hintSignal, (hint) => {
    state.hints.push(hint);
  });
  setHandler(
    amendGoalUpdate,
    (goal) => {
      state.goal = goal.trim();
      publish(task);
      return state;
    },
    {
      validator: (goal) => {
        if (typeof goal !== 'string' || goal.trim() === '') throw new Error('amendGoal needs a non-empty goal');
        if (state.status === 'completed' || state.status === 'escalated') throw new Error(`task is already ${state.status}`);
      },
    },
  );
}
