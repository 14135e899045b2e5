import { startAgentTask } from '../../src/missions/client';
import { taskSpec, testEnv, useTestWorkers } from '../helpers/temporal';

const env = useTestWorkers();

interface UiPayload {
  data: string;
}
interface UiExecution {
  execution: { workflowId: string };
  status: string;
  memo?: { fields?: Record<string, UiPayload> };
  searchAttributes: { indexedFields: Record<string, UiPayload> };
}

const decode = (payload: UiPayload) => JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as unknown;

test('the Temporal Web UI lists the task with its search attributes and summary memo', async () => {
  const spec = taskSpec({ role: 'analyst', outputSchema: 'analysis', steps: 2 });
  const handle = await startAgentTask(env.client, spec);
  await handle.result();

  const query = encodeURIComponent(`DreamRole="analyst" AND DreamStatus="completed" AND WorkflowId="${handle.workflowId}"`);
  const url = `${testEnv().uiUrl}/api/v1/namespaces/default/workflows?query=${query}`;
  let executions: UiExecution[] = [];
  for (let i = 0; i < 50 && executions.length === 0; i++) {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    executions = ((await response.json()) as { executions?: UiExecution[] }).executions ?? [];
    if (executions.length === 0) await new Promise((r) => setTimeout(r, 200)); // visibility is eventually consistent
  }

  expect(executions).toHaveLength(1);
  const [execution] = executions;
  expect(execution.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
  const fields = execution.searchAttributes.indexedFields;
  expect(decode(fields.DreamRole)).toBe('analyst');
  expect(decode(fields.DreamMission)).toBe('test');
  expect(decode(fields.DreamStatus)).toBe('completed');
  expect(decode(fields.DreamHealAttempts)).toBe(0);
  expect(decode(fields.DreamEscalated)).toBe(false);
  expect(decode(execution.memo!.fields!.summary)).toMatch(/^completed · step 2\/2 · attempts 2/);
});
