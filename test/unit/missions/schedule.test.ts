import { isDreamError } from '../../../src/errors';
import { describeScheduleSpec, parsePriority, parseScheduleSpec } from '../../../src/missions/schedule-spec';
import { END_WAIT_MARGIN_MS, missionForRun, parseScheduledMissionInput, runMissionId, SCHEDULED_MISSION_ID_MAX } from '../../../src/contracts/scheduled-mission';
import { parseMissionInput } from '../../../src/contracts/mission-spec';
import { parseMissionDocument } from '../../../src/tasks/load';

function refusal(run: () => unknown): { code: string; message: string; fix: string } {
  try {
    run();
  } catch (err) {
    if (isDreamError(err)) return { code: err.code, message: err.message, fix: err.fix };
    throw err;
  }
  throw new Error('accepted');
}

const mission = (missionId = 'nightly') =>
  parseMissionDocument({ mission: missionId, defaults: { role: 'analyst', outputSchema: 'answer' }, tasks: [{ taskId: 'a', goal: 'g' }, { taskId: 'b', goal: 'g', dependsOn: ['a'] }] });

describe('schedule specs: --every and --cron', () => {
  test.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    [' 90s ', 90_000],
  ])('--every %s is %d ms', (text, ms) => {
    expect(parseScheduleSpec({ every: text })).toEqual({ kind: 'every', everyMs: ms, text: text.trim() });
  });

  test.each(['abc', '1x', '-5m', '0s', '', '1.5s', '500ms'])('--every "%s" is refused, naming the value and the form to use', (text) => {
    const { code, message, fix } = refusal(() => parseScheduleSpec({ every: text }));
    expect(code).toBe('SCHEDULE_INTERVAL_INVALID');
    expect(message).toContain(`--every "${text}"`);
    expect(fix).toContain('30s, 5m, 1h, 1d');
  });

  test('a cron expression of five fields, seven fields or a shorthand is kept as written', () => {
    expect(parseScheduleSpec({ cron: ' 0 9 * * 1-5 ' })).toEqual({ kind: 'cron', cron: '0 9 * * 1-5' });
    expect(parseScheduleSpec({ cron: '0 0 9 * * 1-5 *' })).toEqual({ kind: 'cron', cron: '0 0 9 * * 1-5 *' });
    expect(parseScheduleSpec({ cron: '@hourly' })).toEqual({ kind: 'cron', cron: '@hourly' });
  });

  test('a cron expression with too few or too many fields is refused, counting them', () => {
    expect(refusal(() => parseScheduleSpec({ cron: '0 9 *' }))).toMatchObject({ code: 'SCHEDULE_CRON_INVALID', message: '--cron "0 9 *" has 3 field(s).' });
    expect(refusal(() => parseScheduleSpec({ cron: '1 2 3 4 5 6 7 8' })).code).toBe('SCHEDULE_CRON_INVALID');
  });

  test('--every and --cron together, or neither, are refused with the fix', () => {
    expect(refusal(() => parseScheduleSpec({ every: '1h', cron: '0 9 * * *' }))).toMatchObject({ code: 'SCHEDULE_SPEC_CONFLICT', fix: expect.stringContaining('Give one of them') });
    expect(refusal(() => parseScheduleSpec({}))).toMatchObject({ code: 'SCHEDULE_SPEC_MISSING', fix: expect.stringContaining('--every') });
  });

  test('specs are described as lists show them', () => {
    expect(describeScheduleSpec(parseScheduleSpec({ every: '1h' }))).toBe('every 1h');
    expect(describeScheduleSpec(parseScheduleSpec({ cron: '0 9 * * *' }))).toBe('cron "0 9 * * *"');
  });

  test('priorities are 1 to 5', () => {
    expect([1, 3, 5].map((p) => parsePriority(String(p)))).toEqual([1, 3, 5]);
    for (const bad of ['0', '6', '2.5', 'high']) expect(refusal(() => parsePriority(bad)).code).toBe('SCHEDULE_PRIORITY_INVALID');
  });
});

describe("each run's mission id", () => {
  test('is the file\'s id with the run\'s start time, yyyyMMddHHmmss in UTC', () => {
    expect(runMissionId('nightly', new Date('2026-12-01T22:05:09.999Z'))).toBe('nightly-20261201220509');
    expect(runMissionId('nightly', new Date('2027-01-02T03:04:05Z'))).toBe('nightly-20270102030405');
  });

  test('differs between runs a second apart and is the same for the same start (replay)', () => {
    const start = new Date('2026-12-01T22:00:00Z');
    expect(runMissionId('m', start)).toBe(runMissionId('m', new Date(start.getTime())));
    expect(runMissionId('m', start)).not.toBe(runMissionId('m', new Date(start.getTime() + 1_000)));
  });

  test("is written into every task's spec, and the mission stays valid", () => {
    const runId = runMissionId('nightly', new Date('2026-12-01T22:00:00Z'));
    const run = missionForRun(mission(), runId);
    expect(run.missionId).toBe('nightly-20261201220000');
    expect(run.tasks.map((t) => t.spec.missionId)).toEqual([runId, runId]);
    expect(parseMissionInput(run).ok).toBe(true);
  });

  test('fits the mission id limit for the longest id a schedule accepts', () => {
    const longest = 'x'.repeat(SCHEDULED_MISSION_ID_MAX);
    const run = missionForRun(mission(longest), runMissionId(longest, new Date('2026-12-01T22:00:00Z')));
    expect(run.missionId).toHaveLength(80);
    expect(parseMissionInput(run).ok).toBe(true);
  });
});

describe("a scheduled run's input", () => {
  test('is validated with its mission and defaulted', () => {
    const parsed = parseScheduledMissionInput({ scheduleId: 's1', mission: mission() });
    expect(parsed).toMatchObject({ ok: true, value: { scheduleId: 's1', priority: 3, endWaitMarginMs: END_WAIT_MARGIN_MS, mission: { missionId: 'nightly' } } });
  });

  test.each([
    ['no input', '(input)', undefined],
    ['no mission', 'mission', { scheduleId: 's1' }],
    ['a bad schedule id', 'scheduleId', { scheduleId: 'has space', mission: mission() }],
    ['a priority out of range', 'priority', { scheduleId: 's1', mission: mission(), priority: 9 }],
    ['a negative wait margin', 'endWaitMarginMs', { scheduleId: 's1', mission: mission(), endWaitMarginMs: -1 }],
    ['a wait margin that is not whole milliseconds', 'endWaitMarginMs', { scheduleId: 's1', mission: mission(), endWaitMarginMs: 1.5 }],
    ['a mission without tasks', 'mission.tasks', { scheduleId: 's1', mission: { missionId: 'm', tasks: [] } }],
    ['a mission id too long for run ids', 'mission.missionId', { scheduleId: 's1', mission: mission('y'.repeat(SCHEDULED_MISSION_ID_MAX + 1)) }],
  ])('with %s is refused, naming %s', (_what, field, input) => {
    const parsed = parseScheduledMissionInput(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toContain(field);
  });
});
