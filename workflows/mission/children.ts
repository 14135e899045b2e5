/**
 * One child run of a mission task: started through the agent task's shared contract, awaited up
 * to its deadline, and its end classified as a value the mission decides on.
 */
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  isCancellation,
  ParentClosePolicy,
  startChild,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/workflow';
import { AGENT_TASK_WORKFLOW, AgentTaskInput, AgentTaskResult, agentTaskStartOptions, EscalationContext, escalationOf } from '../../src/contracts/agent-task';
import type { ChildEnd } from './policy';

export type ChildOutcome =
  | { kind: 'completed'; workflowId: string; result: AgentTaskResult }
  | { kind: ChildEnd; workflowId: string; message: string; context?: EscalationContext };

/**
 * Starts the child and waits for it. Policies, chosen so nothing outlives or deadlocks the mission:
 * - parentClosePolicy REQUEST_CANCEL: a mission that is terminated or times out asks its running
 *   children to cancel (TERMINATE would lose their last failure events; ABANDON would leak them);
 * - cancellationType WAIT_CANCELLATION_COMPLETED: a cancelled mission (or a child past its
 *   deadline) waits until the child has really stopped, so its report never lists a running child;
 * - the child's deadline is a cancellable scope with a timeout (cancelled with the mission too): past it the child is cancelled and
 *   its end is `timed-out`, which the supervisor handles like an escalation.
 * `stopping()` tells a cancellation of the mission apart from the child's own deadline.
 */
export async function runChild(input: AgentTaskInput, deadlineMs: number, stopping: () => boolean, onStarted: (workflowId: string, runId: string) => void): Promise<ChildOutcome> {
  const options = agentTaskStartOptions(input.spec, input);
  const deadline = new CancellationScope({ cancellable: true, timeout: deadlineMs });
  try {
    return await deadline.run(async () => {
      const handle = await startChild<(input: AgentTaskInput) => Promise<AgentTaskResult>>(AGENT_TASK_WORKFLOW, {
        ...options,
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
      onStarted(handle.workflowId, handle.firstExecutionRunId);
      return { kind: 'completed' as const, workflowId: handle.workflowId, result: await handle.result() };
    });
  } catch (err) {
    if (stopping()) throw err;
    // Past its deadline the child was cancelled; whatever it ended with then, it did not answer in time.
    if (deadline.consideredCancelled) return { kind: 'timed-out', workflowId: options.workflowId, message: `no answer within ${deadlineMs} ms: cancelled` };
    return classify(err, options.workflowId);
  }
}

/** How a child that did not complete ended (the causes of a ChildWorkflowFailure). */
export function classify(err: unknown, workflowId: string): ChildOutcome {
  const escalation = escalationOf(err);
  if (escalation) return { kind: 'escalated', workflowId, message: escalation.message, context: escalation.context };
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (isCancellation(err)) return { kind: 'timed-out', workflowId, message: 'cancelled at its deadline' };
  if (cause instanceof TimeoutFailure) return { kind: 'timed-out', workflowId, message };
  if (cause instanceof TerminatedFailure) return { kind: 'terminated', workflowId, message };
  return { kind: 'failed', workflowId, message };
}
