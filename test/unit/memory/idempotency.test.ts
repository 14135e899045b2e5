import { DreamError } from '../../../src/errors';
import { MEMORY_ERRORS } from '../../../src/memory';
import { thrown, useTempDir } from './helpers';

const tmp = useTempDir();
const NS = 'agent:m1:t1';
const KEY = 'wf-1:3:1:remember';

describe('idempotent writes', () => {
  test('a retried put with the same key writes once and returns the first result', () => {
    const memory = tmp.open();
    const first = memory.put(NS, 'k', { content: 'first attempt' }, { idempotencyKey: KEY });
    const retry = memory.put(NS, 'k', { content: 'second attempt' }, { idempotencyKey: KEY });

    expect(retry).toEqual(first);
    expect(memory.get(NS, 'k')?.content).toBe('first attempt');
    expect(memory.count(NS)).toBe(1);
    expect(memory.history(NS, 'k')).toHaveLength(1);
  });

  test('the retry returns the first result even after the key was changed since', () => {
    const memory = tmp.open();
    const first = memory.put(NS, 'k', { content: 'v1' }, { idempotencyKey: KEY });
    memory.put(NS, 'k', { content: 'v2' });

    expect(memory.put(NS, 'k', { content: 'v1' }, { idempotencyKey: KEY })).toEqual(first);
    expect(memory.get(NS, 'k')?.content).toBe('v2');
  });

  test('a retried appendTurn adds one turn', () => {
    const memory = tmp.open();
    const first = memory.appendTurn(NS, { role: 'assistant', content: 'answer' }, { idempotencyKey: KEY });
    const retry = memory.appendTurn(NS, { role: 'assistant', content: 'answer' }, { idempotencyKey: KEY });

    expect(retry).toEqual(first);
    expect(memory.count(NS)).toBe(1);
    expect(memory.stats().versions).toBe(1);
  });

  test('a retried delete does not delete the key again after it was re-created', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'v1' });
    expect(memory.delete(NS, 'k', { idempotencyKey: KEY })).toBe(true);
    memory.put(NS, 'k', { content: 'v2' });

    expect(memory.delete(NS, 'k', { idempotencyKey: KEY })).toBe(true);
    expect(memory.get(NS, 'k')?.content).toBe('v2');
  });

  test('applied keys survive reopening the file, so a retry after a worker restart is still a no-op', () => {
    const first = tmp.open();
    first.put(NS, 'k', { content: 'once' }, { idempotencyKey: KEY });
    first.close();
    const second = tmp.open();
    second.put(NS, 'k', { content: 'twice' }, { idempotencyKey: KEY });

    expect(second.get(NS, 'k')?.content).toBe('once');
    expect(second.history(NS, 'k')).toHaveLength(1);
  });

  test('the key commits with its write: a write undone by a failed transaction can be retried', () => {
    const memory = tmp.open();
    const failed = thrown(() =>
      memory.transaction(() => {
        memory.put(NS, 'k', { content: 'lost' }, { idempotencyKey: KEY });
        throw new Error('activity crashed mid-step');
      }),
    );
    expect((failed as Error).message).toBe('activity crashed mid-step');
    expect(memory.get(NS, 'k')).toBeUndefined();

    memory.put(NS, 'k', { content: 'retried' }, { idempotencyKey: KEY });
    expect(memory.get(NS, 'k')?.content).toBe('retried');
  });

  test('reusing a key for a different write is refused with an error naming both writes', () => {
    const memory = tmp.open();
    memory.put(NS, 'a', { content: 'x' }, { idempotencyKey: KEY });
    const err = thrown(() => memory.put(NS, 'b', { content: 'x' }, { idempotencyKey: KEY })) as DreamError;

    expect(err.code).toBe(MEMORY_ERRORS.idempotencyConflict);
    expect(err.message).toContain('put of "a" in "agent:m1:t1"');
    expect(err.message).toContain('put of "b" in "agent:m1:t1"');
    expect(memory.get(NS, 'b')).toBeUndefined();
  });

  test('a keyed transaction runs once and returns its first result', () => {
    const memory = tmp.open();
    let runs = 0;
    const step = () =>
      memory.transaction(
        () => {
          runs += 1;
          memory.put(NS, `k${runs}`, { content: 'x' });
          return { wrote: `k${runs}` };
        },
        { idempotencyKey: KEY },
      );

    expect(step()).toEqual({ wrote: 'k1' });
    expect(step()).toEqual({ wrote: 'k1' });
    expect(runs).toBe(1);
    expect(memory.count(NS)).toBe(1);
  });
});
