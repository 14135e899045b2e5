import path from 'node:path';
import { z } from 'zod';
import { DreamError } from './errors';
import { taskSchemas } from './contracts/agent-task-spec';

const port = z.coerce.number().int().min(1).max(65535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * How clients, the CLI and every worker reach a Temporal server beyond the embedded one: a
 * self-hosted cluster with mTLS, or Temporal Cloud (mTLS or an API key). The variable names are
 * those of the `temporal` CLI, so one environment serves both.
 */
const temporalTlsSchema = z
  .object({
    /** TEMPORAL_TLS: `true` to use TLS with the system's trusted CAs (Temporal Cloud); implied by any option below or by an API key. */
    enabled: flag.optional(),
    /** TEMPORAL_TLS_CA_PATH: PEM file of the CA that signed the server's certificate (self-hosted clusters). */
    caFile: z.string().min(1).optional(),
    /** TEMPORAL_TLS_CERT_PATH: PEM client certificate for mTLS (with TEMPORAL_TLS_KEY_PATH). */
    certFile: z.string().min(1).optional(),
    /** TEMPORAL_TLS_KEY_PATH: PEM private key of the client certificate. Never logged. */
    keyFile: z.string().min(1).optional(),
    /** TEMPORAL_TLS_SERVER_NAME: name to check the server's certificate against, when it differs from the address's host. */
    serverName: z.string().min(1).optional(),
  })
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: 'a client certificate needs its key and a key its certificate: set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH',
    path: ['certFile'],
  });

/**
 * Every option of Dream.OS Swarm, read once from the environment and validated.
 * Each field documents its variable and default; nothing else reads `process.env` for settings.
 */
