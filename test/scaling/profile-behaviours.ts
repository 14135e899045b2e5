import type { WorkflowHandle } from '@temporalio/client';
import { startAgentTask } from '../../src/missions/client';
import { profileQueue } from '../../src/contracts/task-queues';
import { WorkerProfile } from '../../src/scaling/profiles';
import { taskSpec } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { BackendUnderTest, scalingHarness } from './harness';

/** A heavier worker profile: its own queue, sized apart from the standard one, released first. */
export function profileBehaviours(backendUnderTest: BackendUnderTest): void {
  const h = scalingHarness(backendUnderTest);

  test('tasks asking for the heavy profile run on its queue on heavy workers, sized apart from the standard ones; when load drops the heavy workers go first', async () => {
    const { swarmId, profile: standard } = h.swarm('heavy');
    const heavy: WorkerProfile = { name: 'heavy', taskQueue: profileQueue('heavy'), slots: { activities: 1, workflowTasks: 2 }, resources: { cpus: 1, memoryMb: 512 } };
    // The tasks wait before the scaler starts, so both profiles scale up in its first decision;
    // the down cooldown then holds both until one later decision, which heavier-first splits.
    const policy = { minWorkers: 0, maxWorkers: 2, idleWindowMs: 2_000, downCooldownMs: 120_000 };
    const heavyTasks = await Promise.all([1, 2].map(() => startAgentTask(h.client, taskSpec({ missionId: swarmId, workerProfile: 'heavy' }))));
    const standardTask = await startAgentTask(h.client, taskSpec({ missionId: swarmId }), { taskQueue: standard.taskQueue });
    const openOn = async (queue: string) => (await h.client.workflow.count(`TaskQueue="${queue}" AND ExecutionStatus="Running"`)).count;
    await waitFor('the tasks open on both queues', async () => ((await openOn(heavy.taskQueue)) === 2 && (await openOn(standard.taskQueue)) === 1 ? true : undefined), 30_000);
    await h.start(swarmId, [{ profile: standard, policy }, { profile: heavy, policy }], undefined, { pollerStaleMs: 600_000 });

    await Promise.all([...heavyTasks, standardTask].map((task) => task.result()));
    const ranOn = async (tasks: WorkflowHandle[]) => [...new Set((await Promise.all(tasks.map(h.identitiesOf))).flat())];
    for (const task of heavyTasks) expect((await task.describe()).taskQueue).toBe('agents-heavy');
    expect((await ranOn(heavyTasks)).every((id) => id.startsWith(`${swarmId}-heavy-`))).toBe(true);
    expect((await ranOn([standardTask])).every((id) => id.startsWith(`${swarmId}-std-`))).toBe(true);

    // Sized apart: two heavy workers (one model call each) for two heavy tasks, one standard one.
    const started = (profile: string) => h.eventsOf(swarmId).filter((e) => e.profile === profile).flatMap((e) => e.started);
    expect(started('heavy')).toHaveLength(2);
    expect(started('std')).toHaveLength(1);
    const live = await h.backend.list(swarmId);
    for (const worker of live) expect(await backendUnderTest.memoryLimitMb(worker)).toBe(worker.profile === 'heavy' ? 512 : 256);

    await waitFor('every worker released', async () => ((await h.backend.list(swarmId)).length === 0 ? true : undefined), 240_000);
    const drains = h.eventsOf(swarmId).filter((e) => e.drained.length > 0);
    expect(drains.map((e) => [e.profile, e.drained.length])).toEqual([['heavy', 2], ['std', 1]]);
    // Both wanted to shrink in the decision that released the heavy workers: the standard one waited.
    const standardThen = h.eventsOf(swarmId).find((e) => e.profile === 'std' && e.at === drains[0].at);
    expect(standardThen).toMatchObject({ reason: 'heavier-first', current: 1, desired: 1 });
    expect(drains[1].at).toBeGreaterThan(drains[0].at);
  }, 360_000);
}
