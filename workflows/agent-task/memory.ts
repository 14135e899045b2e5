import { log, proxyActivities } from '@temporalio/workflow';
import type { MemoryActivities, RecalledMemory } from '../../activities/memory';
import { NEXUS_ACTIVITY_OPTIONS } from '../../src/contracts/activity-options';
import type { Checkpoint } from '../../src/contracts/agent-task';
import { lastCheckpoint, TaskRun } from './task';

const memory = proxyActivities<MemoryActivities>(NEXUS_ACTIVITY_OPTIONS);

const RECALL_LIMIT = 8;
const PROMPT_CHARS = 1_500;
const CONTENT_CHARS = 600;

/**
 * Names the memory state of a checkpoint so a rollback can return to it. The first memory write
 * tagged with the name marks it in the store, so naming it costs no activity. Unique per chain of
 * runs and rollback, as a re-run of the same task id shares its namespace.
 */
export function markCheckpoint(task: TaskRun, checkpoint: Checkpoint): void {
  checkpoint.memoryId = `${task.chainId}:${checkpoint.id}.r${task.state.rollbacks}`;
}

/** The mission namespace's key of the fact that step `step` (0-based) leaves. */
function factKey(task: TaskRun, step: number): string {
  return `${task.spec.taskId}.step-${step + 1}`;
}

/** The memories for the step prompt, this agent's and the mission's; none if the store cannot answer. */
export async function recallMemories(task: TaskRun): Promise<string[]> {
  let recalled: RecalledMemory[];
  try {
    // Ranked by importance, then recency: rollback notes first, then the mission's facts and this agent's turns.
    recalled = await memory.recallMemory({ namespaces: [task.agentNamespace, task.missionNamespace], limit: RECALL_LIMIT, maxChars: PROMPT_CHARS });
  } catch (err) {
    log.warn('memory recall failed; prompting without memory', { error: String(err) });
    return [];
  }
  return recalled.map((m) => (m.namespace === task.missionNamespace ? `[mission] ${m.content}` : m.content));
}

/** What a completed step leaves behind: a turn for this agent, a fact for the whole mission. */
export async function rememberStep(task: TaskRun, output: unknown): Promise<void> {
  const { spec, state } = task;
  const text = JSON.stringify(output);
  const content = text.length > CONTENT_CHARS ? `${text.slice(0, CONTENT_CHARS - 3)}...` : text;
  const checkpoint = lastCheckpoint(task);
  await memory.rememberStep({
    idempotencyKey: `${task.workflowId}/step-${state.step}/attempt-${state.attempts}`,
    checkpointId: checkpoint.memoryId ?? checkpoint.id,
    writes: [
      { namespace: task.agentNamespace, kind: 'short', role: 'assistant', content: `Step ${state.step + 1} (${spec.outputSchema}): ${content}`, tags: [spec.outputSchema] },
      {
        namespace: task.missionNamespace,
        kind: 'long',
        key: factKey(task, state.step),
        content: `${spec.role} (${spec.taskId}) step ${state.step + 1}: ${content}`,
        tags: [spec.role, spec.outputSchema],
        importance: 0.6,
      },
    ],
  });
  checkpoint.memoryWritten = true;
}

/**
 * Returns the agent's memory to `target` (if anything was written since it), forgets the mission
 * facts of the dropped steps, and leaves the rollback note where later prompts will recall it.
 */
export async function rollBackMemory(task: TaskRun, target: Checkpoint, droppedSteps: number[], note: string): Promise<void> {
  if (!target.memoryId) return;
  const idempotencyKey = `${task.workflowId}/rollback-${task.state.rollbacks}`;
  if (target.memoryWritten) await memory.rollbackMemory({ namespaces: [task.agentNamespace], checkpointId: target.memoryId, idempotencyKey });
  const forget = droppedSteps.map((step) => ({ namespace: task.missionNamespace, key: factKey(task, step) }));
  await memory.rememberStep({
    idempotencyKey: `${idempotencyKey}/note`,
    checkpointId: target.memoryId,
    writes: [{ namespace: task.agentNamespace, kind: 'short', role: 'system', content: note, tags: ['rollback'], importance: 0.8 }],
    ...(forget.length > 0 ? { forget } : {}),
  });
  target.memoryWritten = true;
}
