import { Client, WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TASK_QUEUES } from '../temporal/task-queues';
import { AgentTaskSpec } from '../tasks/spec';
import { SA } from '../../workflows/search-attributes';
import { agentTask } from '../../workflows/agentTask';
import { AgentTaskResult, AgentTaskState, ESCALATION_REQUIRED, EscalationContext, stateQuery } from '../../workflows/definitions';

/** Workflow id of a task: `<mission>.<task>`; submitting the same task while it runs attaches to it. */
export function taskWorkflowId(spec: AgentTaskSpec): string {
  return `${spec.missionId}.${spec.taskId}`;
}

export async function startAgentTask(client: Client, spec: AgentTaskSpec): Promise<WorkflowHandle<typeof agentTask>> {
  return client.workflow.start(agentTask, {
    workflowId: taskWorkflowId(spec),
    taskQueue: TASK_QUEUES.agents,
    args: [{ spec }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: SA.role, value: spec.role },
      { key: SA.mission, value: spec.missionId },
      { key: SA.status, value: 'running' },
    ],
    staticSummary: `${spec.role}: ${spec.goal.slice(0, 120)}`,
    staticDetails: `Mission **${spec.missionId}**, task **${spec.taskId}**, ${spec.steps} step(s), output schema \`${spec.outputSchema}\`.`,
  });
}

export type TaskOutcome =
  | { workflowId: string; status: 'completed'; result: AgentTaskResult }
  | { workflowId: string; status: 'escalated'; message: string; context?: EscalationContext }
  | { workflowId: string; status: 'failed'; message: string };

/** Waits for a task and classifies how it ended. */
export async function outcomeOf(handle: WorkflowHandle<typeof agentTask>): Promise<TaskOutcome> {
  try {
    return { workflowId: handle.workflowId, status: 'completed', result: await handle.result() };
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type === ESCALATION_REQUIRED) {
      return { workflowId: handle.workflowId, status: 'escalated', message: err.cause.message, context: err.cause.details?.[0] as EscalationContext };
    }
    return { workflowId: handle.workflowId, status: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}

export function describeState(state: AgentTaskState, steps: number): string {
  return `${state.status} · step ${Math.min(state.step + 1, steps)}/${steps} · attempts ${state.attempts} · heals ${state.healAttempts} · rollbacks ${state.rollbacks}`;
}

/** Polls each task's `state` query and reports changes until all have closed. */
export async function watchTasks(
  handles: Array<{ handle: WorkflowHandle<typeof agentTask>; spec: AgentTaskSpec }>,
  onProgress: (taskId: string, line: string) => void,
  intervalMs = 1_000,
): Promise<TaskOutcome[]> {
  const last = new Map<string, string>();
  let finished = false;
  const poller = (async () => {
    while (!finished) {
      for (const { handle, spec } of handles) {
        try {
          const line = describeState(await handle.query(stateQuery), spec.steps);
          if (last.get(spec.taskId) !== line) {
            last.set(spec.taskId, line);
            onProgress(spec.taskId, line);
          }
        } catch {
          // The task may be between runs (continue-as-new) or already closed; the next poll tells.
        }
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  const outcomes = await Promise.all(handles.map(({ handle }) => outcomeOf(handle)));
  finished = true;
  await poller;
  return outcomes;
}
