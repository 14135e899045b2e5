import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { ModelProvider } from '../../src/llm';
import { TaskQueueRole } from '../../src/contracts/task-queues';
import { parseTaskDocument } from '../../src/tasks/load';
import { AgentTaskSpec, AgentTaskSpecInput } from '../../src/contracts/agent-task-spec';
import { runWorkers, RunningWorkers } from '../../workers/run';
import { bundleCode } from '../../scripts/bundle-workflows';
import { ensureNamespace, ensureSearchAttributes } from '../../src/temporal/setup';
import { ARTIFACTS, TEST_ENV_VAR, TestEnvFile } from './paths';

export function testEnv(): TestEnvFile {
  const raw = process.env[TEST_ENV_VAR];
  if (!raw) throw new Error(`${TEST_ENV_VAR} is not set: run the tests through jest (its global setup starts the Temporal server).`);
  return JSON.parse(raw) as TestEnvFile;
}

export async function testClient(address = testEnv().address, namespace = 'default'): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}

/**
 * A namespace of its own on the shared server, with the project's search attributes: for tests of
 * what is one per namespace (the control tower), so it never meets another file's workflows.
 */
export async function ownNamespace(prefix: string): Promise<string> {
  const namespace = uniqueId(prefix).toLowerCase();
  const connection = await Connection.connect({ address: testEnv().address });
  try {
    await ensureNamespace(connection, namespace, { retentionDays: 1 });
    await ensureSearchAttributes(connection, namespace);
  } finally {
    await connection.close();
  }
  return namespace;
}

export interface TestWorkers extends RunningWorkers {
  connection: NativeConnection;
  /** The nexus worker's SQLite files (a fresh folder per call). */
  memoryFile: string;
  analyticsFile: string;
  stop(): Promise<void>;
}

export interface TestWorkerOptions {
  /** Default: agents and nexus (agentTask needs both). */
  queues?: TaskQueueRole[];
  provider?: ModelProvider;
  address?: string;
  env?: Record<string, string>;
  /** Serve the failure dashboard from the nexus worker (on a free port). Default false. */
  dashboard?: boolean;
  /** Default: `default`; see `ownNamespace`. */
  namespace?: string;
}

/** Real workers in this process against the shared (or a given) server, with their own SQLite files. */
export async function startTestWorkers(options: TestWorkerOptions = {}): Promise<TestWorkers> {
  const env = testEnv();
  const home = fs.mkdtempSync(path.join(ARTIFACTS, 'workers-'));
  const connection = await NativeConnection.connect({ address: options.address ?? env.address });
  const config = loadConfig({ DREAMOS_MODEL_PROVIDER: 'sim', DREAMOS_MODEL_TIMEOUT_MS: '5000', DREAMOS_HOME: home, DREAMOS_DASHBOARD_PORT: '0', ...options.env });
  const memoryFile = path.join(home, 'memory.db');
  const analyticsFile = path.join(home, 'analytics.db');
  const running = await runWorkers(options.queues ?? ['agents', 'nexus'], {
    connection,
    namespace: options.namespace ?? 'default',
    config,
    workflowBundles: env.bundleDir,
    provider: options.provider,
    shutdownGraceSeconds: 2,
    memoryFile,
    analyticsFile,
    dashboard: options.dashboard ?? false,
  });
  return {
    ...running,
    connection,
    memoryFile,
    analyticsFile,
    async stop() {
      await running.shutdown();
      await connection.close();
    },
  };
}

let counter = 0;
/** A workflow/task id unique to this test run. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** A validated spec with test-friendly defaults (short timeouts). */
export function taskSpec(fields: Partial<AgentTaskSpecInput> & { outputSchema?: string }): AgentTaskSpec {
  return parseTaskDocument({
    taskId: uniqueId('task'),
    missionId: 'test',
    role: 'researcher',
    goal: 'Map the market for agent reliability tooling',
    outputSchema: 'research',
    timeouts: { promptMs: 10_000, heartbeatMs: 3_000 },
    ...fields,
  })[0];
}

/**
 * Task fields for a rollback: step 2 of 3 answers empty (nothing for local repair to work with)
 * until the task has rolled back to cp-0, which drops the completed step 1.
 */
export const ROLLBACK_AT_STEP_2 = {
  steps: 3,
  checkpointEvery: 2,
  budget: { maxConsecutiveFailures: 2 },
  model: { sim: { rules: [{ whenPromptIncludes: 'Step 2 of 3', unlessPromptIncludes: 'Resumed from checkpoint', fault: 'empty-answer' as const }] } },
};

/**
 * A test file's client and in-process workers (agents and nexus by default): started before its
 * first test, stopped after its last. Read `env.client` and `env.workers` inside tests.
 */
export function useTestWorkers(options: TestWorkerOptions = {}): { readonly client: Client; readonly workers: TestWorkers } {
  let client: Client | undefined;
  let workers: TestWorkers | undefined;
  beforeAll(async () => {
    client = await testClient(options.address, options.namespace);
    workers = await startTestWorkers(options);
  });
  afterAll(async () => {
    await workers?.stop();
    await client?.connection.close();
  });
  const started = startedBy('useTestWorkers');
  return {
    get client() {
      return started(client);
    },
    get workers() {
      return started(workers);
    },
  };
}

/**
 * A client, a worker connection and the bundle of a fixture workflows module, for a test file
 * that creates its own workers: made before its first test, closed after its last.
 */
export function useFixtureWorkflows(workflowsPath: string): { readonly client: Client; readonly connection: NativeConnection; readonly workflowBundle: { code: string } } {
  let client: Client | undefined;
  let connection: NativeConnection | undefined;
  let code: string | undefined;
  beforeAll(async () => {
    client = await testClient();
    connection = await NativeConnection.connect({ address: testEnv().address });
    code = await bundleCode(workflowsPath);
  });
  afterAll(async () => {
    await connection?.close();
    await client?.connection.close();
  });
  const started = startedBy('useFixtureWorkflows');
  return {
    get client() {
      return started(client);
    },
    get connection() {
      return started(connection);
    },
    get workflowBundle() {
      return { code: started(code) };
    },
  };
}

function startedBy(helper: string) {
  return <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`${helper}: read its fields inside a test, not at load time.`);
    return value;
  };
}

/** The application failure a workflow run ended with; the calling test fails if it completed or failed otherwise. */
export async function workflowFailure(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const error = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}
