import Docker from 'dockerode';
import { DreamError, errorMessage } from '../errors';
import { ACTIVATE_SIGNAL } from './standby';
import { LABELS, WorkerBackend, WorkerInfo, WorkerSpec, WorkerState, workerEnv } from './backend';

/** Inside the image (Dockerfile.worker): the worker's heartbeat file, checked by its HEALTHCHECK. */
const HEARTBEAT_FILE = '/tmp/dreamos-worker-heartbeat';

export interface DockerBackendOptions {
  /** Worker image (temporal-docker/Dockerfile.worker). */
  image: string;
  docker?: Docker;
  /**
   * Network of the workers: `host` (reach Temporal on the host's loopback) or a compose network
   * name (reach it by service name). Default `host`.
   */
  networkMode?: string;
  /**
   * Docker restart policy. Default `no`: the scaler replaces a dead worker itself (a new name, a
   * clean start, an event saying why). `on-failure` restarts a crashed one in place instead.
   */
  restart?: { name: 'no' | 'on-failure' | 'unless-stopped'; maximumRetryCount?: number };
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

/** Rethrows an engine error unless the container is gone (404) or in a state that refuses the call (409). */
function unlessGoneOrBusy(err: unknown): void {
  if (!isNotFound(err) && (err as { statusCode?: number }).statusCode !== 409) throw err;
}

/** From `docker ps`: State (`running`, `exited`, ...) and Status (`Up 5 seconds (healthy)`). */
function stateOf(c: Docker.ContainerInfo): WorkerState {
  if (c.State === 'created') return 'starting';
  // Frozen (`docker pause`): alive, but it beats no heartbeat and the engine runs no healthcheck
  // on it, so its health would never turn; it is a hung worker, not an exited one.
  if (c.State === 'paused') return 'unhealthy';
  if (c.State !== 'running' && c.State !== 'restarting') return 'exited';
  if (c.State === 'restarting' || /\(health: starting\)/.test(c.Status)) return 'starting';
  return /\(unhealthy\)/.test(c.Status) ? 'unhealthy' : 'running';
}

function toInfo(c: Docker.ContainerInfo): WorkerInfo {
  const labels = c.Labels ?? {};
  return {
    name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    swarmId: labels[LABELS.swarm] ?? '',
    profile: labels[LABELS.profile] ?? '',
    queue: labels[LABELS.queue] ?? '',
    seq: Number(labels[LABELS.seq] ?? 0),
    state: stateOf(c),
    startedAt: c.Created * 1000,
    ref: c.Id,
    standby: labels[LABELS.standby] === 'true',
  };
}

/** Agent workers as containers of the worker image, labelled with swarm, queue, profile and sequence. */
export class DockerBackend implements WorkerBackend {
  readonly kind = 'docker' as const;
  private readonly docker: Docker;

  constructor(private readonly options: DockerBackendOptions) {
    this.docker = options.docker ?? new Docker();
  }

  /** Whether an engine answers and has the image: what `auto` needs to pick docker. */
  static async probe(image: string, docker = new Docker()): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
    let version: string;
    try {
      version = (await docker.version()).Version;
    } catch (err) {
      return { ok: false, reason: `the Docker engine does not answer: ${errorMessage(err)}` };
    }
    try {
      await docker.getImage(image).inspect();
    } catch {
      return { ok: false, reason: `Docker ${version} has no image ${image} (build it with \`dreamos swarm build-image\`)` };
    }
    return { ok: true, version };
  }

  describe(): string {
    return `containers of ${this.options.image}, network ${this.options.networkMode ?? 'host'}`;
  }

  async list(swarmId: string): Promise<WorkerInfo[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${LABELS.swarm}=${swarmId}`] } });
    return containers.map(toInfo).sort((a, b) => a.seq - b.seq);
  }

  async start(spec: WorkerSpec): Promise<WorkerInfo> {
    const existing = await this.find(spec.name);
    if (existing) return existing;
    const { profile } = spec;
    const env = workerEnv(spec, HEARTBEAT_FILE);
    const restart = this.options.restart ?? { name: 'no' };
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        name: spec.name,
        Image: this.options.image,
        Cmd: ['worker', '--queue', 'agents'],
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: { [LABELS.swarm]: spec.swarmId, [LABELS.queue]: profile.taskQueue, [LABELS.profile]: profile.name, [LABELS.seq]: String(spec.seq), ...(spec.standby ? { [LABELS.standby]: 'true' } : {}) },
        // Docker's own stop timeout matches the drain grace, so `docker stop` drains too.
        StopTimeout: spec.shutdownGraceSeconds + 5,
        HostConfig: {
          NetworkMode: this.options.networkMode ?? 'host',
          NanoCpus: Math.round(profile.resources.cpus * 1e9),
          Memory: profile.resources.memoryMb * 1024 * 1024,
          RestartPolicy: { Name: restart.name, MaximumRetryCount: restart.name === 'on-failure' ? (restart.maximumRetryCount ?? 2) : 0 },
        },
      });
    } catch (err) {
      // Another attempt of the same activity created it first: the name is the idempotency key.
      if ((err as { statusCode?: number }).statusCode === 409) return (await this.find(spec.name))!;
      throw new DreamError('WORKER_START_FAILED', `Cannot create container ${spec.name}: ${errorMessage(err)}`, 'Check the image (`dreamos swarm build-image`) and the Docker engine.', { cause: err });
    }
    await container.start().catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err;
    });
    return (await this.find(spec.name))!;
  }

  async drain(name: string, graceSeconds: number, onWaiting?: () => void): Promise<void> {
    const container = this.docker.getContainer(name);
    const beat = onWaiting ? setInterval(onWaiting, 1_000) : undefined;
    try {
      // SIGTERM, then SIGKILL after the grace: the worker stops polling and finishes its activities.
      await container.stop({ t: graceSeconds + 5 }).catch((err: unknown) => {
        if (!isNotFound(err) && (err as { statusCode?: number }).statusCode !== 304) throw err;
      });
    } finally {
      if (beat) clearInterval(beat);
    }
    await this.remove(name);
  }

  /** Gone or not running: the next observation finds it dead and replaces it. */
  async activate(name: string): Promise<void> {
    await this.docker.getContainer(name).kill({ signal: ACTIVATE_SIGNAL }).catch(unlessGoneOrBusy);
  }

  /** Already gone, or being removed by a concurrent attempt: nothing to do. */
  async remove(name: string): Promise<void> {
    await this.docker.getContainer(name).remove({ force: true }).catch(unlessGoneOrBusy);
  }

  async logs(name: string, tail: number): Promise<string> {
    try {
      const raw: unknown = await this.docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false, tail });
      return Buffer.isBuffer(raw) ? demultiplex(raw) : String(raw);
    } catch (err) {
      if (isNotFound(err)) throw new DreamError('WORKER_NOT_FOUND', `No container named ${name}.`, 'List the swarm\'s workers with `dreamos swarm status`.');
      throw err;
    }
  }

  private async find(name: string): Promise<WorkerInfo | undefined> {
    const found = await this.docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } });
    return found[0] ? toInfo(found[0]) : undefined;
  }
}

/** Docker's log stream without a TTY: 8-byte frame headers (stream, size) before each chunk. */
function demultiplex(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length && (raw[at] === 1 || raw[at] === 2) && raw[at + 1] === 0) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return parts.length > 0 ? Buffer.concat(parts).toString('utf8') : raw.toString('utf8');
}
