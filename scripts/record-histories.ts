import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadConfig } from '../src/config';
import { AgentTaskHandle, outcomeOf, startAgentTask } from '../src/missions/client';
import { amendGoalUpdate, hintSignal, pauseSignal, resumeSignal, stateQuery } from '../src/contracts/agent-task';
import { resolveTemporalCli } from '../src/temporal/cli-binary';
import { freePort, startDevServer } from '../src/temporal/dev-server';
import { parseMissionDocument, parseTaskDocument } from '../src/tasks/load';
import { startMission } from '../src/missions/mission-client';
import { controlMission, ensureTower, getTower, submitThroughTower, towerState } from '../src/missions/tower-client';
import { TowerState } from '../src/contracts/tower';
import { createMissionSchedule } from '../src/missions/schedule-client';
import { runWorkers } from '../workers/run';
import { bundleWorkflows } from './bundle-workflows';
import { recordScalerHistories } from './record-scaler-histories';
import { toRecord } from './history-files';
import { ProcessBackend } from '../src/scaling/process';
import { profileQueue } from '../src/contracts/task-queues';

/**
 * Records the histories replayed by test/replay (`--only <prefix>`: only the scenarios whose file
 * name starts with it, e.g. `mission-` or `scaler-`): real runs of representative tasks on a real
 * dev server. Rerun (`node dist/scripts/record-histories.js`) when adding scenarios or releasing a
 * workflow change (bump RELEASE); never to paper over a replay failure (existing files are kept):
 * that failure means a workflow change needs `patched()`. See README, "Workflow versioning".
 */
const RELEASE = 'v8';

/** Step 2 of 3 fails until the task has rolled back to cp-0, which drops the completed step 1. */
const rollbackAtStep2 = (fault: string) => ({
  steps: 3,
  checkpointEvery: 2,
  budget: { maxConsecutiveFailures: 2 },
  model: { sim: { rules: [{ whenPromptIncludes: 'Step 2 of 3', unlessPromptIncludes: 'Resumed from checkpoint', fault }] } },
});

/** The model call fails for good (after Temporal's retries) until a rollback note is in the prompt. */
const failingCallOnce = (fault: 'rate-limit' | 'hang') => ({
  steps: 1,
  budget: { maxConsecutiveFailures: 1 },
  timeouts: { promptMs: 1_000, heartbeatMs: 1_000 },
  model: { sim: { rules: [{ whenPromptIncludes: 'Goal:', unlessPromptIncludes: 'Resumed from checkpoint', fault }] } },
});

interface Scenario {
  fields: object;
  /** What a client does while the task runs (signals, updates). */
  drive?(handle: AgentTaskHandle): Promise<void>;
}

/** Pauses the task, leaves a hint, amends its goal while paused, then resumes it. */
async function pauseHintAmendResume(handle: AgentTaskHandle): Promise<void> {
  await handle.signal(pauseSignal);
  while ((await handle.query(stateQuery)).status !== 'paused') await new Promise((r) => setTimeout(r, 100));
  await handle.signal(hintSignal, 'Cite one source per finding.');
  await handle.executeUpdate(amendGoalUpdate, { args: ['Map the market for agent reliability tooling in Europe'] });
  await handle.signal(resumeSignal);
}

const SCENARIOS: Record<string, Scenario> = {
  'rollback-with-memory': { fields: rollbackAtStep2('empty-answer') },
  'healed-by-ladder': {
    fields: { steps: 3, model: { temperature: 0.6, fallbacks: ['sim-large'], sim: { faults: { malformedJson: 0.3, schemaViolation: 0.3, emptyAnswer: 0.2 } } } },
  },
  escalated: {
    fields: { steps: 1, budget: { maxAttempts: 4, maxConsecutiveFailures: 2, maxRollbacks: 1 }, model: { sim: { rules: [{ whenPromptIncludes: 'Goal:', fault: 'empty-answer' }] } } },
  },
  'signals-and-update': { fields: { steps: 3, model: { sim: { latencyMs: 1_500 } } }, drive: pauseHintAmendResume },
  'continued-as-new': { fields: { steps: 8, continueAsNewAfterEvents: 50 } },
  'model-call-failed': { fields: failingCallOnce('rate-limit') },
  'model-call-timed-out': { fields: failingCallOnce('hang') },
};

