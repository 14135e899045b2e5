import { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PromptInput } from '../../workflows/definitions';

/** The inputs of every promptModel activity scheduled by a workflow run (all runs of the chain). */
export async function promptInputs(handle: WorkflowHandle): Promise<PromptInput[]> {
  const history = await handle.fetchHistory();
  const inputs: PromptInput[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'promptModel') continue;
    inputs.push(defaultPayloadConverter.fromPayload(scheduled.input!.payloads![0]) as PromptInput);
  }
  return inputs;
}
