import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { getTower, towerRunning } from '../../src/missions/tower-client';
import { runDreamos, spawnDreamos } from '../helpers/processes';
import { ownNamespace, startTestWorkers, testClient, TestWorkers, uniqueId } from '../helpers/temporal';

/** The tower is one per namespace: these commands run against a namespace of their own. */
let namespace: string;
let client: Client;
let workers: TestWorkers;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-tower-cli-'));

beforeAll(async () => {
  namespace = await ownNamespace('tower-cli');
  client = await testClient(undefined, namespace);
  workers = await startTestWorkers({ queues: ['agents', 'nexus', 'control'], namespace });
}, 120_000);

afterAll(async () => {
  if (await towerRunning(client)) await getTower(client).terminate('test over');
  await workers?.stop();
  await client?.connection.close();
});

const dreamos = (args: string[]) => runDreamos(args, { TEMPORAL_NAMESPACE: namespace, DREAMOS_HOME: dir });

function missionFile(latencyMs: number, tasks = 2, maxConcurrentTasks = 1): { id: string; file: string } {
  const id = uniqueId('cli-tower');
  const file = path.join(dir, `${id}.json`);
  fs.writeFileSync(file, JSON.stringify({ mission: id, maxConcurrentTasks, defaults: { role: 'researcher', outputSchema: 'answer', model: { sim: { latencyMs } } }, tasks: Array.from({ length: tasks }, (_, i) => ({ taskId: `t${i}`, goal: `Answer question ${i}` })) }));
  return { id, file };
}

test('without a tower, status says how to start one and submit starts the mission directly', async () => {
  const status = await dreamos(['tower', 'status']);
  expect(status.code).toBe(1);
  expect(status.output).toContain('error [TOWER_NOT_RUNNING]');
  expect(status.output).toContain('fix: Start it with `dreamos tower start`');
  const { id, file } = missionFile(0, 1);
  const submitted = await dreamos(['submit', file, '--wait']);
  expect(submitted.output).toContain(`no control tower is running: started mission.${id} directly`);
  expect(submitted.code).toBe(0);
}, 120_000);

test('tower start twice attaches; submit goes through the tower, queues by priority, and mission pause/resume/cancel steer it', async () => {
  const started = await dreamos(['tower', 'start', '--max-tasks', '1', '--health-interval', '1000']);
  expect(started.output).toContain('control tower running');
  const again = await dreamos(['tower', 'start']);
  expect(again.output).toContain('control tower already running: attached');
  expect(again.output).toContain('agent-task slots 0/1');

  const first = missionFile(4_000, 3);
  const waiting = missionFile(0, 1);
  const submitted = spawnDreamos(['submit', first.file, '--wait'], { TEMPORAL_NAMESPACE: namespace, DREAMOS_HOME: dir });
  await submitted.waitForText(new RegExp(`submitted through the control tower: mission.${first.id} starting`), 60_000);
  const queued = await dreamos(['submit', waiting.file, '--priority', '2']);
  expect(queued.output).toContain(`submitted through the control tower: mission.${waiting.id} queued at position 1`);

  const paused = await dreamos(['mission', 'pause', first.id]);
  expect(paused.output).toContain(`pause of mission ${first.id} done through the control tower: now paused`);
  const status = await dreamos(['tower', 'status']);
  expect(status.output).toMatch(new RegExp(`${first.id}  p3  paused  slots 1  from cli`));
  expect(status.output).toMatch(new RegExp(`${waiting.id}  p2  queued #1  slots 1`));
  expect(status.output).toContain('agents/activity:');
  const cancelled = await dreamos(['mission', 'cancel', waiting.id]);
  expect(cancelled.output).toContain(`cancel of mission ${waiting.id} done through the control tower: now cancelled`);
  expect((await dreamos(['mission', 'resume', first.id])).output).toContain('now running');

  expect(await submitted.exited).toBe(0);
  expect(submitted.output()).toContain(`mission ${first.id}: completed`);
  const late = await dreamos(['mission', 'pause', first.id]);
  expect(late.code).toBe(1);
  expect(late.output).toContain(`mission ${first.id} has already ended (completed)`);
  const bad = await dreamos(['submit', first.file, '--priority', '9']);
  expect(bad.code).toBe(1);
  expect(bad.output).toContain('use one of 1, 2, 3, 4, 5');
}, 180_000);