/** Missions: dependencies, a reassignment, a split, a retry after an outage, a person's default at the deadline, model advice, hand-offs, the token budget and the deadline. */
const escalateFast = { maxConsecutiveFailures: 1, maxRollbacks: 0 };
const missionDefaults = { role: 'researcher', outputSchema: 'answer', timeouts: { promptMs: 10_000, heartbeatMs: 3_000 } };
const supervised = {
  maxConcurrentTasks: 2,
  supervision: { askPerson: 'never', retryBackoffMs: 500, reassignTo: [{ role: 'senior' }] },
  defaults: missionDefaults,
  tasks: [
    { taskId: 'facts', goal: 'Collect the facts' },
    { taskId: 'draft', role: 'junior', goal: 'Draft from the facts', dependsOn: ['facts'], steps: 2, budget: escalateFast, model: { sim: { rules: [{ whenPromptIncludes: 'Step 2 of 2', unlessPromptIncludes: 'You are the senior agent', fault: 'empty-answer' }] } } },
    { taskId: 'survey', goal: 'Survey the WHOLE-MARKET', steps: 2, budget: escalateFast, supervision: { reassignTo: [] }, model: { sim: { rules: [{ whenPromptIncludes: 'WHOLE-MARKET', unlessPromptIncludes: 'Part ', fault: 'empty-answer' }] } } },
    { taskId: 'fetch', goal: 'Fetch during an OUTAGE', budget: { maxAttempts: 1 }, model: { sim: { rules: [{ whenPromptIncludes: 'OUTAGE', unlessPromptIncludes: 'Retry 1 after', fault: 'rate-limit' }] } } },
  ],
};
const MISSION_SCENARIOS: Record<string, object> = {
  supervised,
  // The same after the decisions' events went to the background (marker mission-events-in-background).
  'supervised-events-in-background': supervised,
  // A supervisor model: its split followed, then overridden for the parts (depth limit); an answer failing the advice schema.
  advised: {
    supervision: { askPerson: 'never', retryBackoffMs: 500, reassignTo: [{ role: 'senior' }], maxSplitDepth: 1, advisor: {} },
    defaults: missionDefaults,
    tasks: [
      { taskId: 'draft', role: 'junior', goal: 'Draft the plan', steps: 2, budget: escalateFast, model: { sim: { rules: [{ whenPromptIncludes: 'You are the junior agent', fault: 'empty-answer' }] } } },
      {
        taskId: 'check',
        role: 'intern',
        goal: 'Check the plan',
        budget: escalateFast,
        model: { sim: { rules: [{ whenPromptIncludes: 'You are the intern agent', fault: 'empty-answer' }] } },
        supervision: { maxSplitDepth: 0, advisor: { sim: { rules: [{ whenPromptIncludes: 'Escalated task: check', fault: 'schema-violation' }] } } },
      },
    ],
  },
  // A hand-off started and the next one refused at the mission's limit.
  handoff: {
    maxHandoffs: 1,
    supervision: { askPerson: 'never' },
    defaults: missionDefaults,
    tasks: [{ taskId: 'research', goal: 'Research the tooling market and ask for a follow-up', handoffTo: ['analyst', 'critic'] }],
  },
  // The token budget spent by the first task: the two waiting for its slot start no child.
  'token-budget': {
    maxConcurrentTasks: 1,
    maxTokens: 200,
    supervision: { askPerson: 'never' },
    defaults: missionDefaults,
    tasks: ['a', 'b', 'c'].map((taskId) => ({ taskId, goal: `Summarise the market for agent reliability tooling. ${'Consider vendors, buyers, prices, risks and trends in detail. '.repeat(16)}` })),
  },
  // Tasks queued for the only slot, each handed it in turn (marker mission-slot-queue); a dependent queues once its dependency is done.
  'slot-queue': {
    maxConcurrentTasks: 1,
    supervision: { askPerson: 'never' },
    defaults: missionDefaults,
    tasks: [{ taskId: 'a', goal: 'Answer first' }, { taskId: 'b', goal: 'Answer second' }, { taskId: 'c', goal: 'Answer third' }, { taskId: 'd', goal: 'Answer from the first', dependsOn: ['a'] }],
  },
  // The deadline passing mid-run: the running child is cancelled, it and its dependent abandoned.
  deadline: {
    deadlineMs: 4_000,
    supervision: { askPerson: 'never' },
    defaults: missionDefaults,
    tasks: [{ taskId: 'quick', goal: 'Answer quickly' }, { taskId: 'slow', goal: 'Answer slowly', steps: 5, model: { sim: { latencyMs: 2_000 } } }, { taskId: 'after', goal: 'Then answer', dependsOn: ['slow'] }],
  },
  // A task asking for the heavy worker profile started on its queue, the other on agents.
  'worker-profile': {
    supervision: { askPerson: 'never' },
    defaults: missionDefaults,
    tasks: [{ taskId: 'big', goal: 'Answer with the heavy worker', workerProfile: 'heavy' }, { taskId: 'small', goal: 'Answer with a standard worker' }],
  },
  // The supervisor model advising to abandon a task a person decides on (stuck, askPerson when-stuck): asked instead
  // (marker mission-person-over-abandon-advice), the default at the deadline.
  'advised-abandon-asks-person': {
    supervision: { askPerson: 'when-stuck', maxSplitDepth: 0, personDeadlineMs: 1_000, defaultDecision: 'abandon', advisor: {} },
    defaults: missionDefaults,
    tasks: [{ taskId: 'long', goal: 'Answer at length', steps: 3, budget: { maxTokens: 100 } }],
  },
  'person-default-abandon': {
    supervision: { askPerson: 'when-stuck', maxSplitDepth: 0, personDeadlineMs: 1_000, defaultDecision: 'abandon' },
    defaults: missionDefaults,
    tasks: [
      { taskId: 'root', role: 'junior', goal: 'Start', budget: escalateFast, model: { sim: { rules: [{ whenPromptIncludes: 'You are the junior agent', fault: 'empty-answer' }] } } },
      { taskId: 'leaf', goal: 'Continue', dependsOn: ['root'] },
      { taskId: 'free', goal: 'Independent' },
    ],
  },
};

