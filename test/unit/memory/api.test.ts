import Database from 'better-sqlite3';
import { DreamError } from '../../../src/errors';
import { MEMORY_ERRORS, MemoryValue } from '../../../src/memory';
import { steppingClock, thrown, useTempDir } from './helpers';

const tmp = useTempDir();
const NS = 'mission:m1';

describe('SQLiteMemory basics', () => {
  test('put then get returns the value with defaults applied', () => {
    const memory = tmp.open('memory.db', { now: () => 5_000 });
    const written = memory.put(NS, 'pricing', { content: 'Charge per seat' });

    expect(written).toEqual({ namespace: NS, key: 'pricing', kind: 'long', content: 'Charge per seat', tags: [], importance: 0.5, role: null, createdAt: 5_000, updatedAt: 5_000 });
    expect(memory.get(NS, 'pricing')).toEqual(written);
    expect(memory.get(NS, 'missing')).toBeUndefined();
    expect(memory.get('mission:other', 'pricing')).toBeUndefined();
  });

  test('put on an existing key replaces the value and keeps createdAt', () => {
    const memory = tmp.open('memory.db', { now: steppingClock(100) });
    memory.put(NS, 'k', { content: 'first', tags: ['a'], importance: 0.9 });
    const second = memory.put(NS, 'k', { content: 'second', kind: 'short' });

    expect(second).toMatchObject({ content: 'second', tags: [], importance: 0.5, kind: 'short', createdAt: 100, updatedAt: 101 });
    expect(memory.count(NS)).toBe(1);
  });

  test('duplicate tags are stored once', () => {
    const memory = tmp.open();
    expect(memory.put(NS, 'k', { content: 'x', tags: ['a', 'b', 'a'] }).tags).toEqual(['a', 'b']);
  });

  test('delete removes a key and reports whether it existed', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'x' });

    expect(memory.delete(NS, 'k')).toBe(true);
    expect(memory.delete(NS, 'k')).toBe(false);
    expect(memory.get(NS, 'k')).toBeUndefined();
    expect(memory.history(NS, 'k').map((v) => v.op)).toEqual(['put', 'delete']);
  });

  test('history lists every version of a key oldest first, with its value and checkpoint', () => {
    const memory = tmp.open('memory.db', { now: steppingClock(10) });
    memory.put(NS, 'k', { content: 'v1' }, { checkpointId: 'cp-0' });
    memory.put(NS, 'k', { content: 'v2', importance: 0.8 }, { checkpointId: 'cp-1' });
    memory.delete(NS, 'k');
    const history = memory.history(NS, 'k');

    expect(history.map((v) => [v.op, v.value?.content ?? null, v.checkpointId])).toEqual([
      ['put', 'v1', 'cp-0'],
      ['put', 'v2', 'cp-1'],
      ['delete', null, null],
    ]);
    expect(history[1].value).toEqual({ kind: 'long', content: 'v2', tags: [], importance: 0.8, role: null, createdAt: 10, updatedAt: 11 });
    expect(history[0].seq).toBeLessThan(history[1].seq);
    expect(history[1].seq).toBeLessThan(history[2].seq);
  });

  test('list pages through a namespace, most recently updated first, optionally by kind', () => {
    const memory = tmp.open();
    for (const key of ['a', 'b', 'c', 'd']) memory.put(NS, key, { content: key, kind: key === 'c' ? 'short' : 'long' });
    memory.put('mission:other', 'z', { content: 'z' });

    expect(memory.list(NS).map((e) => e.key)).toEqual(['d', 'c', 'b', 'a']);
    expect(memory.list(NS, { limit: 2, offset: 1 }).map((e) => e.key)).toEqual(['c', 'b']);
    expect(memory.list(NS, { kind: 'long' }).map((e) => e.key)).toEqual(['d', 'b', 'a']);
    expect(memory.list(NS, { kind: 'short' }).map((e) => e.key)).toEqual(['c']);
  });

  test('count and stats describe what is stored', () => {
    const memory = tmp.open();
    memory.put(NS, 'a', { content: 'a' });
    memory.put(NS, 'b', { content: 'b' });
    memory.appendTurn('agent:m1:t1', { role: 'user', content: 'hi' });
    memory.delete(NS, 'b');

    expect(memory.count()).toBe(2);
    expect(memory.count(NS)).toBe(1);
    const stats = memory.stats();
    expect(stats).toMatchObject({ entries: 2, namespaces: 2, shortTerm: 1, longTerm: 1, versions: 4 });
    expect(stats.fileBytes).toBeGreaterThan(4_096);
  });

  const invalid: Array<[string, MemoryValue, RegExp]> = [
    ['importance above 1', { content: 'x', importance: 1.5 }, /importance must be a number from 0 to 1, got 1\.5/],
    ['an unknown kind', { content: 'x', kind: 'medium' as 'long' }, /kind must be 'short' or 'long', got "medium"/],
    ['tags that are not strings', { content: 'x', tags: [3 as unknown as string] }, /tags must be an array/],
    ['content that is not a string', { content: 42 as unknown as string }, /content must be a string/],
  ];
  test.each(invalid)('a value with %s is refused with a DreamError saying what and how to fix it', (_name, value, message) => {
    const memory = tmp.open();
    const err = thrown(() => memory.put(NS, 'k', value)) as DreamError;

    expect(err).toBeInstanceOf(DreamError);
    expect(err.code).toBe(MEMORY_ERRORS.invalidInput);
    expect(err.message).toMatch(message);
    expect(err.fix.length).toBeGreaterThan(10);
    expect(memory.count()).toBe(0);
  });

  test('an empty namespace or key is refused', () => {
    const memory = tmp.open();
    expect((thrown(() => memory.put('', 'k', { content: 'x' })) as DreamError).message).toMatch(/namespace must be a non-empty string/);
    expect((thrown(() => memory.put(NS, '', { content: 'x' })) as DreamError).message).toMatch(/key must be a non-empty string/);
  });

  test('verify reports a full-text index and a journal that disagree with the entries', () => {
    const memory = tmp.open();
    memory.put(NS, 'a', { content: 'alpha' });
    memory.put(NS, 'b', { content: 'beta' });
    expect(memory.verify()).toEqual({ ok: true, problems: [] });

    const raw = new Database(tmp.path('memory.db'));
    raw.exec("DROP TRIGGER entries_fts_update; UPDATE entries SET content = 'tampered' WHERE key = 'a'");
    raw.close();

    const { ok, problems } = memory.verify();
    expect(ok).toBe(false);
    expect(problems.some((p) => p.startsWith('full-text index out of sync'))).toBe(true);
    expect(problems).toContain(`entry "a" of "${NS}" differs from its latest journal version`);
  });

  test('a closed memory refuses further use with MEMORY_CLOSED', () => {
    const memory = tmp.open();
    memory.close();
    expect((thrown(() => memory.get(NS, 'k')) as DreamError).code).toBe(MEMORY_ERRORS.closed);
    expect((thrown(() => memory.put(NS, 'k', { content: 'x' })) as DreamError).code).toBe(MEMORY_ERRORS.closed);
  });
});
