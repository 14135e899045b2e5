import fs from 'node:fs';
import { SQLiteMemory } from '../../../src/memory';
import { spawnDreamos } from '../../helpers/processes';
import { fingerprint, requireFreshBuild, useTempDir } from './helpers';
import { writeGeneratedSnapshot } from './snapshot-files';

const tmp = useTempDir();
const MISSION = 'mission:m1';
/** Large enough that the import runs for well over the second before its first progress line. */
const ENTRIES = 100_000;

describe('an import killed mid-way', () => {
  test('`dreamos memory import` killed with SIGKILL after its first progress line leaves the database exactly as it was', async () => {
    requireFreshBuild();
    const db = tmp.path('memory.db');
    const memory = SQLiteMemory.open(db);
    memory.put(MISSION, 'pricing', { content: 'Charge per seat', tags: ['decision'] });
    memory.put('agent:m1:t1', 'draft', { content: 'three tiers' });
    memory.markCheckpoint(MISSION, 'cp-1');
    memory.close();
    writeGeneratedSnapshot(tmp.path('big.jsonl'), ENTRIES, [MISSION, 'mission:big', 'agent:big:t1']);
    const before = fingerprint(db);

    const importer = spawnDreamos(['memory', 'import', tmp.path('big.jsonl'), '--db', db]);
    await importer.waitForText(/importing: [\d ]+ entries, [\d.]+ of [\d.]+ MB \(\d+ %\), [\d ]+ entries\/s/, 90_000);
    importer.child.kill('SIGKILL');
    await importer.exited;

    expect(importer.child.signalCode).toBe('SIGKILL');
    expect(importer.output()).not.toMatch(/imported/);
    expect(fs.existsSync(`${db}-wal`)).toBe(true);
    expect(fingerprint(db)).toBe(before);
    const reopened = tmp.open('memory.db');
    expect(reopened.verify().problems).toEqual([]);
    expect(reopened.get(MISSION, 'pricing')?.content).toBe('Charge per seat');
    expect(reopened.importSnapshot(tmp.path('big.jsonl'))).toMatchObject({ entries: ENTRIES, written: ENTRIES, removed: 1 });
  });
});
