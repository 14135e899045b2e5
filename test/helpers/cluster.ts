import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster, startCluster } from '../../src/temporal/cluster-script';
import { ARTIFACTS } from './paths';
import { testEnv } from './temporal';

/** Time for a cluster to come up; includes the one-time server build (~7 min) when the cache is empty. */
export const CLUSTER_START_TIMEOUT_MS = 15 * 60_000;

/** A cluster for one test file, from cluster.sh, in a fresh state folder; its script output goes to test-artifacts. */
export async function startTestCluster(name: string, options: { tlsDir?: string } = {}): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dreamos-cluster-${name}-`));
  return startCluster({ dir, tlsDir: options.tlsDir, cliPath: testEnv().cliPath, logFile: path.join(ARTIFACTS, `cluster-${name}.log`) });
}

/** A mission file with a unique mission id, written to a temp folder. */
export function missionFile(missionId: string, fields: { steps: number; latencyMs: number; tasks: Array<{ taskId: string; role: string; outputSchema: string }> }): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-mission-')), `${missionId}.json`);
  const mission = {
    mission: missionId,
    goal: 'Find a go-to-market angle for a developer tool that keeps LLM agents from crashing',
    defaults: { steps: fields.steps, model: { sim: { latencyMs: fields.latencyMs } }, timeouts: { promptMs: 20_000, heartbeatMs: 5_000 } },
    tasks: fields.tasks.map((t) => ({ ...t, goal: `Work on ${t.taskId} for the mission` })),
  };
  fs.writeFileSync(file, JSON.stringify(mission, null, 2));
  return file;
}
