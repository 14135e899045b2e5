import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startAgentTask } from '../../src/missions/client';
import { outputSchema } from '../../src/healing/output-schemas';
import { AGENT_TASK_WORKFLOW, AgentTaskResult, agentTaskStartOptions, checkpointsQuery, EscalationContext, escalationOf, PromptInput, stateQuery } from '../../src/contracts/agent-task';
import { promptInputs } from '../helpers/history';
import { ROLLBACK_AT_STEP_2, taskSpec, useTestWorkers, workflowFailure } from '../helpers/temporal';

const env = useTestWorkers();

describe('agentTask on a real Temporal server', () => {
  test('happy path: every step yields an output that matches the task schema', async () => {
    const spec = taskSpec({ steps: 3, outputSchema: 'strategy' });
    const handle = await startAgentTask(env.client, spec);
    const result = await handle.result();

    expect(result.outputs).toHaveLength(3);
    for (const output of result.outputs) expect(outputSchema('strategy').safeParse(output).success).toBe(true);
    expect(result).toMatchObject({ attempts: 3, healAttempts: 0, rollbacks: 0, runs: 1 });
    const checkpoints = await handle.query(checkpointsQuery);
    expect(checkpoints.map((c) => c.id)).toEqual(['cp-0', 'cp-1', 'cp-2', 'cp-3']);
  });

  test('invalid model output is healed by a reask that carries the validation errors', async () => {
    const spec = taskSpec({
      steps: 1,
      model: { sim: { rules: [{ whenPromptIncludes: 'Step 1 of 1', unlessPromptIncludes: 'rejected by validation', fault: 'schema-violation' }] } },
    });
    const handle = await startAgentTask(env.client, spec);
    const result = await handle.result();

    expect(result).toMatchObject({ attempts: 2, healAttempts: 1, rollbacks: 0 });
    const prompts = await promptInputs(handle);
    expect(prompts.map((p) => p.purpose)).toEqual(['first', 'reask']);
    const reask = prompts[1].messages[prompts[1].messages.length - 1].content;
    expect(reask).toContain('rejected by validation');
    expect(reask).toMatch(/findings: /);
  });

  test('repeated failure rolls back to the last checkpoint, dropping later steps, and resumes', async () => {
    const spec = taskSpec(ROLLBACK_AT_STEP_2);
    const handle = await startAgentTask(env.client, spec);
    const result = await handle.result();

    expect(result.rollbacks).toBe(1);
    expect(result.outputs).toHaveLength(3);
    const prompts = await promptInputs(handle);
    // step 0 ok, step 1 fails twice, rollback to cp-0 drops step 0, then steps 0, 1, 2 again.
    expect(prompts.map((p) => [p.step, p.purpose])).toEqual([
      [0, 'first'],
      [1, 'first'],
      [1, 'reask'],
      [0, 'after-rollback'],
      [1, 'after-rollback'],
      [2, 'first'],
    ]);
    expect(prompts[3].messages[1].content).toContain('Resumed from checkpoint cp-0 after 2 failed attempts (empty-answer)');
    expect((await handle.query(checkpointsQuery)).map((c) => c.id)).toEqual(['cp-0', 'cp-2', 'cp-3']);
  });

  test('a spent budget fails the task with a non-retryable EscalationRequired carrying its context', async () => {
    const spec = taskSpec({
      steps: 2,
      budget: { maxAttempts: 6, maxConsecutiveFailures: 2, maxRollbacks: 1 },
      model: { sim: { rules: [{ whenPromptIncludes: 'Goal:', fault: 'empty-answer' }] } },
    });
    const handle = await startAgentTask(env.client, spec);
    const cause = await workflowFailure(handle);

    expect(cause.type).toBe('EscalationRequired');
    expect(cause.nonRetryable).toBe(true);
    const context = cause.details?.[0] as EscalationContext;
    expect(context).toMatchObject({ taskId: spec.taskId, role: 'researcher', reason: 'rollback-limit', attempts: 4, rollbacks: 1, step: 0 });
    expect(context.lastCheckpoint).toEqual({ id: 'cp-0', completedSteps: 0 });
    expect(context.recentFailures.every((f) => f.kind === 'empty-answer')).toBe(true);

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get({ name: 'DreamEscalated', type: 'BOOL' } as never)).toBe(true);
    expect(description.typedSearchAttributes.get({ name: 'DreamStatus', type: 'KEYWORD' } as never)).toBe('escalated');
  });

  test('the attempt budget is enforced even while reasks keep failing', async () => {
    const spec = taskSpec({
      steps: 1,
      budget: { maxAttempts: 3, maxConsecutiveFailures: 10 },
      // Empty answers: no local repair can help, every repair costs a model call.
      model: { sim: { rules: [{ whenPromptIncludes: 'Goal:', fault: 'empty-answer' }] } },
    });
    const cause = await (await startAgentTask(env.client, spec)).result().catch((err: WorkflowFailedError) => err.cause as ApplicationFailure);
    expect((cause as ApplicationFailure).details?.[0]).toMatchObject({ reason: 'attempt-budget', attempts: 3, healAttempts: 3 });
  });

  test('pause holds the next step; hint and amendGoal reach the following prompts; resume finishes', async () => {
    const spec = taskSpec({ steps: 3, model: { sim: { latencyMs: 400 } } });
    const handle = await startAgentTask(env.client, spec);
    await handle.signal('pause');
    await waitFor(async () => (await handle.query(stateQuery)).status === 'paused');
    // Long enough for several 400 ms model calls, had the pause not held the loop.
    await new Promise((r) => setTimeout(r, 1_500));

    await handle.signal('hint', 'focus on mid-size teams');
    const amended = await handle.executeUpdate('amendGoal', { args: ['Map the market for agent observability'] });
    expect((amended as { goal: string }).goal).toBe('Map the market for agent observability');
    const rejected = await handle.executeUpdate('amendGoal', { args: ['  '] }).catch((err: WorkflowUpdateFailedError) => err);
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((rejected as WorkflowUpdateFailedError).cause?.message).toMatch(/non-empty goal/);
    await handle.signal('resume');
    const result = await handle.result();

    expect(result.outputs).toHaveLength(3);
    // Each model call, by the event id at which the workflow task that scheduled it started: a task
    // started before the pause was delivered may still schedule one; none started after it may.
    const events = (await handle.fetchHistory()).events ?? [];
    const id = (value: unknown) => Number(value);
    const taskStartedAt = new Map(events.filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => [id(e.eventId), id(e.workflowTaskCompletedEventAttributes!.startedEventId)]));
    const modelCalls = events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'promptModel')
      .map((e) => taskStartedAt.get(id(e.activityTaskScheduledEventAttributes!.workflowTaskCompletedEventId))!);
    const signalled = (name: string) => id(events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name)?.eventId);
    const [paused, resumed] = [signalled('pause'), signalled('resume')];
    expect(resumed).toBeGreaterThan(paused);
    expect(modelCalls.filter((startedAt) => startedAt > paused && startedAt < resumed)).toEqual([]);
    expect(modelCalls.filter((startedAt) => startedAt > resumed).length).toBeGreaterThan(0);
    const last = (await promptInputs(handle)).pop() as PromptInput;
    expect(last.messages[1].content).toContain('Goal: Map the market for agent observability');
    expect(last.messages[1].content).toContain('focus on mid-size teams');
  });

  test('an escalation carries the steps completed up to the last checkpoint; a run given them resumes after them', async () => {
    const failing = taskSpec({
      steps: 3,
      budget: { maxAttempts: 8, maxConsecutiveFailures: 1, maxRollbacks: 1 },
      model: { sim: { rules: [{ whenPromptIncludes: 'Step 3 of 3', fault: 'empty-answer' }] } },
    });
    const escalated = await startAgentTask(env.client, failing);
    const context = escalationOf(await workflowFailure(escalated))?.context;
    expect(context?.reason).toBe('rollback-limit');
    expect(context?.resume?.fromWorkflowId).toBe(escalated.workflowId);
    expect(context?.resume?.records.map((r) => r.step)).toEqual([0, 1]);

    const taken = taskSpec({ steps: 3, taskId: `${failing.taskId}-reassigned`, role: 'analyst' });
    const handle = await env.client.workflow.start(AGENT_TASK_WORKFLOW, { ...agentTaskStartOptions(taken, { spec: taken, resume: context?.resume }) });
    const result = (await handle.result()) as AgentTaskResult;

    expect(result.outputs.slice(0, 2)).toEqual(context?.resume?.records.map((r) => r.output));
    expect(result.outputs).toHaveLength(3);
    expect((await promptInputs(handle)).map((p) => [p.step, p.purpose])).toEqual([[2, 'first']]);
    expect((await handle.query(checkpointsQuery)).map((c) => c.id)).toEqual(['cp-2', 'cp-3']);
  });

  test('a long task continues as new and carries its state across runs', async () => {
    const spec = taskSpec({ steps: 12, continueAsNewAfterEvents: 50 });
    const handle = await startAgentTask(env.client, spec);
    const result = await handle.result();

    expect(result.runs).toBeGreaterThan(1);
    expect(result.outputs).toHaveLength(12);
    expect(result.attempts).toBe(12);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
