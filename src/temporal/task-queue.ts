import type { Client } from '@temporalio/client';

/** temporal.api.enums.v1.TaskQueueType values, by the name this project uses. */
export const TASK_TYPES = { workflow: 1, activity: 2 } as const;
export type TaskType = keyof typeof TASK_TYPES;

// temporal.api.enums.v1.TaskQueueKind: a normal (not sticky) queue.
const KIND_NORMAL = 1;

/** DescribeTaskQueue for one task type of a queue, with its pollers and its approximate stats (backlog, age, rates). */
export function describeTaskQueue(client: Client, namespace: string, queue: string, type: TaskType) {
  return client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue, kind: KIND_NORMAL }, taskQueueType: TASK_TYPES[type], reportStats: true, reportPollers: true });
}

/** A protobuf Duration or Timestamp as milliseconds (0 when absent). */
export function protoMs(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return d ? Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6 : 0;
}
