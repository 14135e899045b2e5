import path from 'node:path';
import { z } from 'zod';
import { DreamError } from './errors';
import { taskSchemas } from './contracts/agent-task-spec';

const port = z.coerce.number().int().min(1).max(65535);

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
    /** TEMPORAL_NAMESPACE. Default `default`. */
    namespace: z.string().min(1).default('default'),
    /** TEMPORAL_CLI_PATH: the `temporal` binary to run the embedded server with. */
    cliPath: z.string().min(1).optional(),
    /** DREAMOS_TEMPORAL_PORT: gRPC port of the embedded dev server. Default 7233. */
    port: port.default(7233),
    /** DREAMOS_UI_PORT: Web UI port of the embedded dev server. Default 8233. */
    uiPort: port.default(8233),
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
      cliPath: nonEmpty(env.TEMPORAL_CLI_PATH),
      port: nonEmpty(env.DREAMOS_TEMPORAL_PORT),
      uiPort: nonEmpty(env.DREAMOS_UI_PORT),
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
    logLevel: nonEmpty(env.DREAMOS_LOG_LEVEL),
  };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${ENV_NAMES[i.path.join('.')] ?? i.path.join('.')}: ${i.message}`);
    throw new DreamError('CONFIG_INVALID', `Invalid configuration: ${issues.join('; ')}`, 'Correct or unset the variable named above.');
  }
  return { ...parsed.data, home: path.resolve(parsed.data.home) };
}

const ENV_NAMES: Record<string, string> = {
  home: 'DREAMOS_HOME',
  'temporal.address': 'TEMPORAL_ADDRESS',
  'temporal.namespace': 'TEMPORAL_NAMESPACE',
  'temporal.cliPath': 'TEMPORAL_CLI_PATH',
  'temporal.port': 'DREAMOS_TEMPORAL_PORT',
  'temporal.uiPort': 'DREAMOS_UI_PORT',
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
  logLevel: 'DREAMOS_LOG_LEVEL',
};
