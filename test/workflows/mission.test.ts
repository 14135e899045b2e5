import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MISSION_WORKFLOW, pauseMissionSignal, resumeMissionSignal } from '../../src/contracts/mission';
import { missionGraph, sendDecision, startMission } from '../../src/missions/mission-client';
import { TASK_QUEUES } from '../../src/contracts/task-queues';
import { activityEvents, promptInputs } from '../helpers/history';
import { ESCALATE_FAST, failsFor, missionOf, waitForGraph } from '../helpers/missions';
import { useTestWorkers } from '../helpers/temporal';

const env = useTestWorkers({ queues: ['agents', 'nexus', 'control'] });

describe('mission: dependencies and limits', () => {
  test('dependents start after their dependencies and get their validated outputs in the prompt', async () => {
    const input = missionOf([{ taskId: 'facts' }, { taskId: 'summary', dependsOn: ['facts'] }]);
    const handle = await startMission(env.client, input);
    const result = await handle.result();

    expect(result.status).toBe('completed');
    expect(Object.keys(result.outputs).sort()).toEqual(['facts', 'summary']);
    const factsOutput = JSON.stringify(result.outputs.facts[0]).slice(0, 30);
    const prompts = await promptInputs(env.client.workflow.getHandle(`${input.missionId}.summary`));
    expect(prompts[0].messages[1].content).toContain('Inputs from the tasks this one depends on:\n- facts (researcher): ');
    expect(prompts[0].messages[1].content).toContain(factsOutput);
    const facts = await env.client.workflow.getHandle(`${input.missionId}.facts`).describe();
    const summary = await env.client.workflow.getHandle(`${input.missionId}.summary`).describe();
    expect(summary.startTime.getTime()).toBeGreaterThanOrEqual(facts.closeTime!.getTime());
    expect(facts.taskQueue).toBe(TASK_QUEUES.agents);
    expect(facts.typedSearchAttributes.get({ name: 'DreamMission', type: 'KEYWORD' } as never)).toBe(input.missionId);
  });

  test('no more than maxConcurrentTasks children ever run at once', async () => {
    const tasks = Array.from({ length: 6 }, (_, i) => ({ taskId: `t${i}`, model: { sim: { latencyMs: 300 } } }));
    const input = missionOf(tasks, { maxConcurrentTasks: 2 });
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('completed');
    expect(result.peakRunning).toBe(2);
    const spans = await Promise.all(tasks.map(async (t) => env.client.workflow.getHandle(`${input.missionId}.${t.taskId}`).describe()));
    const times = spans.flatMap((d) => [{ at: d.startTime.getTime(), delta: 1 }, { at: d.closeTime!.getTime(), delta: -1 }]).sort((a, b) => a.at - b.at || a.delta - b.delta);
    let open = 0;
    let most = 0;
    for (const t of times) most = Math.max(most, (open += t.delta));
    expect(most).toBeLessThanOrEqual(2);
  });

  test('tasks waiting for a slot get it first come first served, none while the mission is paused, all once it resumes', async () => {
    const tasks = Array.from({ length: 5 }, (_, i) => ({ taskId: `q${i}`, model: { sim: { latencyMs: 300 } } }));
    const input = missionOf(tasks, { maxConcurrentTasks: 1 });
    const handle = await startMission(env.client, input);
    await waitForGraph(handle, (g) => g.running === 1);
    await handle.signal(pauseMissionSignal);
    // The running task ends; the paused mission hands its slot to no one.
    const paused = await waitForGraph(handle, (g) => g.paused === true && g.tasks.some((t) => t.state === 'completed'));
    const idle = await waitForGraph(handle, (g) => g.running === 0);
    expect(idle.tasks.filter((t) => t.attempts > 0)).toHaveLength(paused.tasks.filter((t) => t.attempts > 0).length);
    expect(idle.tasks.filter((t) => t.state === 'waiting').length).toBeGreaterThanOrEqual(3);
    await handle.signal(resumeMissionSignal);
    const result = await handle.result();

    expect(result.status).toBe('completed');
    expect(result.peakRunning).toBe(1);
    const spans = await Promise.all(tasks.map(async (t) => env.client.workflow.getHandle(`${input.missionId}.${t.taskId}`).describe()));
    const order = [...spans].sort((a, b) => a.startTime.getTime() - b.startTime.getTime()).map((d) => d.workflowId);
    expect(order).toEqual(tasks.map((t) => `${input.missionId}.${t.taskId}`));
    for (let i = 1; i < spans.length; i += 1) expect(spans[i].startTime.getTime()).toBeGreaterThanOrEqual(spans[i - 1].closeTime!.getTime());
  });

  test('a mission cancelled while tasks wait for a slot ends at once: the waiting tasks start no child', async () => {
    const input = missionOf([{ taskId: 'long', steps: 5, model: { sim: { latencyMs: 2_000 } } }, { taskId: 'next' }, { taskId: 'last' }], { maxConcurrentTasks: 1 });
    const handle = await startMission(env.client, input);
    await waitForGraph(handle, (g) => g.running === 1 && g.tasks.filter((t) => t.state === 'waiting').length === 2);
    await handle.cancel();
    const error = await handle.result().catch((err: WorkflowFailedError) => err);

    expect(error).toBeInstanceOf(WorkflowFailedError);
    const graph = await missionGraph(handle);
    expect(graph.tasks.map((t) => [t.taskId, t.state, t.attempts])).toEqual([
      ['long', 'abandoned', 1],
      ['next', 'abandoned', 0],
      ['last', 'abandoned', 0],
    ]);
    expect(graph.running).toBe(0);
    for (const taskId of ['next', 'last']) {
      const described = await env.client.workflow.getHandle(`${input.missionId}.${taskId}`).describe().catch((err: unknown) => err);
      expect(described).toBeInstanceOf(WorkflowNotFoundError);
    }
  });

  test('a bad input started by any client fails at once with InvalidWorkflowInput naming the field', async () => {
    const input = missionOf([{ taskId: 'a' }, { taskId: 'b' }]);
    const cyclic = { ...input, tasks: [{ ...input.tasks[0], dependsOn: ['b'] }, { ...input.tasks[1], dependsOn: ['a'] }] };
    const handle = await env.client.workflow.start(MISSION_WORKFLOW, { workflowId: `mission.${input.missionId}`, taskQueue: TASK_QUEUES.control, args: [cyclic] });
    const error = await handle.result().catch((err: WorkflowFailedError) => err);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidWorkflowInput');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(/dependency cycle: a -> b -> a/);
  });
});

