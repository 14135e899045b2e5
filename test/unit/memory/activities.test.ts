import { ApplicationFailure } from '@temporalio/common';
import { createMemoryActivities, RememberStepInput } from '../../../activities/memory';
import { INVALID_MEMORY_REQUEST } from '../../../src/contracts/failure-types';
import { MEMORY_ERRORS } from '../../../src/memory';
import { useTempDir } from './helpers';

const tmp = useTempDir();
const AGENT = 'agent:m1:t1';
const MISSION = 'mission:m1';

const step: RememberStepInput = {
  idempotencyKey: 'wf-1:2:1:remember',
  checkpointId: 'cp-2',
  writes: [
    { namespace: AGENT, kind: 'short', content: 'Compared three pricing models' },
    { namespace: MISSION, key: 'pricing', kind: 'long', content: 'Charge per seat', tags: ['decision'], importance: 0.9 },
    { namespace: AGENT, kind: 'short', role: 'tool', content: 'search results: 12 competitors' },
  ],
};

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('memory activities', () => {
  test('rememberStep writes short turns via appendTurn and long facts via put, journaled with the checkpoint', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);

    expect(await activities.rememberStep(step)).toEqual({ written: 3, forgotten: 0 });
    expect(memory.get(MISSION, 'pricing')).toMatchObject({ kind: 'long', content: 'Charge per seat', tags: ['decision'], importance: 0.9 });
    const turns = memory.list(AGENT, { kind: 'short' });
    expect(turns.map((t) => [t.role, t.content])).toEqual([
      ['tool', 'search results: 12 competitors'],
      ['assistant', 'Compared three pricing models'],
    ]);
    expect(memory.history(MISSION, 'pricing')[0].checkpointId).toBe('cp-2');
  });

  test('a retried rememberStep (activity retry or replay) writes nothing new', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);
    await activities.rememberStep(step);
    const versions = memory.stats().versions;

    expect(await activities.rememberStep(step)).toEqual({ written: 3, forgotten: 0 });
    expect(memory.stats().versions).toBe(versions);
    expect(memory.count()).toBe(3);
  });

  test('rememberStep forgets the listed keys before writing, in the same transaction; a retry forgets nothing more', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);
    await activities.rememberStep(step);
    memory.put(MISSION, 'other', { content: 'kept' });
    const rollbackNote: RememberStepInput = {
      idempotencyKey: 'wf-1/rollback-1/note',
      checkpointId: 'cp-0',
      writes: [{ namespace: AGENT, kind: 'short', role: 'system', content: 'Resumed from checkpoint cp-0' }],
      forget: [
        { namespace: MISSION, key: 'pricing' },
        { namespace: MISSION, key: 'never-written' },
      ],
    };

    expect(await activities.rememberStep(rollbackNote)).toEqual({ written: 1, forgotten: 1 });
    expect(memory.get(MISSION, 'pricing')).toBeUndefined();
    expect(memory.get(MISSION, 'other')?.content).toBe('kept');
    expect(memory.history(MISSION, 'pricing').map((v) => [v.op, v.checkpointId])).toEqual([
      ['put', 'cp-2'],
      ['delete', 'cp-0'],
    ]);
    memory.put(MISSION, 'pricing', { content: 'Rewritten by the step run again' });
    expect(await activities.rememberStep(rollbackNote)).toEqual({ written: 1, forgotten: 1 });
    expect(memory.get(MISSION, 'pricing')?.content).toBe('Rewritten by the step run again');
  });

  test('recallMemory returns plain JSON memories, best first', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);
    await activities.rememberStep(step);
    const recalled = await activities.recallMemory({ namespaces: [AGENT, MISSION], limit: 2 });

    expect(recalled).toEqual([
      { namespace: MISSION, key: 'pricing', kind: 'long', role: null, content: 'Charge per seat', tags: ['decision'], importance: 0.9, updatedAt: expect.any(Number) },
      { namespace: AGENT, key: expect.stringMatching(/^turn-/), kind: 'short', role: 'tool', content: 'search results: 12 competitors', tags: [], importance: 0.5, updatedAt: expect.any(Number) },
    ]);
    expect((await activities.recallMemory({ namespaces: [AGENT, MISSION], text: 'pricing' })).map((m) => m.content)).toEqual(['Compared three pricing models']);
    expect(JSON.parse(JSON.stringify(recalled))).toEqual(recalled);
  });

  test('recallMemory keeps the most relevant entries that fit maxChars, best first', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);
    memory.put(MISSION, 'decision', { content: 'a'.repeat(300), importance: 0.9 });
    memory.put(MISSION, 'fact', { content: 'b'.repeat(300), importance: 0.6 });
    memory.put(MISSION, 'trivia', { content: 'c'.repeat(10), importance: 0.1 });

    expect((await activities.recallMemory({ namespaces: [MISSION], maxChars: 605 })).map((m) => m.key)).toEqual(['decision', 'fact']);
    expect((await activities.recallMemory({ namespaces: [MISSION], maxChars: 610 })).map((m) => m.key)).toEqual(['decision', 'fact', 'trivia']);
    expect((await activities.recallMemory({ namespaces: [MISSION], maxChars: 599 })).map((m) => m.key)).toEqual(['decision']);
  });

  test('rememberStep tags its writes with the checkpoint, so rolling back to it undoes the step even if it was never marked', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);
    memory.put(MISSION, 'pricing', { content: 'undecided' });
    await activities.rememberStep(step);

    expect(await activities.rollbackMemory({ namespaces: [AGENT, MISSION], checkpointId: 'cp-2', idempotencyKey: 'wf-1:3:1:rollback' })).toEqual({ restored: 1, removed: 2 });
    expect(memory.get(MISSION, 'pricing')?.content).toBe('undecided');
  });

  test('checkpointMemory then rollbackMemory restore several namespaces at once; a retry returns the same result', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);
    memory.put(MISSION, 'pricing', { content: 'undecided' });
    await activities.checkpointMemory({ namespaces: [AGENT, MISSION], checkpointId: 'cp-2', idempotencyKey: 'wf-1:2:0:checkpoint' });
    await activities.rememberStep(step);

    const rollback = { namespaces: [AGENT, MISSION], checkpointId: 'cp-2', idempotencyKey: 'wf-1:3:2:rollback' };
    expect(await activities.rollbackMemory(rollback)).toEqual({ restored: 1, removed: 2 });
    expect(await activities.rollbackMemory(rollback)).toEqual({ restored: 1, removed: 2 });
    expect(memory.get(MISSION, 'pricing')?.content).toBe('undecided');
    expect(memory.count(AGENT)).toBe(0);
  });

  test('an invalid write fails the whole step, non-retryable, with type InvalidMemoryRequest, writing nothing', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);
    const bad = { ...step, writes: [...step.writes, { namespace: MISSION, kind: 'long' as const, content: 'no key' }] };
    const err = await failure(activities.rememberStep(bad));

    expect(err.type).toBe(INVALID_MEMORY_REQUEST);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/writes\.3\.key: a 'long' write needs a key/);
    expect(memory.count()).toBe(0);
  });

  test('an invalid key to forget fails the whole step the same way, deleting and writing nothing', async () => {
    const memory = tmp.open();
    const activities = createMemoryActivities(memory);
    await activities.rememberStep(step);
    const bad = { ...step, idempotencyKey: 'wf-1/rollback-1/note', forget: [{ namespace: MISSION, key: 'pricing' }, { namespace: MISSION, key: '' }] };
    const err = await failure(activities.rememberStep(bad));

    expect(err.type).toBe(INVALID_MEMORY_REQUEST);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/forget\.1\.key/);
    expect(memory.get(MISSION, 'pricing')?.content).toBe('Charge per seat');
    expect(memory.count()).toBe(3);
  });

  test.each([
    ['no namespaces', { namespaces: [] }, /namespaces/],
    ['a limit of 0', { namespaces: [AGENT], limit: 0 }, /limit/],
    ['an unknown field', { namespaces: [AGENT], secret: 'x' }, /secret/],
  ])('recallMemory with %s is an InvalidMemoryRequest', async (_name, input, message) => {
    const err = await failure(createMemoryActivities(tmp.open()).recallMemory(input as never));
    expect(err.type).toBe(INVALID_MEMORY_REQUEST);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(message);
  });

  test('rolling back to a checkpoint never marked is a non-retryable InvalidMemoryRequest carrying the memory error code', async () => {
    const err = await failure(createMemoryActivities(tmp.open()).rollbackMemory({ namespaces: [AGENT], checkpointId: 'cp-7', idempotencyKey: 'k' }));

    expect(err.type).toBe(INVALID_MEMORY_REQUEST);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/checkpoint "cp-7": that checkpoint was never marked .*\(fix: /);
    expect(err.details).toEqual([{ code: MEMORY_ERRORS.checkpointUnknown }]);
  });
});
