import type { Client } from '@temporalio/client';
import type { FailureStore } from '../src/analytics/store';
import { MISSION_WORKFLOW } from '../src/contracts/mission';
import { AGENT_TASK_WORKFLOW } from '../src/contracts/agent-task';
import type { QueueHealth } from '../src/contracts/tower';
import { describeTaskQueue, protoMs, TaskType } from '../src/temporal/task-queue';

const HOUR_MS = 3_600_000;

export interface ObserveQueuesInput {
  queues: string[];
  /** Missions the tower believes are running: the ones found closed are returned. */
  missionWorkflowIds: string[];
}

export interface ObservedSwarm {
  queues: QueueHealth[];
  runningMissions: number;
  runningAgentTasks: number;
  /** Missions that are no longer running, with how they closed (a report the tower missed). */
  closed: Array<{ workflowId: string; status: string }>;
  gaps: string[];
}

export interface FailureFigures {
  events: number;
  chains: number;
  resolved: number;
  resolutionRate: number | null;
}

/**
 * The tower's view of the swarm through Temporal (control worker): each queue's pollers and
 * approximate backlog (DescribeTaskQueue with stats), running missions and agent tasks (visibility
 * counts), and which of the tower's missions have closed. Read-only, so a retry is harmless.
 */
export const createTowerActivities = (deps: { client: Client; namespace: string }) => {
  const { client, namespace } = deps;
  async function queueHealth(queue: string, type: TaskType): Promise<QueueHealth> {
    const answer = await describeTaskQueue(client, namespace, queue, type);
    return {
      queue,
      type,
      pollers: answer.pollers?.length ?? 0,
      backlog: Number(answer.stats?.approximateBacklogCount ?? 0),
      backlogAgeMs: Math.round(protoMs(answer.stats?.approximateBacklogAge)),
    };
  }

  async function closedOf(workflowId: string): Promise<{ workflowId: string; status: string } | undefined> {
    try {
      const status = (await client.workflow.getHandle(workflowId).describe()).status.name;
      return status === 'RUNNING' ? undefined : { workflowId, status };
    } catch (err) {
      if (err instanceof Error && err.name === 'WorkflowNotFoundError') return { workflowId, status: 'NOT_FOUND' };
      throw err;
    }
  }

  return {
    async observeTower(input: ObserveQueuesInput): Promise<ObservedSwarm> {
      const gaps: string[] = [];
      const queues = await Promise.all(
        input.queues.flatMap((queue) =>
          (['workflow', 'activity'] as const).map((type) =>
            queueHealth(queue, type).catch((err: unknown) => {
              gaps.push(`${queue}/${type}: ${err instanceof Error ? err.message : String(err)}`);
              return undefined;
            }),
          ),
        ),
      );
      const [missions, agentTasks, closed] = await Promise.all([
        client.workflow.count(`WorkflowType = '${MISSION_WORKFLOW}' AND ExecutionStatus = 'Running'`),
        client.workflow.count(`WorkflowType = '${AGENT_TASK_WORKFLOW}' AND ExecutionStatus = 'Running'`),
        Promise.all(input.missionWorkflowIds.slice(0, 200).map(closedOf)),
      ]);
      return {
        queues: queues.filter((q): q is QueueHealth => q !== undefined),
        runningMissions: missions.count,
        runningAgentTasks: agentTasks.count,
        closed: closed.filter((c): c is { workflowId: string; status: string } => c !== undefined),
        gaps,
      };
    },
  };
};

/** The failure analytics figures the tower watches (nexus worker, owner of the store): the last hour. */
export const createTowerFigureActivities = (store: FailureStore) => ({
  async failureFigures(input: { now: number }): Promise<FailureFigures> {
    const range = { since: input.now - HOUR_MS, until: input.now };
    const tally = store.tally(range);
    const resolution = store.resolution(range);
    return { events: tally.events, chains: resolution.resolved + resolution.abandoned + resolution.open, resolved: resolution.resolved, resolutionRate: resolution.rate };
  },
});

export type TowerActivities = ReturnType<typeof createTowerActivities>;
export type TowerFigureActivities = ReturnType<typeof createTowerFigureActivities>;
