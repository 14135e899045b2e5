import type { Client } from '@temporalio/client';
import { SA } from '../contracts/search-attributes';
import { errorMessage } from '../errors';
import { logger } from '../logger';
import { TASK_QUEUES } from '../contracts/task-queues';
import { describeTaskQueue } from '../temporal/task-queue';
import { errorRatePerMinute, HOUR_MS, MINUTE_MS } from './metrics';
import type { FailureStore } from './store';

/** Live pollers of one task queue and task type. */
export interface QueuePollers {
  queue: string;
  type: 'workflow' | 'activity';
  pollers: number;
  identities: string[];
}

/** Tokens the agent tasks of one mission spent, as their `DreamTokens` search attribute says. */
export interface MissionTokens {
  missionId: string;
  /** Agent tasks of the mission among those read. */
  tasks: number;
  /** Of which still running (their tokens still grow). */
  running: number;
  tokens: number;
}

/** Token accounting over every mission read, not only the ones listed. */
export interface MissionTotals {
  missions: number;
  tasks: number;
  running: number;
  tokens: number;
  /** The read stopped at its limit: older agent tasks are left out. */
  limitReached: boolean;
}

/** What the swarm's runtime says about itself; a figure it cannot tell is null. */
export interface LiveHealth {
  /** Agents at work: running agent tasks. */
  activeAgents: number | null;
  /** Distinct workers polling the swarm's task queues. */
  workers: number | null;
  /** Pollers on the swarm's task queues, all types. */
  pollers: number | null;
  /** Agent tasks by state (running now; completed and failed so far). */
  tasks: { running: number | null; completed: number | null; failed: number | null };
  queues: QueuePollers[];
  /** Missions spending the most tokens, most first (top 10), over the most recent agent tasks. Absent: unknown. */
  missions?: MissionTokens[];
  /** Totals over all missions read. Absent: unknown. */
  missionTotals?: MissionTotals;
}

/**
 * Where live figures come from. The nexus worker passes one (e.g. `temporalHealthSource`);
 * a source may fill in only what it knows. A throw or a slow answer shows as "unavailable".
 */
export type HealthSource = () => Promise<Partial<LiveHealth>>;

export interface SwarmHealth {
  at: number;
  live: LiveHealth & {
    /** Whether the source answered (false without a source). */
    reachable: boolean;
    /** Why figures are missing. */
    message?: string;
  };
  /** Failures per minute over the sliding `windowMs`. */
  errorRate: { windowMs: number; failures: number; perMinute: number };
  /** Heartbeat timeouts (workers lost mid-call) over the last `windowMs`. */
  heartbeatTimeouts: { windowMs: number; count: number };
  /** Tokens spent on failed and repair attempts over the last `windowMs`. */
  budget: { windowMs: number; tokens: number; tokensPerMinute: number };
}

export interface SwarmHealthProbeOptions {
  /** The store the error rate, heartbeat timeouts and budget burn are read from. */
  store: FailureStore;
  /** Live figures (agents, workers, pollers, tasks). Omitted: store figures only. */
  source?: HealthSource;
  /** How long the source may take before it counts as unavailable. Default 2 s. */
  timeoutMs?: number;
  /** How long an answer is reused (several dashboards, frequent refresh). Default 2 s. */
  cacheMs?: number;
  /** Sliding window of the error rate. Default 5 minutes. */
  errorWindowMs?: number;
  /** Window of heartbeat timeouts and budget burn. Default 1 hour. */
  burnWindowMs?: number;
}

const NO_LIVE: LiveHealth = { activeAgents: null, workers: null, pollers: null, tasks: { running: null, completed: null, failed: null }, queues: [] };

/** Swarm health for the dashboard: the live source's figures plus the store's. */
export class SwarmHealthProbe {
  private cached?: { at: number; value: SwarmHealth['live'] };

  constructor(private readonly options: SwarmHealthProbeOptions) {}

  async check(now = Date.now()): Promise<SwarmHealth> {
    const errorWindowMs = this.options.errorWindowMs ?? 5 * MINUTE_MS;
    const burnWindowMs = this.options.burnWindowMs ?? HOUR_MS;
    const recent = this.options.store.tally({ since: now - errorWindowMs, until: now });
    const burn = this.options.store.tally({ since: now - burnWindowMs, until: now });
    return {
      at: now,
      live: await this.live(now),
      errorRate: { windowMs: errorWindowMs, failures: recent.failures, perMinute: errorRatePerMinute(recent.failures, errorWindowMs) },
      heartbeatTimeouts: { windowMs: burnWindowMs, count: burn.heartbeatTimeouts },
      budget: { windowMs: burnWindowMs, tokens: burn.tokens, tokensPerMinute: burn.tokens / (burnWindowMs / MINUTE_MS) },
    };
  }

  private async live(now: number): Promise<SwarmHealth['live']> {
    const source = this.options.source;
    if (!source) return { ...NO_LIVE, reachable: false, message: 'No live health source: showing store figures only.' };
    if (this.cached && now - this.cached.at < (this.options.cacheMs ?? 2_000)) return this.cached.value;
    const timeoutMs = this.options.timeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    let value: SwarmHealth['live'];
    try {
      const answer = await Promise.race([source(), timeout]);
      value = { ...NO_LIVE, ...answer, tasks: { ...NO_LIVE.tasks, ...answer.tasks }, reachable: true };
    } catch (err) {
      value = { ...NO_LIVE, reachable: false, message: `Live health unavailable: ${errorMessage(err)}. Store figures are still current.` };
    } finally {
      clearTimeout(timer);
    }
    this.cached = { at: now, value };
    return value;
  }
}

