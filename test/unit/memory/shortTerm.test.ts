import { DEFAULT_SHORT_TERM_WINDOW } from '../../../src/memory';
import { useTempDir } from './helpers';

const tmp = useTempDir();
const NS = 'agent:m1:t1';

describe('short-term window', () => {
  test(`appendTurn keeps only the newest ${DEFAULT_SHORT_TERM_WINDOW} turns of a namespace by default`, () => {
    const memory = tmp.open();
    for (let i = 0; i < DEFAULT_SHORT_TERM_WINDOW + 7; i++) memory.appendTurn(NS, { role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` });
    const turns = memory.list(NS, { kind: 'short', limit: 1_000 });

    expect(turns).toHaveLength(DEFAULT_SHORT_TERM_WINDOW);
    expect(turns[0].content).toBe(`turn ${DEFAULT_SHORT_TERM_WINDOW + 6}`);
    expect(turns[turns.length - 1].content).toBe('turn 7');
    expect(memory.recall({ namespaces: [NS], text: 'turn 0' }).map((e) => e.content)).not.toContain('turn 0');
  });

  test('the window is per namespace, and long-term entries are never trimmed', () => {
    const memory = tmp.open('memory.db', { shortTermWindow: 3 });
    memory.put(NS, 'fact', { content: 'kept' });
    for (let i = 0; i < 5; i++) memory.appendTurn(NS, { role: 'user', content: `a${i}` });
    for (let i = 0; i < 2; i++) memory.appendTurn('agent:m1:t2', { role: 'user', content: `b${i}` });

    expect(memory.list(NS, { kind: 'short' }).map((e) => e.content)).toEqual(['a4', 'a3', 'a2']);
    expect(memory.list('agent:m1:t2').map((e) => e.content)).toEqual(['b1', 'b0']);
    expect(memory.get(NS, 'fact')?.content).toBe('kept');
  });

  test('a turn keeps its role, tags and importance, and gets an increasing key', () => {
    const memory = tmp.open();
    const first = memory.appendTurn(NS, { role: 'user', content: 'hello' });
    const second = memory.appendTurn(NS, { role: 'assistant', content: 'hi', tags: ['greeting'], importance: 0.1 });

    expect(first).toMatchObject({ kind: 'short', role: 'user', tags: [], importance: 0.5 });
    expect(second).toMatchObject({ kind: 'short', role: 'assistant', tags: ['greeting'], importance: 0.1 });
    expect(second.key > first.key).toBe(true);
  });

  test('trimmed turns are journaled as op "trim"', () => {
    const memory = tmp.open('memory.db', { shortTermWindow: 1 });
    const first = memory.appendTurn(NS, { role: 'user', content: 'one' });
    memory.appendTurn(NS, { role: 'user', content: 'two' });

    expect(memory.history(NS, first.key).map((v) => v.op)).toEqual(['put', 'trim']);
  });
});
