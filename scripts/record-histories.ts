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
import { parseMissionDocument, parseTaskDocument } from '../src/tasks/load';
import { startMission } from '../src/missions/mission-client';
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

/** Missions: dependencies, a reassignment, a split, a retry after an outage, a person's default at the deadline. */
const escalateFast = { maxConsecutiveFailures: 1, maxRollbacks: 0 };
const MISSION_SCENARIOS: Record<string, object> = {
  'supervised': {
    maxConcurrentTasks: 2,
    supervision: { askPerson: 'never', retryBackoffMs: 500, reassignTo: [{ role: 'senior' }] },
    defaults: { role: 'researcher', outputSchema: 'answer', timeouts: { promptMs: 10_000, heartbeatMs: 3_000 } },
    tasks: [
      { taskId: 'facts', goal: 'Collect the facts' },
      { taskId: 'draft', role: 'junior', goal: 'Draft from the facts', dependsOn: ['facts'], steps: 2, budget: escalateFast, model: { sim: { rules: [{ whenPromptIncludes: 'Step 2 of 2', unlessPromptIncludes: 'You are the senior agent', fault: 'empty-answer' }] } } },
      { taskId: 'survey', goal: 'Survey the WHOLE-MARKET', steps: 2, budget: escalateFast, supervision: { reassignTo: [] }, model: { sim: { rules: [{ whenPromptIncludes: 'WHOLE-MARKET', unlessPromptIncludes: 'Part ', fault: 'empty-answer' }] } } },
      { taskId: 'fetch', goal: 'Fetch during an OUTAGE', budget: { maxAttempts: 1 }, model: { sim: { rules: [{ whenPromptIncludes: 'OUTAGE', unlessPromptIncludes: 'Retry 1 after', fault: 'rate-limit' }] } } },
    ],
  },
  'person-default-abandon': {
    supervision: { askPerson: 'when-stuck', maxSplitDepth: 0, personDeadlineMs: 1_000, defaultDecision: 'abandon' },
    defaults: { role: 'researcher', outputSchema: 'answer', timeouts: { promptMs: 10_000, heartbeatMs: 3_000 } },
    tasks: [
      { taskId: 'root', role: 'junior', goal: 'Start', budget: escalateFast, model: { sim: { rules: [{ whenPromptIncludes: 'You are the junior agent', fault: 'empty-answer' }] } } },
      { taskId: 'leaf', goal: 'Continue', dependsOn: ['root'] },
      { taskId: 'free', goal: 'Independent' },
    ],
  },
};

/** `--only <prefix>`: record only the scenarios whose file name starts with it (e.g. `mission-`). */
function selected(file: string): boolean {
  const at = process.argv.indexOf('--only');
  return at < 0 || path.basename(file).startsWith(process.argv[at + 1] ?? '');
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : path.join('test', 'replay', 'histories'));
  fs.mkdirSync(outDir, { recursive: true });
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const config = loadConfig({ ...process.env, DREAMOS_MODEL_PROVIDER: 'sim' });
  const binary = resolveTemporalCli({ explicitPath: config.temporal.cliPath, toolsDir: path.join(config.home, 'tools') });
  const server = await startDevServer({ binary, port: await freePort() });
  const bundle = await bundleWorkflows(path.join(os.tmpdir(), `dreamos-record-${process.pid}.js`));
  const connection = await NativeConnection.connect({ address: server.address });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-record-'));
  const workers = await runWorkers(['agents', 'nexus', 'control'], {
    connection,
    namespace: 'default',
    config,
    workflowBundlePath: bundle,
    memoryFile: path.join(home, 'memory.db'),
    analyticsFile: path.join(home, 'analytics.db'),
    dashboard: false,
  });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    for (const [name, fields] of Object.entries(SCENARIOS)) {
      const file = path.join(outDir, `agentTask-${name}.json`);
      if (!selected(file)) continue;
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
    for (const [name, fields] of Object.entries(MISSION_SCENARIOS)) {
      const file = path.join(outDir, `mission-${name}.json`);
      if (!selected(file)) continue;
      if (fs.existsSync(file)) {
        console.log(`kept mission ${name}: already recorded`);
        continue;
      }
      const handle = await startMission(client, parseMissionDocument({ mission: `replay-${name}`, ...fields }));
      const result = await handle.result();
      const history = await handle.fetchHistory();
      fs.writeFileSync(file, historyToJSON(history));
      console.log(`recorded mission ${name}: ${result.status}, ${result.decisions.length} decisions, ${history.events?.length} events`);
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
