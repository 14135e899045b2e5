import { MissionInput } from '../../src/contracts/mission-spec';
import { MissionGraph } from '../../src/contracts/mission';
import { MissionHandle, missionGraph } from '../../src/missions/mission-client';
import { parseMissionDocument } from '../../src/tasks/load';
import { uniqueId } from './temporal';

/** A validated mission with test-friendly defaults (short timeouts, supervision that never asks unless told). */
export function missionOf(tasks: Array<Record<string, unknown>>, fields: Record<string, unknown> = {}): MissionInput {
  return parseMissionDocument({
    mission: uniqueId('m'),
    defaults: { role: 'researcher', outputSchema: 'answer', timeouts: { promptMs: 10_000, heartbeatMs: 3_000 } },
    ...fields,
    supervision: { askPerson: 'never', retryBackoffMs: 500, ...(fields.supervision as object | undefined) },
    tasks: tasks.map((t) => ({ goal: `Answer question ${String(t.taskId)}`, ...t })),
  });
}

/** Polls the mission's graph until `check` holds. */
export async function waitForGraph(handle: MissionHandle, check: (graph: MissionGraph) => boolean, timeoutMs = 30_000): Promise<MissionGraph> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const graph = await missionGraph(handle).catch(() => undefined);
    if (graph && check(graph)) return graph;
    if (Date.now() > deadline) throw new Error(`mission graph never matched; last: ${JSON.stringify(graph?.tasks.map((t) => [t.taskId, t.state]))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Fails a task's prompts for one role; another role (a reassignment) answers. */
export function failsFor(role: string, extra: Record<string, unknown> = {}) {
  return { rules: [{ whenPromptIncludes: `You are the ${role} agent`, fault: 'empty-answer' as const, ...extra }] };
}

/** Escalates at its first failure: no reasks left, no rollback. */
export const ESCALATE_FAST = { maxConsecutiveFailures: 1, maxRollbacks: 0 };
