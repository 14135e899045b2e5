import { startMission } from '../../src/missions/mission-client';
import { promptInputs } from '../helpers/history';
import { ESCALATE_FAST, missionOf } from '../helpers/missions';
import { useTestWorkers } from '../helpers/temporal';

const env = useTestWorkers({ queues: ['agents', 'nexus', 'control'] });

// Relies on the agent task's contract: an escalation carries `resume` (the steps completed up to
// its last checkpoint) and a task started with `resume` starts after them.
test('a reassigned task resumes from the escalated run\'s last checkpoint: no completed step is paid for twice', async () => {
  const input = missionOf(
    [{ taskId: 'report', role: 'junior', steps: 3, checkpointEvery: 1, budget: ESCALATE_FAST, model: { sim: { rules: [{ whenPromptIncludes: 'Step 3 of 3', unlessPromptIncludes: 'You are the senior agent', fault: 'empty-answer' as const }] } } }],
    { supervision: { reassignTo: [{ role: 'senior' }] } },
  );
  const result = await (await startMission(env.client, input)).result();

  expect(result.status).toBe('completed');
  expect(result.outputs.report).toHaveLength(3);
  const first = await promptInputs(env.client.workflow.getHandle(`${input.missionId}.report`));
  const second = await promptInputs(env.client.workflow.getHandle(`${input.missionId}.report.a2`));
  expect(first.filter((p) => p.purpose === 'first').map((p) => p.step)).toEqual([0, 1, 2]);
  expect(second.map((p) => p.step)).toEqual([2]);
  expect(result.decisions[0].detail).toMatch(/resuming after 2 step\(s\)/);
});
