import { startAgentTask } from '../../src/missions/client';
import { SQLiteMemory } from '../../src/memory';
import { FailureStore } from '../../src/analytics/store';
import { chainIdOf } from '../../src/contracts/failure-events';
import { promptInputs } from '../helpers/history';
import { ROLLBACK_AT_STEP_2, taskSpec, uniqueId, useTestWorkers } from '../helpers/temporal';

const env = useTestWorkers();

/** Reads the nexus worker's files with second instances, as the persistence contract allows. */
function withMemory<T>(read: (memory: SQLiteMemory) => T): T {
  const memory = SQLiteMemory.open(env.workers.memoryFile);
  try {
    return read(memory);
  } finally {
    memory.close();
  }
}

function withStore<T>(read: (store: FailureStore) => T): T {
  const store = FailureStore.open(env.workers.analyticsFile, { readonly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

function userPrompt(input: { messages: { role: string; content: string }[] }): string {
  return input.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
}

describe('agentTask with the nexus worker: memory and failure analytics', () => {
  // First in the file: with no strategy history in the store yet, the healer's choice (reask, the
  // lowest rung among equal priors) is known, so the events are exact.
  test('an injected fault produces exactly the expected failure events and a resolved chain', async () => {
    const missionId = uniqueId('events');
    const spec = taskSpec({
      missionId,
      taskId: 'faulty',
      role: 'critic',
      outputSchema: 'research',
      steps: 2,
      model: { sim: { rules: [{ whenPromptIncludes: 'Step 1 of 2', unlessPromptIncludes: 'rejected by validation', fault: 'empty-answer' }] } },
    });
    const handle = await startAgentTask(env.client, spec);
    const result = await handle.result();
    expect(result).toMatchObject({ attempts: 3, healAttempts: 1, rollbacks: 0 });

    const chainId = chainIdOf(handle.workflowId, 0, 0);
    const events = withStore((s) => s.eventsOfChain(chainId));
    expect(events.map((e) => [e.kind, e.failureClass ?? null, e.strategy ?? null, e.outcome ?? null])).toEqual([
      ['validation-failure', 'empty-answer', null, 'retrying'],
      // The store files a heal attempt under the class of the failure it repairs.
      ['heal-attempt', 'empty-answer', 'reask', 'healed'],
      ['resolved', null, null, 'resolved'],
    ]);
    expect(events.every((e) => e.missionId === missionId && e.role === 'critic' && e.step === 0)).toBe(true);
    expect(events[0].tokens).toBeGreaterThan(0);

    const chain = withStore((s) => s.chain(chainId));
    expect(chain).toMatchObject({ resolution: 'resolved', failureClass: 'empty-answer', strategies: ['reask'], failures: 1, healAttempts: 1 });
    expect(chain!.timeToResolutionMs).toBeGreaterThanOrEqual(0);
    // The second step never failed: it has no chain.
    expect(withStore((s) => s.chain(chainIdOf(handle.workflowId, 1, 0)))).toBeUndefined();

    const stats = withStore((s) => s.strategyStats({ failureClass: 'empty-answer', role: 'critic' }));
    expect(stats).toEqual([expect.objectContaining({ strategy: 'reask', attempts: 1, successes: 1 })]);
  });

  test('what one agent learned is injected into the next prompt of another agent of the mission', async () => {
    const missionId = uniqueId('shared-memory');
    const researcher = taskSpec({ missionId, taskId: 'research', role: 'researcher', outputSchema: 'research', steps: 1 });
    const analyst = taskSpec({ missionId, taskId: 'analysis', role: 'analyst', outputSchema: 'analysis', steps: 1 });

    const first = await startAgentTask(env.client, researcher);
    const { outputs } = await first.result();
    const second = await startAgentTask(env.client, analyst);
    await second.result();

    const fact = withMemory((m) => m.get(`mission:${missionId}`, 'research.step-1'));
    expect(fact?.content).toContain(JSON.stringify(outputs[0]).slice(0, 80));
    const [analystPrompt] = await promptInputs(second);
    expect(userPrompt(analystPrompt)).toContain('Relevant memory (most relevant first):');
    expect(userPrompt(analystPrompt)).toContain(`[mission] researcher (research) step 1: ${JSON.stringify(outputs[0]).slice(0, 80)}`);
    // The researcher's first prompt came before anything was remembered.
    const [researcherPrompt] = await promptInputs(first);
    expect(userPrompt(researcherPrompt)).not.toContain('Relevant memory');
  });

  test('a rollback restores the agent memory of its checkpoint and leaves a diagnostic note in it', async () => {
    const missionId = uniqueId('memory-rollback');
    const spec = taskSpec({
      missionId,
      taskId: 'rolling',
      ...ROLLBACK_AT_STEP_2,
    });
    const handle = await startAgentTask(env.client, spec);
    const result = await handle.result();
    expect(result.rollbacks).toBe(1);

    const turns = withMemory((m) => m.list(`agent:${missionId}:rolling`, { kind: 'short' }));
    const contents = turns.map((t) => t.content);
    // Step 1 ran twice (before and after the rollback to cp-0); only the second run's turn survives.
    expect(contents.filter((c) => c.startsWith('Step 1 ('))).toHaveLength(1);
    expect(contents.filter((c) => c.startsWith('Step 2 ('))).toHaveLength(1);
    expect(contents.filter((c) => c.startsWith('Step 3 ('))).toHaveLength(1);
    expect(contents.filter((c) => c.startsWith('Resumed from checkpoint cp-0'))).toHaveLength(1);

    const prompts = await promptInputs(handle);
    const afterRollback = prompts.find((p) => p.purpose === 'after-rollback');
    expect(afterRollback).toBeDefined();
    const memorySection = userPrompt(afterRollback!).split('Relevant memory (most relevant first):')[1] ?? '';
    expect(memorySection).toContain('- Resumed from checkpoint cp-0 after 2 failed attempts (empty-answer)');
    expect(memorySection).not.toContain('Step 1 (');
    // The fact the dropped step gave the mission went with it, so it is not recalled either.
    expect(memorySection).not.toContain('(rolling) step 1:');
    // Written, forgotten by the rollback, written again by the step's second run.
    const fact = withMemory((m) => m.history(`mission:${missionId}`, 'rolling.step-1').map((v) => v.op));
    expect(fact).toEqual(['put', 'delete', 'put']);
    expect(withMemory((m) => m.get(`mission:${missionId}`, 'rolling.step-1'))?.content).toContain('(rolling) step 1:');
  });

  test('an escalation closes its chain as abandoned, with the escalation recorded', async () => {
    const missionId = uniqueId('escalation-events');
    const spec = taskSpec({
      missionId,
      taskId: 'doomed',
      steps: 1,
      budget: { maxAttempts: 4, maxConsecutiveFailures: 2, maxRollbacks: 1 },
      model: { sim: { rules: [{ whenPromptIncludes: 'Goal:', fault: 'empty-answer' }] } },
    });
    const handle = await startAgentTask(env.client, spec);
    await expect(handle.result()).rejects.toThrow();

    const events = withStore((s) => s.eventsOfChain(chainIdOf(handle.workflowId, 0, 0)));
    const kinds = events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'validation-failure')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'rollback')).toHaveLength(1);
    expect(kinds.slice(-2)).toEqual(['escalation', 'abandoned']);
    expect(events.at(-2)).toMatchObject({ failureClass: 'escalation', outcome: 'escalated' });
    expect(withStore((s) => s.chain(chainIdOf(handle.workflowId, 0, 0)))).toMatchObject({ resolution: 'abandoned' });
  });
});
