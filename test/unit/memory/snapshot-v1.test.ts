import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DreamError } from '../../../src/errors';
import { MEMORY_ERRORS } from '../../../src/memory';
import { V1_MAX_BYTES } from '../../../src/memory/snapshots/v1';
import { useTempDir } from './helpers';
import { refusedImport } from './snapshot-files';

const tmp = useTempDir();
/** Written by `dreamos memory export` of the release before version 2 (one JSON document). */
const FIXTURE = path.join(__dirname, 'fixtures', 'snapshot-v1.json');
const AGENT = 'agent:m1:t1';
const MISSION = 'mission:m1';

interface SnapshotDoc {
  checksum: string;
  namespaces: string[];
  entries: unknown[];
}

/** The fixture edited by `edit`, with its version 1 checksum recomputed, so only the edit itself can be at fault. */
function withValidChecksum(edit: (doc: SnapshotDoc) => void): string {
  const doc = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as SnapshotDoc;
  edit(doc);
  doc.checksum = createHash('sha256').update(JSON.stringify({ namespaces: doc.namespaces, entries: doc.entries })).digest('hex');
  return JSON.stringify(doc);
}

describe('snapshots of version 1 (one JSON document)', () => {
  test('a file written by the previous release imports with every entry, journaled as an import', () => {
    const memory = tmp.open();
    expect(memory.importSnapshot(FIXTURE)).toEqual({ entries: 5, namespaces: [AGENT, MISSION], written: 5, removed: 0 });

    expect(memory.get(MISSION, 'pricing')).toMatchObject({ content: 'Charge per seat, annual discount of 15 %', tags: ['decision', 'pricing'], importance: 0.95, createdAt: 1795165200000, updatedAt: 1795165200002 });
    expect(memory.get(AGENT, 'draft')?.content).toBe('Pricing draft: three tiers — 中文, émoji 🚀');
    expect(memory.list(AGENT, { kind: 'short' }).map((e) => [e.role, e.content])).toEqual([
      ['assistant', 'Per seat pricing, with tiers 🚀'],
      ['user', 'What should we charge?'],
    ]);
    expect(memory.history(MISSION, 'pricing').map((v) => v.op)).toEqual(['import']);
    expect(memory.verify().problems).toEqual([]);
  });

  test('a version 1 file re-laid out by a JSON tool (indented, keys reordered) still imports: its checksum covers the content, not the layout', () => {
    const doc = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as SnapshotDoc;
    const reordered = { ...doc, entries: doc.entries.map((e) => Object.fromEntries(Object.entries(e as object).reverse())) };
    fs.writeFileSync(tmp.path('snap.json'), JSON.stringify(reordered, null, 2));

    expect(tmp.open().importSnapshot(tmp.path('snap.json')).written).toBe(5);
  });

  const fixture = () => fs.readFileSync(FIXTURE, 'utf8');
  const corruptions: Array<[string, () => string, string, RegExp]> = [
    ['truncated', () => fixture().slice(0, Math.floor(fixture().length / 2)), MEMORY_ERRORS.snapshotTruncated, /is truncated: the JSON ends after/],
    ['cut off at the last entry', () => fixture().slice(0, fixture().lastIndexOf('\n]')), MEMORY_ERRORS.snapshotTruncated, /is truncated/],
    ['checksum-mismatched', () => fixture().replace('annual discount', 'annual surcharge'), MEMORY_ERRORS.snapshotChecksum, /fails its checksum/],
    ['of an older version', () => fixture().replace('"version":1', '"version":0'), MEMORY_ERRORS.snapshotWrongVersion, /has snapshot version 0; this Dream.OS reads versions 1 and 2 only/],
    ['one JSON document claiming version 2', () => fixture().replace('"version":1', '"version":2'), MEMORY_ERRORS.snapshotWrongVersion, /has snapshot version 2; a version 2 snapshot is JSON lines, not one JSON document/],
    ['with a schema-invalid entry', () => fixture().replace('"importance":0.95', '"importance":9'), MEMORY_ERRORS.snapshotInvalid, /entries\.1\.importance/],
    ['with an entry of the wrong type', () => withValidChecksum((doc) => ((doc.entries[1] as { createdAt: unknown }).createdAt = 1.5)), MEMORY_ERRORS.snapshotInvalid, /entries\.1\.createdAt/],
    ['with an entry of a namespace it does not cover', () => withValidChecksum((doc) => (doc.namespaces = [MISSION])), MEMORY_ERRORS.snapshotInvalid, /namespace "agent:m1:t1", which its "namespaces" does not list/],
    ['listing a key twice', () => withValidChecksum((doc) => doc.entries.push(doc.entries[0])), MEMORY_ERRORS.snapshotInvalid, /lists key "market" of namespace "mission:m1" twice/],
  ];

  test.each(corruptions)('a version 1 snapshot %s is refused with a DreamError and the database is untouched', (_name, corrupt, code, message) => {
    fs.writeFileSync(tmp.path('bad.json'), corrupt());
    const { err, untouched } = refusedImport(tmp.open('target.db'), tmp.path('target.db'), tmp.path('bad.json'));

    expect(err).toBeInstanceOf(DreamError);
    expect({ code: err.code, message: err.message }).toEqual({ code, message: expect.stringMatching(message) });
    expect(err.fix).toMatch(/export|Upgrade|Pass a file/);
    expect(untouched).toBe(true);
  });

  test('a version 1 file larger than that format can hold is refused before it is read, saying how to export it again', () => {
    // A sparse file: the version 1 header, then zeros up to one byte past the limit, without writing them.
    const header = fixture().slice(0, fixture().indexOf('\n') + 1);
    fs.writeFileSync(tmp.path('huge.json'), header);
    fs.truncateSync(tmp.path('huge.json'), V1_MAX_BYTES + 1);
    const { err, untouched } = refusedImport(tmp.open('target.db'), tmp.path('target.db'), tmp.path('huge.json'));

    expect(err.code).toBe(MEMORY_ERRORS.snapshotTooLarge);
    expect(err.message).toMatch(/is a version 1 snapshot \(one JSON document\) of 537 MB; that format is read whole and cannot exceed 537 MB/);
    expect(err.fix).toMatch(/dreamos memory export <file>` writes version 2, which streams at any size/);
    expect(untouched).toBe(true);
  });
});