export const configSchema = z.object({
  /** DREAMOS_HOME: folder for local state (dev-server db, SQLite stores, tools). Default `.dreamos`. */
  home: z.string().min(1).default('.dreamos'),
  temporal: z.object({
    /** TEMPORAL_ADDRESS: host:port of a Temporal frontend. Unset: the embedded dev server. */
    address: z.string().min(1).optional(),
    /** TEMPORAL_NAMESPACE: namespace of every workflow, Web UI link and setup command. Default `default`. */
    namespace: z.string().min(1).default('default'),
    tls: temporalTlsSchema,
    /** TEMPORAL_API_KEY: API key (Temporal Cloud); sent as a bearer token over TLS. Never logged, never in a history. */
    apiKey: z.string().min(1).optional(),
    /** TEMPORAL_CLI_PATH: the `temporal` binary to run the embedded server with. */
    cliPath: z.string().min(1).optional(),
    /** DREAMOS_TEMPORAL_PORT: gRPC port of the embedded dev server. Default 7233. */
    port: port.default(7233),
    /** DREAMOS_UI_PORT: Web UI port of the embedded dev server. Default 8233. */
    uiPort: port.default(8233),
  }),
  /**
   * Worker Versioning: every agents and control worker joins this deployment version; a rollout
   * (`dreamos deploy`) makes a new build current and drains the old one. No build id: unversioned.
   */
  deployment: z
    .object({
      /** DREAMOS_DEPLOYMENT_NAME: the Worker Deployment (one per swarm), e.g. `dreamos`. */
      name: z.string().min(1).optional(),
      /** DREAMOS_BUILD_ID: the build of this worker image or release, e.g. a git commit or image tag. */
      buildId: z.string().min(1).max(255).optional(),
    })
    // A name alone is fine (what `dreamos deploy` needs); a build id means nothing without one.
    .refine((d) => d.buildId === undefined || d.name !== undefined, {
      message: 'a build id needs DREAMOS_DEPLOYMENT_NAME too',
      path: ['buildId'],
    }),
  model: z.object({
    /** DREAMOS_MODEL_PROVIDER: `openai` (any OpenAI-compatible endpoint), `sim`, or `auto` (openai when a key is set). */
    provider: z.enum(['auto', 'openai', 'sim']).default('auto'),
    /** DREAMOS_MODEL_BASE_URL. Default `https://api.openai.com/v1`. */
    baseUrl: z.string().url().default('https://api.openai.com/v1'),
    /** DREAMOS_MODEL_API_KEY or OPENAI_API_KEY. Never logged, never sent to Temporal. */
    apiKey: z.string().min(1).optional(),
    /** DREAMOS_MODEL: model name sent to the endpoint. Default `gpt-4o-mini`. */
    name: z.string().min(1).default('gpt-4o-mini'),
    /** DREAMOS_MODEL_TIMEOUT_MS: per-request timeout. Default 60000. */
    timeoutMs: z.coerce.number().int().positive().default(60_000),
    /** DREAMOS_SIM_SEED: seed of the `sim` provider. Default 7. */
    simSeed: z.coerce.number().int().default(7),
    /** DREAMOS_SIM_FAULTS: JSON fault rates of the `sim` provider, e.g. `{"malformedJson":0.1,"rateLimit":0.05}`. */
    simFaults: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
          return z.NEVER;
        }
      })
      .pipe(taskSchemas().simFaults)
      .optional(),
    /** DREAMOS_SIM_LATENCY_MS: simulated latency of every `sim` call. Default 0. */
    simLatencyMs: z.coerce.number().int().min(0).default(0),
  }),
  dashboard: z.object({
    /** DREAMOS_DASHBOARD_HOST: interface of the failure dashboard. Default loopback; any other needs a token. */
    host: z.string().min(1).default('127.0.0.1'),
    /** DREAMOS_DASHBOARD_PORT: port of the failure dashboard (0 picks a free one). Default 7400. */
    port: z.coerce.number().int().min(0).max(65535).default(7400),
    /** DREAMOS_DASHBOARD_TOKEN: required by the dashboard's API when set. */
    token: z.string().min(16).optional(),
    /** DREAMOS_TEMPORAL_UI_URL: Web UI the dashboard links runs to. Default `http://localhost:<DREAMOS_UI_PORT>`. */
    temporalUiUrl: z.string().url().optional(),
  }),
  /** One worker process's own settings; the scaler sets them on the workers it starts. */
  worker: z.object({
    /** DREAMOS_WORKER_TASK_QUEUE: queue the agents role serves instead of `agents` (a worker profile's queue). */
    taskQueue: z.string().min(1).optional(),
    /** DREAMOS_WORKER_MAX_ACTIVITIES: activity slots (model calls at once). Default: the SDK's. */
    maxActivities: z.coerce.number().int().min(1).optional(),
    /** DREAMOS_WORKER_MAX_WORKFLOW_TASKS: workflow task slots. Default: the SDK's. */
    maxWorkflowTasks: z.coerce.number().int().min(2).optional(),
    /** DREAMOS_WORKER_IDENTITY: identity shown in Temporal's poller lists. Default `<host>-<pid>`. */
    identity: z.string().min(1).optional(),
    /** DREAMOS_WORKER_HEARTBEAT_FILE: touched every few seconds while the worker runs (container healthcheck). */
    heartbeatFile: z.string().min(1).optional(),
    /** DREAMOS_WORKER_SHUTDOWN_GRACE_S: seconds running activities get to finish on SIGTERM. Default 10. */
    shutdownGraceSeconds: z.coerce.number().int().min(0).max(3600).default(10),
    /**
     * DREAMOS_WORKER_STANDBY: boot, connect and load the workflow bundle, then wait without polling
     * until SIGUSR2 (the scaler's warm standby). Default false.
     */
    standby: flag.default(false),
  }),
  scaling: z.object({
    /** DREAMOS_SCALING_BACKEND: `docker`, `process`, or `auto` (docker when an engine answers). Default `auto`. */
    backend: z.enum(['auto', 'docker', 'process']).default('auto'),
    /** DREAMOS_WORKER_IMAGE: image of docker workers. Default `dreamos/worker:local`. */
    image: z.string().min(1).default('dreamos/worker:local'),
  }),
  /** DREAMOS_LOG_LEVEL: pino level. Default `info`. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type DreamConfig = z.infer<typeof configSchema>;

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Reads and validates the configuration; a bad value is a DreamError naming the variable. */
export function loadConfig(env: Env = process.env): DreamConfig {
  const raw = {
    home: nonEmpty(env.DREAMOS_HOME),
    temporal: {
      address: nonEmpty(env.TEMPORAL_ADDRESS),
      namespace: nonEmpty(env.TEMPORAL_NAMESPACE),
      tls: {
        enabled: nonEmpty(env.TEMPORAL_TLS),
        caFile: nonEmpty(env.TEMPORAL_TLS_CA_PATH),
        certFile: nonEmpty(env.TEMPORAL_TLS_CERT_PATH),
        keyFile: nonEmpty(env.TEMPORAL_TLS_KEY_PATH),
        serverName: nonEmpty(env.TEMPORAL_TLS_SERVER_NAME),
      },
      apiKey: nonEmpty(env.TEMPORAL_API_KEY),
      cliPath: nonEmpty(env.TEMPORAL_CLI_PATH),
      port: nonEmpty(env.DREAMOS_TEMPORAL_PORT),
      uiPort: nonEmpty(env.DREAMOS_UI_PORT),
    },
    deployment: {
      name: nonEmpty(env.DREAMOS_DEPLOYMENT_NAME),
      buildId: nonEmpty(env.DREAMOS_BUILD_ID),
    },
    model: {
      provider: nonEmpty(env.DREAMOS_MODEL_PROVIDER),
      baseUrl: nonEmpty(env.DREAMOS_MODEL_BASE_URL),
      apiKey: nonEmpty(env.DREAMOS_MODEL_API_KEY) ?? nonEmpty(env.OPENAI_API_KEY),
      name: nonEmpty(env.DREAMOS_MODEL),
      timeoutMs: nonEmpty(env.DREAMOS_MODEL_TIMEOUT_MS),
      simSeed: nonEmpty(env.DREAMOS_SIM_SEED),
      simFaults: nonEmpty(env.DREAMOS_SIM_FAULTS),
      simLatencyMs: nonEmpty(env.DREAMOS_SIM_LATENCY_MS),
    },
    dashboard: {
      host: nonEmpty(env.DREAMOS_DASHBOARD_HOST),
      port: nonEmpty(env.DREAMOS_DASHBOARD_PORT),
      token: nonEmpty(env.DREAMOS_DASHBOARD_TOKEN),
      temporalUiUrl: nonEmpty(env.DREAMOS_TEMPORAL_UI_URL),
    },
    worker: {
      taskQueue: nonEmpty(env.DREAMOS_WORKER_TASK_QUEUE),
      maxActivities: nonEmpty(env.DREAMOS_WORKER_MAX_ACTIVITIES),
      maxWorkflowTasks: nonEmpty(env.DREAMOS_WORKER_MAX_WORKFLOW_TASKS),
      identity: nonEmpty(env.DREAMOS_WORKER_IDENTITY),
      heartbeatFile: nonEmpty(env.DREAMOS_WORKER_HEARTBEAT_FILE),
      shutdownGraceSeconds: nonEmpty(env.DREAMOS_WORKER_SHUTDOWN_GRACE_S),
      standby: nonEmpty(env.DREAMOS_WORKER_STANDBY),
    },
    scaling: { backend: nonEmpty(env.DREAMOS_SCALING_BACKEND), image: nonEmpty(env.DREAMOS_WORKER_IMAGE) },
    logLevel: nonEmpty(env.DREAMOS_LOG_LEVEL),
  };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${ENV_NAMES[i.path.join('.')] ?? i.path.join('.')}: ${i.message}`);
    throw new DreamError('CONFIG_INVALID', `Invalid configuration: ${issues.join('; ')}`, 'Correct or unset the variable named above.');
  }
  return { ...parsed.data, home: path.resolve(parsed.data.home) };
}

/** The Web UI that links to runs point at: DREAMOS_TEMPORAL_UI_URL, else the embedded server's UI. */
export function temporalUiUrl(config: DreamConfig): string {
  return config.dashboard.temporalUiUrl ?? `http://localhost:${config.temporal.uiPort}`;
}

