import { startAgentTask } from '../../src/missions/client';
import { scalerStateQuery } from '../../src/contracts/scaler';
import { taskSpec } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { BackendUnderTest, scalingHarness } from './harness';

/** Scale-up on a burst, idle release, a crashed worker replaced, a restarted scaler adopting. */
export function scalingBehaviours(backendUnderTest: BackendUnderTest): void {
  const h = scalingHarness(backendUnderTest);

  test('a burst of tasks starts workers that poll and complete them; after the idle window they are drained and removed', async () => {
    const { swarmId, profile } = h.swarm('burst');
    // Few ticks per run: the test also crosses continue-as-new.
    await h.start(swarmId, profile, { minWorkers: 0, maxWorkers: 3 }, { ticksPerRun: 4 });
    const handles = await Promise.all(Array.from({ length: 12 }, () => startAgentTask(h.client, taskSpec({ missionId: swarmId }), { taskQueue: profile.taskQueue })));
    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results).toHaveLength(12);

    const ranOn = new Set((await Promise.all(handles.map(h.identitiesOf))).flat());
    expect([...ranOn].every((id) => id.startsWith(`${swarmId}-std-`))).toBe(true);
    expect(ranOn.size).toBeGreaterThanOrEqual(2);
    const started = h.eventsOf(swarmId).flatMap((e) => e.started);
    expect(started.length).toBeGreaterThanOrEqual(2);

    // Idle: every worker drained (SIGTERM, then removed) once the 5 s window has passed.
    await waitFor('every worker released', async () => ((await h.backend.list(swarmId)).length === 0 ? true : undefined), 60_000);
    const released = h.eventsOf(swarmId).filter((e) => e.reason === 'idle-release');
    expect(released.flatMap((e) => e.drained).sort()).toEqual([...new Set(started)].sort());
    await waitFor('the decision to reach 0', async () => (h.eventsOf(swarmId).at(-1)?.actual === 0 ? true : undefined), 10_000);
    expect(h.eventsOf(swarmId).at(-1)).toMatchObject({ desired: 0, actual: 0 });
  }, 180_000);

  test('a worker SIGKILLed mid-task: its task finishes on another worker and the worker is replaced', async () => {
    const { swarmId, profile } = h.swarm('kill');
    await h.start(swarmId, profile, { minWorkers: 2, maxWorkers: 2 });
    const live = await h.pollingWorkers(swarmId, profile, 2);

    const spec = taskSpec({ missionId: swarmId, model: { sim: { latencyMs: 6_000 } } });
    const handle = await startAgentTask(h.client, spec, { taskQueue: profile.taskQueue });
    const victimIdentity = await h.modelCallRunningOn(handle);
    const victim = live.find((w) => `${w.name}/agents` === victimIdentity)!;
    await backendUnderTest.kill(victim);

    const result = await handle.result();
    expect(result.outputs).toHaveLength(1);
    const identities = await h.identitiesOf(handle);
    expect(identities.at(-1)).not.toBe(victimIdentity);

    const after = await waitFor('a replacement worker', async () => {
      const list = await h.backend.list(swarmId);
      return list.length === 2 && !list.some((w) => w.name === victim.name) ? list : undefined;
    }, 60_000);
    expect(after.map((w) => w.seq).sort()).toEqual([...live.map((w) => w.seq).filter((s) => s !== victim.seq), 3].sort());
    expect(h.eventsOf(swarmId).flatMap((e) => e.dead)).toEqual([`${victim.name} (exited)`]);
  }, 180_000);

  test('a warm standby worker boots without polling, is activated first on a burst, and a fresh standby takes its place once there is room', async () => {
    const { swarmId, profile } = h.swarm('standby');
    const names = [1, 2, 3].map((seq) => `${swarmId}-std-${seq}`);
    // The default stale window (2 min): an idle worker's long poll refreshes its last access only about
    // once a minute, so a shorter one finds idle live workers dead. The standby's exemption from the
    // not-polling rule is table-tested in test/unit/scaling/plan.test.ts.
    const handle = await h.start(swarmId, profile, { minWorkers: 1, maxWorkers: 2, standbyWorkers: 1 });
    const standby = await waitFor('the standby worker booted (beating its heartbeat)', async () => {
      const found = (await h.backend.list(swarmId)).find((w) => w.name === names[1]);
      return found?.state === 'running' ? found : undefined;
    }, 120_000);
    expect(standby.standby).toBe(true);
    expect(await h.backend.logs(names[1], 20)).toMatch(/standing by/);
    expect((await h.polling(profile)).has(`${names[1]}/agents`)).toBe(false);
    expect((await handle.query(scalerStateQuery)).workers.find((w) => w.name === names[1])).toMatchObject({ standby: true });
    expect(h.eventsOf(swarmId).flatMap((e) => e.dead)).toEqual([]);

    const handles = await Promise.all(Array.from({ length: 8 }, () => startAgentTask(h.client, taskSpec({ missionId: swarmId }), { taskQueue: profile.taskQueue })));
    await Promise.all(handles.map((t) => t.result()));
    const ranOn = new Set((await Promise.all(handles.map(h.identitiesOf))).flat());
    expect(ranOn.has(`${names[1]}/agents`)).toBe(true);
    // At the maximum (2) a standby could never be activated: none is booted until the load drops.
    const activation = await waitFor('the activation recorded', async () => h.eventsOf(swarmId).find((e) => e.activated.length > 0), 30_000);
    expect(activation).toMatchObject({ activated: [names[1]], started: [], desired: 2, reason: 'backlog' });

    // Idle again: the activated worker is drained back to the minimum; a fresh standby is booted and stays, not polling.
    const after = await waitFor('one live worker and one standby', async () => {
      const list = await h.backend.list(swarmId);
      return list.length === 2 && !list.some((w) => w.name === names[1]) ? list : undefined;
    }, 90_000);
    expect(after.map((w) => [w.name, w.standby])).toEqual([[names[0], false], [names[2], true]]);
    expect((await h.polling(profile)).has(`${names[2]}/agents`)).toBe(false);
    // The decision's event is written beside the drain (on the nexus worker), and may land after the worker is gone.
    await waitFor('the drain recorded', async () => (h.eventsOf(swarmId).some((e) => e.drained.length > 0) ? true : undefined), 30_000);
    expect(h.eventsOf(swarmId).flatMap((e) => e.drained)).toEqual([names[1]]);
    expect(h.eventsOf(swarmId).flatMap((e) => e.dead)).toEqual([]);
  }, 240_000);

  test('a restarted scaler adopts the running workers and starts no duplicates', async () => {
    const { swarmId, profile } = h.swarm('adopt');
    const first = await h.start(swarmId, profile, { minWorkers: 2, maxWorkers: 2 });
    const before = await waitFor('two workers', async () => {
      const list = await h.backend.list(swarmId);
      return list.length === 2 ? list : undefined;
    }, 60_000);
    // Its decision recorded first: a termination (unlike continue-as-new) drops pending activities.
    await waitFor('the start recorded', async () => (h.eventsOf(swarmId).flatMap((e) => e.started).length === 2 ? true : undefined), 10_000);
    await first.terminate('scaler restart');

    const second = await h.start(swarmId, profile, { minWorkers: 2, maxWorkers: 2 });
    await waitFor('three ticks of the new run', async () => ((await second.query(scalerStateQuery)).tick >= 3 ? true : undefined), 30_000);

    expect((await h.backend.list(swarmId)).map((w) => w.name).sort()).toEqual(before.map((w) => w.name).sort());
    const adopting = h.eventsOf(swarmId).filter((e) => e.adopted.length > 0);
    expect(adopting.map((e) => e.adopted.sort())).toEqual([before.map((w) => w.name).sort()]);
    // Started only by the first run: the two workers, nothing since.
    expect(h.eventsOf(swarmId).flatMap((e) => e.started).sort()).toEqual(before.map((w) => w.name).sort());
  }, 120_000);
}
