/**
 * The control tower's client, used by the CLI, schedules' activities and users' scripts: start or
 * attach to the tower, submit a mission through it, steer a mission, read its state and health.
 */
import { Client, WithStartWorkflowOperation, WorkflowHandle, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { DreamError } from '../errors';
import {
  attachUpdate,
  controlMissionUpdate,
  MissionAction,
  SubmitMissionRequest,
  SubmitMissionResult,
  submitMissionUpdate,
  TOWER_WORKFLOW,
  TOWER_WORKFLOW_ID,
  TowerInput,
  TowerLimitsDraft,
  TowerMission,
  towerStartOptions,
  TowerState,
  towerStateQuery,
} from '../contracts/tower';

export type TowerHandle = WorkflowHandle<(input: TowerInput) => Promise<void>>;

function startOperation(limits?: TowerLimitsDraft) {
  return new WithStartWorkflowOperation<(input: TowerInput) => Promise<void>>(TOWER_WORKFLOW, towerStartOptions(limits));
}

/** Starts the tower, or attaches to the running one (update-with-start): its state either way. */
export async function ensureTower(client: Client, limits?: TowerLimitsDraft): Promise<TowerState> {
  return client.workflow.executeUpdateWithStart(attachUpdate, { startWorkflowOperation: startOperation(limits) });
}

export function getTower(client: Client): TowerHandle {
  return client.workflow.getHandle(TOWER_WORKFLOW_ID);
}

/** Whether the tower runs in this namespace. */
export async function towerRunning(client: Client): Promise<boolean> {
  try {
    return (await getTower(client).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The tower's refusal of an update, as the error a person reads: its reasons and how to fix them. */
function refused(what: string, err: unknown): never {
  if (err instanceof WorkflowUpdateFailedError) {
    const reason = err.cause instanceof Error ? err.cause.message : String(err.cause ?? err.message);
    throw new DreamError('TOWER_REJECTED', `The control tower rejected ${what}: ${reason}`, 'Fix what the reasons name (the mission file, its budgets against `dreamos tower status` limits, or the mission id) and send it again; nothing was started.');
  }
  throw err;
}

/**
 * Submits a mission through the tower. With `start`, the tower is started if it does not run
 * (update-with-start, what scheduled runs use); without, the tower must be running.
 */
export async function submitThroughTower(client: Client, request: SubmitMissionRequest, options: { start?: boolean } = {}): Promise<SubmitMissionResult> {
  try {
    if (options.start) return await client.workflow.executeUpdateWithStart(submitMissionUpdate, { args: [request], startWorkflowOperation: startOperation() });
    return await getTower(client).executeUpdate(submitMissionUpdate, { args: [request] });
  } catch (err) {
    return refused(`mission ${request.mission.missionId}`, err);
  }
}

/** Pauses, resumes or cancels a mission the tower knows. */
export async function controlMission(client: Client, missionId: string, action: MissionAction): Promise<TowerMission> {
  try {
    return await getTower(client).executeUpdate(controlMissionUpdate, { args: [{ missionId, action }] });
  } catch (err) {
    return refused(`${action} of mission ${missionId}`, err);
  }
}

export async function towerState(client: Client): Promise<TowerState> {
  return getTower(client).query(towerStateQuery);
}

/** Queued missions in admission order, with their 1-based position; empty when no tower runs. */
export async function queuedMissions(client: Client): Promise<Array<TowerMission & { position: number }>> {
  if (!(await towerRunning(client))) return [];
  const state = await towerState(client);
  return state.missions.filter((m) => m.state === 'queued').map((m, i) => ({ ...m, position: i + 1 }));
}
