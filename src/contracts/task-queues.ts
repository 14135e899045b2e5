/** The three task queues of a swarm (see README, "Task queues and processes"). */
export const TASK_QUEUES = {
  /** Stateless agent workers: the model calls. Scaled 0..N. */
  agents: 'agents',
  /** The single nexus worker: owns the SQLite stores (memory, analytics). */
  nexus: 'nexus',
  /** Orchestration workflows and the Docker socket. */
  control: 'control',
} as const;

export type TaskQueueRole = keyof typeof TASK_QUEUES;
export const TASK_QUEUE_ROLES = Object.keys(TASK_QUEUES) as TaskQueueRole[];
