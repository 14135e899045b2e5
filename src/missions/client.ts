import { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { AgentTaskSpec } from '../contracts/agent-task-spec';
import {
  AGENT_TASK_WORKFLOW,
  AgentTaskInput,
  AgentTaskResult,
  AgentTaskState,
  agentTaskStartOptions,
  EscalationContext,
  escalationOf,
  stateQuery,
} from '../contracts/agent-task';

type AgentTaskWorkflow = (input: AgentTaskInput) => Promise<AgentTaskResult>;

/** A handle typed by the agent task's contract (clients never import workflow code). */
export type AgentTaskHandle = WorkflowHandle<AgentTaskWorkflow>;

/**
 * Starts a task, or attaches to it if it already runs under its id. `taskQueue`: a worker
 * profile's queue (its model calls run there too); default: the queue of the spec's worker
 * profile (`agents` for the standard one).
 */
export async function startAgentTask(client: Client, spec: AgentTaskSpec, options: { taskQueue?: string } = {}): Promise<WorkflowHandleWithFirstExecutionRunId<AgentTaskWorkflow>> {
  const start = agentTaskStartOptions(spec);
  return client.workflow.start<AgentTaskWorkflow>(AGENT_TASK_WORKFLOW, {
    ...start,
    taskQueue: options.taskQueue ?? start.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

export type TaskOutcome =
  | { workflowId: string; status: 'completed'; result: AgentTaskResult }
  | { workflowId: string; status: 'escalated'; message: string; context?: EscalationContext }
  | { workflowId: string; status: 'failed'; message: string };

/** Waits for a task and classifies how it ended. */
export async function outcomeOf(handle: AgentTaskHandle): Promise<TaskOutcome> {
  try {
    return { workflowId: handle.workflowId, status: 'completed', result: await handle.result() };
  } catch (err) {
    const escalation = escalationOf(err);
    if (escalation) return { workflowId: handle.workflowId, status: 'escalated', ...escalation };
    return { workflowId: handle.workflowId, status: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}

export function describeState(state: AgentTaskState, steps: number): string {
  return `${state.status} · step ${Math.min(state.step + 1, steps)}/${steps} · attempts ${state.attempts} · heals ${state.healAttempts} · rollbacks ${state.rollbacks}`;
}

/** Polls each task's `state` query and reports changes until all have closed. */
export async function watchTasks(
  handles: Array<{ handle: AgentTaskHandle; spec: AgentTaskSpec }>,
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
