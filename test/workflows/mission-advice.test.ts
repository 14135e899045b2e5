import { FailureStore } from '../../src/analytics/store';
import { chainIdOf } from '../../src/contracts/failure-events';
import { missionWorkflowId } from '../../src/contracts/mission';
import { sendDecision, startMission } from '../../src/missions/mission-client';
import { reportMarkdown } from '../../src/missions/report';
import { ESCALATE_FAST, failsFor, missionOf, waitForGraph } from '../helpers/missions';
import { useTestWorkers } from '../helpers/temporal';

// Its own workers, so its analytics store holds this mission's events only.
const env = useTestWorkers({ queues: ['agents', 'nexus', 'control'] });

test('the supervisor model advises on open decisions: valid advice is followed or overridden by the policy, invalid and failed advice is ignored', async () => {
  const stuck = (taskId: string, role: string, advisor: Record<string, unknown>, { supervision, ...extra }: Record<string, unknown> = {}) => ({
    taskId,
    role,
    budget: ESCALATE_FAST,
    model: { sim: failsFor(role) },
    supervision: { advisor, ...(supervision as object | undefined) },
    ...extra,
  });
  const input = missionOf(
    [
      // The sim supervisor advises a split for bad answers; the parts (at the depth limit) get the same advice, overridden.
      stuck('draft', 'junior', {}, { steps: 2 }),
      // An answer that fails the advice schema, and a call that fails (HTTP 500, one retry): the policy decides alone.
      stuck('invalid', 'intern', { sim: { rules: [{ whenPromptIncludes: 'Escalated task: invalid', fault: 'schema-violation' }] } }, { supervision: { maxSplitDepth: 0 } }),
      stuck('unanswered', 'trainee', { sim: { rules: [{ whenPromptIncludes: 'Escalated task: unanswered', fault: 'server-error' }] } }, { supervision: { maxSplitDepth: 0 } }),
    ],
    { supervision: { reassignTo: [{ role: 'senior' }], maxSplitDepth: 1, splitParts: 2 } },
  );
  const result = await (await startMission(env.client, input)).result();

  expect(result.status).toBe('completed');
  const byTask = Object.fromEntries(result.decisions.map((d) => [d.taskId, d]));
  expect(Object.keys(byTask).sort()).toEqual(['draft', 'draft.merge', 'draft.p1', 'draft.p2', 'invalid', 'unanswered']);
  expect(byTask.draft).toMatchObject({ kind: 'split', detail: '2 parts and a merge step', outcome: 'resolved', reason: expect.stringMatching(/^advised: /), advice: { verdict: 'followed', kind: 'split', tokens: expect.any(Number) } });
  for (const part of ['draft.p1', 'draft.p2', 'draft.merge']) {
    expect(byTask[part]).toMatchObject({ kind: 'reassign', outcome: 'resolved', advice: { verdict: 'overridden', kind: 'split', note: 'split depth limit reached (1/1)' } });
  }
  expect(byTask.invalid).toMatchObject({ kind: 'reassign', outcome: 'resolved', advice: { verdict: 'invalid', note: expect.stringMatching(/^decision: |^reason: |^\(answer\)/) } });
  expect(byTask.invalid.advice?.kind).toBeUndefined();
  expect(byTask.unanswered).toMatchObject({ kind: 'reassign', outcome: 'resolved', advice: { verdict: 'failed', tokens: 0, note: expect.stringMatching(/500/) } });

  // The advice calls are paid from the mission's budget.
  const adviceTokens = result.decisions.reduce((n, d) => n + (d.advice?.tokens ?? 0), 0);
  expect(adviceTokens).toBeGreaterThan(0);
  expect(result.tokens).toBe(result.tasks.reduce((n, t) => n + t.tokens, 0) + adviceTokens);

  expect(reportMarkdown(result)).toContain('| split overridden (split depth limit reached (1/1)) | resolved |');

  // The analytics event of each decision says what the model advised and what became of it.
  const store = FailureStore.open(env.workers.analyticsFile, { readonly: true });
  try {
    const decisionEvent = (taskId: string) => store.eventsOfChain(chainIdOf(`${missionWorkflowId(input.missionId)}/${taskId}`, 0, 0)).find((e) => e.kind === 'heal-attempt');
    expect(decisionEvent('draft')?.message).toMatch(/\[advice split followed(: advised 3 parts, capped at splitParts 2)?\]$/);
    expect(decisionEvent('draft.p1')?.message).toMatch(/\[advice split overridden: split depth limit reached \(1\/1\)\]$/);
    expect(decisionEvent('invalid')?.message).toMatch(/\[advice invalid: /);
    expect(decisionEvent('unanswered')?.message).toMatch(/\[advice failed: /);
  } finally {
    store.close();
  }
});

test('without an advisor no model is asked for advice', async () => {
  const input = missionOf([{ taskId: 'plain', role: 'junior', budget: ESCALATE_FAST, model: { sim: failsFor('junior') } }], { supervision: { reassignTo: [{ role: 'senior' }] } });
  const handle = await startMission(env.client, input);
  const result = await handle.result();

  expect(result.decisions).toEqual([expect.not.objectContaining({ advice: expect.anything() })]);
  const history = await handle.fetchHistory();
  const activities = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  expect(activities).not.toContain('promptModel');
});

test('advice to abandon does not replace the person who decides when stuck: the person is asked, the advice in the question', async () => {
  // Its token budget spent after one step: not a bad answer, not transient, no assignment left, so the sim supervisor advises abandoning it.
  const input = missionOf([{ taskId: 'long', steps: 3, budget: { maxTokens: 100 } }], {
    supervision: { askPerson: 'when-stuck', maxSplitDepth: 0, personDeadlineMs: 60_000, defaultDecision: 'abandon', advisor: {} },
  });
  const handle = await startMission(env.client, input);
  const asked = await waitForGraph(handle, (g) => g.pending.length > 0);
  expect(asked.pending[0]).toMatchObject({ taskId: 'long', fallback: 'abandon' });

  await sendDecision(env.client, input.missionId, { taskId: 'long', decision: 'abandon' });
  const result = await handle.result();
  expect(result.status).toBe('partial');
  expect(result.decisions).toEqual([
    expect.objectContaining({ kind: 'ask-person', cause: 'token-budget', reason: expect.stringMatching(/; the supervisor model advises abandoning it: /), outcome: 'resolved' }),
    expect.objectContaining({ kind: 'abandon', byPerson: true, advice: expect.objectContaining({ verdict: 'overridden', kind: 'abandon', note: expect.stringMatching(/^a person decides once no remedy is left/) }) }),
  ]);
});
