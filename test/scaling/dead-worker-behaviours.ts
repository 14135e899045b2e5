import { forwardedEnv } from '../../activities/scaling';
import { startAgentTask } from '../../src/missions/client';
import { workerName } from '../../src/scaling/plan';
import { taskSpec, testEnv } from '../helpers/temporal';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';
import { BackendUnderTest, scalingHarness } from './harness';

/**
 * Workers that die without exiting: one frozen (alive, its heartbeat stopped) and one cut off
 * from Temporal (alive and heartbeating, no longer polling). Each swarm has a single worker, so
 * the task can only finish once the scaler has found the worker dead and replaced it.
 */
export function deadWorkerBehaviours(backendUnderTest: BackendUnderTest): void {
  const h = scalingHarness(backendUnderTest);

  test.each(Object.keys(backendUnderTest.freezers))('a worker frozen mid-task with %s (alive, its heartbeat stopped) is found dead by its missing heartbeats and replaced; the task finishes on the replacement', async (how) => {
    const { swarmId, profile } = h.swarm('frozen');
    await h.start(swarmId, profile, { minWorkers: 1, maxWorkers: 1 });
    const [victim] = await h.pollingWorkers(swarmId, profile, 1);
    const handle = await startAgentTask(h.client, taskSpec({ missionId: swarmId, model: { sim: { latencyMs: 6_000 } } }), { taskQueue: profile.taskQueue });
    expect(await h.modelCallRunningOn(handle)).toBe(`${victim.name}/agents`);

    await backendUnderTest.freezers[how](victim);
    // Frozen is not exited: the process (or container) is still there.
    expect((await h.backend.list(swarmId)).find((w) => w.name === victim.name)?.state).not.toBe('exited');

    const result = await handle.result();
    expect(result.outputs).toHaveLength(1);
    const replacement = workerName(swarmId, profile.name, 2);
    const identities = await h.identitiesOf(handle);
    expect(identities.length).toBeGreaterThan(0);
    expect(identities.every((id) => id === `${replacement}/agents`)).toBe(true);
    // Found by its heartbeat (checked before polling, and long before the 2 min poller window).
    expect(h.eventsOf(swarmId).flatMap((e) => e.dead)).toEqual([`${victim.name} (missing heartbeats)`]);
    expect((await h.backend.list(swarmId)).map((w) => w.name)).toEqual([replacement]);
  }, 300_000);

  test('a worker cut off from Temporal (alive and heartbeating, no longer polling) is found dead and replaced; the replacement takes the waiting task', async () => {
    const { swarmId, profile } = h.swarm('cutoff');
    const proxy = await startTcpProxy(testEnv().address);
    try {
      // A worker of the swarm that runs before its scaler (adopted), reaching Temporal through the proxy.
      const cutOff = workerName(swarmId, profile.name, 1);
      await h.backend.start({ name: cutOff, seq: 1, swarmId, profile, temporalAddress: proxy.address, namespace: 'default', env: forwardedEnv(backendUnderTest.kind), shutdownGraceSeconds: 5 });
      await h.pollingWorkers(swarmId, profile, 1);
      // An idle worker's long poll comes back within a minute: absent for 80 s means not polling.
      await h.start(swarmId, profile, { minWorkers: 1, maxWorkers: 1 }, { pollerStaleMs: 80_000 });
      await waitFor('the worker adopted', async () => (h.eventsOf(swarmId).some((e) => e.adopted.includes(cutOff)) ? true : undefined), 30_000);

      proxy.partition();
      const handle = await startAgentTask(h.client, taskSpec({ missionId: swarmId }), { taskQueue: profile.taskQueue });
      const result = await handle.result();
      expect(result.outputs).toHaveLength(1);

      const replacement = workerName(swarmId, profile.name, 2);
      expect(await h.identitiesOf(handle)).toEqual([`${replacement}/agents`]);
      // Not exited, not unhealthy (its heartbeat went on for the 80 s): dead because it stopped polling.
      expect(h.eventsOf(swarmId).flatMap((e) => e.dead)).toEqual([`${cutOff} (not polling)`]);
      expect((await h.backend.list(swarmId)).map((w) => w.name)).toEqual([replacement]);
    } finally {
      await proxy.close();
    }
  }, 300_000);
}
