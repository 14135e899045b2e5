import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadConfig } from '../src/config';
import { outcomeOf, startAgentTask } from '../src/missions/client';
import { resolveTemporalCli } from '../src/temporal/cli-binary';
import { freePort, startDevServer } from '../src/temporal/dev-server';
import { parseTaskDocument } from '../src/tasks/load';
import { runWorkers } from '../workers/run';
import { bundleWorkflows } from './bundle-workflows';

/**
 * Records the histories replayed by test/replay: real runs of representative tasks on a real
 * dev server. Rerun (`node dist/scripts/record-histories.js`) when adding scenarios; never to
 * paper over a replay failure (existing files are kept) — that failure means a workflow change needs `patched()`.
 */
/** Step 2 of 3 fails until the task has rolled back to cp-0, which drops the completed step 1. */
const rollbackAtStep2 = (fault: string) => ({
  steps: 3,
  checkpointEvery: 2,
  budget: { maxConsecutiveFailures: 2 },
  model: { sim: { rules: [{ whenPromptIncludes: 'Step 2 of 3', unlessPromptIncludes: 'Resumed from checkpoint', fault }] } },
});
/** Random faults on most answers, so local repair and several rungs of the ladder run. */
const ladder = (steps: number) => ({
  steps,
  model: { temperature: 0.6, fallbacks: ['sim-large'], sim: { faults: { malformedJson: 0.3, schemaViolation: 0.3, emptyAnswer: 0.2 } } },
});
/** Every answer empty: the budget runs out and the task escalates. */
const escalated = {
  steps: 1,
  budget: { maxAttempts: 4, maxConsecutiveFailures: 2, maxRollbacks: 1 },
  model: { sim: { rules: [{ whenPromptIncludes: 'Goal:', fault: 'empty-answer' }] } },
};

const SCENARIOS: Record<string, object> = {
  'happy-path': { steps: 3, outputSchema: 'strategy' },
  'healed-by-reask': {
    steps: 2,
    model: { sim: { rules: [{ whenPromptIncludes: 'Step 1 of 2', unlessPromptIncludes: 'rejected by validation', fault: 'schema-violation' }] } },
  },
  'rollback-then-complete': rollbackAtStep2('malformed-json'),
  escalated,
  // Since the nexus-memory-analytics-healer patch: memory, failure events, the strategy ladder.
  'v2-healed-by-ladder': ladder(3),
  'v2-rollback-with-memory': rollbackAtStep2('empty-answer'),
  'v2-escalated': escalated,
  // Since the memory-marks-by-tag patch: memory checkpoints marked by tagged writes.
  'v3-rollback-with-tag-marks': rollbackAtStep2('empty-answer'),
  'v3-healed-by-ladder': ladder(3),
  // Since the lean-publish patch: no search-attribute upsert at start or after the last step.
  'v4-ladder-then-escalated': ladder(2),
  // Since the agent-task-v5 patch: one patch marker stands for the three before it.
  'v5-rollback-with-memory': rollbackAtStep2('empty-answer'),
  'v5-healed-by-ladder': ladder(3),
  // Since the forget-dropped-facts patch: a rollback that drops a completed step deletes its mission fact.
  'v6-rollback-forgets-facts': rollbackAtStep2('empty-answer'),
};

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? path.join('test', 'replay', 'histories'));
  fs.mkdirSync(outDir, { recursive: true });
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const config = loadConfig({ ...process.env, DREAMOS_MODEL_PROVIDER: 'sim' });
  const binary = resolveTemporalCli({ explicitPath: config.temporal.cliPath, toolsDir: path.join(config.home, 'tools') });
  const server = await startDevServer({ binary, port: await freePort() });
  const bundles = await bundleWorkflows(path.join(os.tmpdir(), `dreamos-record-bundles-${process.pid}`));
  const connection = await NativeConnection.connect({ address: server.address });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-record-'));
  const workers = await runWorkers(['agents', 'nexus'], {
    connection,
    namespace: 'default',
    config,
    workflowBundles: bundles,
    memoryFile: path.join(home, 'memory.db'),
    analyticsFile: path.join(home, 'analytics.db'),
    dashboard: false,
  });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    for (const [name, fields] of Object.entries(SCENARIOS)) {
      const file = path.join(outDir, `agentTask-${name}.json`);
      // A recorded history stands for the code that made it: never overwrite one.
      if (fs.existsSync(file)) {
        console.log(`kept ${name}: already recorded`);
        continue;
      }
      const [spec] = parseTaskDocument({ taskId: name, missionId: 'replay', role: 'researcher', goal: 'Map the market for agent reliability tooling', outputSchema: 'research', ...fields });
      const handle = await startAgentTask(client, spec);
      const outcome = await outcomeOf(handle);
      const history = await handle.fetchHistory();
      fs.writeFileSync(file, historyToJSON(history));
      console.log(`recorded ${name}: ${outcome.status}, ${history.events?.length} events`);
    }
  } finally {
    await workers.shutdown();
    await connection.close();
    await client.connection.close();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
