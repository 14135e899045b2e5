import { readFileSync } from 'fs';
import { join } from 'path';
import { decide, decideAll, DEFAULT_POLICY, ProfileMemory, QueueLoad, recommend, ScalingPolicy, scalingPolicySchema } from '../../../src/scaling/policy';
import { HEAVY_PROFILE, STANDARD_PROFILE, WorkerProfile } from '../../../src/scaling/profiles';

/** 10 activity slots per worker; changes take effect at once unless a row says otherwise. */
const POLICY: ScalingPolicy = { ...DEFAULT_POLICY, minWorkers: 1, maxWorkers: 6, maxStepUp: 3, maxStepDown: 2, tolerance: 0, upCooldownMs: 0, downCooldownMs: 0, idleWindowMs: 60_000 };
const EMPTY: ProfileMemory = { recent: [] };
const load = (openTasks: number, activityBacklog = 0, workflowBacklog = 0): QueueLoad => ({ openTasks, activityBacklog, workflowBacklog });

describe('recommend: workers the demand asks for, in slot units', () => {
  test.each<[string, Partial<ScalingPolicy>, QueueLoad, number]>([
    ['an idle queue keeps minWorkers', {}, load(0), 1],
    ['idle with minWorkers 0 asks for none', { minWorkers: 0 }, load(0), 0],
    ['one waiting task with minWorkers 0 still asks for one', { minWorkers: 0 }, load(0, 1), 1],
    ['a backlog that reports 0 while tasks run: open tasks count', { minWorkers: 0 }, load(7, 0, 0), 1],
    ['25 waiting model calls need 3 workers of 10 slots', {}, load(0, 25), 3],
    ['the larger of backlog and open tasks counts (visibility lags a burst)', {}, load(12, 31), 4],
    ['200 tasks are capped at maxWorkers', {}, load(200, 150), 6],
    ['a target backlog per worker lets tasks wait: 25 / (10 + 5)', { targetBacklogPerWorker: 5 }, load(25), 2],
  ])('%s', (_name, overrides, observed, expected) => {
    expect(recommend({ ...POLICY, ...overrides }, STANDARD_PROFILE, observed)).toBe(expected);
  });
});

interface Tick {
  at: number;
  load: QueueLoad;
  current: number;
  desired: number;
  reason: string;
}

/** Runs ticks through `decide`, carrying its memory, and checks every decision. */
function runTicks(policy: ScalingPolicy, ticks: Tick[], profile: WorkerProfile = STANDARD_PROFILE): void {
  let memory = EMPTY;
  for (const tick of ticks) {
    const decision = decide(policy, profile, tick.load, tick.current, memory, tick.at);
    expect({ at: tick.at, desired: decision.desired, reason: decision.reason }).toEqual({ at: tick.at, desired: tick.desired, reason: tick.reason });
    memory = decision.memory;
  }
}

