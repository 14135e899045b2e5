import type { DreamConfig } from '../config';
import { errorMessage } from '../errors';
import type { WorkerProfile } from './profiles';

/** Labels every managed worker carries (docker labels; the process backend's state files). */
export const LABELS = {
  swarm: 'dreamos.swarm',
  queue: 'dreamos.queue',
  profile: 'dreamos.profile',
  seq: 'dreamos.seq',
  /** Set on workers started as warm standby (they poll only once activated). */
  standby: 'dreamos.standby',
} as const;

/** A worker to start: its name is decided by the scaler (swarm id, profile, sequence). */
export interface WorkerSpec {
  name: string;
  swarmId: string;
  seq: number;
  profile: WorkerProfile;
  /** Temporal frontend the worker connects to (loopback with host networking). */
  temporalAddress: string;
  namespace: string;
  /** Extra environment (model settings); never secrets the scaler's history would hold. */
  env: Record<string, string>;
  /** Seconds running activities get on SIGTERM before the worker exits. */
  shutdownGraceSeconds: number;
  /** Boot as warm standby: connect and load, but poll only once activated. */
  standby?: boolean;
}

export type WorkerState = 'starting' | 'running' | 'exited' | 'unhealthy';

/** A managed worker as the backend sees it. */
export interface WorkerInfo {
  name: string;
  swarmId: string;
  profile: string;
  queue: string;
  seq: number;
  state: WorkerState;
  /** Epoch ms the worker started (or was created). */
  startedAt: number;
  /** Container id or pid. */
  ref: string;
  exitCode?: number;
  /** Started as warm standby (it may have been activated since: the scaler knows). */
  standby: boolean;
}

/** Where agent workers run. Every operation is idempotent by worker name. */
export interface WorkerBackend {
  readonly kind: 'docker' | 'process';
  /** One line for the start-up banner: what engine, where. */
  describe(): string;
  /** The swarm's workers (every profile), found by label: a restarted scaler adopts them. */
  list(swarmId: string): Promise<WorkerInfo[]>;
  /** Starts the worker; if one of that name exists, returns it unchanged (a retried start starts nothing). */
  start(spec: WorkerSpec): Promise<WorkerInfo>;
  /** SIGTERM, wait until it has finished its running activities and exited, then remove it. */
  drain(name: string, graceSeconds: number, onWaiting?: () => void): Promise<void>;
  /** Activates a standby worker (SIGUSR2): it starts polling. Repeating it is harmless. */
  activate(name: string): Promise<void>;
  /** Removes a worker at once (dead ones); a missing worker is not an error. */
  remove(name: string): Promise<void>;
  /** The last lines of a worker's output. */
  logs(name: string, tail: number): Promise<string>;
}

/** The environment a worker of `spec` runs with: its queue, slots, identity and heartbeat file. */
export function workerEnv(spec: WorkerSpec, heartbeatFile: string): Record<string, string> {
  return {
    ...spec.env,
    TEMPORAL_ADDRESS: spec.temporalAddress,
    TEMPORAL_NAMESPACE: spec.namespace,
    DREAMOS_WORKER_TASK_QUEUE: spec.profile.taskQueue,
    DREAMOS_WORKER_MAX_ACTIVITIES: String(spec.profile.slots.activities),
    DREAMOS_WORKER_MAX_WORKFLOW_TASKS: String(spec.profile.slots.workflowTasks),
    // The identity is the worker's name: pollers in DescribeTaskQueue map back to it.
    DREAMOS_WORKER_IDENTITY: spec.name,
    DREAMOS_WORKER_HEARTBEAT_FILE: heartbeatFile,
    DREAMOS_WORKER_SHUTDOWN_GRACE_S: String(spec.shutdownGraceSeconds),
    ...(spec.standby ? { DREAMOS_WORKER_STANDBY: 'true' } : {}),
  };
}

export interface BackendChoice {
  backend: WorkerBackend;
  /** Why this backend: shown at start. */
  reason: string;
}

/**
 * The backend config asks for; with `auto`, docker when an engine answers and the worker image
 * exists, else child processes, with the reason.
 */
export async function chooseBackend(config: DreamConfig): Promise<BackendChoice> {
  // Loaded lazily: the process backend must work where dockerode's engine is absent.
  const { DockerBackend } = await import('./docker');
  const { ProcessBackend } = await import('./process');
  const processBackend = () => new ProcessBackend({ stateDir: config.home });
  if (config.scaling.backend === 'process') return { backend: processBackend(), reason: 'DREAMOS_SCALING_BACKEND=process' };
  const probe = await DockerBackend.probe(config.scaling.image).catch((err: unknown) => ({ ok: false as const, reason: errorMessage(err) }));
  if (probe.ok) return { backend: new DockerBackend({ image: config.scaling.image }), reason: `Docker engine ${probe.version}, image ${config.scaling.image}` };
  if (config.scaling.backend === 'docker') {
    const { DreamError } = await import('../errors');
    throw new DreamError('SCALING_DOCKER_UNAVAILABLE', `DREAMOS_SCALING_BACKEND=docker but ${probe.reason}.`, 'Start a Docker engine and build the image (`dreamos swarm build-image`), or set DREAMOS_SCALING_BACKEND=process.');
  }
  return { backend: processBackend(), reason: `no usable Docker engine (${probe.reason})` };
}

/** `chooseBackend`, printing the choice once: users see where their workers run and why. */
export async function selectBackend(config: DreamConfig, say: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<WorkerBackend> {
  const { backend, reason } = await chooseBackend(config);
  say(`scaling backend: ${backend.kind} (${reason}) — ${backend.describe()}`);
  return backend;
}
