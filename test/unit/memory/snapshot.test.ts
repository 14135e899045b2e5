import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { DreamError } from '../../../src/errors';
import { MEMORY_ERRORS, RecallQuery, SNAPSHOT_FORMAT, SQLiteMemory } from '../../../src/memory';
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
    expect(imported).toEqual({ entries: 5, namespaces: [AGENT, MISSION] });
    for (const query of QUERIES) expect(target.recall(query)).toEqual(source.recall(query));
    for (const ns of [AGENT, MISSION]) expect(target.list(ns)).toEqual(source.list(ns));
    expect(target.verify().problems).toEqual([]);
  });

  test('the file carries format, version, createdAt and the sha256 of the canonical entries JSON', () => {
    const memory = tmp.open('memory.db', { now: () => Date.UTC(2025, 0, 2) });
    seed(memory);
    const { checksum } = memory.exportSnapshot(tmp.path('snap.json'));
    const doc = JSON.parse(fs.readFileSync(tmp.path('snap.json'), 'utf8')) as { format: string; version: number; createdAt: string; checksum: string; entries: unknown[] };

    expect(doc).toMatchObject({ format: SNAPSHOT_FORMAT, version: 1, createdAt: '2025-01-02T00:00:00.000Z', checksum });
    expect(createHash('sha256').update(JSON.stringify(doc.entries)).digest('hex')).toBe(checksum);
    expect(doc.entries[0]).toEqual({ namespace: AGENT, key: 'draft', kind: 'long', content: 'Pricing draft: three tiers', tags: ['pricing'], importance: 0.5, role: null, createdAt: expect.any(Number), updatedAt: expect.any(Number) });
  });

  test('exporting one namespace writes only its entries', () => {
    const memory = tmp.open();
    seed(memory);
    expect(memory.exportSnapshot(tmp.path('snap.json'), { namespace: MISSION }).entries).toBe(2);

    const target = tmp.open('target.db');
    expect(target.importSnapshot(tmp.path('snap.json')).namespaces).toEqual([MISSION]);
    expect(target.count(AGENT)).toBe(0);
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
    ['with a schema-invalid entry', (text) => text.replace('"importance":0.9', '"importance":9'), MEMORY_ERRORS.snapshotInvalid, /entries\.\d+\.importance/],
    ['with an entry missing its content', (text) => text.replace('"content":"Charge per seat, annual discount",', ''), MEMORY_ERRORS.snapshotInvalid, /entries\.\d+\.content/],
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

  test('a snapshot listing a key twice is refused', () => {
    const memory = tmp.open();
    memory.put(MISSION, 'k', { content: 'x' });
    memory.exportSnapshot(tmp.path('snap.json'));
    const doc = JSON.parse(fs.readFileSync(tmp.path('snap.json'), 'utf8')) as { checksum: string; entries: unknown[] };
    doc.entries.push(doc.entries[0]);
    doc.checksum = createHash('sha256').update(JSON.stringify(doc.entries)).digest('hex');
    fs.writeFileSync(tmp.path('snap.json'), JSON.stringify(doc));

    const err = thrown(() => memory.importSnapshot(tmp.path('snap.json'))) as DreamError;
    expect(err.code).toBe(MEMORY_ERRORS.snapshotInvalid);
    expect(err.message).toMatch(/lists key "k" of namespace "mission:m1" twice/);
  });

  test('a missing snapshot file is SNAPSHOT_UNREADABLE', () => {
    const err = thrown(() => tmp.open().importSnapshot(tmp.path('nope.json'))) as DreamError;
    expect(err.code).toBe(MEMORY_ERRORS.snapshotUnreadable);
    expect(err.message).toMatch(/cannot be read \(ENOENT\)/);
  });
});
