import path from 'node:path';
import { loadMissionFile, parseMissionDocument } from '../../../src/tasks/load';
import { isDreamError } from '../../../src/errors';

function mission(tasks: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  return { mission: 'm1', defaults: { outputSchema: 'answer', role: 'analyst' }, tasks: tasks.map((t) => ({ goal: `do ${String(t.taskId)}`, ...t })), ...extra };
}

function rejection(document: unknown): string {
  try {
    parseMissionDocument(document, 'm.json');
  } catch (err) {
    if (isDreamError(err)) return err.message;
    throw err;
  }
  throw new Error('the document was accepted');
}

describe('mission files: dependencies, limits and supervision', () => {
  test('a mission with dependencies, limits and supervision is validated and defaulted', () => {
    const parsed = parseMissionDocument(
      mission([{ taskId: 'a' }, { taskId: 'b', dependsOn: ['a'], supervision: { maxDecisionsPerTask: 2 } }], { maxConcurrentTasks: 2, deadlineMs: 60_000, maxTokens: 9_000, supervision: { reassignTo: [{ role: 'senior' }] } }),
    );
    expect(parsed.maxConcurrentTasks).toBe(2);
    expect(parsed.deadlineMs).toBe(60_000);
    expect(parsed.maxTokens).toBe(9_000);
    expect(parsed.tasks.map((t) => [t.spec.taskId, t.dependsOn])).toEqual([['a', []], ['b', ['a']]]);
    expect(parsed.tasks[1].supervision.maxDecisionsPerTask).toBe(2);
    expect(parsed.tasks[1].supervision.reassignTo).toEqual([{ role: 'senior' }]);
    expect(parsed.tasks[0].supervision.maxDecisionsPerTask).toBe(3);
  });

  test('a dependency cycle is rejected, naming the cycle', () => {
    const message = rejection(mission([{ taskId: 'a', dependsOn: ['c'] }, { taskId: 'b', dependsOn: ['a'] }, { taskId: 'c', dependsOn: ['b'] }]));
    expect(message).toMatch(/dependency cycle: a -> c -> b -> a/);
  });

  test('an unknown task id in dependsOn is rejected, naming it', () => {
    expect(rejection(mission([{ taskId: 'a', dependsOn: ['ghost'] }]))).toMatch(/tasks\[0\]\.dependsOn: unknown task id "ghost"/);
  });

  test('a duplicate task id is rejected, naming it', () => {
    expect(rejection(mission([{ taskId: 'a' }, { taskId: 'a' }]))).toMatch(/duplicate taskId "a"/);
  });

  test('a bad supervision field is rejected with its path', () => {
    expect(rejection(mission([{ taskId: 'a', supervision: { askPerson: 'sometimes' } }]))).toMatch(/tasks\[0\]\.supervision\.askPerson/);
  });

  test('more than 500 tasks is refused (the documented bound on a mission history)', () => {
    expect(rejection(mission(Array.from({ length: 501 }, (_, i) => ({ taskId: `t${i}` }))))).toMatch(/tasks/);
  });

  test('hand-off roles of a task and the mission hand-off limit are read; maxHandoffs defaults to 10', () => {
    const parsed = parseMissionDocument(mission([{ taskId: 'a', handoffTo: ['critic'] }, { taskId: 'b' }], { maxHandoffs: 3 }));
    expect(parsed.maxHandoffs).toBe(3);
    expect(parsed.tasks.map((t) => t.handoffTo)).toEqual([['critic'], undefined]);
    expect(parseMissionDocument(mission([{ taskId: 'a' }])).maxHandoffs).toBe(10);
    expect(rejection(mission([{ taskId: 'a', handoffTo: [] }]))).toMatch(/tasks\[0\]\.handoffTo/);
    expect(rejection(mission([{ taskId: 'a' }], { maxHandoffs: -1 }))).toMatch(/maxHandoffs/);
  });

  test('a supervisor model is opt-in: absent by default, validated when given', () => {
    expect(parseMissionDocument(mission([{ taskId: 'a' }])).tasks[0].supervision.advisor).toBeUndefined();
    const parsed = parseMissionDocument(mission([{ taskId: 'a' }], { supervision: { advisor: { model: 'sim-large' } } }));
    expect(parsed.tasks[0].supervision.advisor).toEqual({ model: 'sim-large', temperature: 0, timeoutMs: 60_000 });
    expect(rejection(mission([{ taskId: 'a', supervision: { advisor: { timeoutMs: 5 } } }]))).toMatch(/tasks\[0\]\.supervision\.advisor\.timeoutMs/);
  });

  test('the advised example mission is valid: a supervisor model and hand-offs', () => {
    const parsed = loadMissionFile(path.resolve(__dirname, '../../../examples/advised-mission.json'));
    expect(parsed.maxHandoffs).toBe(2);
    expect(parsed.tasks[0].handoffTo).toEqual(['analyst', 'critic']);
    expect(parsed.tasks.every((t) => t.supervision.advisor !== undefined)).toBe(true);
  });

  test('a single task file is a mission of one task', () => {
    const parsed = parseMissionDocument({ taskId: 'solo', missionId: 'm2', role: 'r', goal: 'g', outputSchema: 'answer' });
    expect(parsed.missionId).toBe('m2');
    expect(parsed.tasks).toHaveLength(1);
  });
});
