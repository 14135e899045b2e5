import fs from 'node:fs';
import { Command } from 'commander';
import { memoryCommand, memoryDbFile } from '../../../src/cli/memory';
import { describeProgress } from '../../../src/cli/progress';
import { requireBuiltCli, runDreamos } from '../../helpers/processes';
import { DreamError } from '../../../src/errors';
import { captureStdout } from '../../helpers/stdout';
import { SQLiteMemory } from '../../../src/memory';
import { useTempDir } from './helpers';

const tmp = useTempDir();

/** Runs `dreamos memory <args>` in this process and returns what it printed. */
async function run(...args: string[]): Promise<string> {
  return captureStdout(() => memoryCommand().exitOverride().parseAsync(args, { from: 'user' }));
}

describe('dreamos memory', () => {
  test('put, get, recall and stats work on the --db file', async () => {
    const db = tmp.path('cli.db');
    await run('--db', db, 'put', 'mission:m1', 'pricing', 'Charge per seat', '--tags', 'decision, pricing', '--importance', '0.8');
    await run('put', 'mission:m1', 'hiring', 'Hire two engineers', '--db', db);

    expect(JSON.parse(await run('--db', db, 'get', 'mission:m1', 'pricing'))).toMatchObject({ content: 'Charge per seat', tags: ['decision', 'pricing'], importance: 0.8, kind: 'long' });
    expect(await run('--db', db, 'recall', 'mission:m1', '--text', 'seat')).toBe('mission:m1 pricing [long 0.80 #decision #pricing] Charge per seat\n');
    expect(JSON.parse(await run('--db', db, 'recall', 'mission:m1', '--limit', '1', '--json')).map((e: { key: string }) => e.key)).toEqual(['pricing']);
    expect(await run('--db', db, 'stats')).toMatch(/entries 2 \(long-term 2, short-term 0\) in 1 namespace\(s\)/);
  });

  test('export and import copy memories between database files', async () => {
    const source = SQLiteMemory.open(tmp.path('a.db'));
    source.put('mission:m1', 'k', { content: 'portable' });
    source.close();

    expect(await run('--db', tmp.path('a.db'), 'export', tmp.path('snap.json'), '--namespace', 'mission:m1')).toMatch(/^exported 1 memories of 1 namespace\(s\) to .*snap\.json \(sha256 [0-9a-f]{64}\)\n$/);
    expect(await run('--db', tmp.path('b.db'), 'import', tmp.path('snap.json'))).toBe('imported 1 memories into 1 namespace(s) (1 written, 0 removed): mission:m1\n');
    expect(JSON.parse(await run('--db', tmp.path('b.db'), 'get', 'mission:m1', 'k')).content).toBe('portable');
  });

  test('export without --namespace covers every namespace, and import reports each one', async () => {
    const source = SQLiteMemory.open(tmp.path('a.db'));
    source.put('mission:m1', 'k', { content: 'mission fact' });
    source.put('agent:m1:t1', 'k', { content: 'agent fact' });
    source.close();

    expect(await run('--db', tmp.path('a.db'), 'export', tmp.path('all.jsonl'))).toMatch(/^exported 2 memories of 2 namespace\(s\) to /);
    expect(await run('--db', tmp.path('b.db'), 'import', tmp.path('all.jsonl'))).toBe('imported 2 memories into 2 namespace(s) (2 written, 0 removed): agent:m1:t1, mission:m1\n');
  });

  test('a progress line gives entries and MB done, of how many when known, and the rates so far', () => {
    expect(describeProgress('importing', { entries: 120_000, bytes: 40_100_000, totalBytes: 330_000_000 }, 4_000)).toBe('importing: 120 000 entries, 40.1 of 330.0 MB (12 %), 30 000 entries/s, 10.0 MB/s');
    expect(describeProgress('exporting', { entries: 250_000, bytes: 80_000_000, totalEntries: 1_000_000 }, 2_000)).toBe('exporting: 250 000 of 1 000 000 entries (25 %), 80.0 MB, 125 000 entries/s, 40.0 MB/s');
  });

  test('recall filters by kind and importance and stops at --max-chars', async () => {
    const db = tmp.path('cli.db');
    await run('--db', db, 'put', 'mission:m1', 'major', 'x'.repeat(30), '--importance', '0.9');
    await run('--db', db, 'put', 'mission:m1', 'minor', 'y'.repeat(30), '--importance', '0.2');
    await run('--db', db, 'put', 'mission:m1', 'turn', 'z'.repeat(5), '--kind', 'short', '--importance', '0.5');
    const keys = async (...args: string[]) => (JSON.parse(await run('--db', db, 'recall', 'mission:m1', '--json', ...args)) as Array<{ key: string }>).map((e) => e.key);

    expect(await keys()).toEqual(['major', 'turn', 'minor']);
    expect(await keys('--kind', 'long')).toEqual(['major', 'minor']);
    expect(await keys('--min-importance', '0.5')).toEqual(['major', 'turn']);
    expect(await keys('--max-chars', '40')).toEqual(['major', 'turn']);
  });

  test('stats --verify reports a healthy database', async () => {
    const db = tmp.path('cli.db');
    await run('--db', db, 'put', 'mission:m1', 'k', 'v');
    expect(await run('--db', db, 'stats', '--verify')).toMatch(/verify: ok\n$/);
  });

  test('a missing key and a bad --importance are DreamErrors with a fix', async () => {
    const db = tmp.path('cli.db');
    const missing = await run('--db', db, 'get', 'mission:m1', 'nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DreamError);
    expect((missing as DreamError).fix).toContain('dreamos memory recall mission:m1');

    const bad = await run('--db', db, 'put', 'mission:m1', 'k', 'x', '--importance', 'very').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DreamError);
    expect((bad as DreamError).message).toBe('--importance must be a number from 0 to 1, got "very".');
  });

  test('without --db the file is <DREAMOS_HOME>/memory.db', () => {
    const saved = process.env.DREAMOS_HOME;
    process.env.DREAMOS_HOME = tmp.dir();
    try {
      expect(memoryDbFile(undefined)).toBe(tmp.path('memory.db'));
    } finally {
      if (saved === undefined) delete process.env.DREAMOS_HOME;
      else process.env.DREAMOS_HOME = saved;
    }
  });

  test('every subcommand has a description for --help', () => {
    const names = memoryCommand().commands.map((c: Command) => [c.name(), c.description().length > 10]);
    expect(names).toEqual([
      ['get', true],
      ['put', true],
      ['recall', true],
      ['export', true],
      ['import', true],
      ['stats', true],
    ]);
  });
});

