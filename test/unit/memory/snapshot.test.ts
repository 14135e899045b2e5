import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { DreamError } from '../../../src/errors';
import { MEMORY_ERRORS, RecallQuery, SNAPSHOT_FORMAT, SnapshotProgress, SQLiteMemory } from '../../../src/memory';
import { canonicalEntry } from '../../../src/memory/snapshots';
import Database from 'better-sqlite3';
import { fingerprint, steppingClock, thrown, useTempDir } from './helpers';
import { openLines, refusedImport, sealed, writeGeneratedSnapshot } from './snapshot-files';

const tmp = useTempDir();
const AGENT = 'agent:m1:t1';
const MISSION = 'mission:m1';

function seed(memory: SQLiteMemory): void {
  memory.put(MISSION, 'pricing', { content: 'Charge per seat', tags: ['decision'], importance: 0.5 });
  memory.put(MISSION, 'pricing', { content: 'Charge per seat, annual discount', tags: ['decision', 'pricing'], importance: 0.9 });
  memory.put(MISSION, 'market', { content: 'Mid-size teams buy observability tools', tags: ['fact'], importance: 0.6 });
  memory.put(AGENT, 'draft', { content: 'Pricing draft: three tiers — 中文, élan, 𝔘', tags: ['pricing', 'ü'] });
  memory.appendTurn(AGENT, { role: 'user', content: 'What should we charge?' });
  memory.appendTurn(AGENT, { role: 'assistant', content: 'Per seat pricing, with tiers 🚀', importance: 0.7 });
}

const QUERIES: RecallQuery[] = [
  { namespaces: [AGENT, MISSION] },
  { namespaces: [AGENT, MISSION], text: 'pricing seat' },
  { namespaces: [MISSION], tags: ['fact', 'decision'] },
  { namespaces: [AGENT], kinds: ['short'], maxChars: 40 },
];

/** Exports the seeded memory and returns the snapshot's text. */
function exportedText(): string {
  const source = tmp.open('source.db', { now: steppingClock() });
  seed(source);
  source.exportSnapshot(tmp.path('snap.jsonl'));
  return fs.readFileSync(tmp.path('snap.jsonl'), 'utf8');
}

