import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { requireFreshBuild, useTempDir } from './helpers';

const tmp = useTempDir();
const WRITER = path.join(__dirname, 'fixtures', 'crash-writer.js');

/** Starts the writer, SIGKILLs it once it has reported `after` committed keys, and returns the keys it reported. */
function killMidLoop(file: string, round: number, after: number): Promise<{ reported: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, file, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.split('\n').length > after) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    // 'close', not 'exit': it comes after the last of the child's output has been read.
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code ?? signal}: ${err}`));
      // Only whole lines: the key was printed after put returned.
      resolve({ reported: out.split('\n').slice(0, -1), signal });
    });
  });
}

function selfChecksumOk(content: string): boolean {
  const [body, sum] = content.split('|sha256:');
  return createHash('sha256').update(body).digest('hex') === sum;
}

describe('persistence contract', () => {
  test('an instance opened after another one closed sees everything it wrote', () => {
    const writer = tmp.open();
    writer.put('mission:m1', 'decision', { content: 'Ship on Monday', tags: ['decision'], importance: 0.8 });
    writer.appendTurn('agent:m1:t1', { role: 'user', content: 'When do we ship?' });
    writer.markCheckpoint('mission:m1', 'cp-1');
    writer.close();

    const reader = tmp.open();
    expect(reader.get('mission:m1', 'decision')).toMatchObject({ content: 'Ship on Monday', tags: ['decision'], importance: 0.8 });
    expect(reader.recall({ namespaces: ['agent:m1:t1'], text: 'ship' }).map((e) => e.content)).toEqual(['When do we ship?']);
    expect(reader.rollbackTo('mission:m1', 'cp-1')).toEqual({ restored: 0, removed: 0 });
  });

  test("two instances open at once see each other's committed writes", () => {
    const a = tmp.open();
    const b = tmp.open();
    a.put('mission:m1', 'from-a', { content: 'written by a' });
    expect(b.get('mission:m1', 'from-a')?.content).toBe('written by a');
    b.put('mission:m1', 'from-b', { content: 'written by b' });
    expect(a.recall({ namespaces: ['mission:m1'], text: 'written' }).map((e) => e.key).sort()).toEqual(['from-a', 'from-b']);
    b.delete('mission:m1', 'from-a');
    expect(a.get('mission:m1', 'from-a')).toBeUndefined();
    expect(a.count()).toBe(1);
  });

  test('every write a process reported committed survives SIGKILL mid-loop, and nothing is half-written', async () => {
    requireFreshBuild();
    const file = tmp.path('crash.db');
    const reported: string[] = [];
    for (let round = 0; round < 3; round++) {
      const run = await killMidLoop(file, round, 150 + round * 70);
      expect(run.signal).toBe('SIGKILL');
      reported.push(...run.reported);
    }

    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    const memory = tmp.open('crash.db');
    for (const key of reported) {
      const entry = memory.get('mission:crash', key);
      expect(entry?.content.startsWith(`${key} `)).toBe(true);
      expect(selfChecksumOk(entry?.content ?? '')).toBe(true);
    }
    const stored = memory.list('mission:crash', { limit: 100_000 });
    // At most one write per round may have committed after the last line was printed.
    expect(stored.length).toBeGreaterThanOrEqual(reported.length);
    expect(stored.length).toBeLessThanOrEqual(reported.length + 3);
    expect(stored.every((e) => selfChecksumOk(e.content) && e.tags.length === 2)).toBe(true);
    expect(memory.recall({ namespaces: ['mission:crash'], text: 'lorem', limit: 1_000 })).toHaveLength(stored.filter((e) => e.content.includes('lorem')).length);
    expect(memory.verify()).toEqual({ ok: true, problems: [] });
  });
});
