import { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PromptInput } from '../../src/contracts/agent-task';

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

/** The history events of one activity type: its scheduled, started and completed events. */
export function activityEvents(history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>, activityType: string) {
  const events = history.events ?? [];
  const scheduledIds = new Set(
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)),
  );
  const of = (id: unknown) => scheduledIds.has(String(id));
  return {
    scheduled: events.filter((e) => of(e.eventId)),
    started: events.filter((e) => of(e.activityTaskStartedEventAttributes?.scheduledEventId)).map((e) => e.activityTaskStartedEventAttributes!),
    completed: events.filter((e) => of(e.activityTaskCompletedEventAttributes?.scheduledEventId)),
  };
}