describe('mission: escalations', () => {
  test('a task that fails for its first role is reassigned and completes; the decision is resolved', async () => {
    const input = missionOf(
      [{ taskId: 'draft', role: 'junior', steps: 2, budget: ESCALATE_FAST, model: { sim: failsFor('junior', { whenPromptIncludes: 'Step 2 of 2', unlessPromptIncludes: 'You are the senior agent' }) } }],
      { supervision: { reassignTo: [{ role: 'senior' }] } },
    );
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('completed');
    expect(result.outputs.draft).toHaveLength(2);
    expect(result.decisions).toEqual([expect.objectContaining({ taskId: 'draft', kind: 'reassign', cause: 'rollback-limit', outcome: 'resolved' })]);
    expect(result.tasks[0]).toMatchObject({ taskId: 'draft', role: 'senior', attempts: 2, workflowIds: [`${input.missionId}.draft`, `${input.missionId}.draft.a2`] });
    // The reassigned run starts in the workflow task that schedules the decision's events: it does not wait for them to be written.
    const history = await env.client.workflow.getHandle(`mission.${input.missionId}`).fetchHistory();
    const written = activityEvents(history, 'recordFailureEvents');
    const rerun = (history.events ?? []).find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId === `${input.missionId}.draft.a2`);
    expect(written.scheduled.length).toBeGreaterThan(0);
    expect(Number(rerun?.eventId)).toBeLessThan(Number(written.completed[0].eventId));
    expect(Number(rerun?.startChildWorkflowExecutionInitiatedEventAttributes?.workflowTaskCompletedEventId)).toBe(Number(written.scheduled[0].activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId));
  });

  test('a task that only succeeds when split is split into parts and a merge that stands for it', async () => {
    const input = missionOf(
      [{ taskId: 'survey', steps: 2, goal: 'Survey the WHOLE-MARKET', budget: ESCALATE_FAST, model: { sim: { rules: [{ whenPromptIncludes: 'WHOLE-MARKET', unlessPromptIncludes: 'Part ', fault: 'empty-answer' }] } } }],
      { supervision: { splitParts: 2 } },
    );
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('completed');
    expect(result.decisions.map((d) => [d.kind, d.outcome])).toEqual([['split', 'resolved']]);
    expect(result.tasks.map((t) => [t.taskId, t.state, t.parent])).toEqual([
      ['survey', 'completed', undefined],
      ['survey.p1', 'completed', 'survey'],
      ['survey.p2', 'completed', 'survey'],
      ['survey.merge', 'completed', 'survey'],
    ]);
    const merge = await (await env.client.workflow.getHandle(`${input.missionId}.survey.merge`)).result();
    expect(result.outputs.survey).toEqual(merge.outputs);
  });

  test('a transient outage (rate limits) is retried later and then completes', async () => {
    const input = missionOf(
      [{ taskId: 'fetch', goal: 'Fetch during an OUTAGE', budget: { maxAttempts: 1 }, model: { sim: { rules: [{ whenPromptIncludes: 'OUTAGE', unlessPromptIncludes: 'Retry 1 after', fault: 'rate-limit' }] } } }],
      { supervision: { reassignTo: [{ role: 'other' }] } },
    );
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('completed');
    expect(result.decisions).toEqual([expect.objectContaining({ kind: 'retry-later', failureClass: 'model-rate-limit', outcome: 'resolved' })]);
    expect(result.tasks[0].role).toBe('researcher');
  }, 90_000);
});