export interface TemporalHealthSourceOptions {
  client: Client;
  /** Default `default`. */
  namespace?: string;
  /** Task queues whose pollers count. Default agents, nexus and control. */
  queues?: string[];
  /** Workflow type of an agent task. Default `agentTask`. */
  agentWorkflowType?: string;
  /** Agent tasks read (most recent first) for the tokens by mission. Default 2000. */
  missionScanLimit?: number;
  /** Missions listed in `missions`. Default 10. */
  topMissions?: number;
}

/** One agent task as the token accounting sees it. */
export interface AgentTaskTokens {
  missionId: string;
  running: boolean;
  tokens: number;
}

/** Sums tokens per mission: the `top` missions by tokens (then tasks, then id) and totals over all. */
export function tokensByMission(tasks: Iterable<AgentTaskTokens>, top = 10): { missions: MissionTokens[]; totals: Omit<MissionTotals, 'limitReached'> } {
  const byMission = new Map<string, MissionTokens>();
  const totals = { missions: 0, tasks: 0, running: 0, tokens: 0 };
  for (const task of tasks) {
    const mission = byMission.get(task.missionId) ?? { missionId: task.missionId, tasks: 0, running: 0, tokens: 0 };
    mission.tasks += 1;
    mission.running += task.running ? 1 : 0;
    mission.tokens += task.tokens;
    byMission.set(task.missionId, mission);
    totals.tasks += 1;
    totals.running += task.running ? 1 : 0;
    totals.tokens += task.tokens;
  }
  totals.missions = byMission.size;
  const missions = [...byMission.values()].sort((a, b) => b.tokens - a.tokens || b.tasks - a.tasks || a.missionId.localeCompare(b.missionId));
  return { missions: missions.slice(0, top), totals };
}

/**
 * Tokens by mission from Temporal visibility: reads the `DreamMission` and `DreamTokens` search
 * attributes of the most recent agent tasks (running first). Throws when Temporal does not answer
 * or rejects the query (e.g. the search attributes are not registered).
 */
export async function readMissionTokens(options: TemporalHealthSourceOptions): Promise<Required<Pick<LiveHealth, 'missions' | 'missionTotals'>>> {
  const scanLimit = options.missionScanLimit ?? 2_000;
  const query = `WorkflowType="${options.agentWorkflowType ?? 'agentTask'}" AND ${SA.mission.name} IS NOT NULL`;
  const tasks: AgentTaskTokens[] = [];
  let limitReached = false;
  for await (const execution of options.client.workflow.list({ query, pageSize: Math.min(scanLimit, 1_000) })) {
    const missionId = execution.typedSearchAttributes.get(SA.mission);
    if (missionId !== undefined) tasks.push({ missionId, running: execution.status.name === 'RUNNING', tokens: execution.typedSearchAttributes.get(SA.tokens) ?? 0 });
    if (tasks.length >= scanLimit) {
      limitReached = true;
      break;
    }
  }
  const { missions, totals } = tokensByMission(tasks, options.topMissions ?? 10);
  return { missions, missionTotals: { ...totals, limitReached } };
}

// temporal.api.enums.v1.TaskQueueType values.

/** A health source asking Temporal: workflow counts by status, DescribeTaskQueue pollers and tokens by mission. */
export function temporalHealthSource(options: TemporalHealthSourceOptions): HealthSource {
  const { client } = options;
  const namespace = options.namespace ?? 'default';
  const queues = options.queues ?? Object.values(TASK_QUEUES);
  const agentTasks = `WorkflowType="${options.agentWorkflowType ?? 'agentTask'}"`;
  const count = async (status: string) => (await client.workflow.count(`${agentTasks} AND ExecutionStatus="${status}"`)).count;
  const pollers = async (queue: string, type: QueuePollers['type']): Promise<QueuePollers> => {
    const answer = await describeTaskQueue(client, namespace, queue, type);
    const identities = (answer.pollers ?? []).map((p) => p.identity ?? '');
    return { queue, type, pollers: identities.length, identities };
  };
  // A server without the project's search attributes rejects the query: the other figures still count.
  const missionTokensOrUnknown = (): Promise<Pick<LiveHealth, 'missions' | 'missionTotals'>> =>
    readMissionTokens(options).catch((err: unknown) => {
      logger.warn({ event: 'health.mission-tokens-failed', err: errorMessage(err) }, 'could not read tokens by mission from Temporal');
      return {};
    });
  return async () => {
    const [running, completed, failed, queueAnswers, missions] = await Promise.all([
      count('Running'),
      count('Completed'),
      count('Failed'),
      Promise.all(queues.flatMap((queue) => [pollers(queue, 'workflow'), pollers(queue, 'activity')])),
      missionTokensOrUnknown(),
    ]);
    const identities = new Set(queueAnswers.flatMap((q) => q.identities).filter((id) => id !== ''));
    return {
      activeAgents: running,
      workers: identities.size,
      pollers: queueAnswers.reduce((sum, q) => sum + q.pollers, 0),
      tasks: { running, completed, failed },
      queues: queueAnswers,
      ...missions,
    };
  };
}
