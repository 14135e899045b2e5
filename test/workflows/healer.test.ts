import { Client, WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { FailureEvent } from '../../src/contracts/failure-events';
import { FailureStore } from '../../src/analytics/store';
import { outputSchema } from '../../src/healing/output-schemas';
import { rungOf, StrategyName } from '../../src/healing/strategies';
import { SimModel } from '../../src/llm/sim';
import { startAgentTask } from '../../src/missions/client';
import type { AgentTaskSpec } from '../../src/contracts/agent-task-spec';
import type { AgentTaskResult, EscalationContext, PromptInput, PromptResult } from '../../src/contracts/agent-task';
import { childWorkers, LoggedProcess } from '../helpers/processes';
import { startTestWorkers, taskSpec, testClient, TestWorkers, workflowFailure } from '../helpers/temporal';

/** Strategies that ask the model again; local repair never calls it, rollback restarts the step. */
const MODEL_STRATEGIES = ['reask', 'regenerate', 'lower-temperature', 'fallback-model', 'decompose'];

let client: Client;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await client?.connection.close();
});

/** One promptModel activity as the history records it: its one scheduled input, its last attempt, its answer. */
interface PromptCall {
  input: PromptInput;
  /** Activity attempt that completed (or last started); > 1 when Temporal retried it. */
  activityAttempt?: number;
  lastFailure?: string;
  result?: PromptResult;
}

async function promptCalls(handle: WorkflowHandle): Promise<PromptCall[]> {
  const history = await handle.fetchHistory();
  const calls = new Map<string, PromptCall>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'promptModel') {
      calls.set(String(event.eventId), { input: defaultPayloadConverter.fromPayload(scheduled.input!.payloads![0]) as PromptInput });
    }
    const started = event.activityTaskStartedEventAttributes;
    const startedCall = started && calls.get(String(started.scheduledEventId));
    if (startedCall) {
      startedCall.activityAttempt = started.attempt ?? undefined;
      startedCall.lastFailure = started.lastFailure?.message ?? undefined;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const completedCall = completed && calls.get(String(completed.scheduledEventId));
    if (completedCall) completedCall.result = defaultPayloadConverter.fromPayload(completed.result!.payloads![0]) as PromptResult;
  }
  return [...calls.values()];
}

/** The failure events the nexus worker stored for one workflow, in time order. */
function storedEvents(analyticsFile: string, workflowId: string): FailureEvent[] {
  const store = FailureStore.open(analyticsFile, { readonly: true });
  try {
    return store
      .chains({ since: 0 })
      .filter((chain) => chain.workflowId === workflowId)
      .flatMap((chain) => store.eventsOfChain(chain.chainId))
      .sort((a, b) => a.at - b.at);
  } finally {
    store.close();
  }
}

function chainResolutions(analyticsFile: string, workflowId: string): string[] {
  const store = FailureStore.open(analyticsFile, { readonly: true });
  try {
    return store.chains({ since: 0 }).filter((chain) => chain.workflowId === workflowId).map((chain) => chain.resolution);
  } finally {
    store.close();
  }
}

async function escalationOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const cause = await workflowFailure(handle);
  expect(cause.type).toBe('EscalationRequired');
  return cause;
}

/**
 * Whether a malformed answer still holds a whole JSON object (fenced, prose-wrapped or with a
 * trailing comma), judged without the healer's code: the first `{` to the last `}`, commas
 * before a closing bracket dropped.
 */
function wholeObjectIn(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1).replace(/,(\s*[}\]])/g, '$1'));
  } catch {
    return undefined;
  }
}

