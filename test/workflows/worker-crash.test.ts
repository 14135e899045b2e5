import { Client } from '@temporalio/client';
import { startAgentTask } from '../../src/missions/client';
import { childWorkers, LoggedProcess } from '../helpers/processes';
import { activityEvents } from '../helpers/history';
import { startTestWorkers, taskSpec, testClient, TestWorkers } from '../helpers/temporal';

let client: Client;
/** The nexus worker (memory, analytics) stays up in this process; only agent workers die. */
let nexus: TestWorkers;
const children = childWorkers();

beforeAll(async () => {
  client = await testClient();
  nexus = await startTestWorkers({ queues: ['nexus'] });
});

afterAll(async () => {
  await children.stopAll();
  await nexus?.stop();
  await client.connection.close();
});

type Line = Record<string, unknown>;
const isEvent = (workflowId: string, event: string, step?: number) => (line: Line) =>
  line.workflowId === workflowId && line.event === event && (step === undefined || line.step === step);

test('a worker killed with SIGKILL during a model call: the task resumes on another worker and no completed step runs twice', async () => {
  const spec = taskSpec({ steps: 4, timeouts: { promptMs: 30_000, heartbeatMs: 2_000 }, model: { sim: { latencyMs: 1_500 } } });
  const workerA = children.start('agents');
  await workerA.waitForText(/serving agents/);
  const handle = await startAgentTask(client, spec);

  // Kill worker A in the middle of step 1's model call (step 0 has completed there).
  await workerA.waitForLine(isEvent(handle.workflowId, 'prompt.started', 1), 60_000);
  workerA.child.kill('SIGKILL');
  await workerA.exited;

  const workerB = children.start('agents');
  const result = await handle.result();
  expect(result.outputs).toHaveLength(4);

  const completedIn = (proc: LoggedProcess) => proc.lines.filter(isEvent(handle.workflowId, 'prompt.completed')).map((l) => l.step);
  expect(completedIn(workerA)).toEqual([0]);
  expect(completedIn(workerB)).toEqual([1, 2, 3]);
  // The interrupted call was retried by Temporal (activity attempt 2) after the heartbeat timeout.
  const retried = workerB.lines.find(isEvent(handle.workflowId, 'prompt.started', 1));
  expect(retried?.activityAttempt).toBe(2);

  const history = await handle.fetchHistory();
  const prompts = activityEvents(history, 'promptModel');
  expect(prompts.completed).toHaveLength(4);
  const startedStep1 = prompts.started;
  expect(startedStep1.some((s) => s.attempt === 2 && /heartbeat/i.test(s.lastFailure?.message ?? ''))).toBe(true);
});
