/**
 * The typed mission client used by the CLI and by users' own scripts: start a mission, watch it,
 * send a person's decision, read its result and write its report.
 */
import { Client, WorkflowHandle } from '@temporalio/client';
import { DecideRequest, decideUpdate, graphQuery, MISSION_WORKFLOW, MissionGraph, MissionResult, missionStartOptions, missionWorkflowId } from '../contracts/mission';
import { MissionInput } from '../contracts/mission-spec';
import { SA } from '../contracts/search-attributes';

export type MissionHandle = WorkflowHandle<(input: MissionInput) => Promise<MissionResult>>;

/** Starts the mission `mission.<id>`, or attaches to it if it already runs. */
export async function startMission(client: Client, input: MissionInput): Promise<MissionHandle> {
  return client.workflow.start<(input: MissionInput) => Promise<MissionResult>>(MISSION_WORKFLOW, { ...missionStartOptions(input), workflowIdConflictPolicy: 'USE_EXISTING' });
}

export function getMission(client: Client, missionId: string): MissionHandle {
  return client.workflow.getHandle(missionWorkflowId(missionId));
}

/** Sends a person's decision; rejected (WorkflowUpdateFailedError) for an unknown task or a decision not allowed. */
export async function sendDecision(client: Client, missionId: string, request: DecideRequest) {
  return getMission(client, missionId).executeUpdate(decideUpdate, { args: [request] });
}

export async function missionGraph(handle: MissionHandle): Promise<MissionGraph> {
  return handle.query(graphQuery);
}

/** One line per change of the mission's graph, until it closes; resolves with its result. */
export async function watchMission(handle: MissionHandle, onProgress: (line: string) => void, intervalMs = 1_000): Promise<MissionResult> {
  let finished = false;
  let last = '';
  const poller = (async () => {
    while (!finished) {
      try {
        const line = describeGraph(await missionGraph(handle));
        if (line !== last) onProgress((last = line));
      } catch {
        // Between workflow tasks or already closed: the next poll (or the result) tells.
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  try {
    return await handle.result();
  } finally {
    finished = true;
    await poller;
  }
}

export function describeGraph(graph: MissionGraph): string {
  const counts = new Map<string, number>();
  for (const task of graph.tasks) counts.set(task.state, (counts.get(task.state) ?? 0) + 1);
  const states = [...counts.entries()].map(([s, n]) => `${s} ${n}`).join(' · ');
  const asks = graph.pending.map((q) => ` · waiting for a decision on ${q.taskId}`).join('');
  return `${states} · decisions ${graph.decisions.length} · tokens ${graph.tokens}${asks}`;
}

/** A mission run as visibility lists it. */
export interface ListedMission {
  missionId: string;
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT. */
  status: string;
  startTime: Date;
  closeTime?: Date;
  /** The `DreamStatus` search attribute. */
  state?: string;
}

/** Missions known to the server, newest first; `where` narrows the visibility query (e.g. `ExecutionStatus = 'Running'`). */
export async function listMissions(client: Client, limit = 50, where?: string): Promise<ListedMission[]> {
  const found: ListedMission[] = [];
  const query = `WorkflowType = '${MISSION_WORKFLOW}'${where ? ` AND ${where}` : ''}`;
  for await (const execution of client.workflow.list({ query })) {
    const state = execution.typedSearchAttributes.get(SA.status);
    found.push({
      missionId: execution.workflowId.replace(/^mission\./, ''),
      workflowId: execution.workflowId,
      runId: execution.runId,
      status: execution.status.name,
      startTime: execution.startTime,
      ...(execution.closeTime ? { closeTime: execution.closeTime } : {}),
      ...(state ? { state } : {}),
    });
    if (found.length >= limit) break;
  }
  return found;
}
