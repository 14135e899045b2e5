import { ApplicationFailure } from '@temporalio/workflow';
import { z } from 'zod';
import type { AgentTaskInput } from '../../src/contracts/agent-task';
import { agentTaskSpecSchema } from '../../src/contracts/agent-task-spec';
import { INVALID_WORKFLOW_INPUT } from '../../src/contracts/failure-types';

const stepRecord = z.strictObject({ step: z.number().int().min(0), output: z.unknown(), attempts: z.number().int().min(0), tokens: z.number().min(0) });

/** Written by the task itself when it continues as new; checked for shape, its fields trusted. */
const carried = z.looseObject({
  state: z.looseObject({ status: z.string(), step: z.number().int().min(0), records: z.array(stepRecord) }),
  checkpoints: z.array(z.looseObject({ id: z.string(), completedSteps: z.number().int().min(0) })).min(1),
});

const agentTaskInput = z.strictObject({
  spec: agentTaskSpecSchema,
  carried: carried.optional(),
  resume: z.strictObject({ fromWorkflowId: z.string().min(1), records: z.array(stepRecord) }).optional(),
});

function where(path: PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : '(input)';
}

/**
 * The task's input, checked at the boundary with the task file's defaults applied: any client may
 * start the workflow (the CLI, another SDK, a schedule, the Web UI). A bad input fails the run at
 * once, with a non-retryable failure naming each wrong field, instead of a workflow task retried forever.
 */
export function parseAgentTaskInput(raw: unknown): AgentTaskInput {
  const parsed = agentTaskInput.safeParse(raw);
  if (parsed.success) return parsed.data as AgentTaskInput;
  const issues = parsed.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`);
  throw ApplicationFailure.create({
    type: INVALID_WORKFLOW_INPUT,
    nonRetryable: true,
    message:
      `agentTask input is invalid: ${issues.join('; ')}. ` +
      'Fix: start it with one argument {"spec": {...}} holding at least taskId, role, goal and outputSchema ' +
      '(see examples/ and `dreamos submit --help`; the other fields have defaults).',
    details: [{ issues }],
  });
}
