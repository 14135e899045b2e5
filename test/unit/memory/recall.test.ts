import { candidatesFor, fromTopCandidates, ftsQuery, withinBudget } from '../../../src/memory/recall';
import { STOP_WORD_MIN_ENTRIES } from '../../../src/memory/term-stats';
import { steppingClock, useTempDir } from './helpers';

const tmp = useTempDir();
const NS = 'agent:m1:t1';
const keys = (entries: Array<{ key: string }>) => entries.map((e) => e.key);

describe('recall ranking', () => {
  test('without text: most important first, then most recent', () => {
    const memory = tmp.open('memory.db', { now: steppingClock() });
    memory.put(NS, 'old-minor', { content: 'a', importance: 0.2 });
    memory.put(NS, 'old-major', { content: 'b', importance: 0.9 });
    memory.put(NS, 'new-minor', { content: 'c', importance: 0.2 });
    memory.put(NS, 'new-major', { content: 'd', importance: 0.9 });

    expect(keys(memory.recall({ namespaces: [NS] }))).toEqual(['new-major', 'old-major', 'new-minor', 'old-minor']);
  });

  test('recency breaks ties even when writes share a millisecond', () => {
    const memory = tmp.open('memory.db', { now: () => 42 });
    for (const key of ['first', 'second', 'third']) memory.put(NS, key, { content: key });

    expect(keys(memory.recall({ namespaces: [NS] }))).toEqual(['third', 'second', 'first']);
  });

  test('with text: only matching entries, the best text match first, ahead of importance', () => {
    const memory = tmp.open();
    memory.put(NS, 'weak', { content: 'The launch plan mentions pricing once among many other unrelated planning words here', importance: 1 });
    memory.put(NS, 'strong', { content: 'Pricing: pricing per seat, pricing tiers', importance: 0.1 });
    memory.put(NS, 'unrelated', { content: 'Hiring plan for Q3', importance: 1 });

    expect(keys(memory.recall({ namespaces: [NS], text: 'pricing' }))).toEqual(['strong', 'weak']);
  });

  test('with text, entries that match equally are ordered by importance, then recency', () => {
    const memory = tmp.open('memory.db', { now: steppingClock() });
    memory.put(NS, 'older-low', { content: 'budget review', importance: 0.3 });
    memory.put(NS, 'older-high', { content: 'budget review', importance: 0.8 });
    memory.put(NS, 'newer-low', { content: 'budget review', importance: 0.3 });

    expect(keys(memory.recall({ namespaces: [NS], text: 'budget' }))).toEqual(['older-high', 'newer-low', 'older-low']);
  });

  test('text matches any of its words; entries matching more of them rank first', () => {
    const memory = tmp.open();
    memory.put(NS, 'one', { content: 'database choice' });
    memory.put(NS, 'both', { content: 'database migration' });
    memory.put(NS, 'none', { content: 'team offsite' });

    expect(keys(memory.recall({ namespaces: [NS], text: 'database migration' }))).toEqual(['both', 'one']);
  });

  test('punctuation and FTS5 operators in the text are words, not syntax', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'NOT a problem: "quoted" text (with parens)' });

    expect(keys(memory.recall({ namespaces: [NS], text: 'NOT "quoted" AND (parens* OR' }))).toEqual(['k']);
    expect(memory.recall({ namespaces: [NS], text: '*** ::: ""' })).toEqual([]);
  });
});

describe('text recall over many matches', () => {
  test('entries tied on text score beyond the first-stage candidates are still ranked by importance', () => {
    const memory = tmp.open();
    const count = candidatesFor(5) + 10;
    memory.transaction(() => {
      for (let i = 0; i < count; i++) memory.put(NS, `k${i}`, { content: 'alpha beta', importance: i / count });
    });
    const expected = memory.recall({ namespaces: [NS], limit: 5 }).map((e) => e.key);

    expect(keys(memory.recall({ namespaces: [NS], text: 'alpha', limit: 5 }))).toEqual(expected);
  });

  test('filters that reject most of the best text matches still return the best matches that pass', () => {
    const memory = tmp.open();
    memory.transaction(() => {
      for (let i = 0; i < 100; i++) memory.put(NS, `strong${i}`, { content: 'pricing pricing pricing' });
      for (let i = 0; i < 3; i++) memory.put(NS, `weak${i}`, { content: `pricing and many other words number ${i}`, tags: ['decision'] });
    });

    expect(keys(memory.recall({ namespaces: [NS], text: 'pricing', tags: ['decision'] })).sort()).toEqual(['weak0', 'weak1', 'weak2']);
  });

  test('matches in namespaces not asked for are never returned, however many there are', () => {
    const memory = tmp.open();
    memory.transaction(() => {
      for (let i = 0; i < 200; i++) memory.put('mission:other', `o${i}`, { content: 'pricing pricing' });
      memory.put(NS, 'mine', { content: 'pricing once, among other words' });
    });

    expect(keys(memory.recall({ namespaces: [NS], text: 'pricing' }))).toEqual(['mine']);
  });
});

