import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DreamConfig, temporalUiUrl } from '../src/config';
import { DreamError } from '../src/errors';
import { createProvider, ModelProvider } from '../src/llm';
import { logger } from '../src/logger';
import { SQLiteMemory } from '../src/memory';
import { FailureStore } from '../src/analytics/store';
import { temporalHealthSource } from '../src/analytics/health';
import { startDashboard } from '../src/dashboard/server';
import { TASK_QUEUES, TaskQueueRole } from '../src/contracts/task-queues';
import { workerDeploymentOptions } from '../src/temporal/versioning';
import { bundleFile, WorkflowBundleRole } from './paths';
import { createPromptActivities } from '../activities/prompt';
import { createMemoryActivities } from '../activities/memory';
import { createAnalyticsActivities } from '../activities/analytics';
import { createScalingActivities } from '../activities/scaling';
import { createScalingEventActivities } from '../activities/scaling-events';
import { ScalingEventStore } from '../src/scaling/events';
import { selectBackend, WorkerBackend } from '../src/scaling/backend';
import { createMissionActivities } from '../activities/mission';
import { createTowerActivities, createTowerFigureActivities } from '../activities/tower';
import { createAlertActivities } from '../activities/alerts';
import { AlertStore } from '../src/analytics/alerts';
import { temporalMissionsSource } from '../src/missions/overview';
import { createScheduleActivities } from '../activities/schedule';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  config: DreamConfig;
  /** Folder of the prebuilt workflow bundles, one per workflow-running queue (`npm run build`). */
  workflowBundles: string;
  /** Model provider of agent workers; default: the configured one. */
  provider?: ModelProvider;
  /** Identity shown in the Web UI's worker lists. */
  identity?: string;
  /** Seconds to let running activities finish on shutdown. Default 10. */
  shutdownGraceSeconds?: number;
  /** Nexus worker: SQLite files. Default `<home>/memory.db` and `<home>/analytics.db`. */
  memoryFile?: string;
  analyticsFile?: string;
  /** Nexus worker: serve the failure dashboard (config.dashboard). Default true. */
  dashboard?: boolean;
  /** Control worker: where the scaler starts workers. Default: `selectBackend(config)`. */
  scalingBackend?: WorkerBackend;
}

/** A worker and what must be released once it has stopped (database files, the dashboard). */
export interface ManagedWorker {
  role: TaskQueueRole;
  worker: Worker;
  /** Set when this worker serves the failure dashboard. */
  dashboardUrl?: string;
  close(): Promise<void>;
}

const nothingToClose = async (): Promise<void> => undefined;

function workflowBundle(deps: WorkerDeps, role: WorkflowBundleRole): { codePath: string } {
  const file = bundleFile(deps.workflowBundles, role);
  if (!fs.existsSync(file)) {
    throw new DreamError('WORKFLOW_BUNDLE_MISSING', `No ${role} workflow bundle at ${file}.`, 'Run `npm run build` (npm start and npm test do it for you).');
  }
  return { codePath: file };
}

function common(deps: WorkerDeps, role: TaskQueueRole) {
  const deployment = workerDeploymentOptions(deps.config, role);
  return {
    ...(deployment ? { workerDeploymentOptions: deployment } : {}),
    connection: deps.connection,
    namespace: deps.namespace,
    // A worker profile serves its own queue (config.worker.taskQueue) with the agents role's code.
    taskQueue: role === 'agents' ? (deps.config.worker.taskQueue ?? TASK_QUEUES.agents) : TASK_QUEUES[role],
    ...(deps.identity ? { identity: `${deps.identity}/${role}` } : {}),
    shutdownGraceTime: (deps.shutdownGraceSeconds ?? 10) * 1000,
  };
}

/** Stateless agent worker: agent workflows and the model-call activities. */
export async function createAgentWorker(deps: WorkerDeps): Promise<ManagedWorker> {
  const provider = deps.provider ?? createProvider(deps.config);
  // Slot limits: what one worker of its profile may run at once (the scaler counts demand in them).
  const { maxActivities, maxWorkflowTasks } = deps.config.worker;
  const worker = await Worker.create({
    ...common(deps, 'agents'),
    workflowBundle: workflowBundle(deps, 'agents'),
    activities: createPromptActivities(provider),
    ...(maxActivities ? { maxConcurrentActivityTaskExecutions: maxActivities } : {}),
    ...(maxWorkflowTasks ? { maxConcurrentWorkflowTaskExecutions: maxWorkflowTasks } : {}),
  });
  return { role: 'agents', worker, close: nothingToClose };
}

