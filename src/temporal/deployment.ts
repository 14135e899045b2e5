import type { ConnectionLike } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import { DreamError, errorMessage } from '../errors';

/** A Worker Deployment Version: a deployment name and a build id. */
export interface DeploymentVersion {
  deploymentName: string;
  buildId: string;
}

export const versionName = (v: DeploymentVersion) => `${v.deploymentName}/${v.buildId}`;

const NOT_FOUND = 5;
/** temporal.api.enums.v1.VersionDrainageStatus: DRAINING 1, DRAINED 2. */
const DRAINED = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface VersionState {
  /** Task queue names that workers of this version have polled. */
  taskQueues: string[];
  /** `draining` while pinned runs remain open, `drained` once none do; undefined while current or never current. */
  drainage?: 'draining' | 'drained';
}

/** The version as the server sees it, or undefined when no worker of it has polled yet. */
export async function describeVersion(connection: ConnectionLike, namespace: string, version: DeploymentVersion): Promise<VersionState | undefined> {
  try {
    const response = await connection.workflowService.describeWorkerDeploymentVersion({ namespace, deploymentVersion: version });
    const info = response.workerDeploymentVersionInfo;
    const status = info?.drainageInfo?.status;
    return {
      taskQueues: [...new Set((info?.taskQueueInfos ?? []).map((q) => q.name ?? ''))].filter(Boolean).sort(),
      drainage: status === DRAINED ? 'drained' : status ? 'draining' : undefined,
    };
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND) return undefined;
    throw err;
  }
}

/** The deployment's current version, or undefined (no deployment yet, or unversioned is current). */
export async function currentVersion(connection: ConnectionLike, namespace: string, deploymentName: string): Promise<DeploymentVersion | undefined> {
  try {
    const response = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName });
    const current = response.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion;
    return current?.buildId ? { deploymentName, buildId: current.buildId } : undefined;
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND) return undefined;
    throw err;
  }
}

/** Polls `check` every second until it returns a value, or fails with `timeoutError` after `timeoutMs`. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, timeoutError: () => DreamError): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw timeoutError();
    await sleep(1_000);
  }
}

/** Makes `version` current: new runs (and auto-upgrade runs) go to it; pinned runs stay where they are. */
export async function setCurrentVersion(connection: ConnectionLike, namespace: string, version: DeploymentVersion, identity: string): Promise<void> {
  try {
    await connection.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName: version.deploymentName, buildId: version.buildId, identity });
  } catch (err) {
    throw new DreamError(
      'DEPLOY_SET_CURRENT_FAILED',
      `Could not make ${versionName(version)} the current version: ${errorMessage(err)}`,
      'Check that workers of the new build poll every task queue the current version has (agents, control), then rerun.',
      { cause: err },
    );
  }
}

/** Deletes a drained version whose workers have stopped; retries while the server still remembers their pollers. */
export async function deleteVersion(connection: ConnectionLike, namespace: string, version: DeploymentVersion, identity: string, timeoutMs: number): Promise<void> {
  let lastError = '';
  await pollUntil(
    async () => {
      try {
        await connection.workflowService.deleteWorkerDeploymentVersion({ namespace, deploymentVersion: version, identity });
        return true;
      } catch (err) {
        if (isGrpcServiceError(err) && err.code === NOT_FOUND) return true;
        lastError = errorMessage(err);
        return undefined;
      }
    },
    timeoutMs,
    () =>
      new DreamError(
        'DEPLOY_DELETE_FAILED',
        `Version ${versionName(version)} was not deleted within ${Math.round(timeoutMs / 1000)} s: ${lastError}`,
        'Make sure every worker of that build has stopped; the server forgets a stopped poller after matching.PollerHistoryTTL.',
      ),
  );
}
