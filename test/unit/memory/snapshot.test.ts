import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { DreamError } from '../../../src/errors';
import { MEMORY_ERRORS, RecallQuery, SNAPSHOT_FORMAT, SQLiteMemory } from '../../../src/memory';
import { canonicalEntry } from '../../../src/memory/snapshot';
import { fingerprint, steppingClock, thrown, useTempDir } from './helpers';

const tmp = useTempDir();
const AGENT = 'agent:m1:t1';
const MISSION = 'mission:m1';

function seed(memory: SQLiteMemory): void {
  memory.put(MISSION, 'pricing', { content: 'Charge per seat, annual discount', tags: ['decision', 'pricing'], importance: 0.9 });
  memory.put(MISSION, 'market', { content: 'Mid-size teams buy observability tools', tags: ['fact'], importance: 0.6 });
  memory.put(AGENT, 'draft', { content: 'Pricing draft: three tiers', tags: ['pricing'] });
  memory.appendTurn(AGENT, { role: 'user', content: 'What should we charge?' });
  memory.appendTurn(AGENT, { role: 'assistant', content: 'Per seat pricing, with tiers 🚀', importance: 0.7 });
}

interface SnapshotDoc {
  checksum: string;
  namespaces: string[];
  entries: unknown[];
}

/** A snapshot edited by `edit` whose checksum was recomputed, so only the edit itself can be at fault. */
function withValidChecksum(text: string, edit: (doc: SnapshotDoc) => void): string {
  const doc = JSON.parse(text) as SnapshotDoc;
  edit(doc);
  doc.checksum = createHash('sha256').update(JSON.stringify({ namespaces: doc.namespaces, entries: doc.entries })).digest('hex');
  return JSON.stringify(doc);
}

const QUERIES: RecallQuery[] = [
  { namespaces: [AGENT, MISSION] },
  { namespaces: [AGENT, MISSION], text: 'pricing seat' },
  { namespaces: [MISSION], tags: ['fact', 'decision'] },
  { namespaces: [AGENT], kinds: ['short'], maxChars: 40 },
];

