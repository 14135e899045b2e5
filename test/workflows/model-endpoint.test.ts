import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { OpenAIProvider } from '../../src/llm/openai';
import { startAgentTask } from '../../src/missions/client';
import { EscalationContext } from '../../src/contracts/agent-task';
import { FakeReply, startFakeModelServer } from '../helpers/fake-model-server';
import { activityEvents } from '../helpers/history';
import { startTestWorkers, taskSpec, testClient } from '../helpers/temporal';

let client: Client;
beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  await client.connection.close();
});

async function runAgainst(script: FakeReply[]) {
  const endpoint = await startFakeModelServer(script);
  const workers = await startTestWorkers({ provider: new OpenAIProvider({ baseUrl: endpoint.baseUrl, apiKey: 'sk-test', model: 'gpt-test', timeoutMs: 1_000 }) });
  try {
    const handle = await startAgentTask(client, taskSpec({ steps: 1, outputSchema: 'answer' }));
    const outcome = await handle.result().then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    return { ...outcome, requests: endpoint.requests.length, requestTimes: endpoint.requests.map((r) => r.at), handle };
  } finally {
    await workers.stop();
    await endpoint.close();
  }
}

test('429, 500, a hang and an unreadable body are retried by Temporal with backoff until the model answers', async () => {
  const { result, requests, handle } = await runAgainst([
    { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    { kind: 'status', status: 500 },
    { kind: 'hang' },
    { kind: 'garbage' },
  ]);
  expect(result?.outputs).toHaveLength(1);
  expect(requests).toBe(5);
  const history = await handle.fetchHistory();
  const [started] = activityEvents(history, 'promptModel').started;
  expect(started?.attempt).toBe(5);
});

test("a 429's Retry-After sets when Temporal retries, not the retry policy's 1 s backoff", async () => {
  const { result, requestTimes } = await runAgainst([{ kind: 'status', status: 429, headers: { 'retry-after': '4' } }]);
  expect(result?.outputs).toHaveLength(1);
  expect(requestTimes).toHaveLength(2);
  // The policy alone would retry after its 1 s initial interval; the endpoint asked for 4 s.
  expect(requestTimes[1] - requestTimes[0]).toBeGreaterThanOrEqual(3_900);
});

test('401 is not retried: the task escalates at once, naming the credentials fix', async () => {
  const { error, requests } = await runAgainst([{ kind: 'status', status: 401 }]);
  expect(requests).toBe(1);
  const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('EscalationRequired');
  expect((cause.details?.[0] as EscalationContext).reason).toBe('model-rejected');
  expect(cause.message).toContain('DREAMOS_MODEL_API_KEY');
});