describe('recall filters and budgets', () => {
  test('tags keep entries that carry at least one of them', () => {
    const memory = tmp.open();
    memory.put(NS, 'a', { content: 'a', tags: ['decision'] });
    memory.put(NS, 'b', { content: 'b', tags: ['fact', 'pricing'] });
    memory.put(NS, 'c', { content: 'c', tags: ['trivia'] });

    expect(keys(memory.recall({ namespaces: [NS], tags: ['decision', 'pricing'] })).sort()).toEqual(['a', 'b']);
    expect(keys(memory.recall({ namespaces: [NS], tags: ['pricing'], text: 'b' }))).toEqual(['b']);
  });

  test('kinds and minImportance filter', () => {
    const memory = tmp.open();
    memory.put(NS, 'fact', { content: 'x', importance: 0.9 });
    memory.put(NS, 'minor', { content: 'x', importance: 0.1 });
    memory.appendTurn(NS, { role: 'user', content: 'x', importance: 0.9 });

    expect(keys(memory.recall({ namespaces: [NS], kinds: ['long'] })).sort()).toEqual(['fact', 'minor']);
    expect(memory.recall({ namespaces: [NS], kinds: ['short'] }).map((e) => e.role)).toEqual(['user']);
    expect(keys(memory.recall({ namespaces: [NS], kinds: ['long'], minImportance: 0.5 }))).toEqual(['fact']);
    expect(keys(memory.recall({ namespaces: [NS], kinds: ['long'], minImportance: 0.5, text: 'x' }))).toEqual(['fact']);
  });

  test('maxChars returns the longest prefix of the ranking whose content fits', () => {
    const memory = tmp.open();
    memory.put(NS, 'first', { content: 'x'.repeat(40), importance: 0.9 });
    memory.put(NS, 'second', { content: 'x'.repeat(50), importance: 0.8 });
    memory.put(NS, 'third', { content: 'x'.repeat(5), importance: 0.7 });

    expect(keys(memory.recall({ namespaces: [NS], maxChars: 95 }))).toEqual(['first', 'second', 'third']);
    expect(keys(memory.recall({ namespaces: [NS], maxChars: 94 }))).toEqual(['first', 'second']);
    expect(keys(memory.recall({ namespaces: [NS], maxChars: 60 }))).toEqual(['first']);
    expect(memory.recall({ namespaces: [NS], maxChars: 39 })).toEqual([]);
  });

  test('several namespaces are ranked together and the limit applies to the merged ranking', () => {
    const memory = tmp.open();
    memory.put('agent:m1:t1', 'a', { content: 'a', importance: 0.9 });
    memory.put('agent:m1:t1', 'b', { content: 'b', importance: 0.3 });
    memory.put('mission:m1', 'c', { content: 'c', importance: 0.7 });
    memory.put('mission:m1', 'd', { content: 'd', importance: 0.5 });
    memory.put('mission:m2', 'e', { content: 'e', importance: 1 });

    expect(keys(memory.recall({ namespaces: ['agent:m1:t1', 'mission:m1'], limit: 3 }))).toEqual(['a', 'c', 'd']);
    expect(keys(memory.recall({ namespaces: ['agent:m1:t1', 'mission:m1'], text: 'a c e' }))).toEqual(['a', 'c']);
  });

  test('the full-text index follows updates and deletes', () => {
    const memory = tmp.open();
    memory.put(NS, 'k', { content: 'alpha' });
    memory.put(NS, 'k', { content: 'beta' });

    expect(memory.recall({ namespaces: [NS], text: 'alpha' })).toEqual([]);
    expect(keys(memory.recall({ namespaces: [NS], text: 'beta' }))).toEqual(['k']);
    memory.delete(NS, 'k');
    expect(memory.recall({ namespaces: [NS], text: 'beta' })).toEqual([]);
    expect(memory.verify()).toEqual({ ok: true, problems: [] });
  });
});

