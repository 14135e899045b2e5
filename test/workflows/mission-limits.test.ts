import { WorkflowNotFoundError } from '@temporalio/client';
import { startMission } from '../../src/missions/mission-client';
import { ESCALATE_FAST, failsFor, missionOf } from '../helpers/missions';
import { useTestWorkers } from '../helpers/temporal';

const env = useTestWorkers({ queues: ['agents', 'nexus', 'control'] });

/** A goal long enough that one step's prompt costs well over 200 tokens (4 characters a token). */
const LONG_GOAL = `Summarise the market for agent reliability tooling. ${'Consider vendors, buyers, prices, risks and trends in detail. '.repeat(16)}`;

async function exists(workflowId: string): Promise<boolean> {
  return env.client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      () => true,
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      },
    );
}

describe('mission: deadline', () => {
  test('a deadline passing mid-run ends the mission partial: unfinished tasks are abandoned and their children cancelled', async () => {
    const input = missionOf(
      [
        { taskId: 'quick' },
        { taskId: 'slow', steps: 5, model: { sim: { latencyMs: 3_000 } } },
        { taskId: 'after', dependsOn: ['slow'] },
      ],
      // Room for 'quick' on a loaded machine; 'slow' needs 15 s.
      { deadlineMs: 6_000 },
    );
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('partial');
    const byId = Object.fromEntries(result.tasks.map((t) => [t.taskId, t]));
    expect(byId.quick.state).toBe('completed');
    expect(byId.slow).toMatchObject({ state: 'abandoned', reason: 'mission deadline passed', attempts: 1 });
    expect(byId.after).toMatchObject({ state: 'abandoned', reason: 'mission deadline passed', attempts: 0 });
    expect(Object.keys(result.outputs)).toEqual(['quick']);
    expect((await env.client.workflow.getHandle(`${input.missionId}.slow`).describe()).status.name).toBe('CANCELLED');
    expect(await exists(`${input.missionId}.after`)).toBe(false);
  });
});

describe('mission: token budget', () => {
  test('once the mission token budget is spent no further child starts, even for a task already waiting for a slot', async () => {
    const input = missionOf(
      [
        { taskId: 'a', goal: LONG_GOAL },
        { taskId: 'b', goal: LONG_GOAL },
        { taskId: 'c', goal: LONG_GOAL },
      ],
      { maxConcurrentTasks: 1, maxTokens: 200 },
    );
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('partial');
    expect(result.tokens).toBeGreaterThanOrEqual(200);
    const completed = result.tasks.filter((t) => t.state === 'completed');
    const abandoned = result.tasks.filter((t) => t.state === 'abandoned');
    expect(completed).toHaveLength(1);
    expect(abandoned).toHaveLength(2);
    for (const task of abandoned) {
      expect(task).toMatchObject({ attempts: 0, workflowIds: [] });
      expect(task.reason).toMatch(/^mission token budget spent \(\d+\/200\)$/);
      expect(await exists(`${input.missionId}.${task.taskId}`)).toBe(false);
    }
    expect(result.decisions).toEqual([]);
  });

  test('an escalation after the budget is spent is abandoned naming the budget, not reassigned', async () => {
    const input = missionOf([{ taskId: 'costly', role: 'junior', goal: LONG_GOAL, budget: ESCALATE_FAST, model: { sim: failsFor('junior') } }], {
      maxTokens: 200,
      supervision: { reassignTo: [{ role: 'senior' }] },
    });
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('partial');
    expect(result.decisions).toEqual([expect.objectContaining({ taskId: 'costly', kind: 'abandon', reason: 'mission token budget spent', outcome: 'abandoned' })]);
    expect(result.tasks[0]).toMatchObject({ state: 'abandoned', attempts: 1, workflowIds: [`${input.missionId}.costly`] });
    expect(await exists(`${input.missionId}.costly.a2`)).toBe(false);
  });
});
