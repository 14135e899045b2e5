import type { VersioningBehavior } from '@temporalio/common';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import type { DreamConfig } from '../config';
import type { TaskQueueRole } from '../contracts/task-queues';

/**
 * How runs move between builds under Worker Versioning, per workflow type (README, "Beyond one
 * machine"). A worker applies the behaviour of the workflow types its role runs:
 * - agentTask: PINNED. A task stays on the build it started on until it closes, so a release
 *   never changes the code under a running task; a change that must reach running tasks still
 *   goes in with `patched()` and is deployed to the old build's workers.
 * - mission, scaler, controlTower (control queue): AUTO_UPGRADE. They live for days and
 *   continue as new; they move to the current build at their next workflow task, so every change
 *   to them must be replay-safe (patched), which `dreamos replay` checks before a rollout.
 */
export const WORKFLOW_VERSIONING: Readonly<Record<string, VersioningBehavior>> = {
  agentTask: 'PINNED',
  mission: 'AUTO_UPGRADE',
  scaler: 'AUTO_UPGRADE',
  controlTower: 'AUTO_UPGRADE',
  // A scheduled run lives as long as its mission; like the mission it moves to the current build.
  scheduledMission: 'AUTO_UPGRADE',
};

/**
 * The default behaviour of each role's workers; `unversioned` for the nexus worker: it runs no
 * workflows, and there is exactly one of it (the only writer of the SQLite files), so it cannot
 * run once per build. Activities it serves are reached by runs of every build.
 */
export const ROLE_VERSIONING: Readonly<Record<TaskQueueRole, VersioningBehavior | 'unversioned'>> = {
  agents: WORKFLOW_VERSIONING.agentTask,
  control: 'AUTO_UPGRADE',
  nexus: 'unversioned',
};

/** The worker option for a role: Worker Versioning on when DREAMOS_DEPLOYMENT_NAME and DREAMOS_BUILD_ID are set. */
export function workerDeploymentOptions(config: DreamConfig, role: TaskQueueRole): WorkerDeploymentOptions | undefined {
  const { name, buildId } = config.deployment;
  const behavior = ROLE_VERSIONING[role];
  if (!name || !buildId || behavior === 'unversioned') return undefined;
  return { version: { deploymentName: name, buildId }, useWorkerVersioning: true, defaultVersioningBehavior: behavior };
}
