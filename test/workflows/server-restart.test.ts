import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startAgentTask } from '../../src/missions/client';
import { DevServer, freePort, startDevServer } from '../../src/temporal/dev-server';
import { stateQuery } from '../../src/contracts/agent-task';
import { ARTIFACTS } from '../helpers/paths';
import { activityEvents } from '../helpers/history';
import { startTestWorkers, taskSpec, testEnv, TestWorkers } from '../helpers/temporal';

let server: DevServer | undefined;
let workers: TestWorkers | undefined;
let client: Client | undefined;

afterAll(async () => {
  await workers?.stop();
  await client?.connection.close();
  await server?.stop();
});

test('the Temporal dev server stopped and restarted on the same db file mid-task: the task completes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-restart-'));
  const dbFile = path.join(dir, 'temporal.db');
  const port = await freePort();
  const options = { binary: testEnv().cliPath, dbFile, port, logFile: path.join(ARTIFACTS, 'temporal-restart.log') };
  server = await startDevServer(options);
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  workers = await startTestWorkers({ address: server.address });

  const spec = taskSpec({ steps: 5, model: { sim: { latencyMs: 700 } }, timeouts: { promptMs: 20_000, heartbeatMs: 5_000 } });
  const handle = await startAgentTask(client, spec);
  const deadline = Date.now() + 30_000;
  while ((await handle.query(stateQuery)).step < 2) {
    if (Date.now() > deadline) throw new Error('task did not reach step 2');
    await new Promise((r) => setTimeout(r, 100));
  }

  const atStop = await handle.query(stateQuery);
  const eventsAtStop = (await handle.fetchHistory()).events?.length ?? 0;
  expect(atStop.status).toBe('running');
  expect(atStop.step).toBeLessThan(5);
  await server.stop();
  expect(fs.statSync(dbFile).size).toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 1_000));
  server = await startDevServer(options);

  const result = await handle.result();
  expect(result.outputs).toHaveLength(5);
  const history = await handle.fetchHistory();
  // Steps that completed before the stop were not re-run: one model call per step (an interrupted one is retried in place).
  expect(activityEvents(history, 'promptModel').scheduled).toHaveLength(5);
  // The restarted server carried the task on: model calls were made and answered after the stop.
  const afterStop = (history.events ?? []).slice(eventsAtStop);
  const callsAfterStop = afterStop.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'promptModel');
  expect(callsAfterStop.length).toBeGreaterThanOrEqual(5 - atStop.step - 1);
  expect(callsAfterStop.length).toBeGreaterThan(0);
});