describe('JSON snapshots', () => {
  test('export then import into a fresh database gives identical entries and recall results', () => {
    const source = tmp.open('source.db', { now: steppingClock() });
    seed(source);
    const exported = source.exportSnapshot(tmp.path('snap.json'));
    const target = tmp.open('target.db');
    const imported = target.importSnapshot(tmp.path('snap.json'));

    expect(exported.entries).toBe(5);
    expect(imported).toEqual({ entries: 5, namespaces: [AGENT, MISSION], written: 5, removed: 0 });
    for (const query of QUERIES) expect(target.recall(query)).toEqual(source.recall(query));
    for (const ns of [AGENT, MISSION]) expect(target.list(ns)).toEqual(source.list(ns));
    expect(target.verify().problems).toEqual([]);
  });

  test('the file carries format, version, createdAt, namespaces and the sha256 of the canonical content JSON', () => {
    const memory = tmp.open('memory.db', { now: () => Date.UTC(2025, 0, 2) });
    seed(memory);
    const { checksum } = memory.exportSnapshot(tmp.path('snap.json'));
    const doc = JSON.parse(fs.readFileSync(tmp.path('snap.json'), 'utf8')) as { format: string; version: number; createdAt: string; checksum: string; namespaces: string[]; entries: unknown[] };

    expect(doc).toMatchObject({ format: SNAPSHOT_FORMAT, version: 1, createdAt: '2025-01-02T00:00:00.000Z', checksum, namespaces: [AGENT, MISSION] });
    expect(createHash('sha256').update(JSON.stringify({ namespaces: doc.namespaces, entries: doc.entries })).digest('hex')).toBe(checksum);
    expect(doc.entries[0]).toEqual({ namespace: MISSION, key: 'pricing', kind: 'long', content: 'Charge per seat, annual discount', tags: ['decision', 'pricing'], importance: 0.9, role: null, createdAt: Date.UTC(2025, 0, 2), updatedAt: Date.UTC(2025, 0, 2) });
  });

  test('each exported line, written by SQLite, is exactly the canonical JSON JavaScript gives, for awkward text and numbers', () => {
    const memory = tmp.open('memory.db', { now: steppingClock() });
    // Every control character, quotes, backslashes, U+2028/2029, DEL, astral characters, and reals SQLite prints otherwise (1.0, 1.0e-07, 17 digits).
    const controls = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('');
    const awkward = [`${controls}"\\/\u2028\u2029\u007f`, 'émoji 🚀 𝔘 中文', '</script>', ''];
    awkward.forEach((content, i) => {
      memory.put(MISSION, `k${i}\t"${i}"`, { content, tags: ['a"b', 'ü\\'], importance: [1, 0, 1 / 3, 1e-7][i] });
    });
    memory.appendTurn(AGENT, { role: 'tool "x"', content: 'turn' });
    const { entries } = memory.exportSnapshot(tmp.path('snap.json'));
    const lines = fs.readFileSync(tmp.path('snap.json'), 'utf8').split('\n').slice(1, -2).map((line) => line.replace(/,$/, ''));

    expect(lines).toHaveLength(entries);
    for (const line of lines) expect(line).toBe(canonicalEntry(JSON.parse(line)));
    expect(tmp.open('copy.db').importSnapshot(tmp.path('snap.json')).written).toBe(5);
  });

  test('entries are listed in write order, so an import keeps the recency order of entries written in the same millisecond', () => {
    const source = tmp.open('source.db', { now: () => 42 });
    for (const key of ['zeta', 'alpha', 'mu']) source.put(MISSION, key, { content: key });
    source.exportSnapshot(tmp.path('snap.json'));
    const target = tmp.open('target.db');
    target.importSnapshot(tmp.path('snap.json'));

    expect(target.recall({ namespaces: [MISSION] }).map((e) => e.key)).toEqual(['mu', 'alpha', 'zeta']);
  });

  test('exporting one namespace writes only its entries', () => {
    const memory = tmp.open();
    seed(memory);
    expect(memory.exportSnapshot(tmp.path('snap.json'), { namespace: MISSION })).toMatchObject({ entries: 2, namespaces: [MISSION] });

    const target = tmp.open('target.db');
    expect(target.importSnapshot(tmp.path('snap.json')).namespaces).toEqual([MISSION]);
    expect(target.count(AGENT)).toBe(0);
  });

  test('a snapshot of an empty namespace empties that namespace on import', () => {
    const memory = tmp.open();
    seed(memory);
    memory.exportSnapshot(tmp.path('empty.json'), { namespace: 'mission:nothing-yet' });
    const target = tmp.open('target.db');
    target.put('mission:nothing-yet', 'stray', { content: 'written elsewhere' });

    expect(target.importSnapshot(tmp.path('empty.json'))).toEqual({ entries: 0, namespaces: ['mission:nothing-yet'], written: 0, removed: 1 });
    expect(target.count('mission:nothing-yet')).toBe(0);
  });

  test('importing the same snapshot again writes nothing', () => {
    const memory = tmp.open();
    seed(memory);
    memory.exportSnapshot(tmp.path('snap.json'));
    const target = tmp.open('target.db');
    target.importSnapshot(tmp.path('snap.json'));
    const versions = target.stats().versions;

    expect(target.importSnapshot(tmp.path('snap.json'))).toMatchObject({ written: 0, removed: 0 });
    expect(target.stats().versions).toBe(versions);
  });

  test('import replaces the namespaces the snapshot contains and leaves the others alone', () => {
    const memory = tmp.open();
    seed(memory);
    memory.exportSnapshot(tmp.path('snap.json'), { namespace: MISSION });
    memory.put(MISSION, 'pricing', { content: 'changed after export' });
    memory.put(MISSION, 'extra', { content: 'written after export' });
    memory.put(AGENT, 'draft', { content: 'agent change stays' });

    memory.importSnapshot(tmp.path('snap.json'));

    expect(memory.list(MISSION).map((e) => e.key).sort()).toEqual(['market', 'pricing']);
    expect(memory.get(MISSION, 'pricing')?.content).toBe('Charge per seat, annual discount');
    expect(memory.get(AGENT, 'draft')?.content).toBe('agent change stays');
    expect(memory.history(MISSION, 'extra').map((v) => v.op)).toEqual(['put', 'import']);
  });

  test('an import can be undone by rolling back to a checkpoint taken before it', () => {
    const memory = tmp.open();
    seed(memory);
    memory.exportSnapshot(tmp.path('snap.json'), { namespace: MISSION });
    memory.put(MISSION, 'extra', { content: 'x' });
    memory.markCheckpoint(MISSION, 'before-import');
    memory.importSnapshot(tmp.path('snap.json'));

    memory.rollbackTo(MISSION, 'before-import');
    expect(memory.get(MISSION, 'extra')?.content).toBe('x');
  });

  test('the export is atomic: it replaces an existing file whole and leaves no temp file behind', () => {
    const memory = tmp.open();
    seed(memory);
    fs.writeFileSync(tmp.path('snap.json'), 'old content');
    memory.exportSnapshot(tmp.path('snap.json'));

    expect(fs.readdirSync(tmp.dir()).filter((f) => f.includes('snap'))).toEqual(['snap.json']);
    expect(tmp.open('target.db').importSnapshot(tmp.path('snap.json')).entries).toBe(5);
  });

  const corruptions: Array<[string, (text: string) => string, string, RegExp]> = [
    ['not JSON', () => 'this is not a snapshot', MEMORY_ERRORS.snapshotNotJson, /is not valid JSON/],
    ['an empty file', () => '', MEMORY_ERRORS.snapshotNotJson, /is not valid JSON/],
    ['truncated', (text) => text.slice(0, Math.floor(text.length / 2)), MEMORY_ERRORS.snapshotTruncated, /is truncated/],
    ['checksum-mismatched', (text) => text.replace('annual discount', 'annual surcharge'), MEMORY_ERRORS.snapshotChecksum, /fails its checksum/],
    ['of another format', (text) => text.replace(SNAPSHOT_FORMAT, 'some-other-export'), MEMORY_ERRORS.snapshotWrongFormat, /"format" is "some-other-export"/],
    ['plain JSON without a format', () => '{"entries": []}', MEMORY_ERRORS.snapshotWrongFormat, /"format" is missing/],
    ['of a newer version', (text) => text.replace('"version":1', '"version":2'), MEMORY_ERRORS.snapshotWrongVersion, /has snapshot version 2/],
    ['of an older version', (text) => text.replace('"version":1', '"version":0'), MEMORY_ERRORS.snapshotWrongVersion, /has snapshot version 0; this Dream.OS reads version 1 only/],
    ['with a schema-invalid entry', (text) => text.replace('"importance":0.9', '"importance":9'), MEMORY_ERRORS.snapshotInvalid, /entries\.\d+\.importance/],
    ['with an entry missing its content', (text) => text.replace('"content":"Charge per seat, annual discount",', ''), MEMORY_ERRORS.snapshotInvalid, /entries\.\d+\.content/],
    ['with an entry of a namespace it does not cover', (text) => withValidChecksum(text, (doc) => (doc.namespaces = [MISSION])), MEMORY_ERRORS.snapshotInvalid, /namespace "agent:m1:t1", which its "namespaces" does not list/],
    ['listing a key twice', (text) => withValidChecksum(text, (doc) => doc.entries.push(doc.entries[0])), MEMORY_ERRORS.snapshotInvalid, /lists key "pricing" of namespace "mission:m1" twice/],
    ['cut off at the last entry', (text) => text.slice(0, text.lastIndexOf('\n]')), MEMORY_ERRORS.snapshotTruncated, /is truncated/],
  ];

  test.each(corruptions)('a snapshot that is %s is refused with a DreamError and the database is untouched', (_name, corrupt, code, message) => {
    const source = tmp.open('source.db');
    seed(source);
    source.exportSnapshot(tmp.path('snap.json'));
    fs.writeFileSync(tmp.path('snap.json'), corrupt(fs.readFileSync(tmp.path('snap.json'), 'utf8')));
    const target = tmp.open('target.db');
    target.put(MISSION, 'pricing', { content: 'must survive a bad import' });
    const before = fingerprint(tmp.path('target.db'));

    const err = thrown(() => target.importSnapshot(tmp.path('snap.json'))) as DreamError;

    expect(err).toBeInstanceOf(DreamError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(tmp.path('snap.json'));
    expect(err.fix).toMatch(/export|Upgrade|Pass a file/);
    expect(fingerprint(tmp.path('target.db'))).toBe(before);
  });

  test('a snapshot re-laid out by a JSON tool (indented, keys reordered) still imports: its checksum covers the content, not the layout', () => {
    const source = tmp.open('source.db');
    seed(source);
    source.exportSnapshot(tmp.path('snap.json'));
    const doc = JSON.parse(fs.readFileSync(tmp.path('snap.json'), 'utf8')) as SnapshotDoc;
    const reordered = { ...doc, entries: doc.entries.map((e) => Object.fromEntries(Object.entries(e as object).reverse())) };
    fs.writeFileSync(tmp.path('snap.json'), JSON.stringify(reordered, null, 2));

    expect(tmp.open('target.db').importSnapshot(tmp.path('snap.json')).written).toBe(5);
  });

  test('an entry whose field is of the wrong type is refused with the field named', () => {
    const source = tmp.open('source.db');
    seed(source);
    source.exportSnapshot(tmp.path('snap.json'));
    fs.writeFileSync(tmp.path('snap.json'), withValidChecksum(fs.readFileSync(tmp.path('snap.json'), 'utf8'), (doc) => ((doc.entries[1] as { createdAt: unknown }).createdAt = 1.5)));

    const err = thrown(() => tmp.open('target.db').importSnapshot(tmp.path('snap.json'))) as DreamError;
    expect(err.code).toBe(MEMORY_ERRORS.snapshotInvalid);
    expect(err.message).toMatch(/entries\.1\.createdAt/);
  });

  test('a missing snapshot file is SNAPSHOT_UNREADABLE', () => {
    const err = thrown(() => tmp.open().importSnapshot(tmp.path('nope.json'))) as DreamError;
    expect(err.code).toBe(MEMORY_ERRORS.snapshotUnreadable);
    expect(err.message).toMatch(/cannot be read \(ENOENT\)/);
  });
});
