import { FailureStore } from '../../src/analytics/store';
import { buildReport } from '../../src/analytics/report';
import { chainIdOf } from '../../src/contracts/failure-events';
import { missionWorkflowId } from '../../src/contracts/mission';
import { startMission } from '../../src/missions/mission-client';
import { ESCALATE_FAST, failsFor, missionOf } from '../helpers/missions';
import { useTestWorkers } from '../helpers/temporal';

// Its own workers, so its analytics store holds this mission's events only.
const env = useTestWorkers({ queues: ['agents', 'nexus', 'control'] });

test('decisions and resolutions land in the failure analytics store with the right counts', async () => {
  const input = missionOf(
    [
      { taskId: 'saved', role: 'junior', budget: ESCALATE_FAST, model: { sim: failsFor('junior') } },
      { taskId: 'lost', role: 'intern', budget: ESCALATE_FAST, model: { sim: failsFor('intern') }, supervision: { maxSplitDepth: 0 } },
    ],
    { supervision: { reassignTo: [{ role: 'senior' }] } },
  );
  // `lost` fails for the senior too (reassigned, then nothing left: abandoned).
  input.tasks[1].spec.model.sim = { rules: [{ whenPromptIncludes: 'Goal:', fault: 'empty-answer' }] };
  const result = await (await startMission(env.client, input)).result();
  expect(result.status).toBe('partial');

  const store = FailureStore.open(env.workers.analyticsFile, { readonly: true });
  try {
    const rates = store.decisionRates({ since: 0 });
    expect(rates).toEqual(
      expect.arrayContaining([
        { decision: 'reassign', cause: 'rollback-limit', decisions: 2, resolved: 1 },
        { decision: 'abandon', cause: 'rollback-limit', decisions: 1, resolved: 0 },
      ]),
    );
    expect(rates).toHaveLength(2);
    const chain = (taskId: string) => store.chain(chainIdOf(`${missionWorkflowId(input.missionId)}/${taskId}`, 0, 0));
    expect(chain('saved')).toMatchObject({ resolution: 'resolved', escalations: 1, strategies: ['supervisor:reassign'] });
    expect(chain('lost')).toMatchObject({ resolution: 'abandoned', escalations: 2, strategies: ['supervisor:reassign', 'supervisor:abandon'] });
    // What `dreamos analytics report` and the dashboard show.
    expect(buildReport(store, { since: 0, temporalUiUrl: 'http://localhost:8233' }).decisions).toEqual(
      expect.arrayContaining([{ decision: 'reassign', cause: 'rollback-limit', decisions: 2, resolved: 1, successRate: 0.5 }]),
    );
    const reassign = store.strategyStats({ strategy: 'supervisor:reassign' });
    expect(reassign.reduce((n, r) => n + r.attempts, 0)).toBe(2);
    expect(reassign.reduce((n, r) => n + r.successes, 0)).toBe(1);
  } finally {
    store.close();
  }
});
