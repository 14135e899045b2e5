import { ObservedWorker, planProfile, workerHealth } from '../../../src/scaling/plan';
import { DEFAULT_POLICY } from '../../../src/scaling/policy';
import type { ScalerCarried, ScalerConfig } from '../../../src/contracts/scaler';
import { limitsError, planTick } from '../../../workflows/scaler/tick';

const worker = (seq: number, state: ObservedWorker['state'] = 'running', startedAt = 0, standby = false) => ({ name: `s-std-${seq}`, profile: 'std', seq, state, startedAt, standby });
const STALE_MS = 60_000;

describe('workerHealth: which workers are dead and why', () => {
  test.each<[string, ObservedWorker, string[], number, string | undefined]>([
    ['a polling worker is live', worker(1), ['s-std-1/agents'], 120_000, undefined],
    ['an exited one is dead', worker(1, 'exited'), ['s-std-1/agents'], 1_000, 'exited'],
    ['an unhealthy one (stale heartbeat file) is dead', worker(1, 'unhealthy'), ['s-std-1/agents'], 1_000, 'missing heartbeats'],
    ['a new one not polling yet is live', worker(1, 'starting'), [], 10_000, undefined],
    ['one up past the stale window and not polling is dead', worker(1), [], 120_000, 'not polling'],
  ])('%s', (_name, w, pollers, now, cause) => {
    const health = workerHealth([w], new Set(pollers), new Set(), now, STALE_MS);
    expect(health.dead.map((d) => d.cause)[0]).toBe(cause);
    expect(health.live.get('std')?.length ?? 0).toBe(cause ? 0 : 1);
  });

  test('a standby worker is neither capacity nor dead for not polling, however long it waits', () => {
    const health = workerHealth([worker(1, 'running', 0, true)], new Set(), new Set(), 600_000, STALE_MS);
    expect({ live: health.live.size, standby: health.standby.get('std')?.map((w) => w.name), dead: health.dead.length }).toEqual({ live: 0, standby: ['s-std-1'], dead: 0 });
  });

  test('a standby worker with a stale heartbeat is dead like any other', () => {
    const health = workerHealth([worker(1, 'unhealthy', 0, true)], new Set(), new Set(), 1_000, STALE_MS);
    expect(health.dead.map((d) => d.cause)).toEqual(['missing heartbeats']);
  });

  test.each<[string, Record<string, number>, string[], string | undefined]>([
    ['activated just now, long after it booted, not polling yet: live', { 's-std-1': 110_000 }, [], undefined],
    ['activated past the stale window and not polling: dead', { 's-std-1': 10_000 }, [], 'not polling'],
    ['polling after a scaler restart (activated by the one before): live', {}, ['s-std-1/agents'], undefined],
  ])('a worker started as standby and %s', (_name, activated, pollers, cause) => {
    const health = workerHealth([worker(1, 'running', 0, true)], new Set(pollers), new Set(), 120_000, STALE_MS, new Map(Object.entries(activated)));
    expect(health.standby.size).toBe(0);
    expect({ live: health.live.get('std')?.length ?? 0, cause: health.dead[0]?.cause }).toEqual({ live: cause ? 0 : 1, cause });
  });

  test('a draining worker is neither live nor dead', () => {
    const health = workerHealth([worker(1, 'exited')], new Set(), new Set(['s-std-1']), 0, STALE_MS);
    expect({ live: health.live.size, dead: health.dead.length }).toEqual({ live: 0, dead: 0 });
  });
});

describe('planProfile: names to start, newest drained first', () => {
  const decision = (desired: number) => ({ profile: 'std', current: 2, recommended: desired, desired, demandSlots: 0, reason: 'backlog' as const, memory: { recent: [] } });

  test('starts continue the sequence', () => {
    expect(planProfile('s', decision(4), [worker(1), worker(2)], 7)).toEqual({ start: [{ name: 's-std-7', seq: 7 }, { name: 's-std-8', seq: 8 }], activate: [], drain: [], nextSeq: 9 });
  });

  test('drains take the newest', () => {
    expect(planProfile('s', decision(1), [worker(1), worker(5), worker(3)], 6)).toEqual({ start: [], activate: [], drain: ['s-std-5', 's-std-3'], nextSeq: 6 });
  });

  test('a scale-up activates standby workers first (oldest first), boots the rest and refills the standby', () => {
    expect(planProfile('s', decision(5), [worker(1), worker(2)], 7, [worker(4, 'running', 0, true), worker(3, 'running', 0, true)], 2)).toEqual({
      start: [{ name: 's-std-7', seq: 7 }, { name: 's-std-8', seq: 8, standby: true }, { name: 's-std-9', seq: 9, standby: true }],
      activate: ['s-std-3', 's-std-4'],
      drain: [],
      nextSeq: 10,
    });
  });

  test('a steady pool boots missing standby workers and drains surplus ones, newest first', () => {
    expect(planProfile('s', decision(2), [worker(1), worker(2)], 3, [], 1)).toEqual({ start: [{ name: 's-std-3', seq: 3, standby: true }], activate: [], drain: [], nextSeq: 4 });
    expect(planProfile('s', decision(2), [worker(1), worker(2)], 9, [worker(5, 'running', 0, true), worker(8, 'running', 0, true)], 1)).toEqual({ start: [], activate: [], drain: ['s-std-8'], nextSeq: 9 });
  });

  test('a scale-down drains live workers and keeps the standby', () => {
    expect(planProfile('s', decision(1), [worker(1), worker(2)], 4, [worker(3, 'running', 0, true)], 1)).toEqual({ start: [], activate: [], drain: ['s-std-2'], nextSeq: 4 });
  });
});

