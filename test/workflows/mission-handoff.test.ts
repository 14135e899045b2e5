import { WorkflowNotFoundError } from '@temporalio/client';
import { FailureStore } from '../../src/analytics/store';
import { chainIdOf } from '../../src/contracts/failure-events';
import { missionWorkflowId } from '../../src/contracts/mission';
import { startMission } from '../../src/missions/mission-client';
import { graphTree } from '../../src/missions/report';
import { promptInputs } from '../helpers/history';
import { missionOf } from '../helpers/missions';
import { useTestWorkers } from '../helpers/temporal';

// Its own workers, so its analytics store holds this file's events only.
const env = useTestWorkers({ queues: ['agents', 'nexus', 'control'] });

/** A researcher whose goal asks for a follow-up: offered hand-offs, the (sim) model names one. */
const researcher = (handoffTo: string[]) => ({ taskId: 'research', goal: 'Research the tooling market and ask for a follow-up', handoffTo });

test('a completed task whose output names a follow-up hands it off: a new task of the mission that receives its output', async () => {
  const input = missionOf([researcher(['analyst'])]);
  const result = await (await startMission(env.client, input)).result();

  expect(result.status).toBe('completed');
  const origin = result.outputs.research[0] as { handoff?: { role: string; goal: string } };
  expect(origin.handoff).toEqual({ role: 'analyst', goal: expect.stringMatching(/^Follow up on /) });
  expect(result.tasks.map((t) => [t.taskId, t.role, t.state, t.handoffFrom])).toEqual([
    ['research', 'researcher', 'completed', undefined],
    ['research.handoff-1', 'analyst', 'completed', 'research'],
  ]);
  expect(Object.keys(result.outputs)).toEqual(['research', 'research.handoff-1']);
  expect(result.decisions).toEqual([
    expect.objectContaining({ taskId: 'research', kind: 'hand-off', cause: 'hand-off to analyst', outcome: 'resolved', detail: expect.stringMatching(/^research\.handoff-1: Follow up on /) }),
  ]);
  // The hand-off depends on its origin: its prompt quotes the origin's output; it offers no further hand-off.
  const [prompt] = await promptInputs(env.client.workflow.getHandle(`${input.missionId}.research.handoff-1`));
  expect(prompt.messages[1].content).toContain('Inputs from the tasks this one depends on:\n- research (researcher): ');
  expect(prompt.messages[1].content).not.toContain('Hand-off:');
  expect(graphTree({ ...result, pending: [] })).toMatch(/research.handoff-1 \[analyst\] completed · runs 1 · tokens \d+ · hand-off from research/);

  const store = FailureStore.open(env.workers.analyticsFile, { readonly: true });
  try {
    expect(store.decisionRates({ since: 0 }).filter((r) => r.decision === 'hand-off')).toEqual([{ decision: 'hand-off', cause: 'hand-off to analyst', decisions: 1, resolved: 1 }]);
    // A decision, not a failure: the research task, which never failed, has no failure chain.
    expect(store.chain(chainIdOf(`${missionWorkflowId(input.missionId)}/research`, 0, 0))).toBeUndefined();
  } finally {
    store.close();
  }
});

test('a hand-off beyond the mission limit is recorded as refused and not started', async () => {
  // The analyst may hand off to the critic in turn, but the mission allows one hand-off.
  const input = missionOf([researcher(['analyst', 'critic'])], { maxHandoffs: 1 });
  const result = await (await startMission(env.client, input)).result();

  expect(result.status).toBe('completed');
  expect(result.tasks.map((t) => [t.taskId, t.role, t.state])).toEqual([
    ['research', 'researcher', 'completed'],
    ['research.handoff-1', 'analyst', 'completed'],
  ]);
  expect(result.decisions.map((d) => [d.taskId, d.kind, d.cause, d.outcome])).toEqual([
    ['research', 'hand-off', 'hand-off to analyst', 'resolved'],
    ['research.handoff-1', 'hand-off', 'hand-off to critic', 'refused'],
  ]);
  expect(result.decisions[1].reason).toBe('refused: mission hand-off limit reached (1)');
  const refused = await env.client.workflow
    .getHandle(`${input.missionId}.research.handoff-1.handoff-1`)
    .describe()
    .catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(WorkflowNotFoundError);

  const store = FailureStore.open(env.workers.analyticsFile, { readonly: true });
  try {
    const rates = store.decisionRates({ since: 0 }).filter((r) => r.decision === 'hand-off');
    expect(rates).toEqual(expect.arrayContaining([{ decision: 'hand-off', cause: 'hand-off to critic', decisions: 1, resolved: 0 }]));
  } finally {
    store.close();
  }
});
