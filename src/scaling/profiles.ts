import { z } from 'zod';
import { profileQueue } from '../contracts/task-queues';

/**
 * What one worker of a profile is allowed to do at once: the SDK's slot limits. Real deployments
 * set them for model rate limits and memory; the policy counts demand in these units, so a
 * backlog means work waiting for a free slot, not a guess about CPU.
 */
export const slotsSchema = z
  .object({
    /** maxConcurrentActivityTaskExecutions: model calls one worker runs at once. */
    activities: z.number().int().min(1).max(1000),
    /** maxConcurrentWorkflowTaskExecutions: workflow tasks one worker runs at once. */
    workflowTasks: z.number().int().min(2).max(1000),
  })
  .strict();

export const resourcesSchema = z
  .object({
    /** CPU limit of one worker (docker NanoCpus; ignored by the process backend). */
    cpus: z.number().min(0.05).max(64),
    /** Memory limit of one worker, MB (docker Memory; the process backend sets --max-old-space-size). */
    memoryMb: z.number().int().min(64).max(262_144),
  })
  .strict();

/** A kind of agent worker: its own task queue, slot limits and resource limits. */
export const workerProfileSchema = z
  .object({
    /** Short name used in worker names and labels, e.g. `standard`, `heavy`. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'use 1-20 lower-case letters, digits or dashes, starting with a letter'),
    /** Task queue the profile's workers serve; tasks asking for the profile are started there. */
    taskQueue: z.string().min(1).max(100),
    slots: slotsSchema,
    resources: resourcesSchema,
  })
  .strict();

export type WorkerSlots = z.infer<typeof slotsSchema>;
export type WorkerResources = z.infer<typeof resourcesSchema>;
export type WorkerProfile = z.infer<typeof workerProfileSchema>;

/** The default profile: the `agents` queue, 10 model calls and 20 workflow tasks per worker. */
export const STANDARD_PROFILE: WorkerProfile = {
  name: 'standard',
  taskQueue: 'agents',
  slots: { activities: 10, workflowTasks: 20 },
  resources: { cpus: 1, memoryMb: 512 },
};

/** A heavier worker for tasks that ask for it: more memory per call, fewer calls at once. */
export const HEAVY_PROFILE: WorkerProfile = {
  name: 'heavy',
  taskQueue: profileQueue('heavy'),
  slots: { activities: 4, workflowTasks: 10 },
  resources: { cpus: 2, memoryMb: 2048 },
};

/** Heavier first: the order in which profiles give workers back when load drops. */
export function heaviestFirst(profiles: readonly WorkerProfile[]): WorkerProfile[] {
  return [...profiles].sort((a, b) => b.resources.memoryMb - a.resources.memoryMb || b.resources.cpus - a.resources.cpus || a.name.localeCompare(b.name));
}
