import fs from 'node:fs';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DreamConfig } from '../src/config';
import { DreamError } from '../src/errors';
import { createProvider, ModelProvider } from '../src/llm';
import { TASK_QUEUES, TaskQueueRole } from '../src/temporal/task-queues';
import { createPromptActivities } from '../activities/prompt';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  config: DreamConfig;
  /** Path of the prebuilt workflow bundle. */
  workflowBundlePath: string;
  /** Model provider of agent workers; default: the configured one. */
  provider?: ModelProvider;
  /** Identity shown in the Web UI's worker lists. */
  identity?: string;
  /** Seconds to let running activities finish on shutdown. Default 10. */
  shutdownGraceSeconds?: number;
}

function workflowBundle(deps: WorkerDeps): { codePath: string } {
  if (!fs.existsSync(deps.workflowBundlePath)) {
    throw new DreamError('WORKFLOW_BUNDLE_MISSING', `No workflow bundle at ${deps.workflowBundlePath}.`, 'Run `npm run build` (npm start and npm test do it for you).');
  }
  return { codePath: deps.workflowBundlePath };
}

function common(deps: WorkerDeps, role: TaskQueueRole) {
  return {
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: TASK_QUEUES[role],
    workflowBundle: workflowBundle(deps),
    ...(deps.identity ? { identity: `${deps.identity}/${role}` } : {}),
    shutdownGraceTime: (deps.shutdownGraceSeconds ?? 10) * 1000,
  };
}

/** Stateless agent worker: agent workflows and the model-call activities. */
export async function createAgentWorker(deps: WorkerDeps): Promise<Worker> {
  const provider = deps.provider ?? createProvider(deps.config);
  return Worker.create({ ...common(deps, 'agents'), activities: createPromptActivities(provider) });
}

/** The single nexus worker: the only process that opens the SQLite stores. */
export async function createNexusWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({ ...common(deps, 'nexus') });
}

/** Control worker: orchestration workflows. */
export async function createControlWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({ ...common(deps, 'control') });
}

export const WORKER_FACTORIES: Record<TaskQueueRole, (deps: WorkerDeps) => Promise<Worker>> = {
  agents: createAgentWorker,
  nexus: createNexusWorker,
  control: createControlWorker,
};