const ENV_NAMES: Record<string, string> = {
  home: 'DREAMOS_HOME',
  'temporal.address': 'TEMPORAL_ADDRESS',
  'temporal.namespace': 'TEMPORAL_NAMESPACE',
  'temporal.tls.enabled': 'TEMPORAL_TLS',
  'temporal.tls.caFile': 'TEMPORAL_TLS_CA_PATH',
  'temporal.tls.certFile': 'TEMPORAL_TLS_CERT_PATH',
  'temporal.tls.keyFile': 'TEMPORAL_TLS_KEY_PATH',
  'temporal.tls.serverName': 'TEMPORAL_TLS_SERVER_NAME',
  'temporal.apiKey': 'TEMPORAL_API_KEY',
  'temporal.cliPath': 'TEMPORAL_CLI_PATH',
  'temporal.port': 'DREAMOS_TEMPORAL_PORT',
  'temporal.uiPort': 'DREAMOS_UI_PORT',
  'deployment.name': 'DREAMOS_DEPLOYMENT_NAME',
  'deployment.buildId': 'DREAMOS_BUILD_ID',
  'model.provider': 'DREAMOS_MODEL_PROVIDER',
  'model.baseUrl': 'DREAMOS_MODEL_BASE_URL',
  'model.apiKey': 'DREAMOS_MODEL_API_KEY',
  'model.name': 'DREAMOS_MODEL',
  'model.timeoutMs': 'DREAMOS_MODEL_TIMEOUT_MS',
  'model.simSeed': 'DREAMOS_SIM_SEED',
  'model.simFaults': 'DREAMOS_SIM_FAULTS',
  'model.simLatencyMs': 'DREAMOS_SIM_LATENCY_MS',
  'dashboard.host': 'DREAMOS_DASHBOARD_HOST',
  'dashboard.port': 'DREAMOS_DASHBOARD_PORT',
  'dashboard.token': 'DREAMOS_DASHBOARD_TOKEN',
  'dashboard.temporalUiUrl': 'DREAMOS_TEMPORAL_UI_URL',
  'worker.taskQueue': 'DREAMOS_WORKER_TASK_QUEUE',
  'worker.maxActivities': 'DREAMOS_WORKER_MAX_ACTIVITIES',
  'worker.maxWorkflowTasks': 'DREAMOS_WORKER_MAX_WORKFLOW_TASKS',
  'worker.identity': 'DREAMOS_WORKER_IDENTITY',
  'worker.heartbeatFile': 'DREAMOS_WORKER_HEARTBEAT_FILE',
  'worker.shutdownGraceSeconds': 'DREAMOS_WORKER_SHUTDOWN_GRACE_S',
  'worker.standby': 'DREAMOS_WORKER_STANDBY',
  'scaling.backend': 'DREAMOS_SCALING_BACKEND',
  'scaling.image': 'DREAMOS_WORKER_IMAGE',
  logLevel: 'DREAMOS_LOG_LEVEL',
};