describe('planTick', () => {
  const profile = { name: 'std', taskQueue: 'q', slots: { activities: 2, workflowTasks: 4 }, resources: { cpus: 1, memoryMb: 256 } };
  const config: ScalerConfig = { swarmId: 's', profiles: [{ profile, policy: { ...DEFAULT_POLICY, minWorkers: 3, maxWorkers: 4 } }], intervalMs: 1_000, shutdownGraceSeconds: 5, pollerStaleMs: STALE_MS, ticksPerRun: 10 };
  const state: ScalerCarried = { tick: 3, nextSeq: 1, memory: {}, limits: { std: { minWorkers: 3, maxWorkers: 4 } }, known: [] };
  const queue = { activityBacklog: 0, workflowBacklog: 0, openTasks: 0, backlogAgeMs: 0, addRate: 0, dispatchRate: 0, pollers: ['s-std-4/agents', 's-std-9/agents'] };

  test('after a restart: adopts what it finds, replaces the dead one, continues the sequence past all', () => {
    const workers = [worker(4), worker(9), worker(6, 'exited')].map((w) => ({ ...w, swarmId: 's', queue: 'q', ref: w.name }));
    const observed = { at: 1_000, queues: { std: queue }, workers };
    const plan = planTick(config, state, observed, new Set(), 1_000, 'run1');
    expect({ remove: plan.remove, start: plan.start.map((w) => w.name), drain: plan.drain }).toEqual({ remove: ['s-std-6'], start: ['s-std-10'], drain: [] });
    expect(plan.events[0]).toMatchObject({ key: 'run1#3#std', current: 3, desired: 3, actual: 3, adopted: ['s-std-4', 's-std-9', 's-std-6'], dead: ['s-std-6 (exited)'] });
    expect(plan.next).toMatchObject({ tick: 4, nextSeq: 11, known: ['s-std-4', 's-std-9', 's-std-10'] });
  });

  test('with a standby: activates it on backlog, counts it as capacity from then on, and boots a new standby', () => {
    const standbyConfig: ScalerConfig = { ...config, profiles: [{ profile, policy: { ...DEFAULT_POLICY, minWorkers: 1, maxWorkers: 4, standbyWorkers: 1 } }] };
    const limits = { std: { minWorkers: 1, maxWorkers: 4 } };
    const workers = [worker(1), worker(2, 'running', 0, true)].map((w) => ({ ...w, swarmId: 's', queue: 'q', ref: w.name }));
    const busy = { ...queue, activityBacklog: 3, openTasks: 6, pollers: ['s-std-1/agents'] };
    const first = planTick(standbyConfig, { ...state, nextSeq: 3, limits, known: ['s-std-1', 's-std-2'] }, { at: 1_000, queues: { std: busy }, workers }, new Set(), 1_000, 'run1');
    expect({ activate: first.activate, start: first.start.map((w) => [w.name, w.standby ?? false]) }).toEqual({ activate: ['s-std-2'], start: [['s-std-3', false], ['s-std-4', true]] });
    expect(first.events[0]).toMatchObject({ current: 1, desired: 3, actual: 3, standby: 1, activated: ['s-std-2'], started: ['s-std-3', 's-std-4'] });
    expect(first.next.activated).toEqual({ 's-std-2': 1_000 });

    // Next tick: the activated worker is capacity even before it shows among the pollers.
    const later = [...workers, worker(3), worker(4, 'starting', 0, true)].map((w) => ({ ...w, swarmId: 's', queue: 'q', ref: w.name }));
    const second = planTick(standbyConfig, first.next, { at: 2_000, queues: { std: busy }, workers: later }, new Set(), 2_000, 'run1');
    expect({ activate: second.activate, start: second.start, current: second.decisions[0].current }).toEqual({ activate: [], start: [], current: 3 });
    expect(second.events[0]).toMatchObject({ standby: 1 });
  });

  test('from zero (minWorkers 0): idle it keeps only the standby, which a burst activates first', () => {
    const fromZero: ScalerConfig = { ...config, profiles: [{ profile, policy: { ...DEFAULT_POLICY, minWorkers: 0, maxWorkers: 4, standbyWorkers: 1 } }] };
    const limits = { std: { minWorkers: 0, maxWorkers: 4 } };
    const idle = planTick(fromZero, { ...state, nextSeq: 1, limits }, { at: 1_000, queues: { std: { ...queue, pollers: [] } }, workers: [] }, new Set(), 1_000, 'run1');
    expect(idle.start.map((w) => [w.name, w.standby ?? false])).toEqual([['s-std-1', true]]);
    expect(idle.events[0]).toMatchObject({ current: 0, desired: 0, actual: 0, standby: 1 });

    // Six tasks open (two slots a worker): three workers, the standby first, and a new standby behind them.
    const booted = [worker(1, 'running', 0, true)].map((w) => ({ ...w, swarmId: 's', queue: 'q', ref: w.name }));
    const busy = { ...queue, activityBacklog: 3, openTasks: 6, pollers: [] };
    const burst = planTick(fromZero, idle.next, { at: 2_000, queues: { std: busy }, workers: booted }, new Set(), 2_000, 'run1');
    expect({ activate: burst.activate, start: burst.start.map((w) => [w.name, w.standby ?? false]) }).toEqual({ activate: ['s-std-1'], start: [['s-std-2', false], ['s-std-3', false], ['s-std-4', true]] });
    expect(burst.events[0]).toMatchObject({ current: 0, desired: 3, actual: 3, standby: 1, reason: 'backlog' });
  });

  test('a standby count set live (dreamos swarm scale --standby) overrides the policy\'s', () => {
    const workers = [worker(1)].map((w) => ({ ...w, swarmId: 's', queue: 'q', ref: w.name }));
    const idle = { ...queue, pollers: ['s-std-1/agents'] };
    const plan = planTick({ ...config, profiles: [{ profile, policy: { ...DEFAULT_POLICY, minWorkers: 1, maxWorkers: 4 } }] }, { ...state, nextSeq: 2, limits: { std: { minWorkers: 1, maxWorkers: 4, standbyWorkers: 2 } } }, { at: 1_000, queues: { std: idle }, workers }, new Set(), 1_000, 'run1');
    expect(plan.start).toEqual([{ name: 's-std-2', seq: 2, standby: true, profile }, { name: 's-std-3', seq: 3, standby: true, profile }]);
  });

  test('at the maximum no standby is kept: it could never be activated', () => {
    const standbyConfig: ScalerConfig = { ...config, profiles: [{ profile, policy: { ...DEFAULT_POLICY, minWorkers: 1, maxWorkers: 2, standbyWorkers: 1 } }] };
    const workers = [worker(1), worker(2, 'running', 0, true)].map((w) => ({ ...w, swarmId: 's', queue: 'q', ref: w.name }));
    const busy = { ...queue, activityBacklog: 9, openTasks: 12, pollers: ['s-std-1/agents'] };
    const plan = planTick(standbyConfig, { ...state, nextSeq: 3, limits: { std: { minWorkers: 1, maxWorkers: 2 } } }, { at: 1_000, queues: { std: busy }, workers }, new Set(), 1_000, 'run1');
    expect({ activate: plan.activate, start: plan.start, drain: plan.drain }).toEqual({ activate: ['s-std-2'], start: [], drain: [] });
    expect(plan.events[0]).toMatchObject({ desired: 2, actual: 2, standby: 0 });
  });

  test('limits are checked like the update validator does', () => {
    expect(limitsError({ minWorkers: 5 }, state.limits)).toBe('minWorkers: 5 exceeds maxWorkers 4 for profile std');
    expect(limitsError({ profile: 'gpu', maxWorkers: 1 }, state.limits)).toBe('profile: no profile gpu; known: std');
    expect(limitsError({ maxWorkers: 1.5 }, state.limits)).toBe('maxWorkers: must be an integer from 0 to 1000');
    expect(limitsError({ minWorkers: 0, maxWorkers: 0 }, state.limits)).toBeUndefined();
    expect(limitsError({ standbyWorkers: -1 }, state.limits)).toBe('standbyWorkers: must be an integer from 0 to 100');
    expect(limitsError({ standbyWorkers: 2 }, state.limits)).toBeUndefined();
  });
});
