/** The three task queues of a swarm (see README, "Task queues and processes"). */
export const TASK_QUEUES = {
  /** Stateless agent workers: the model calls. Scaled 0..N. */
  agents: 'agents',
  /** The single nexus worker: owns the SQLite stores (memory, analytics). */
  nexus: 'nexus',
  /** Orchestration workflows and the Docker socket. */
  control: 'control',
} as const;

/**
 * The task queue of a worker profile by name: `agents` for the standard one (or none),
 * `agents-<name>` for others. A task asking for a profile is started there, by a client or a
 * mission alike, and the profile's workers serve it.
 */
export function profileQueue(name: string | undefined): string {
  return name === undefined || name === 'standard' ? TASK_QUEUES.agents : `${TASK_QUEUES.agents}-${name}`;
}

export type TaskQueueRole = keyof typeof TASK_QUEUES;
export const TASK_QUEUE_ROLES = Object.keys(TASK_QUEUES) as TaskQueueRole[];
