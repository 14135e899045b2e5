import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DreamError } from '../errors';
import { WorkerBackend, WorkerInfo, WorkerSpec, workerEnv } from './backend';
import { projectRoot } from './project-root';
import { ACTIVATE_SIGNAL } from './standby';

/** A heartbeat older than this (after the start period) marks a hung worker, as the image's HEALTHCHECK does. */
const HEARTBEAT_STALE_MS = 20_000;
const START_PERIOD_MS = 30_000;

export interface ProcessBackendOptions {
  /** Folder under which `scaling/<swarm>/` holds each worker's state file, log and heartbeat. */
  stateDir: string;
  /** The `dreamos` CLI to run (`worker --queue agents`). Default: this project's dist/src/cli/main.js. */
  cliPath?: string;
}

const stateFileSchema = z.object({
  name: z.string(),
  swarmId: z.string(),
  profile: z.string(),
  queue: z.string(),
  seq: z.number(),
  pid: z.number().optional(),
  startedAt: z.number(),
  standby: z.boolean().default(false),
});
type StateFile = z.infer<typeof stateFileSchema>;

function defaultCli(): string {
  return path.join(projectRoot(), 'dist', 'src', 'cli', 'main.js');
}

/** Whether `pid` is a live (not zombie) process started for the worker `name`, not a reused pid. */
function isWorkerProcess(pid: number, name: string): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) [ZX] /.test(stat)) return false;
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`DREAMOS_WORKER_IDENTITY=${name}`);
  } catch {
    return false;
  }
}

/** Between spawn and exec the child still shows its parent's environment; a fresh pid counts as starting. */
const EXEC_GRACE_MS = 5_000;

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Agent workers as detached child processes (where no Docker engine runs). Each has a state file
 * (the labels), a log and a heartbeat file; they outlive the control worker, so a restarted
 * scaler adopts them from the state files. CPU limits do not apply; memory is capped with
 * --max-old-space-size.
 */
export class ProcessBackend implements WorkerBackend {
  readonly kind = 'process' as const;
  private readonly root: string;
  private readonly cliPath: string;

  constructor(options: ProcessBackendOptions) {
    this.root = path.join(path.resolve(options.stateDir), 'scaling');
    this.cliPath = options.cliPath ?? defaultCli();
  }

  describe(): string {
    return `child processes of ${this.cliPath}, state in ${this.root}`;
  }

  async list(swarmId: string): Promise<WorkerInfo[]> {
    const dir = path.join(this.root, swarmId);
    if (!fs.existsSync(dir)) return [];
    const workers: WorkerInfo[] = [];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const state = this.readState(path.join(dir, file));
      if (state) workers.push(this.toInfo(state));
    }
    return workers.sort((a, b) => a.seq - b.seq);
  }

  async start(spec: WorkerSpec): Promise<WorkerInfo> {
    const files = this.files(spec.swarmId, spec.name);
    fs.mkdirSync(path.dirname(files.state), { recursive: true });
    const state: StateFile = { name: spec.name, swarmId: spec.swarmId, profile: spec.profile.name, queue: spec.profile.taskQueue, seq: spec.seq, startedAt: Date.now(), standby: spec.standby ?? false };
    try {
      // Exclusive create: of two attempts starting the same name, one spawns and the other returns.
      fs.writeFileSync(files.state, JSON.stringify(state), { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const existing = this.readState(files.state);
      if (existing) return this.toInfo(existing);
      throw new DreamError('WORKER_STATE_INVALID', `Unreadable state file ${files.state}.`, 'Remove it (`dreamos swarm drain` or delete the file).');
    }
    const log = fs.openSync(files.log, 'a');
    try {
      const child = spawn(process.execPath, [`--max-old-space-size=${spec.profile.resources.memoryMb}`, this.cliPath, 'worker', '--queue', 'agents'], {
        env: { ...process.env, ...workerEnv(spec, files.heartbeat) },
        stdio: ['ignore', log, log],
        // Its own process group: it outlives the control worker and gets no Ctrl-C meant for it.
        detached: true,
      });
      child.unref();
      state.pid = child.pid;
      fs.writeFileSync(files.state, JSON.stringify(state));
    } finally {
      fs.closeSync(log);
    }
    return this.toInfo(state);
  }

  async drain(name: string, graceSeconds: number, onWaiting?: () => void): Promise<void> {
    const state = this.findState(name);
    if (!state) return;
    const { pid } = state;
    if (pid !== undefined && isWorkerProcess(pid, name)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + (graceSeconds + 5) * 1000;
      while (isWorkerProcess(pid, name) && Date.now() < deadline) {
        onWaiting?.();
        await sleep(250);
      }
      if (isWorkerProcess(pid, name)) process.kill(pid, 'SIGKILL');
    }
    await this.remove(name);
  }

  async activate(name: string): Promise<void> {
    const state = this.findState(name);
    // Gone or exited: the next observation finds it dead and replaces it.
    if (state?.pid !== undefined && isWorkerProcess(state.pid, name)) process.kill(state.pid, ACTIVATE_SIGNAL);
  }

  async remove(name: string): Promise<void> {
    const state = this.findState(name);
    if (!state) return;
    if (state.pid !== undefined && isWorkerProcess(state.pid, name)) process.kill(state.pid, 'SIGKILL');
    const files = this.files(state.swarmId, name);
    for (const file of [files.heartbeat, files.log, files.state]) fs.rmSync(file, { force: true });
  }

  async logs(name: string, tail: number): Promise<string> {
    const state = this.findState(name);
    if (!state) throw new DreamError('WORKER_NOT_FOUND', `No worker process named ${name}.`, "List the swarm's workers with `dreamos swarm status`.");
    const text = fs.readFileSync(this.files(state.swarmId, name).log, 'utf8');
    return text.split('\n').slice(-tail - 1).join('\n');
  }

  private files(swarmId: string, name: string) {
    const base = path.join(this.root, swarmId, name);
    return { state: `${base}.json`, log: `${base}.log`, heartbeat: `${base}.heartbeat` };
  }

  private readState(file: string): StateFile | undefined {
    try {
      return stateFileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
      return undefined;
    }
  }

  private findState(name: string): StateFile | undefined {
    if (!fs.existsSync(this.root)) return undefined;
    for (const swarm of fs.readdirSync(this.root)) {
      const state = this.readState(path.join(this.root, swarm, `${name}.json`));
      if (state) return state;
    }
    return undefined;
  }

  private toInfo(state: StateFile): WorkerInfo {
    const fresh = Date.now() - state.startedAt < EXEC_GRACE_MS;
    const alive = state.pid !== undefined && (isWorkerProcess(state.pid, state.name) || (fresh && pidExists(state.pid)));
    const base = { name: state.name, swarmId: state.swarmId, profile: state.profile, queue: state.queue, seq: state.seq, startedAt: state.startedAt, ref: String(state.pid ?? ''), standby: state.standby };
    if (!alive) return { ...base, state: 'exited' };
    const beat = fs.statSync(this.files(state.swarmId, state.name).heartbeat, { throwIfNoEntry: false });
    const age = Date.now() - (beat?.mtimeMs ?? state.startedAt);
    if (!beat) return { ...base, state: Date.now() - state.startedAt > START_PERIOD_MS ? 'unhealthy' : 'starting' };
    return { ...base, state: age > HEARTBEAT_STALE_MS ? 'unhealthy' : 'running' };
  }
}
