import { Client, WorkflowHandle } from '@temporalio/client';
import { SCALER_WORKFLOW, ScalerInput, scalerStartOptions, ScalerWorkflowInput, scalerWorkflowId } from '../contracts/scaler';
import { DEFAULT_POLICY } from './policy';
import { STANDARD_PROFILE } from './profiles';

/** A handle typed by the scaler's contract (clients never import workflow code). */
export type ScalerHandle = WorkflowHandle<(input: ScalerWorkflowInput) => Promise<void>>;

/** A scaler input for one standard profile with the default policy (what `dreamos swarm start` uses). */
export function defaultScalerInput(swarmId: string, overrides: Partial<ScalerInput> = {}): ScalerInput {
  return { swarmId, profiles: [{ profile: STANDARD_PROFILE, policy: DEFAULT_POLICY }], ...overrides };
}

/** Starts the swarm's scaler on the control queue, or attaches to the one already running. */
export async function startScaler(client: Client, config: ScalerInput): Promise<ScalerHandle> {
  return client.workflow.start<(input: ScalerWorkflowInput) => Promise<void>>(SCALER_WORKFLOW, scalerStartOptions(config));
}

export function scalerHandle(client: Client, swarmId: string): ScalerHandle {
  return client.workflow.getHandle(scalerWorkflowId(swarmId));
}