describe('decide over time', () => {
  test('a burst scales up in steps, then the idle window releases workers to the minimum', () => {
    runTicks(POLICY, [
      { at: 0, load: load(0, 200), current: 1, desired: 4, reason: 'backlog' },
      { at: 1_000, load: load(200, 150), current: 4, desired: 6, reason: 'backlog' },
      { at: 2_000, load: load(180, 120), current: 6, desired: 6, reason: 'steady' },
      { at: 30_000, load: load(0), current: 6, desired: 6, reason: 'stabilising' },
      { at: 62_001, load: load(0), current: 6, desired: 4, reason: 'idle-release' },
      { at: 63_000, load: load(0), current: 4, desired: 2, reason: 'idle-release' },
      { at: 64_000, load: load(0), current: 2, desired: 1, reason: 'idle-release' },
      { at: 65_000, load: load(0), current: 1, desired: 1, reason: 'steady' },
    ]);
  });

  test('flapping load does not flap the workers: the window holds the highest recommendation', () => {
    const flapping = [load(40), load(0), load(40), load(0), load(40), load(0)];
    runTicks(
      POLICY,
      flapping.map((l, i) => ({ at: i * 5_000, load: l, current: 4, desired: 4, reason: l.openTasks > 0 ? 'steady' : 'stabilising' })),
    );
  });

  test('a backlog reporting 0 while tasks still run never releases the last workers', () => {
    runTicks({ ...POLICY, minWorkers: 0 }, [
      { at: 0, load: load(30, 0), current: 3, desired: 3, reason: 'steady' },
      { at: 70_000, load: load(30, 0), current: 3, desired: 3, reason: 'steady' },
      { at: 100_000, load: load(1, 0), current: 3, desired: 3, reason: 'stabilising' },
      { at: 131_000, load: load(1, 0), current: 3, desired: 1, reason: 'load-dropped' },
      { at: 300_000, load: load(1, 0), current: 1, desired: 1, reason: 'steady' },
      { at: 330_000, load: load(0, 0), current: 1, desired: 1, reason: 'stabilising' },
      { at: 361_000, load: load(0, 0), current: 1, desired: 0, reason: 'idle-release' },
    ]);
  });

  test('cooldowns space out changes', () => {
    runTicks({ ...POLICY, upCooldownMs: 10_000, downCooldownMs: 20_000, idleWindowMs: 0 }, [
      { at: 0, load: load(0, 100), current: 1, desired: 4, reason: 'backlog' },
      { at: 5_000, load: load(0, 100), current: 4, desired: 4, reason: 'cooldown' },
      { at: 10_000, load: load(0, 100), current: 4, desired: 6, reason: 'backlog' },
      { at: 20_000, load: load(0), current: 6, desired: 6, reason: 'cooldown' },
      { at: 30_000, load: load(0), current: 6, desired: 4, reason: 'idle-release' },
    ]);
  });

  test('tolerance holds a load hovering just over capacity', () => {
    runTicks({ ...POLICY, tolerance: 0.1 }, [
      { at: 0, load: load(21), current: 2, desired: 2, reason: 'within-tolerance' },
      { at: 1_000, load: load(23), current: 2, desired: 3, reason: 'backlog' },
    ]);
  });

  test('from zero workers a single task starts one at once, tolerance or not', () => {
    runTicks({ ...POLICY, minWorkers: 0, tolerance: 0.5 }, [{ at: 0, load: load(0, 1), current: 0, desired: 1, reason: 'backlog' }]);
  });

  test('min and max are restored first', () => {
    runTicks(POLICY, [
      { at: 0, load: load(0), current: 0, desired: 1, reason: 'min-workers' },
      { at: 1_000, load: load(0), current: 9, desired: 7, reason: 'max-workers' },
    ]);
  });

  test('a heavy profile needs more workers for the same calls (4 slots each)', () => {
    runTicks(POLICY, [{ at: 0, load: load(0, 20), current: 1, desired: 4, reason: 'backlog' }], HEAVY_PROFILE);
  });
});

describe('decideAll: profiles sized separately, big ones released first', () => {
  const idleLong = (t: number): ProfileMemory => ({ recent: [{ at: t - 61_000, workers: 1 }], lastChangeAt: t - 61_000 });

  test('each profile is sized from its own queue', () => {
    const [standard, heavy] = decideAll(
      [
        { profile: STANDARD_PROFILE, policy: POLICY, load: load(0, 30), current: 1, memory: EMPTY },
        { profile: HEAVY_PROFILE, policy: { ...POLICY, minWorkers: 0 }, load: load(0, 8), current: 0, memory: EMPTY },
      ],
      0,
    );
    expect([standard.desired, heavy.desired]).toEqual([3, 2]);
  });

  test('when both may shrink, only the heavy profile does; the standard one follows once heavy is done', () => {
    const now = 100_000;
    const inputs = (heavyWorkers: number) => [
      { profile: STANDARD_PROFILE, policy: POLICY, load: load(0), current: 3, memory: idleLong(now) },
      { profile: HEAVY_PROFILE, policy: { ...POLICY, minWorkers: 0 }, load: load(0), current: heavyWorkers, memory: idleLong(now) },
    ];
    expect(decideAll(inputs(2), now).map((d) => [d.profile, d.desired, d.reason])).toEqual([
      ['standard', 3, 'heavier-first'],
      ['heavy', 0, 'idle-release'],
    ]);
    expect(decideAll(inputs(0), now).map((d) => [d.profile, d.desired, d.reason])).toEqual([
      ['standard', 1, 'idle-release'],
      ['heavy', 0, 'steady'],
    ]);
  });
});

describe('the policy is validated and workflow-safe', () => {
  test('a policy with minWorkers above maxWorkers is refused, naming the field', () => {
    const result = scalingPolicySchema.safeParse({ ...POLICY, minWorkers: 9, maxWorkers: 2 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['minWorkers']);
  });

  test.each(['policy.ts', 'profiles.ts'])('%s imports only zod, its sibling and the workflow-safe contracts, and reads no clock or randomness', (file) => {
    const text = readFileSync(join(__dirname, '../../../src/scaling', file), 'utf8');
    const valueImports = [...text.matchAll(/^(?:import|export)(?! type)[^;]*?from '([^']+)'/gms)].map((m) => m[1]);
    expect(valueImports.filter((s) => !/^(zod|\.\/profiles|\.\.\/contracts\/[\w-]+)$/.test(s))).toEqual([]);
    expect(text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')).not.toMatch(/Date\.now|new Date\(|Math\.random|process\.|require\(/);
  });
});
