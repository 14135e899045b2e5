import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import Docker from 'dockerode';
import { startAgentTask } from '../../src/missions/client';
import { taskSpec, testEnv, uniqueId } from '../helpers/temporal';
import { dockerOrFail, ensureWorkerImage } from '../../src/scaling/image';
import { progress, TEST_IMAGE } from './test-image';

/**
 * The worker image of temporal-docker/ against the suite's real Temporal server: built here
 * (on the offline base unless DREAMOS_BASE_IMAGE names another), run with host networking.
 * Fails, never skips, when Docker is missing: CI starts the engine.
 */
const SETUP_SCRIPT = path.resolve(__dirname, '..', '..', 'temporal-docker', 'scripts', 'setup-temporal.sh');

let docker: Docker;
let image: string;
const containers: string[] = [];

beforeAll(async () => {
  docker = await dockerOrFail(progress);
  image = await ensureWorkerImage(docker, { ...TEST_IMAGE, progress });
}, 20 * 60_000);

afterAll(async () => {
  for (const id of containers) {
    await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  }
});

async function createContainer(options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: image,
    Tty: true, // plain-text logs, no stream multiplexing
    Labels: { 'dreamos.test': 'worker-container' },
    ...options,
    HostConfig: { NetworkMode: 'host', ...options.HostConfig },
  });
  containers.push(container.id);
  return container;
}

async function logsOf(container: Docker.Container): Promise<string> {
  const raw: unknown = await container.logs({ stdout: true, stderr: true, follow: false });
  // docker-modem hands back parsed JSON when the whole output happens to be JSON.
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : JSON.stringify(raw);
}

async function waitForLog(container: Docker.Container, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = await logsOf(container);
    const match = logs.match(pattern);
    if (match) return match;
    const { State } = await container.inspect();
    if (!State.Running || Date.now() > deadline) {
      throw new Error(`container ${container.id.slice(0, 12)} (${State.Status}) never logged ${pattern}; its output:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Namespace and search attributes, registered the way the compose file does it. */
function setUpNamespace(namespace: string): Promise<string> {
  const { address, cliPath } = testEnv();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [SETUP_SCRIPT], {
      env: { ...process.env, PATH: `${path.dirname(cliPath)}${path.delimiter}${process.env.PATH}`, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`setup-temporal.sh exited with ${code}:\n${output}`))));
  });
}

test('the image runs as uid 1000 with only DREAMOS_HOME writable and no dev packages', async () => {
  const script = `
    const fs = require('fs');
    const writable = (f) => { try { fs.writeFileSync(f, 'x'); return true; } catch { return false; } };
    console.log('facts ' + JSON.stringify({
      uid: process.getuid(),
      home: process.env.DREAMOS_HOME,
      dataWritable: writable('/data/probe'),
      appWritable: writable('/app/probe'),
      typescript: fs.existsSync('/app/node_modules/typescript'),
      bridges: fs.readdirSync('/app/node_modules/@temporalio/core-bridge/releases'),
    }));`;
  const container = await createContainer({ Entrypoint: ['node', '-e', script], Cmd: [], HostConfig: { NetworkMode: 'none' } });
  await container.start();
  await container.wait();
  const [, facts] = (await logsOf(container)).match(/^facts (.*)$/m) ?? [];
  expect(facts).toBeDefined();
  expect(JSON.parse(facts)).toEqual({
    uid: 1000,
    home: '/data',
    dataWritable: true,
    appWritable: false,
    typescript: false,
    bridges: [process.arch === 'arm64' ? 'aarch64-unknown-linux-gnu' : 'x86_64-unknown-linux-gnu'],
  });
});

test('a worker container completes an agent task from the shared Temporal server and stops cleanly on SIGTERM', async () => {
  const { address } = testEnv();
  // A namespace of its own: only the container serves it, so completion proves the container did the work.
  const namespace = uniqueId('docker');
  progress(`registering namespace ${namespace} and the search attributes with temporal-docker/scripts/setup-temporal.sh`);
  expect(await setUpNamespace(namespace)).toMatch(/DreamEscalated\s+Bool/);

  const container = await createContainer({
    // The agent worker and the nexus worker (SQLite memory and analytics in the container's /data).
    Cmd: ['worker', '--queue', 'agents', 'nexus'],
    Env: [`TEMPORAL_ADDRESS=${address}`, `TEMPORAL_NAMESPACE=${namespace}`, 'DREAMOS_MODEL_PROVIDER=sim', 'DREAMOS_LOG_LEVEL=warn', 'DREAMOS_DASHBOARD_PORT=0'],
  });
  await container.start();
  const [, pid] = await waitForLog(container, /worker (\d+) serving agents, nexus/, 60_000);
  progress(`container ${container.id.slice(0, 12)} serving agents and nexus in ${namespace}`);

  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const spec = taskSpec({ steps: 2 });
    const handle = await startAgentTask(client, spec);
    const result = await handle.result();
    expect(result).toMatchObject({ taskId: spec.taskId, outputs: [expect.anything(), expect.anything()] });

    const { Config } = await container.inspect();
    const history = await handle.fetchHistory();
    const identities = new Set(
      (history.events ?? [])
        .map((e) => e.workflowTaskCompletedEventAttributes?.identity ?? e.activityTaskStartedEventAttributes?.identity)
        .filter((identity): identity is string => Boolean(identity)),
    );
    expect([...identities].sort()).toEqual([`${Config.Hostname}-${pid}/agents`, `${Config.Hostname}-${pid}/nexus`]);
  } finally {
    await connection.close();
  }

  await container.stop({ t: 20 });
  const { State } = await container.inspect();
  expect({ exitCode: State.ExitCode, oomKilled: State.OOMKilled }).toEqual({ exitCode: 0, oomKilled: false });
});
