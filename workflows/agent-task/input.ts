import type { AgentTaskInput } from '../../src/contracts/agent-task';
import { taskSchemas } from '../../src/contracts/agent-task-spec';
import { invalidWorkflowInput } from '../../src/contracts/failure-types';

function where(path: PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : '(input)';
}

/**
 * The task's input, checked at the boundary with the task file's defaults applied: any client may
 * start the workflow (the CLI, another SDK, a schedule, the Web UI). A bad input fails the run at
 * once, with a non-retryable failure naming each wrong field, instead of a workflow task retried forever.
 */
export function parseAgentTaskInput(raw: unknown): AgentTaskInput {
  const parsed = taskSchemas().agentTaskInput.safeParse(raw);
  if (parsed.success) return parsed.data as AgentTaskInput;
  const issues = parsed.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`);
  throw invalidWorkflowInput(
    `agentTask input is invalid: ${issues.join('; ')}. ` +
      'Fix: start it with one argument {"spec": {...}} holding at least taskId, role, goal and outputSchema ' +
      '(see examples/ and `dreamos submit --help`; the other fields have defaults).',
    { issues },
  );
}
