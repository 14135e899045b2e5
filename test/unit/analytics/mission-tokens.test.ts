import { AgentTaskTokens, tokensByMission } from '../../../src/analytics/health';
import { buildReport } from '../../../src/analytics/report';
import { MissionTokensReport, renderReport } from '../../../src/cli/analytics';
import { HOUR, T0, useStores } from './helpers';

const stores = useStores();
const task = (missionId: string, tokens: number, running = false): AgentTaskTokens => ({ missionId, tokens, running });

describe('tokens by mission', () => {
  test('sums the tokens, tasks and running tasks of each mission', () => {
    const { missions } = tokensByMission([task('alpha', 100), task('beta', 40, true), task('alpha', 250, true), task('beta', 10)]);
    expect(missions).toEqual([
      { missionId: 'alpha', tasks: 2, running: 1, tokens: 350 },
      { missionId: 'beta', tasks: 2, running: 1, tokens: 50 },
    ]);
  });

  test.each([
    ['most tokens first', [task('small', 5), task('big', 500)], ['big', 'small']],
    ['equal tokens: more tasks first', [task('one', 10), task('two', 5), task('two', 5)], ['two', 'one']],
    ['equal tokens and tasks: by id', [task('b', 7), task('a', 7)], ['a', 'b']],
    ['a task without tokens still counts', [task('idle', 0), task('busy', 1)], ['busy', 'idle']],
  ])('orders missions: %s', (_name, tasks, order) => {
    expect(tokensByMission(tasks).missions.map((m) => m.missionId)).toEqual(order);
  });

  test('lists only the top missions; the totals count every mission', () => {
    const tasks = Array.from({ length: 12 }, (_, n) => task(`m-${n}`, (n + 1) * 10, n === 0));
    const { missions, totals } = tokensByMission(tasks, 10);
    expect(missions).toHaveLength(10);
    expect(missions[0]).toEqual({ missionId: 'm-11', tasks: 1, running: 0, tokens: 120 });
    expect(missions.map((m) => m.missionId)).not.toContain('m-0');
    expect(totals).toEqual({ missions: 12, tasks: 12, running: 1, tokens: 780 });
  });

  test('no tasks: no missions and zero totals', () => {
    expect(tokensByMission([])).toEqual({ missions: [], totals: { missions: 0, tasks: 0, running: 0, tokens: 0 } });
  });
});

describe('the report with tokens by mission', () => {
  const report = () => buildReport(stores.open(), { since: T0 - HOUR, now: T0, temporalUiUrl: 'http://localhost:8233' });

  test('lists each mission with its tasks and tokens, and the totals', () => {
    const tokens: MissionTokensReport = {
      temporal: '127.0.0.1:7233',
      reachable: true,
      missions: [
        { missionId: 'launch-plan', tasks: 3, running: 1, tokens: 12_345 },
        { missionId: 'market-map', tasks: 1, running: 0, tokens: 678 },
      ],
      totals: { missions: 2, tasks: 4, running: 1, tokens: 13_023, limitReached: false },
    };
    const text = renderReport(report(), HOUR, 'analytics.db', tokens);
    expect(text).toContain('Tokens by mission (Temporal at 127.0.0.1:7233)');
    expect(text).toMatch(/13,023 tokens · 2 missions · 4 agent tasks \(1 running\)\n/);
    expect(text).toMatch(/launch-plan\s+3 tasks\s+1 running\s+12,345  █{24}/);
    expect(text).toMatch(/market-map\s+1 task\s+0 running\s+678  █/);
  });

  test('says when only the latest agent tasks were read', () => {
    const tokens: MissionTokensReport = { temporal: 't:7233', reachable: true, missions: [], totals: { missions: 0, tasks: 2_000, running: 0, tokens: 0, limitReached: true } };
    expect(renderReport(report(), HOUR, 'analytics.db', tokens)).toContain('(latest 2,000 agent tasks only)');
  });

  test('an unreachable server is a note after the database figures, not an error', () => {
    const tokens: MissionTokensReport = { temporal: 'nowhere:7233', reachable: false, message: 'Cannot reach the Temporal server at nowhere:7233: connection refused' };
    const text = renderReport(report(), HOUR, 'analytics.db', tokens);
    expect(text).toMatch(/^Failure analytics · last 1 h 00 m/);
    expect(text).toContain('Unavailable: Cannot reach the Temporal server at nowhere:7233');
    expect(text).toContain('The figures above come from the database alone');
  });

  test('without --temporal the report has no tokens-by-mission block', () => {
    expect(renderReport(report(), HOUR, 'analytics.db')).not.toContain('Tokens by mission');
  });
});