/**
 * The single nexus worker: the only process that opens the SQLite stores (memory, failure
 * analytics). It serves their activities and the failure dashboard, and runs no workflow.
 */
export async function createNexusWorker(deps: WorkerDeps): Promise<ManagedWorker> {
  const memory = SQLiteMemory.open(deps.memoryFile ?? path.join(deps.config.home, 'memory.db'));
  const store = FailureStore.open(deps.analyticsFile ?? path.join(deps.config.home, 'analytics.db'));
  // Scaling decisions live in their own file beside the analytics store (see src/scaling/events.ts).
  const scaling = ScalingEventStore.open(path.join(path.dirname(deps.analyticsFile ?? path.join(deps.config.home, 'analytics.db')), 'scaling.db'));
  // The control tower's alerts, in their own file too (see src/analytics/alerts.ts).
  const alerts = AlertStore.open(path.join(path.dirname(deps.analyticsFile ?? path.join(deps.config.home, 'analytics.db')), 'alerts.db'));
  // Retention: raw events, rollups and chain summaries past their age are compacted away hourly.
  const stopCompaction = store.scheduleCompaction({ onError: (err) => logger.error({ event: 'analytics.compactionFailed', err }, 'analytics compaction failed') });
  const closeStores = async () => {
    stopCompaction();
    memory.close();
    store.close();
    scaling.close();
    alerts.close();
  };
  try {
    // The control tower's alerts (recordAlerts) too: the nexus worker is every SQLite file's writer.
    const activities = combineActivities(createMemoryActivities(memory), createAnalyticsActivities(store), createMissionActivities(store, memory), createScalingEventActivities(scaling), createTowerFigureActivities(store), createAlertActivities(alerts));
    if (deps.dashboard === false) return { role: 'nexus', worker: await Worker.create({ ...common(deps, 'nexus'), activities }), close: closeStores };
    // The dashboard first: if its port is taken, no Worker holds the connection yet.
    const { dashboard: options } = deps.config;
    const client = new Client({ connection: deps.connection, namespace: deps.namespace });
    const dashboard = await startDashboard({
      store,
      host: options.host,
      port: options.port,
      token: options.token,
      temporalUiUrl: temporalUiUrl(deps.config),
      namespace: deps.namespace,
      healthSource: temporalHealthSource({ client, namespace: deps.namespace }),
      scalingEvents: scaling,
      alerts,
      missions: temporalMissionsSource({ client }),
    });
    const close = async () => {
      await dashboard.close();
      await closeStores();
    };
    let worker: Worker;
    try {
      worker = await Worker.create({ ...common(deps, 'nexus'), activities });
    } catch (err) {
      await dashboard.close();
      throw err;
    }
    logger.info({ event: 'dashboard.started', url: dashboard.url }, 'failure dashboard serving');
    return { role: 'nexus', worker, dashboardUrl: dashboard.url, close };
  } catch (err) {
    await closeStores();
    throw err;
  }
}

/**
 * One worker's activities from several groups. A worker holds one function per activity name, so a
 * name two groups share would silently serve one group's calls with the other's function: refused.
 */
export function combineActivities<T extends object[]>(...groups: T): UnionToIntersection<T[number]> {
  const combined: Record<string, unknown> = {};
  for (const group of groups) {
    for (const [name, fn] of Object.entries(group)) {
      if (name in combined) throw new Error(`activity name "${name}" is defined by two activity groups of one worker; rename one (workflows call activities by name)`);
      combined[name] = fn;
    }
  }
  return combined as UnionToIntersection<T[number]>;
}

type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;

/** Control worker: orchestration workflows (workflows/control.ts), the scaler's activities (it owns the Docker socket) and the tower's view of Temporal. */
export async function createControlWorker(deps: WorkerDeps): Promise<ManagedWorker> {
  const backend = deps.scalingBackend ?? (await selectBackend(deps.config));
  const client = new Client({ connection: deps.connection, namespace: deps.namespace });
  const activities = combineActivities(createScalingActivities({ backend, client, namespace: deps.namespace, config: deps.config }), createTowerActivities({ client, namespace: deps.namespace }), createScheduleActivities(client));
  return { role: 'control', worker: await Worker.create({ ...common(deps, 'control'), workflowBundle: workflowBundle(deps, 'control'), activities }), close: nothingToClose };
}

export const WORKER_FACTORIES: Record<TaskQueueRole, (deps: WorkerDeps) => Promise<ManagedWorker>> = {
  agents: createAgentWorker,
  nexus: createNexusWorker,
  control: createControlWorker,
};