describe('snapshots in JSON lines (version 2)', () => {
  test('export then import into a fresh database gives identical entries and recall results', () => {
    const source = tmp.open('source.db', { now: steppingClock() });
    seed(source);
    const exported = source.exportSnapshot(tmp.path('snap.jsonl'));
    const target = tmp.open('target.db');
    const imported = target.importSnapshot(tmp.path('snap.jsonl'));

    expect(exported).toMatchObject({ entries: 5, namespaces: [AGENT, MISSION] });
    expect(imported).toEqual({ entries: 5, namespaces: [AGENT, MISSION], written: 5, removed: 0 });
    for (const query of QUERIES) expect(target.recall(query)).toEqual(source.recall(query));
    for (const ns of [AGENT, MISSION]) expect(target.list(ns)).toEqual(source.list(ns));
    expect(target.verify().problems).toEqual([]);
  });

  test('an import into an empty database builds its indexes at the end and leaves the schema exactly as a fresh database has it', () => {
    fs.writeFileSync(tmp.path('snap.jsonl'), exportedText());
    const schemaOf = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
      } finally {
        db.close();
      }
    };
    tmp.open('fresh.db').close();
    const target = tmp.open('target.db');
    target.importSnapshot(tmp.path('snap.jsonl'));
    expect(schemaOf(tmp.path('target.db'))).toEqual(schemaOf(tmp.path('fresh.db')));
    // The deferred indexes serve reads and writes again: recall walks entries_rank, the text index has every entry.
    expect(target.recall({ namespaces: [MISSION], text: 'observability' }).map((e) => e.key)).toEqual(['market']);
    target.put(MISSION, 'after', { content: 'written after the import', importance: 1 });
    expect(target.recall({ namespaces: [MISSION], limit: 1 })[0].key).toBe('after');
    expect(target.history(MISSION, 'pricing').map((v) => v.op)).toEqual(['import']);
    expect(target.verify().problems).toEqual([]);
  });

  test('the file is a header line, one canonical JSON line per entry, and a trailer with the count and the sha256 of every byte before it', () => {
    const memory = tmp.open('memory.db', { now: () => Date.UTC(2025, 0, 2) });
    seed(memory);
    const { checksum, bytes } = memory.exportSnapshot(tmp.path('snap.jsonl'));
    const text = fs.readFileSync(tmp.path('snap.jsonl'), 'utf8');
    const lines = text.split('\n');
    const beforeTrailer = text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1);

    expect(lines).toHaveLength(8);
    expect(lines[7]).toBe('');
    expect(JSON.parse(lines[0])).toEqual({ format: SNAPSHOT_FORMAT, version: 2, createdAt: '2025-01-02T00:00:00.000Z', namespaces: [AGENT, MISSION] });
    expect(JSON.parse(lines[1])).toEqual({ namespace: MISSION, key: 'pricing', kind: 'long', content: 'Charge per seat, annual discount', tags: ['decision', 'pricing'], importance: 0.9, role: null, createdAt: Date.UTC(2025, 0, 2), updatedAt: Date.UTC(2025, 0, 2) });
    expect(JSON.parse(lines[6])).toEqual({ entries: 5, checksum });
    expect(createHash('sha256').update(beforeTrailer).digest('hex')).toBe(checksum);
    expect(bytes).toBe(Buffer.byteLength(text));
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
    const { entries } = memory.exportSnapshot(tmp.path('snap.jsonl'));
    const lines = fs.readFileSync(tmp.path('snap.jsonl'), 'utf8').split('\n').slice(1, -2);

    expect(lines).toHaveLength(entries);
    for (const line of lines) expect(line).toBe(canonicalEntry(JSON.parse(line)));
    const copy = tmp.open('copy.db');
    expect(copy.importSnapshot(tmp.path('snap.jsonl')).written).toBe(5);
    expect(copy.list(MISSION).map((e) => e.content).sort()).toEqual([...awkward].sort());
  });

  test('a key written several times arrives with its last value, journaled as one import that a rollback can return to', () => {
    exportedText();
    const target = tmp.open('target.db');
    target.importSnapshot(tmp.path('snap.jsonl'));
    target.markCheckpoint(MISSION, 'after-import');
    target.put(MISSION, 'pricing', { content: 'changed after import' });

    expect(target.history(MISSION, 'pricing').map((v) => [v.op, v.value?.content])).toEqual([
      ['import', 'Charge per seat, annual discount'],
      ['put', 'changed after import'],
    ]);
    target.rollbackTo(MISSION, 'after-import');
    expect(target.get(MISSION, 'pricing')).toMatchObject({ content: 'Charge per seat, annual discount', tags: ['decision', 'pricing'], importance: 0.9 });
  });

  test('entries are listed in write order, so an import keeps the recency order of entries written in the same millisecond', () => {
    const source = tmp.open('source.db', { now: () => 42 });
    for (const key of ['zeta', 'alpha', 'mu']) source.put(MISSION, key, { content: key });
    source.exportSnapshot(tmp.path('snap.jsonl'));
    const target = tmp.open('target.db');
    target.importSnapshot(tmp.path('snap.jsonl'));

    expect(target.recall({ namespaces: [MISSION] }).map((e) => e.key)).toEqual(['mu', 'alpha', 'zeta']);
  });

  test('exporting one namespace writes only its entries', () => {
    const memory = tmp.open();
    seed(memory);
    expect(memory.exportSnapshot(tmp.path('snap.jsonl'), { namespace: MISSION })).toMatchObject({ entries: 2, namespaces: [MISSION] });

    const target = tmp.open('target.db');
    expect(target.importSnapshot(tmp.path('snap.jsonl')).namespaces).toEqual([MISSION]);
    expect(target.count(AGENT)).toBe(0);
  });

  test('a snapshot of an empty namespace empties that namespace on import', () => {
    const memory = tmp.open();
    seed(memory);
    memory.exportSnapshot(tmp.path('empty.jsonl'), { namespace: 'mission:nothing-yet' });
    const target = tmp.open('target.db');
    target.put('mission:nothing-yet', 'stray', { content: 'written elsewhere' });

    expect(target.importSnapshot(tmp.path('empty.jsonl'))).toEqual({ entries: 0, namespaces: ['mission:nothing-yet'], written: 0, removed: 1 });
    expect(target.count('mission:nothing-yet')).toBe(0);
    expect(target.history('mission:nothing-yet', 'stray').map((v) => v.op)).toEqual(['put', 'import']);
  });

  test('importing the same snapshot again writes nothing', () => {
    exportedText();
    const target = tmp.open('target.db');
    target.importSnapshot(tmp.path('snap.jsonl'));
    const versions = target.stats().versions;

    expect(target.importSnapshot(tmp.path('snap.jsonl'))).toMatchObject({ written: 0, removed: 0 });
    expect(target.stats().versions).toBe(versions);
  });

  test('import replaces the namespaces the snapshot covers and leaves the others alone', () => {
    const memory = tmp.open();
    seed(memory);
    memory.exportSnapshot(tmp.path('snap.jsonl'), { namespace: MISSION });
    memory.put(MISSION, 'pricing', { content: 'changed after export' });
    memory.put(MISSION, 'extra', { content: 'written after export' });
    memory.put(AGENT, 'draft', { content: 'agent change stays' });

    expect(memory.importSnapshot(tmp.path('snap.jsonl'))).toMatchObject({ written: 1, removed: 1 });

    expect(memory.list(MISSION).map((e) => e.key).sort()).toEqual(['market', 'pricing']);
    expect(memory.get(MISSION, 'pricing')?.content).toBe('Charge per seat, annual discount');
    expect(memory.get(AGENT, 'draft')?.content).toBe('agent change stays');
    expect(memory.history(MISSION, 'extra').map((v) => v.op)).toEqual(['put', 'import']);
    expect(memory.verify().problems).toEqual([]);
  });

  test('an import can be undone by rolling back to a checkpoint taken before it', () => {
    const memory = tmp.open();
    seed(memory);
    memory.exportSnapshot(tmp.path('snap.jsonl'), { namespace: MISSION });
    memory.put(MISSION, 'extra', { content: 'x' });
    memory.markCheckpoint(MISSION, 'before-import');
    memory.importSnapshot(tmp.path('snap.jsonl'));

    memory.rollbackTo(MISSION, 'before-import');
    expect(memory.get(MISSION, 'extra')?.content).toBe('x');
  });

  test('the export is atomic: it replaces an existing file whole and leaves no temp file behind', () => {
    const memory = tmp.open();
    seed(memory);
    fs.writeFileSync(tmp.path('snap.jsonl'), 'old content');
    memory.exportSnapshot(tmp.path('snap.jsonl'));

    expect(fs.readdirSync(tmp.dir()).filter((f) => f.includes('snap'))).toEqual(['snap.jsonl']);
    expect(tmp.open('target.db').importSnapshot(tmp.path('snap.jsonl')).entries).toBe(5);
  });

  test('export and import of a multi-megabyte snapshot report their progress as they go', () => {
    const namespaces = ['mission:big', 'agent:big:t1'];
    const size = writeGeneratedSnapshot(tmp.path('generated.jsonl'), 12_000, namespaces);
    const imports: SnapshotProgress[] = [];
    const memory = tmp.open();
    memory.importSnapshot(tmp.path('generated.jsonl'), { onProgress: (p) => imports.push(p) });
    const exports: SnapshotProgress[] = [];
    memory.exportSnapshot(tmp.path('again.jsonl'), { onProgress: (p) => exports.push(p) });

    expect(imports.length).toBeGreaterThanOrEqual(3);
    expect(imports.every((p, i) => p.totalBytes === size && p.bytes <= size && (i === 0 || (p.entries > imports[i - 1].entries && p.bytes > imports[i - 1].bytes)))).toBe(true);
    expect(exports.length).toBeGreaterThanOrEqual(3);
    expect(exports.every((p, i) => p.totalEntries === 12_000 && p.entries <= 12_000 && (i === 0 || p.bytes > exports[i - 1].bytes))).toBe(true);
    expect(tmp.open('copy.db').importSnapshot(tmp.path('again.jsonl'))).toMatchObject({ entries: 12_000, written: 12_000 });
  });

  const lines = (text: string) => text.split('\n');
  const corruptions: Array<[string, (text: string) => string, string, RegExp]> = [
    ['not JSON', () => 'this is not a snapshot', MEMORY_ERRORS.snapshotNotJson, /is not valid JSON/],
    ['an empty file', () => '', MEMORY_ERRORS.snapshotNotJson, /is not valid JSON/],
    ['with a bad line', (text) => lines(text).map((line, i) => (i === 3 ? '{"namespace": nope' : line)).join('\n'), MEMORY_ERRORS.snapshotNotJson, /has a line 4 that is not valid JSON/],
    ['cut in the middle of a line', (text) => text.slice(0, text.indexOf('observability')), MEMORY_ERRORS.snapshotTruncated, /is truncated: it ends in the middle of line 3/],
    ['without its trailer', (text) => lines(text).slice(0, -2).join('\n') + '\n', MEMORY_ERRORS.snapshotTruncated, /is truncated: it ends after line 6 without the trailer/],
    ['cut right after its header', (text) => lines(text)[0], MEMORY_ERRORS.snapshotTruncated, /is truncated: it ends after line 1 without the trailer/],
    ['cut in the middle of its trailer', (text) => text.slice(0, text.lastIndexOf('"checksum"')), MEMORY_ERRORS.snapshotTruncated, /ends in the middle of line 7/],
    ['missing a line', (text) => lines(text).filter((_line, i) => i !== 2).join('\n'), MEMORY_ERRORS.snapshotCount, /holds 4 entries, but its trailer records 5/],
    ['with a wrong count', (text) => text.replace('{"entries":5,', '{"entries":6,'), MEMORY_ERRORS.snapshotCount, /holds 5 entries, but its trailer records 6/],
    ['checksum-mismatched', (text) => text.replace('annual discount', 'annual surcharge'), MEMORY_ERRORS.snapshotChecksum, /fails its checksum/],
    ['with a header edited', (text) => text.replace('"createdAt":"', '"createdAt":"1'), MEMORY_ERRORS.snapshotChecksum, /fails its checksum/],
    ['of another format', (text) => text.replace(SNAPSHOT_FORMAT, 'some-other-export'), MEMORY_ERRORS.snapshotWrongFormat, /"format" is "some-other-export"/],
    ['of a newer version', (text) => text.replace('"version":2', '"version":3'), MEMORY_ERRORS.snapshotWrongVersion, /has snapshot version 3; this Dream.OS reads versions 1 and 2 only/],
    ['in JSON lines but claiming version 1', (text) => text.replace('"version":2', '"version":1'), MEMORY_ERRORS.snapshotWrongVersion, /has snapshot version 1; this Dream.OS reads versions 1 and 2 only/],
    ['with a schema-invalid entry', (text) => sealed({ ...openLines(text), entries: openLines(text).entries.map((e, i) => (i === 0 ? { ...(e as object), importance: 9 } : e)) }), MEMORY_ERRORS.snapshotInvalid, /invalid entry on line 2 \(importance: /],
    ['with an entry missing its content', (text) => sealed({ ...openLines(text), entries: openLines(text).entries.map((e, i) => (i === 1 ? { ...(e as object), content: undefined } : e)) }), MEMORY_ERRORS.snapshotInvalid, /invalid entry on line 3 \(content: /],
    ['with an entry of a namespace it does not cover', (text) => sealed({ ...openLines(text), header: { ...openLines(text).header, namespaces: [MISSION] } }), MEMORY_ERRORS.snapshotInvalid, /namespace "agent:m1:t1" on line 4, which its "namespaces" does not list/],
    ['listing a key twice in a namespace the database holds', (text) => sealed({ ...openLines(text), entries: [...openLines(text).entries, openLines(text).entries[0]] }), MEMORY_ERRORS.snapshotInvalid, /lists key "pricing" of namespace "mission:m1" twice/],
    ['listing a key twice in a namespace the database lacks', (text) => sealed({ ...openLines(text), entries: [...openLines(text).entries, openLines(text).entries[2]] }), MEMORY_ERRORS.snapshotInvalid, /lists key "draft" of namespace "agent:m1:t1" twice/],
    ['going on after its trailer', (text) => `${text}${lines(text)[1]}\n`, MEMORY_ERRORS.snapshotInvalid, /goes on after its trailer, on line 8/],
    ['with an invalid trailer', (text) => text.replace(/"checksum":"[0-9a-f]+"/, '"checksum":"abc"'), MEMORY_ERRORS.snapshotInvalid, /invalid trailer on line 7 \(checksum: /],
  ];

  test.each(corruptions)('a snapshot %s is refused with a DreamError and the database is untouched', (_name, corrupt, code, message) => {
    fs.writeFileSync(tmp.path('bad.jsonl'), corrupt(exportedText()));
    const { err, untouched } = refusedImport(tmp.open('target.db'), tmp.path('target.db'), tmp.path('bad.jsonl'));

    expect(err).toBeInstanceOf(DreamError);
    expect({ code: err.code, message: err.message }).toEqual({ code, message: expect.stringMatching(message) });
    expect(err.message).toContain(tmp.path('bad.jsonl'));
    expect(err.fix).toMatch(/export|Upgrade|Pass a file/);
    expect(untouched).toBe(true);
  });

  test.each(corruptions)('a snapshot %s is refused by an empty database, which keeps its schema and indexes', (_name, corrupt, code) => {
    fs.writeFileSync(tmp.path('bad.jsonl'), corrupt(exportedText()));
    const target = tmp.open('empty.db');
    const before = fingerprint(tmp.path('empty.db'));
    const err = thrown(() => target.importSnapshot(tmp.path('bad.jsonl'))) as DreamError;

    expect(err.code).toBe(code);
    expect(fingerprint(tmp.path('empty.db'))).toBe(before);
    target.put(MISSION, 'pricing', { content: 'written after a refused import' });
    expect(target.recall({ namespaces: [MISSION], text: 'refused' }).map((e) => e.key)).toEqual(['pricing']);
    expect(target.verify().problems).toEqual([]);
  });

  test('a missing snapshot file is SNAPSHOT_UNREADABLE', () => {
    const err = thrown(() => tmp.open().importSnapshot(tmp.path('nope.jsonl'))) as DreamError;
    expect(err.code).toBe(MEMORY_ERRORS.snapshotUnreadable);
    expect(err.message).toMatch(/cannot be read \(ENOENT\)/);
  });
});