describe('Prompt Healer on a real Temporal server', () => {
  // Fresh workers per test: a fresh analytics store, so the chooser's strategy stats start empty.
  let workers: TestWorkers;

  beforeEach(async () => {
    workers = await startTestWorkers();
  });

  afterEach(async () => {
    await workers?.stop();
  });

  test('a malformed answer that still holds the whole object is repaired locally, with no second model call', async () => {
    const specs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) =>
      taskSpec({
        missionId: `local-repair-${seed}`,
        steps: 1,
        model: { sim: { seed, rules: [{ whenPromptIncludes: 'Step 1 of 1', unlessPromptIncludes: 'rejected', fault: 'malformed-json' }] } },
      }),
    );
    const handles = await Promise.all(specs.map((spec) => startAgentTask(client, spec)));
    const results = await Promise.all(handles.map((h) => h.result()));

    let repairable = 0;
    let truncated = 0;
    for (const [i, handle] of handles.entries()) {
      const calls = await promptCalls(handle);
      const first = calls[0].result!.text;
      expect(() => JSON.parse(first)).toThrow();
      const whole = wholeObjectIn(first);
      const localRepairs = storedEvents(workers.analyticsFile, handle.workflowId).filter((e) => e.kind === 'heal-attempt' && e.strategy === 'local-repair');
      expect(localRepairs).toHaveLength(1);
      if (whole !== undefined) {
        repairable += 1;
        expect(calls).toHaveLength(1);
        expect(localRepairs[0].outcome).toBe('healed');
        // Nothing invented: the output is the object the model wrote.
        expect(results[i].outputs).toEqual([outputSchema('research').parse(whole)]);
        expect(results[i]).toMatchObject({ attempts: 1, healAttempts: 1 });
      } else {
        truncated += 1;
        expect(localRepairs[0].outcome).toBe('retrying');
        expect(calls.length).toBeGreaterThan(1);
        expect(calls[1].input.strategy).toBeDefined();
      }
    }
    // Fixed seeds and fresh namespaces make the first answers fixed: both branches are exercised.
    expect(repairable).toBeGreaterThan(0);
    expect(truncated).toBeGreaterThan(0);
  });

  test('empty answers at a 50% rate are recovered by model strategies, never by local repair', async () => {
    const specs = [1, 2, 3, 4].map((seed) =>
      taskSpec({
        missionId: `empty-${seed}`,
        steps: 2,
        budget: { maxAttempts: 60, maxConsecutiveFailures: 8 },
        model: { fallbacks: ['sim-2'], sim: { seed, faults: { emptyAnswer: 0.5 } } },
      }),
    );
    const handles = await Promise.all(specs.map((spec) => startAgentTask(client, spec)));
    const results = await Promise.all(handles.map((h) => h.result()));
    for (const result of results) expect(result.outputs).toHaveLength(2);

    const events = handles.flatMap((h) => storedEvents(workers.analyticsFile, h.workflowId));
    const calls = (await Promise.all(handles.map(promptCalls))).flat();
    expect(events.filter((e) => e.kind === 'validation-failure').map((e) => e.failureClass)).toContain('empty-answer');
    expect(events.filter((e) => e.kind === 'validation-failure').every((e) => e.failureClass === 'empty-answer')).toBe(true);
    expect(events.some((e) => e.strategy === 'local-repair')).toBe(false);

    const repairs = calls.filter((c) => c.input.strategy !== undefined);
    expect(repairs.length).toBeGreaterThan(0);
    for (const repair of repairs) expect(MODEL_STRATEGIES).toContain(repair.input.strategy);
    const healed = events.filter((e) => e.kind === 'heal-attempt' && e.outcome === 'healed');
    expect(healed.length).toBeGreaterThan(0);
    for (const heal of healed) {
      expect(MODEL_STRATEGIES).toContain(heal.strategy);
      // The store and the history agree on which model call healed the step.
      expect(repairs.some((c) => c.input.workflowId === heal.workflowId && c.input.step === heal.step && c.input.attempt === heal.attempt && c.input.strategy === heal.strategy)).toBe(true);
    }
    for (const handle of handles) expect(chainResolutions(workers.analyticsFile, handle.workflowId).every((r) => r === 'resolved')).toBe(true);
  });

  test('schema violations at a 50% rate are recovered by model strategies; local repair invents no missing field', async () => {
    const specs = [1, 2, 3, 4].map((seed) =>
      taskSpec({
        missionId: `schema-${seed}`,
        steps: 2,
        budget: { maxAttempts: 60, maxConsecutiveFailures: 8 },
        model: { fallbacks: ['sim-2'], sim: { seed, faults: { schemaViolation: 0.5 } } },
      }),
    );
    const handles = await Promise.all(specs.map((spec) => startAgentTask(client, spec)));
    const results = await Promise.all(handles.map((h) => h.result()));
    for (const result of results) {
      expect(result.outputs).toHaveLength(2);
      for (const output of result.outputs) expect(outputSchema('research').safeParse(output).success).toBe(true);
    }

    const events = handles.flatMap((h) => storedEvents(workers.analyticsFile, h.workflowId));
    const calls = (await Promise.all(handles.map(promptCalls))).flat();
    expect(events.filter((e) => e.kind === 'validation-failure').map((e) => e.failureClass)).toContain('schema-violation');
    // The sim's violations drop a required field: local repair tries, and declines to fill it in.
    const localRepairs = events.filter((e) => e.strategy === 'local-repair');
    expect(localRepairs.length).toBeGreaterThan(0);
    expect(localRepairs.every((e) => e.outcome === 'retrying')).toBe(true);

    const healed = events.filter((e) => e.kind === 'heal-attempt' && e.outcome === 'healed');
    expect(healed.length).toBeGreaterThan(0);
    for (const heal of healed) {
      expect(MODEL_STRATEGIES).toContain(heal.strategy);
      expect(calls.some((c) => c.input.workflowId === heal.workflowId && c.input.step === heal.step && c.input.attempt === heal.attempt && c.input.strategy === heal.strategy)).toBe(true);
    }
    for (const handle of handles) expect(chainResolutions(workers.analyticsFile, handle.workflowId).every((r) => r === 'resolved')).toBe(true);
  });

  test('the same wrong answer again and again makes the healer climb the ladder until a strategy works', async () => {
    // Every prompt gets the same schema violation, except a decomposed one.
    const spec = taskSpec({
      missionId: 'ladder-climb',
      steps: 1,
      budget: { maxAttempts: 20, maxConsecutiveFailures: 12 },
      model: { fallbacks: ['sim-2'], sim: { seed: 3, rules: [{ whenPromptIncludes: 'Goal:', unlessPromptIncludes: 'split into parts', fault: 'schema-violation' }] } },
    });
    const handle = await startAgentTask(client, spec);
    const result = await handle.result();
    expect(result.outputs).toHaveLength(1);
    expect(result.rollbacks).toBe(0);

    const calls = await promptCalls(handle);
    const attempts = new Map<number, string>();
    for (const call of calls) if (call.input.strategy) attempts.set(call.input.attempt, call.input.strategy);
    const used = [...attempts.values()] as StrategyName[];
    expect(used[0]).toBe('reask');
    expect(used[used.length - 1]).toBe('decompose');
    // Each repair after a repeated error sits on a higher rung than the one before it.
    for (let i = 1; i < used.length; i++) expect(rungOf(used[i])).toBeGreaterThan(rungOf(used[i - 1]));
    for (const strategy of new Set(used)) expect(used.filter((s) => s === strategy).length).toBeLessThanOrEqual(2);
    expect(calls.find((c) => c.input.strategy === 'lower-temperature')?.input.temperature).toBe(0);
    expect(calls.find((c) => c.input.strategy === 'fallback-model')?.input.model).toBe('sim-2');
    expect(calls.some((c) => /climbing the ladder/.test(c.input.healNote ?? ''))).toBe(true);

    const heals = storedEvents(workers.analyticsFile, handle.workflowId).filter((e) => e.kind === 'heal-attempt' && e.strategy !== 'local-repair');
    expect(heals.map((e) => e.strategy)).toEqual(used);
    expect(heals.map((e) => e.outcome)).toEqual([...used.slice(0, -1).map(() => 'retrying'), 'healed']);
  });

  test('when every strategy fails the task escalates with its context, and the store records escalation and abandonment', async () => {
    const spec = taskSpec({
      missionId: 'all-fail',
      steps: 1,
      budget: { maxAttempts: 30, maxConsecutiveFailures: 12, maxRollbacks: 1 },
      model: { sim: { rules: [{ whenPromptIncludes: 'Goal:', fault: 'empty-answer' }] } },
    });
    const handle = await startAgentTask(client, spec);
    const cause = await escalationOf(handle);

    expect(cause.nonRetryable).toBe(true);
    const context = cause.details?.[0] as EscalationContext;
    expect(context).toMatchObject({ taskId: spec.taskId, missionId: 'all-fail', reason: 'rollback-limit', step: 0, rollbacks: 1 });
    expect(context.recentFailures.length).toBeGreaterThan(0);
    expect(context.recentFailures.every((f) => f.kind === 'empty-answer' && f.step === 0)).toBe(true);
    expect(context.tokens).toBeGreaterThan(0);

    // The ladder was climbed before giving up: several model strategies, then rollback.
    const strategies = new Set((await promptCalls(handle)).map((c) => c.input.strategy).filter((s) => s !== undefined));
    expect([...strategies]).toEqual(expect.arrayContaining(['reask', 'regenerate', 'decompose']));

    const events = storedEvents(workers.analyticsFile, handle.workflowId);
    expect(events.filter((e) => e.kind === 'rollback')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'escalation')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'escalation')[0].message).toMatch(/^rollback-limit: /);
    expect(events.filter((e) => e.kind === 'abandoned')).toHaveLength(1);
    expect(events[events.length - 1].kind).toBe('abandoned');
    expect(chainResolutions(workers.analyticsFile, handle.workflowId)).toEqual(['abandoned']);
  });

  test("healing 'retry' resends the identical prompt, gets the identical wrong answer, and escalates where the ladder recovers", async () => {
    const fields = (healing: 'ladder' | 'retry'): AgentTaskSpec =>
      taskSpec({
        missionId: `naive-${healing}`,
        steps: 1,
        healing,
        budget: { maxAttempts: 20, maxConsecutiveFailures: 4, maxRollbacks: 1 },
        model: { sim: { seed: 5, rules: [{ whenPromptIncludes: 'Goal:', unlessPromptIncludes: 'Avoid these mistakes', fault: 'malformed-json' }] } },
      });
    const retry = await startAgentTask(client, fields('retry'));
    const ladder = await startAgentTask(client, fields('ladder'));

    await expect(ladder.result()).resolves.toMatchObject({ outputs: [expect.anything()] });
    const cause = await escalationOf(retry);
    expect((cause.details?.[0] as EscalationContext).reason).toBe('rollback-limit');

    const calls = await promptCalls(retry);
    expect(calls).toHaveLength(8);
    for (const [i, call] of calls.entries()) {
      if (call.input.purpose !== 'reask') continue;
      // A naive retry: the previous prompt, byte for byte, and so the previous answer.
      expect(call.input.messages).toEqual(calls[i - 1].input.messages);
      expect(call.input.temperature).toBe(calls[i - 1].input.temperature);
      expect(call.result!.text).toBe(calls[i - 1].result!.text);
    }
    expect(calls.map((c) => c.input.purpose)).toEqual(['first', 'reask', 'reask', 'reask', 'after-rollback', 'reask', 'reask', 'reask']);
    const events = storedEvents(workers.analyticsFile, retry.workflowId);
    expect(events.some((e) => e.strategy === 'local-repair')).toBe(false);
    expect(events.filter((e) => e.kind === 'heal-attempt').every((e) => e.outcome === 'retrying')).toBe(true);
    expect(events.filter((e) => e.kind === 'escalation')).toHaveLength(1);
  });
});