describe('dreamos memory as a process', () => {
  test('is listed by dreamos --help, and it and every subcommand have --help', async () => {
    requireBuiltCli();
    expect((await runDreamos(['--help'])).output).toMatch(/memory/);
    for (const args of [['memory', '--help'], ...['get', 'put', 'recall', 'export', 'import', 'stats'].map((sub) => ['memory', sub, '--help'])]) {
      const { code, output } = await runDreamos(args);
      expect({ args, code }).toEqual({ args, code: 0 });
      expect(output).toMatch(/Usage: dreamos memory/);
    }
  });

  test('an error prints its code, message and fix, and exits non-zero', async () => {
    const db = tmp.path('cli.db');
    const { code, output } = await runDreamos(['memory', 'get', 'mission:m1', 'nope', '--db', db]);

    expect(code).toBe(1);
    expect(output).toBe('error [MEMORY_NOT_FOUND]: No memory "nope" in namespace "mission:m1".\n  fix: List what is there with `dreamos memory recall mission:m1`.\n');
  });

  test('a corrupt snapshot is refused by import with its code and a non-zero exit', async () => {
    const snapshot = tmp.path('bad.json');
    fs.writeFileSync(snapshot, '{"format":"dreamos-memory-snapshot","version":1,"entr');
    const { code, output } = await runDreamos(['memory', 'import', snapshot, '--db', tmp.path('cli.db')]);

    expect(code).toBe(1);
    expect(output).toMatch(/^error \[SNAPSHOT_TRUNCATED\]: Memory snapshot .*bad\.json is truncated/);
    expect(output).toMatch(/\n  fix: .*dreamos memory export/);
  });
});
