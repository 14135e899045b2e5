import { DreamError } from '../../../src/errors';
import { MEMORY_ERRORS, SQLiteMemory } from '../../../src/memory';
import { steppingClock, thrown, useTempDir } from './helpers';

const tmp = useTempDir();
const NS = 'agent:m1:t1';
const OTHER = 'mission:m1';

const everything = (memory: SQLiteMemory, ns: string) => memory.list(ns, { limit: 10_000 }).sort((a, b) => a.key.localeCompare(b.key));

/** A namespace with an updated key, a deleted key and a key that stays, checkpointed as cp-1. */
function checkpointed(memory: SQLiteMemory) {
  memory.put(NS, 'updated', { content: 'original', tags: ['t'], importance: 0.4 });
  memory.put(NS, 'deleted', { content: 'still here at cp-1' });
  memory.put(NS, 'unchanged', { content: 'never touched' });
  memory.appendTurn(NS, { role: 'user', content: 'turn before cp-1' });
  memory.markCheckpoint(NS, 'cp-1');
  return everything(memory, NS);
}

describe('rollback to a checkpoint', () => {
  test('restores the namespace exactly: new keys removed, updates reverted, deletes resurrected', () => {
    const memory = tmp.open('memory.db', { now: steppingClock() });
    const atCheckpoint = checkpointed(memory);
    memory.put(NS, 'updated', { content: 'changed after cp-1', importance: 0.9 });
    memory.put(NS, 'updated', { content: 'changed twice' });
    memory.delete(NS, 'deleted');
    memory.put(NS, 'created', { content: 'new after cp-1' });
    memory.appendTurn(NS, { role: 'assistant', content: 'turn after cp-1' });

    const result = memory.rollbackTo(NS, 'cp-1');

    expect(result).toEqual({ restored: 2, removed: 2 });
    expect(everything(memory, NS)).toEqual(atCheckpoint);
    expect(memory.recall({ namespaces: [NS], text: 'after' })).toEqual([]);
    expect(memory.verify().problems).toEqual([]);
  });

  test('other namespaces are untouched, even when they were written after the checkpoint', () => {
    const memory = tmp.open();
    checkpointed(memory);
    memory.put(OTHER, 'shared', { content: 'mission fact' });
    memory.put(NS, 'created', { content: 'x' });
    memory.put(OTHER, 'shared', { content: 'mission fact, revised' });
    const other = everything(memory, OTHER);

    memory.rollbackTo(NS, 'cp-1');

    expect(everything(memory, OTHER)).toEqual(other);
    expect(memory.get(OTHER, 'shared')?.content).toBe('mission fact, revised');
  });

  test('short-term turns trimmed after the checkpoint come back', () => {
    const memory = tmp.open('memory.db', { shortTermWindow: 2 });
    memory.appendTurn(NS, { role: 'user', content: 'one' });
    memory.appendTurn(NS, { role: 'user', content: 'two' });
    memory.markCheckpoint(NS, 'cp-1');
    memory.appendTurn(NS, { role: 'user', content: 'three' });
    memory.appendTurn(NS, { role: 'user', content: 'four' });

    expect(memory.rollbackTo(NS, 'cp-1')).toEqual({ restored: 2, removed: 2 });
    expect(memory.list(NS).map((e) => e.content).sort()).toEqual(['one', 'two']);
  });

  test('the rollback is recorded in the journal', () => {
    const memory = tmp.open();
    checkpointed(memory);
    memory.put(NS, 'updated', { content: 'later' });
    memory.rollbackTo(NS, 'cp-1', { checkpointId: 'cp-1' });

    const history = memory.history(NS, 'updated');
    expect(history.map((v) => v.op)).toEqual(['put', 'put', 'rollback']);
    expect(history[2].value?.content).toBe('original');
    expect(history[2].checkpointId).toBe('cp-1');
  });

  test('rolling back again to the same checkpoint changes nothing', () => {
    const memory = tmp.open();
    checkpointed(memory);
    memory.put(NS, 'created', { content: 'x' });
    memory.rollbackTo(NS, 'cp-1');
    const versions = memory.stats().versions;

    expect(memory.rollbackTo(NS, 'cp-1')).toEqual({ restored: 0, removed: 0 });
    expect(memory.stats().versions).toBe(versions);
  });

  test('a checkpoint that was never marked is a DreamError naming it and the namespace', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'x' });
    const err = thrown(() => memory.rollbackTo(NS, 'cp-9')) as DreamError;

    expect(err).toBeInstanceOf(DreamError);
    expect(err.code).toBe(MEMORY_ERRORS.checkpointUnknown);
    expect(err.message).toContain('"cp-9"');
    expect(err.message).toContain(`"${NS}"`);
    expect(err.fix).toMatch(/markCheckpoint/);
    expect(memory.get(NS, 'k')?.content).toBe('x');
  });

  test('a checkpoint is per namespace', () => {
    const memory = tmp.open();
    memory.markCheckpoint(NS, 'cp-1');
    expect((thrown(() => memory.rollbackTo(OTHER, 'cp-1')) as DreamError).code).toBe(MEMORY_ERRORS.checkpointUnknown);
  });

  test('marking a live checkpoint again keeps the first marker', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'at cp-1' });
    memory.markCheckpoint(NS, 'cp-1');
    memory.put(NS, 'k', { content: 'later' });
    memory.markCheckpoint(NS, 'cp-1');

    memory.rollbackTo(NS, 'cp-1');
    expect(memory.get(NS, 'k')?.content).toBe('at cp-1');
  });

  test('checkpoints taken after the target are discarded by the rollback, and can be marked afresh', () => {
    const memory = tmp.open();
    memory.markCheckpoint(NS, 'cp-0');
    memory.put(NS, 'k', { content: 'first run' });
    memory.markCheckpoint(NS, 'cp-2');
    memory.rollbackTo(NS, 'cp-0');

    const err = thrown(() => memory.rollbackTo(NS, 'cp-2')) as DreamError;
    expect(err.code).toBe(MEMORY_ERRORS.checkpointDiscarded);
    expect(err.message).toContain('"cp-0"');

    memory.put(NS, 'k', { content: 'second run' });
    memory.markCheckpoint(NS, 'cp-2');
    memory.put(NS, 'k', { content: 'after second cp-2' });
    memory.rollbackTo(NS, 'cp-2');
    expect(memory.get(NS, 'k')?.content).toBe('second run');
  });

  test('a retried rollback with the same idempotency key returns the first result and does not undo newer writes', () => {
    const memory = tmp.open();
    checkpointed(memory);
    memory.put(NS, 'created', { content: 'x' });
    const first = memory.rollbackTo(NS, 'cp-1', { idempotencyKey: 'wf:2:1:rollback' });
    memory.put(NS, 'after-rollback', { content: 'keep me' });

    expect(memory.rollbackTo(NS, 'cp-1', { idempotencyKey: 'wf:2:1:rollback' })).toEqual(first);
    expect(memory.get(NS, 'after-rollback')?.content).toBe('keep me');
  });

  test('the first write tagged with an unmarked checkpoint marks it: rolling back undoes that write and all after it', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'before cp-3' });
    memory.put(NS, 'k', { content: 'working from cp-3' }, { checkpointId: 'cp-3' });
    memory.appendTurn(NS, { role: 'assistant', content: 'still from cp-3' }, { checkpointId: 'cp-3' });
    memory.put(NS, 'later', { content: 'untagged, after' });

    expect(memory.rollbackTo(NS, 'cp-3')).toEqual({ restored: 1, removed: 2 });
    expect(everything(memory, NS).map((e) => [e.key, e.content])).toEqual([['k', 'before cp-3']]);
  });

  test('a tagged write does not move a checkpoint that was marked before it', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'at cp-1' });
    memory.markCheckpoint(NS, 'cp-1');
    memory.put(NS, 'untagged', { content: 'after cp-1, untagged' });
    memory.put(NS, 'k', { content: 'tagged' }, { checkpointId: 'cp-1' });

    memory.rollbackTo(NS, 'cp-1');
    expect(everything(memory, NS).map((e) => [e.key, e.content])).toEqual([['k', 'at cp-1']]);
  });

  test('a tag marks the checkpoint in the namespace written only', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'x' }, { checkpointId: 'cp-1' });
    expect((thrown(() => memory.rollbackTo(OTHER, 'cp-1')) as DreamError).code).toBe(MEMORY_ERRORS.checkpointUnknown);
  });

  test('markers survive reopening the file', () => {
    const first = tmp.open();
    checkpointed(first);
    first.put(NS, 'created', { content: 'x' });
    first.close();

    expect(tmp.open().rollbackTo(NS, 'cp-1')).toEqual({ restored: 0, removed: 1 });
  });
});