describe('stop words: words in more than half of all memories', () => {
  /** STOP_WORD_MIN_ENTRIES memories elsewhere, all containing "common", plus three in NS. */
  function withCommonWord() {
    const memory = tmp.open('memory.db', { now: steppingClock() });
    memory.transaction(() => {
      for (let i = 0; i < STOP_WORD_MIN_ENTRIES; i++) memory.put('mission:elsewhere', `e${i}`, { content: `common filler ${i}` });
      memory.put(NS, 'rare-low', { content: 'common rare', importance: 0.1 });
      memory.put(NS, 'dense-mid', { content: 'common common common', importance: 0.5, tags: ['x'] });
      memory.put(NS, 'sparse-high', { content: 'common among many other words in a long sentence', importance: 0.9 });
    });
    return memory;
  }

  test('a memory matching a rarer word ranks first; those matching only stop words follow by importance, not by word count', () => {
    const memory = withCommonWord();

    expect(keys(memory.recall({ namespaces: [NS], text: 'common rare' }))).toEqual(['rare-low', 'sparse-high', 'dense-mid']);
  });

  test('a text of stop words only returns its matches by importance, within the namespaces, filters and limit', () => {
    const memory = withCommonWord();

    expect(keys(memory.recall({ namespaces: [NS], text: 'common' }))).toEqual(['sparse-high', 'dense-mid', 'rare-low']);
    expect(keys(memory.recall({ namespaces: [NS], text: 'common', limit: 2 }))).toEqual(['sparse-high', 'dense-mid']);
    expect(keys(memory.recall({ namespaces: [NS], text: 'common', tags: ['x'] }))).toEqual(['dense-mid']);
    expect(keys(memory.recall({ namespaces: [NS], text: 'COMMON filler', limit: 2 }))).toEqual(['sparse-high', 'dense-mid']);
  });

  test('a stop word ranks again once writes leave it in at most half of the memories', () => {
    const memory = withCommonWord();
    expect(keys(memory.recall({ namespaces: [NS], text: 'common' }))[0]).toBe('sparse-high');
    memory.transaction(() => {
      for (let i = 0; i < 2 * STOP_WORD_MIN_ENTRIES; i++) memory.put('mission:elsewhere', `other${i}`, { content: `unrelated ${i}` });
    });

    // bm25 now weighs the word: the memory using it most densely comes first, whatever its importance.
    expect(keys(memory.recall({ namespaces: [NS], text: 'common' }))).toEqual(['dense-mid', 'rare-low', 'sparse-high']);
  });

  test('below the minimum number of memories every word ranks by bm25', () => {
    const memory = tmp.open();
    memory.put(NS, 'dense-low', { content: 'common common common', importance: 0.1 });
    memory.put(NS, 'sparse-high', { content: 'common among many other words in a long sentence', importance: 0.9 });

    expect(keys(memory.recall({ namespaces: [NS], text: 'common' }))).toEqual(['dense-low', 'sparse-high']);
  });
});

describe('recall pure helpers', () => {
  test.each([
    ['pricing', '"pricing"'],
    ['Database  migration database', '"database" OR "migration"'],
    ['NOT "x" AND (y*', '"not" OR "x" OR "and" OR "y"'],
    ['café über', '"café" OR "über"'],
    ['!!! ???', undefined],
  ])('ftsQuery(%j) is %j', (text, expected) => {
    expect(ftsQuery(text)).toBe(expected);
  });

  const scored = (...scores: Array<[number, 0 | 1]>) => scores.map(([score, keep], i) => ({ id: i, score, keep }));

  test('fromTopCandidates: when fewer matches than candidates came back, they were all the matches', () => {
    expect(fromTopCandidates(scored([-3, 1], [-2, 0], [-1, 1]), 5, 4)?.map((r) => r.id)).toEqual([0, 2]);
  });

  test('fromTopCandidates: kept rows scoring strictly better than the last candidate are final', () => {
    expect(fromTopCandidates(scored([-3, 1], [-2, 1], [-2, 1], [-1, 1]), 2, 4)?.map((r) => r.id)).toEqual([0, 1]);
  });

  test('fromTopCandidates: too few of them (ties with the last candidate, or filtered out) is inconclusive', () => {
    expect(fromTopCandidates(scored([-3, 1], [-1, 1], [-1, 1], [-1, 1]), 2, 4)).toBeUndefined();
    expect(fromTopCandidates(scored([-3, 1], [-2, 0], [-2, 0], [-1, 1]), 2, 4)).toBeUndefined();
  });

  test.each([
    [[3, 4, 5], undefined, 3],
    [[3, 4, 5], 7, 2],
    [[3, 4, 5], 6, 1],
    [[3, 1, 1], 2, 0],
    [[], 10, 0],
  ])('withinBudget of lengths %j with maxChars %j keeps %i entries', (lengths, maxChars, kept) => {
    const entries = lengths.map((n) => ({ content: 'x'.repeat(n) }));
    expect(withinBudget(entries, maxChars)).toHaveLength(kept);
  });
});
