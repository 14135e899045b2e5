import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { testEnv } from './temporal';

const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** A child process whose JSON log lines (pino) are collected as they arrive. */
export interface LoggedProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  output(): string;
  waitForLine(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  waitForText(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

export function requireBuiltCli(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first).`);
}

/** Runs `dreamos <args>` as a child process against the shared test server. */
export function spawnDreamos(args: string[], env: Record<string, string> = {}): LoggedProcess {
  requireBuiltCli();
  const shared = testEnv();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: shared.address,
      DREAMOS_WORKFLOW_BUNDLES: shared.bundleDir,
      DREAMOS_MODEL_PROVIDER: 'sim',
      DREAMOS_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let text = '';
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const raw of chunk.toString().split('\n')) {
      if (!raw.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(raw) as Record<string, unknown>);
      } catch {
        // a partial line; pino writes whole lines, so this only happens at a kill
      }
    }
    waiters.splice(0).forEach((wake) => wake());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const until = async (check: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (child.exitCode !== null) throw new Error(`${what}: the process exited (${child.exitCode}); output:\n${text.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; output:\n${text.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    output: () => text,
    exited,
    async waitForLine(predicate, timeoutMs = 30_000) {
      await until(() => lines.some(predicate), timeoutMs, 'no matching log line');
      return lines.find(predicate)!;
    },
    async waitForText(pattern, timeoutMs = 30_000) {
      await until(() => pattern.test(text), timeoutMs, `no output matching ${pattern}`);
    },
  };
}

/** Runs `dreamos <args>` to completion. */
export async function runDreamos(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const proc = spawnDreamos(args, env);
  const code = await proc.exited;
  return { code, output: proc.output() };
}

/** Child `dreamos worker` processes of one test file; `stopAll` ends those still running (SIGTERM). */
export function childWorkers() {
  const children: LoggedProcess[] = [];
  return {
    start(queue: string, env: Record<string, string> = {}): LoggedProcess {
      const proc = spawnDreamos(['worker', '--queue', queue], env);
      children.push(proc);
      return proc;
    },
    async stopAll(): Promise<void> {
      for (const proc of children) {
        if (proc.child.exitCode === null && proc.child.signalCode === null) {
          proc.child.kill('SIGTERM');
          await proc.exited;
        }
      }
    },
  };
}
