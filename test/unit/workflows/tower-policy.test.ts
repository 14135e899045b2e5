import { parseTowerLimits, TowerMission } from '../../../src/contracts/tower';
import { admissionOrder, positionOf, slotsInUse, toAdmit } from '../../../workflows/tower/admission';
import { conditions, nextAlerts } from '../../../workflows/tower/alerts';

function mission(missionId: string, fields: Partial<TowerMission> = {}): TowerMission {
  return {
    missionId,
    workflowId: `mission.${missionId}`,
    priority: 3,
    state: 'queued',
    slots: 1,
    tasks: 2,
    source: 'test',
    submittedAt: 0,
    lastProgressAt: 0,
    progress: { settled: 0, total: 2, running: 0, tokens: 0, asking: 0 },
    ...fields,
  };
}

const limits = (() => {
  const parsed = parseTowerLimits({ maxConcurrentAgentTasks: 4, stuckAfterMs: 60_000, minChainsForRate: 5, minResolutionRate: 0.5 });
  if (!parsed.ok) throw new Error(parsed.issues.join('; '));
  return parsed.value;
})();

describe('tower admission', () => {
  test.each([
    ['fits: both queued start', [mission('a', { slots: 2 }), mission('b', { slots: 2, submittedAt: 1 })], ['a', 'b']],
    ['priority 1 goes before an earlier priority 3', [mission('late', { priority: 1, submittedAt: 5 }), mission('early', { submittedAt: 0, slots: 4 })], ['late']],
    ['running missions hold their slots', [mission('run', { state: 'running', slots: 3 }), mission('q', { slots: 2 })], []],
    ['paused missions hold their slots too', [mission('p', { state: 'paused', slots: 4 }), mission('q')], []],
    ['strict order: a big head blocks smaller ones behind it', [mission('run', { state: 'running', slots: 2 }), mission('big', { slots: 3 }), mission('small', { slots: 1, submittedAt: 1 })], []],
    ['a held mission is passed over, not blocking', [mission('held', { held: true }), mission('next', { submittedAt: 1 })], ['next']],
    ['ended missions hold nothing', [mission('done', { state: 'completed', slots: 4 }), mission('q', { slots: 4 })], ['q']],
  ])('%s', (_name, missions, admitted) => {
    expect(toAdmit(missions, limits.maxConcurrentAgentTasks).map((m) => m.missionId)).toEqual(admitted);
  });

  test('positions follow priority, then submission time', () => {
    const missions = [mission('c', { priority: 5 }), mission('a', { priority: 1, submittedAt: 9 }), mission('b', { priority: 1, submittedAt: 3 }), mission('r', { state: 'running', slots: 2 })];
    expect(admissionOrder(missions).map((m) => m.missionId)).toEqual(['b', 'a', 'c']);
    expect(positionOf(missions, 'c')).toBe(3);
    expect(positionOf(missions, 'r')).toBeUndefined();
    expect(slotsInUse(missions)).toBe(2);
  });
});

describe('tower alerts', () => {
  const quietQueues = { queues: [{ queue: 'agents', type: 'activity' as const, pollers: 1, backlog: 0, backlogAgeMs: 0 }], failures: { events: 0, chains: 0, resolved: 0, resolutionRate: null } };

  test('a running mission quiet past the limit is stuck; a paused or recent one is not', () => {
    const now = 100_000;
    const found = conditions(now, limits, [mission('quiet', { state: 'running', lastProgressAt: now - 61_000 }), mission('paused', { state: 'paused', lastProgressAt: 0 }), mission('busy', { state: 'running', lastProgressAt: now - 1_000 })], quietQueues);
    expect(found.map((c) => [c.kind, c.subject])).toEqual([['stuck-mission', 'quiet']]);
    expect(found[0].message).toContain('dreamos mission cancel quiet');
  });

  test('a backlog with no poller is critical; a backlog with pollers is not an alert', () => {
    const found = conditions(0, limits, [], {
      queues: [
        { queue: 'agents', type: 'activity', pollers: 0, backlog: 3, backlogAgeMs: 5_000 },
        { queue: 'nexus', type: 'activity', pollers: 1, backlog: 30, backlogAgeMs: 1_000 },
        { queue: 'control', type: 'workflow', pollers: 0, backlog: 0, backlogAgeMs: 0 },
      ],
      failures: quietQueues.failures,
    });
    expect(found).toEqual([expect.objectContaining({ kind: 'queue-without-pollers', subject: 'agents/activity', severity: 'critical' })]);
    expect(found[0].message).toContain('dreamos worker agents');
  });

  test.each([
    [0.4, 10, true],
    [0.4, 4, false],
    [0.6, 10, false],
    [null, 50, false],
  ])('resolution rate %s over %s chains raises an alert: %s', (rate, chains, raised) => {
    const found = conditions(0, limits, [], { queues: [], failures: { events: 1, chains, resolved: 0, resolutionRate: rate } });
    expect(found.some((c) => c.kind === 'low-resolution-rate')).toBe(raised);
  });

  test('an alert is raised once per episode, follows its condition, and is cleared once', () => {
    const holding = [{ kind: 'stuck-mission' as const, subject: 'm', severity: 'warning' as const, message: 'quiet for 1 min' }];
    const first = nextAlerts(1_000, [], holding);
    expect(first.raised).toEqual([expect.objectContaining({ key: 'stuck-mission:m:1000', raisedAt: 1_000 })]);
    const second = nextAlerts(2_000, first.active, [{ ...holding[0], message: 'quiet for 2 min' }]);
    expect(second.raised).toEqual([]);
    expect(second.active).toEqual([expect.objectContaining({ key: 'stuck-mission:m:1000', message: 'quiet for 2 min' })]);
    const third = nextAlerts(3_000, second.active, []);
    expect(third.cleared).toEqual([expect.objectContaining({ key: 'stuck-mission:m:1000', clearedAt: 3_000 })]);
    expect(third.active).toEqual([]);
    expect(nextAlerts(4_000, third.active, holding).raised[0].key).toBe('stuck-mission:m:4000');
  });
});
