import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startAgentTask } from '../src/missions/client';
import { parseTaskDocument } from '../src/tasks/load';
import { startCluster } from '../src/temporal/cluster-script';
import { ensureNamespace, ensureSearchAttributes } from '../src/temporal/setup';
import { Benchmark, benchSetting, Metric, round } from './metric';
import { startBenchServer } from './server';

const RUNS = benchSetting('BENCH_CLUSTER_RUNS', 100, 1);
const CLI = path.resolve(__dirname, '..', 'src', 'cli', 'main.js');

/** `dreamos worker --queue <role>` as a separate process, resolved once it serves. */
async function workerProcess(role: string, address: string, home: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--queue', role], {
    env: { ...process.env, TEMPORAL_ADDRESS: address, DREAMOS_MODEL_PROVIDER: 'sim', DREAMOS_HOME: home, DREAMOS_DASHBOARD_PORT: '0', DREAMOS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`serving ${role}`)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker ${role} exited (${code}): ${output}`)));
  });
  return child;
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }),
  );
}

/** agentTask runs per second: RUNS one-step tasks (sim model, no latency) started at once, until all have completed. */
async function tasksPerSecond(client: Client, label: string): Promise<number> {
  const began = process.hrtime.bigint();
  const specs = parseTaskDocument({
    mission: `bench-${label}-${Date.now().toString(36)}`,
    defaults: { steps: 1, outputSchema: 'answer', role: 'researcher', goal: 'Benchmark one agent step' },
    tasks: Array.from({ length: RUNS }, (_, i) => ({ taskId: `t${i}` })),
  });
  const handles = await Promise.all(specs.map((spec) => startAgentTask(client, spec)));
  await Promise.all(handles.map((h) => h.result()));
  return RUNS / (Number(process.hrtime.bigint() - began) / 1e9);
}

/** Workers (one nexus process and `agents` agent processes) against `address`, then the timed workload. */
async function measure(client: Client, address: string, agents: number, label: string): Promise<number> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-cluster-'));
  const children = [await workerProcess('nexus', address, home)];
  try {
    for (let i = 0; i < agents; i++) children.push(await workerProcess('agents', address, home));
    await tasksPerSecond(client, `${label}-warmup`);
    return await tasksPerSecond(client, label);
  } finally {
    await stop(children);
  }
}

/**
 * cluster.agentTasksPerSecVsDevServer: the same workload, one agents and one nexus worker process,
 * against the 4-process cluster on PostgreSQL and against the dev server (SQLite in memory), one
 * run each. cluster.scaleOut2Vs1: on the cluster, two agent worker processes against one.
 */
export const clusterBenchmark: Benchmark = {
  name: 'cluster',
  async run(progress) {
    const dev = await startBenchServer();
    let devRate: number;
    try {
      progress('dev server: 1 agents + 1 nexus worker process');
      devRate = await measure(dev.client, dev.server.address, 1, 'dev');
      progress(`dev server: ${devRate.toFixed(1)} agentTasks/s`);
    } finally {
      await dev.close();
    }
    progress('cluster: up (cluster.sh; the server build is cached after its first run)');
    const cluster = await startCluster({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-cluster-')), logFile: path.join(os.tmpdir(), `dreamos-bench-cluster-${process.pid}.log`) });
    const client = new Client({ connection: await Connection.connect({ address: cluster.address }) });
    try {
      await ensureNamespace(client.connection, 'default');
      await ensureSearchAttributes(client.connection, 'default');
      progress('cluster: 1 agents + 1 nexus worker process');
      const one = await measure(client, cluster.address, 1, 'one');
      progress(`cluster: ${one.toFixed(1)} agentTasks/s with 1 agent worker process`);
      const two = await measure(client, cluster.address, 2, 'two');
      progress(`cluster: ${two.toFixed(1)} agentTasks/s with 2 agent worker processes`);
      const topology = 'frontend, history, matching, worker: 4 processes on 1 host; PostgreSQL 15 on loopback; 4 history shards';
      const metrics: Metric[] = [
        { name: 'cluster.agentTasksPerSecVsDevServer', value: round(one / devRate, 3), unit: 'ratio', baseline: round(devRate, 2), target: '> 0', details: { clusterPerSec: round(one, 2), devServerPerSec: round(devRate, 2), runs: RUNS, topology } },
        { name: 'cluster.scaleOut2Vs1', value: round(two / one, 3), unit: 'ratio', baseline: round(one, 2), target: '> 1', details: { twoWorkersPerSec: round(two, 2), oneWorkerPerSec: round(one, 2), runs: RUNS, cores: os.cpus().length, topology } },
      ];
      return metrics;
    } finally {
      await client.connection.close();
      await cluster.destroy();
    }
  },
};
