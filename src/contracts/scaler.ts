/**
 * The scaler's contract with whoever starts or steers it (CLI, SDK, UI): its input, its id, its
 * messages and the failure a bad input gets. Workflow-safe: the workflow imports it too.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ProfileDecision, ProfileMemory, QueueLoad, scalingPolicySchema } from '../scaling/policy';
import { workerProfileSchema } from '../scaling/profiles';
import { TASK_QUEUES } from './task-queues';

/** The workflow type name, for clients that start it by name. */
export const SCALER_WORKFLOW = 'scaler';

/** Failure type of a scaling activity asked for something it must refuse (a worker outside its swarm). */
export const INVALID_SCALING_REQUEST = 'InvalidScalingRequest';

/** Workflow id of a swarm's scaler: one per swarm. */
export function scalerWorkflowId(swarmId: string): string {
  return `scaler.${swarmId}`;
}

const swarmIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use 1-40 lower-case letters, digits or dashes (it prefixes container names)');

/** Input of the scaler workflow; validated at its boundary since any client may start it. */
export const scalerInputSchema = z
  .object({
    /** Names and labels every worker of the swarm: `<swarmId>-<profile>-<seq>`. */
    swarmId: swarmIdSchema,
    /** Each worker profile with its own policy; profile names and queues must be unique. */
    profiles: z
      .array(z.object({ profile: workerProfileSchema, policy: scalingPolicySchema }).strict())
      .min(1)
      .max(10)
      .refine((ps) => new Set(ps.map((p) => p.profile.name)).size === ps.length, 'profile names must be unique')
      .refine((ps) => new Set(ps.map((p) => p.profile.taskQueue)).size === ps.length, 'profile task queues must be unique'),
    /** Time between two observations, ms. */
    intervalMs: z.number().int().min(200).max(600_000).default(5_000),
    /** Seconds a drained worker gets to finish its running activities. */
    shutdownGraceSeconds: z.number().int().min(0).max(3600).default(30),
    /** A running worker absent from the pollers this long (after this long up) is dead. */
    pollerStaleMs: z.number().int().min(1_000).default(120_000),
    /** Continue as new after this many ticks (or when Temporal suggests it). */
    ticksPerRun: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();

export type ScalerInput = z.input<typeof scalerInputSchema>;

/** The workflow's whole argument; `carried` is the scaler's own state across continue-as-new. */
export const scalerWorkflowInputSchema = z.object({ config: scalerInputSchema, carried: z.custom<ScalerCarried>((v) => typeof v === 'object' && v !== null).optional() }).strict();
export type ScalerConfig = z.output<typeof scalerInputSchema>;

/** What one observation saw of one profile's queue. */
export interface QueueObservation extends QueueLoad {
  backlogAgeMs: number;
  addRate: number;
  dispatchRate: number;
  /** Poller identities seen within the stale window (workflow and activity pollers). */
  pollers: string[];
}

/** What carries over continue-as-new. */
export interface ScalerCarried {
  tick: number;
  nextSeq: number;
  memory: Record<string, ProfileMemory>;
  /** Live limits: `dreamos swarm scale` changes them (a standby count set there overrides the policy's). */
  limits: Record<string, { minWorkers: number; maxWorkers: number; standbyWorkers?: number }>;
  /** Workers this scaler has seen: new names in an observation are adopted. */
  known: string[];
  /** Standby workers this scaler has activated, with the time it did (absent in state carried by older runs). */
  activated?: Record<string, number>;
}

export interface ScalerWorkerView {
  name: string;
  profile: string;
  state: string;
  draining: boolean;
  /** Booted, not polling: warm standby. */
  standby: boolean;
}

/** The `scalerState` query: what `dreamos swarm status` prints. */
export interface ScalerStatus {
  swarmId: string;
  tick: number;
  limits: ScalerCarried['limits'];
  decisions: ProfileDecision[];
  observations: Record<string, QueueObservation>;
  workers: ScalerWorkerView[];
}

export const scalerStateQuery = defineQuery<ScalerStatus>('scalerState');

/** Changes a profile's limits (`dreamos swarm scale`); validated before it is accepted. */
export const setLimitsUpdate = defineUpdate<ScalerCarried['limits'], [{ profile?: string; minWorkers?: number; maxWorkers?: number; standbyWorkers?: number }]>('setLimits');

/** Drains one worker (`dreamos swarm drain <worker>`): the policy replaces it if the load needs one. */
export const drainWorkerSignal = defineSignal<[string]>('drainWorker');

export interface ScalerWorkflowInput {
  config: ScalerInput;
  carried?: ScalerCarried;
}

/** Start options of a swarm's scaler: one per swarm, on the control queue; a second start attaches. */
export function scalerStartOptions(config: ScalerInput) {
  return {
    workflowId: scalerWorkflowId(config.swarmId),
    taskQueue: TASK_QUEUES.control,
    args: [{ config }] as [ScalerWorkflowInput],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    staticSummary: `scaler of swarm ${config.swarmId}: ${config.profiles.map((p) => `${p.profile.name} ${p.policy.minWorkers}..${p.policy.maxWorkers}`).join(', ')}`,
  };
}