describe('a worker killed during a repair attempt', () => {
  let nexus: TestWorkers;
  const children = childWorkers();

  beforeAll(async () => {
    // Only the nexus worker in-process: agent workflows and model calls run in the child workers.
    nexus = await startTestWorkers({ queues: ['nexus'] });
  });

  afterAll(async () => {
    await children.stopAll();
    await nexus?.stop();
  });

  test('Temporal retries the repair on another worker with the same messages, strategy and heal note', async () => {
    const spec = taskSpec({
      missionId: 'crash-repair',
      steps: 1,
      timeouts: { promptMs: 30_000, heartbeatMs: 2_000 },
      // The first answer is empty; the repair's prompt carries the rejection, which the rule lets through.
      model: { sim: { seed: 9, latencyMs: 2_000, rules: [{ whenPromptIncludes: 'Step 1 of 1', unlessPromptIncludes: 'rejected', fault: 'empty-answer' }] } },
    });
    const workerA = children.start('agents');
    await workerA.waitForText(/serving agents/);
    const handle = await startAgentTask(client, spec);
    const isRepairStart = (line: Record<string, unknown>) => line.workflowId === handle.workflowId && line.event === 'prompt.started' && line.attempt === 2;
    await workerA.waitForLine(isRepairStart, 60_000);
    workerA.child.kill('SIGKILL');
    await workerA.exited;

    const workerB = children.start('agents');
    const result: AgentTaskResult = await handle.result();
    expect(result).toMatchObject({ attempts: 2, healAttempts: 1, outputs: [expect.anything()] });

    // One scheduled repair: its input (messages, strategy, heal note) is what every retry of it runs.
    const calls = await promptCalls(handle);
    expect(calls).toHaveLength(2);
    const repair = calls[1];
    expect(repair.input).toMatchObject({ attempt: 2, purpose: 'reask' });
    expect(repair.input.strategy).toBeDefined();
    expect(repair.input.healNote).toBeDefined();
    expect(repair.activityAttempt).toBeGreaterThan(1);
    expect(repair.lastFailure).toMatch(/heartbeat/i);
    // The answer worker B returned is the sim's answer to exactly those scheduled messages.
    const expected = new SimModel({ seed: 0 }).decide({ messages: repair.input.messages, model: repair.input.model, temperature: repair.input.temperature, taskType: repair.input.taskType, sim: repair.input.sim });
    expect(repair.result?.text).toBe(expected.text);

    const completedIn = (proc: LoggedProcess) => proc.lines.filter((l) => l.workflowId === handle.workflowId && l.event === 'prompt.completed').map((l) => [l.attempt, l.activityAttempt]);
    expect(completedIn(workerA)).toEqual([[1, 1]]);
    expect(completedIn(workerB)).toEqual([[2, repair.activityAttempt]]);
    const heals = storedEvents(nexus.analyticsFile, handle.workflowId).filter((e) => e.kind === 'heal-attempt');
    expect(heals).toEqual([expect.objectContaining({ strategy: repair.input.strategy, outcome: 'healed', attempt: 2 })]);
  });
});
