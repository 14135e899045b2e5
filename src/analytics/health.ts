import type { Client } from '@temporalio/client';
import { errorMessage } from '../errors';
import { TASK_QUEUES } from '../temporal/task-queues';
import { errorRatePerMinute, HOUR_MS, MINUTE_MS } from './metrics';
import type { FailureStore } from './store';

/** Live pollers of one task queue and task type. */
export interface QueuePollers {
  queue: string;
  type: 'workflow' | 'activity';
  pollers: number;
  identities: string[];
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
}

// temporal.api.enums.v1.TaskQueueType values.
const TASK_QUEUE_TYPES = { workflow: 1, activity: 2 } as const;

/** A health source asking Temporal: workflow counts by status and DescribeTaskQueue pollers. */
export function temporalHealthSource(options: TemporalHealthSourceOptions): HealthSource {
  const { client } = options;
  const namespace = options.namespace ?? 'default';
  const queues = options.queues ?? Object.values(TASK_QUEUES);
  const agentTasks = `WorkflowType="${options.agentWorkflowType ?? 'agentTask'}"`;
  const count = async (status: string) => (await client.workflow.count(`${agentTasks} AND ExecutionStatus="${status}"`)).count;
  const pollers = async (queue: string, type: QueuePollers['type']): Promise<QueuePollers> => {
    const answer = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue }, taskQueueType: TASK_QUEUE_TYPES[type] });
    const identities = (answer.pollers ?? []).map((p) => p.identity ?? '');
    return { queue, type, pollers: identities.length, identities };
  };
  return async () => {
    const [running, completed, failed, queueAnswers] = await Promise.all([
      count('Running'),
      count('Completed'),
      count('Failed'),
      Promise.all(queues.flatMap((queue) => [pollers(queue, 'workflow'), pollers(queue, 'activity')])),
    ]);
    const identities = new Set(queueAnswers.flatMap((q) => q.identities).filter((id) => id !== ''));
    return {
      activeAgents: running,
      workers: identities.size,
      pollers: queueAnswers.reduce((sum, q) => sum + q.pollers, 0),
      tasks: { running, completed, failed },
      queues: queueAnswers,
    };
  };
}