describe('mission: a person decides', () => {
  const stuck = (taskId: string, extra: Record<string, unknown> = {}) => ({ taskId, role: 'junior', budget: ESCALATE_FAST, model: { sim: failsFor('junior') }, ...extra });

  test('a decide update arriving in time is applied; bad requests are refused by the validator', async () => {
    const input = missionOf([stuck('hard')], { supervision: { askPerson: 'when-stuck', maxSplitDepth: 0, personDeadlineMs: 60_000 } });
    const handle = await startMission(env.client, input);
    const asked = await waitForGraph(handle, (g) => g.pending.length > 0);
    expect(asked.pending[0]).toMatchObject({ taskId: 'hard', allowed: ['reassign', 'retry', 'abandon'], fallback: 'abandon' });
    expect(asked.tasks[0].state).toBe('asking');
    // What the Web UI shows as the run's current details.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain(`Waiting for a decision on hard`);
    expect(metadata.currentDetails).toContain(`dreamos mission decide ${input.missionId} hard <reassign|retry|abandon>`);

    const unknown = await sendDecision(env.client, input.missionId, { taskId: 'nope', decision: 'abandon' }).catch((err: WorkflowUpdateFailedError) => err);
    expect((unknown as WorkflowUpdateFailedError).cause?.message).toMatch(/unknown task "nope"/);
    const notAllowed = await sendDecision(env.client, input.missionId, { taskId: 'hard', decision: 'split' }).catch((err: WorkflowUpdateFailedError) => err);
    expect((notAllowed as WorkflowUpdateFailedError).cause?.message).toMatch(/"split" is not allowed/);

    await sendDecision(env.client, input.missionId, { taskId: 'hard', decision: 'reassign', role: 'expert' });
    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.decisions.map((d) => [d.kind, d.byPerson ?? false, d.outcome])).toEqual([
      ['ask-person', false, 'resolved'],
      ['reassign', true, 'resolved'],
    ]);
    expect(result.tasks[0].role).toBe('expert');
  });

  test('an unanswered question applies the default at its deadline: abandon skips the dependents and the mission ends partial', async () => {
    const input = missionOf([stuck('root'), { taskId: 'mid', dependsOn: ['root'] }, { taskId: 'leaf', dependsOn: ['mid'] }, { taskId: 'free' }], {
      supervision: { askPerson: 'when-stuck', maxSplitDepth: 0, personDeadlineMs: 1_500, defaultDecision: 'abandon' },
    });
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('partial');
    expect(result.decisions.map((d) => [d.kind, d.outcome])).toEqual([
      ['ask-person', 'resolved'],
      ['abandon', 'abandoned'],
    ]);
    expect(result.decisions[0].detail).toMatch(/no answer in time: default abandon/);
    const byId = Object.fromEntries(result.tasks.map((t) => [t.taskId, t]));
    expect(byId.root.state).toBe('abandoned');
    expect(byId.mid).toMatchObject({ state: 'skipped', reason: expect.stringMatching(/dependency root abandoned/), attempts: 0 });
    expect(byId.leaf).toMatchObject({ state: 'skipped', reason: expect.stringMatching(/dependency mid skipped/) });
    expect(byId.free.state).toBe('completed');
    expect(Object.keys(result.outputs)).toEqual(['free']);
  });
});

describe('mission: deadlines and cancellation', () => {
  test('a child that never answers is cancelled at its deadline and handled like an escalation', async () => {
    const input = missionOf(
      [{ taskId: 'slow', role: 'sleeper', timeouts: { promptMs: 60_000, heartbeatMs: 30_000 }, model: { sim: { rules: [{ whenPromptIncludes: 'You are the sleeper agent', fault: 'hang' }] } } }],
      { supervision: { childDeadlineMs: 2_000, maxRetries: 0, reassignTo: [{ role: 'waker' }] } },
    );
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('completed');
    expect(result.decisions).toEqual([expect.objectContaining({ kind: 'reassign', cause: 'timed-out', outcome: 'resolved' })]);
    const first = await env.client.workflow.getHandle(`${input.missionId}.slow`).describe();
    expect(first.status.name).toBe('CANCELLED');
  });

  test('cancelling the mission cancels its running children', async () => {
    const input = missionOf([{ taskId: 'long', steps: 5, model: { sim: { latencyMs: 2_000 } } }]);
    const handle = await startMission(env.client, input);
    await waitForGraph(handle, (g) => g.running === 1);
    await handle.cancel();
    const error = await handle.result().catch((err: WorkflowFailedError) => err);

    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await env.client.workflow.getHandle(`${input.missionId}.long`).describe()).status.name).toBe('CANCELLED');
  });
});
