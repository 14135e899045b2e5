import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSupervisedMission } from '../../examples/mission-script';
import { uniqueId, useTestWorkers } from '../helpers/temporal';

const env = useTestWorkers({ queues: ['agents', 'nexus', 'control'] });

test('examples/mission-script.ts runs the supervised example mission: a reassignment, a question answered, a report', async () => {
  const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-reports-'));
  const lines: string[] = [];
  const { result, files } = await runSupervisedMission(env.client, path.resolve(__dirname, '../../examples/supervised-mission.json'), {
    role: 'strategist',
    reportsDir,
    say: (line) => lines.push(line),
    missionId: uniqueId('example'),
  });

  expect(result.status).toBe('completed');
  expect(result.decisions.map((d) => [d.taskId, d.kind, d.byPerson ?? false])).toEqual([
    ['analysis', 'reassign', false],
    ['strategy', 'ask-person', false],
    ['strategy', 'reassign', true],
  ]);
  expect(lines.some((l) => l.startsWith('question on strategy'))).toBe(true);
  expect(JSON.parse(fs.readFileSync(files.json, 'utf8')).status).toBe('completed');
  expect(fs.readFileSync(files.markdown, 'utf8')).toContain('| strategy | 2 | reassign (person) |');
});