async function until(client: Client, check: (state: TowerState) => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!check(await towerState(client))) {
    if (Date.now() > deadline) throw new Error('the tower scenario did not reach its next state');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The control tower's scenario: intake (one rejected), admission under a limit of one agent task in
 * priority order, a queued mission cancelled, a stuck-mission alert, a running one paused and resumed,
 * reports from the missions, health observations, and continue-as-new past a low event limit.
 * Returns the workflow id, the first run's id and the last run's (which carried the state over).
 */
async function towerScenario(client: Client): Promise<{ workflowId: string; runId: string; lastRunId: string }> {
  await ensureTower(client, { maxConcurrentAgentTasks: 1, healthIntervalMs: 1_000, stuckAfterMs: 1_000, historyEventLimit: 120 });
  const first = await getTower(client).describe();
  const mission = (name: string, latencyMs: number) =>
    parseMissionDocument({ mission: `replay-tower-${name}`, defaults: missionDefaults, maxConcurrentTasks: 1, tasks: ['t0', 't1'].map((taskId) => ({ taskId, goal: `Answer question ${taskId}`, model: { sim: { latencyMs } } })) });
  const [running, urgent, dropped] = [mission('running', 1_500), mission('urgent', 0), mission('dropped', 0)];
  await submitThroughTower(client, { mission: running, source: 'replay' });
  await submitThroughTower(client, { mission: dropped, priority: 5 });
  await submitThroughTower(client, { mission: urgent, priority: 1 });
  await submitThroughTower(client, { mission: { ...urgent, missionId: 'replay-tower-bad', maxTokens: 1 } }).catch(() => undefined);
  await controlMission(client, dropped.missionId, 'cancel');
  // Its model calls outlast the tower's patience: a stuck-mission alert.
  await until(client, (s) => (s.health?.alerts ?? []).some((a) => a.subject === running.missionId));
  await controlMission(client, running.missionId, 'pause');
  await controlMission(client, running.missionId, 'resume');
  await until(client, (s) => [running, urgent].every((m) => s.missions.some((e) => e.missionId === m.missionId && e.endedAt !== undefined)));
  const last = await getTower(client).describe();
  await getTower(client).terminate('scenario recorded');
  return { workflowId: first.workflowId, runId: first.runId, lastRunId: last.runId };
}

/** A mission schedule's run: submitted through the tower, waiting for the mission's end. */
const SCHEDULED_SCENARIOS: Record<string, object> = {
  completed: { defaults: missionDefaults, tasks: [{ taskId: 'answer', goal: 'Answer the question of the day' }] },
};

/** Creates a paused schedule, triggers one run, records its history once it ends, deletes the schedule. */
async function recordScheduledRun(client: Client, file: string, name: string, fields: object): Promise<string> {
  const scheduleId = `replay-${name}`;
  const schedule = await createMissionSchedule(client, { scheduleId, spec: { kind: 'every', everyMs: 3_600_000, text: '1h' }, mission: parseMissionDocument({ mission: `replay-scheduled-${name}`, ...fields }), priority: 3, paused: true });
  try {
    await schedule.trigger();
    let runs = (await schedule.describe()).info.recentActions;
    while (runs.length === 0) {
      await new Promise((r) => setTimeout(r, 200));
      runs = (await schedule.describe()).info.recentActions;
    }
    const handle = client.workflow.getHandle(runs[0].action.workflow.workflowId, runs[0].action.workflow.firstExecutionRunId);
    const result = (await handle.result()) as { missionId: string; state: string };
    const history = await handle.fetchHistory();
    fs.writeFileSync(file, historyToJSON(history));
    return `${result.missionId} ${result.state}, ${history.events?.length} events`;
  } finally {
    await schedule.delete();
  }
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : path.join('test', 'replay', 'histories'));
  fs.mkdirSync(outDir, { recursive: true });
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const config = loadConfig({ ...process.env, DREAMOS_MODEL_PROVIDER: 'sim' });
  const binary = resolveTemporalCli({ explicitPath: config.temporal.cliPath, toolsDir: path.join(config.home, 'tools') });
  const server = await startDevServer({ binary, port: await freePort() });
  const bundles = await bundleWorkflows(path.join(os.tmpdir(), `dreamos-record-bundles-${process.pid}`));
  const connection = await NativeConnection.connect({ address: server.address });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-record-'));
  // The scaler's workers are child processes reaching this server, with the sim model and these bundles.
  Object.assign(process.env, { DREAMOS_MODEL_PROVIDER: 'sim', DREAMOS_WORKFLOW_BUNDLES: bundles });
  const scalingBackend = new ProcessBackend({ stateDir: home });
  const workers = await runWorkers(['agents', 'nexus', 'control'], {
    connection,
    namespace: 'default',
    config: loadConfig({ ...process.env, TEMPORAL_ADDRESS: server.address, DREAMOS_HOME: home, DREAMOS_SCALING_BACKEND: 'process' }),
    scalingBackend,
    workflowBundles: bundles,
    memoryFile: path.join(home, 'memory.db'),
    analyticsFile: path.join(home, 'analytics.db'),
    dashboard: false,
  });
  // The heavy profile's worker, for the missions' tasks that ask for it.
  const heavyWorker = await runWorkers(['agents'], {
    connection,
    namespace: 'default',
    config: loadConfig({ ...process.env, TEMPORAL_ADDRESS: server.address, DREAMOS_HOME: home, DREAMOS_WORKER_TASK_QUEUE: profileQueue('heavy') }),
    workflowBundles: bundles,
    memoryFile: path.join(home, 'memory.db'),
    analyticsFile: path.join(home, 'analytics.db'),
    dashboard: false,
  });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const file = path.join(outDir, `agentTask-${RELEASE}-${name}.json`);
      if (!toRecord(file)) continue;
      const [spec] = parseTaskDocument({ taskId: `${RELEASE}-${name}`, missionId: 'replay', role: 'researcher', goal: 'Map the market for agent reliability tooling', outputSchema: 'research', ...scenario.fields });
      const handle = await startAgentTask(client, spec);
      await scenario.drive?.(handle);
      const outcome = await outcomeOf(handle);
      // The first run: a task continued as new recorded its ContinueAsNew command there.
      const history = await client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
      fs.writeFileSync(file, historyToJSON(history));
      console.log(`recorded ${name}: ${outcome.status}, ${history.events?.length} events`);
    }
    for (const [name, fields] of Object.entries(MISSION_SCENARIOS)) {
      const file = path.join(outDir, `mission-${name}.json`);
      if (!toRecord(file)) continue;
      const handle = await startMission(client, parseMissionDocument({ mission: `replay-${name}`, ...fields }));
      const result = await handle.result();
      const history = await handle.fetchHistory();
      fs.writeFileSync(file, historyToJSON(history));
      console.log(`recorded mission ${name}: ${result.status}, ${result.decisions.length} decisions, ${history.events?.length} events`);
    }
    const towerFile = path.join(outDir, 'tower-admission-and-steering.json');
    if (toRecord(towerFile)) {
      const { workflowId, runId, lastRunId } = await towerScenario(client);
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      fs.writeFileSync(towerFile, historyToJSON(history));
      console.log(`recorded tower admission-and-steering: ${history.events?.length} events in its first run`);
      if (lastRunId !== runId) {
        const carried = await client.workflow.getHandle(workflowId, lastRunId).fetchHistory();
        fs.writeFileSync(path.join(outDir, 'tower-after-continue-as-new.json'), historyToJSON(carried));
        console.log(`recorded tower after-continue-as-new: ${carried.events?.length} events in its last run`);
      }
    }
    for (const [name, fields] of Object.entries(SCHEDULED_SCENARIOS)) {
      const file = path.join(outDir, `scheduledMission-${name}.json`);
      if (!toRecord(file)) continue;
      console.log(`recorded scheduled mission ${name}: ${await recordScheduledRun(client, file, name, fields)}`);
    }
    await recordScalerHistories(client, scalingBackend, outDir);
  } finally {
    await heavyWorker.shutdown();
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
