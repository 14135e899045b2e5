/**
 * The task and mission file schemas: what a task file may say, with its defaults. The schema
 * objects stay private and are reached through `taskSchemas()`: workflow code imports this module,
 * workers preload it into the workflow sandbox (workflows/preload.ts), and there every exported
 * object is frozen, which zod schemas (they define methods lazily) do not survive.
 */
import { z } from 'zod';
import { OUTPUT_SCHEMA_NAMES, OutputSchemaName } from '../healing/output-schemas';

const rate = z.number().min(0).max(1);
const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'use 1-80 letters, digits, dots, dashes or underscores');

const simRuleSchema = z.object({
  whenPromptIncludes: z.string().min(1),
  unlessPromptIncludes: z.string().min(1).optional(),
  fault: z.enum(['malformed-json', 'schema-violation', 'empty-answer', 'hang', 'rate-limit', 'server-error']),
});

/** Fault settings of the `sim` model for one task (ignored by real providers). */
const simOptionsSchema = z
  .object({
    faults: z
      .object({ malformedJson: rate, schemaViolation: rate, emptyAnswer: rate, hang: rate, rateLimit: rate, serverError: rate })
      .partial()
      .strict()
      .refine((f) => Object.values(f).reduce((a, b) => a + (b ?? 0), 0) <= 2, 'output and transport fault rates must each sum to at most 1')
      .optional(),
    rules: z.array(simRuleSchema).max(20).optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    seed: z.number().int().optional(),
  })
  .strict();

/** The fields a task file may set; `defaults` of a mission file has the same shape. */
const taskFields = {
  taskId: identifier,
  role: z.string().min(1).max(40),
  goal: z.string().min(1).max(4000),
  outputSchema: z.enum(OUTPUT_SCHEMA_NAMES as [OutputSchemaName, ...OutputSchemaName[]], {
    error: (issue) => `unknown output schema ${JSON.stringify(issue.input)}; use one of: ${OUTPUT_SCHEMA_NAMES.join(', ')}`,
  }),
  /** Number of steps; each step yields one validated output. */
  steps: z.number().int().min(1).max(200).default(1),
  /** A checkpoint is taken after every N stable steps; rollback returns to the last one. */
  checkpointEvery: z.number().int().min(1).max(50).default(1),
  model: z
    .object({
      name: z.string().min(1).optional(),
      temperature: z.number().min(0).max(2).default(0.2),
      /** Models the healer may switch to when this one keeps failing, in order of preference. */
      fallbacks: z.array(z.string().min(1)).max(5).default([]),
      sim: simOptionsSchema.optional(),
    })
    .strict()
    .default({ temperature: 0.2, fallbacks: [] }),
  /** How invalid answers are repaired: the healer's strategy ladder, or plain retry (for comparison). */
  healing: z.enum(['ladder', 'retry']).default('ladder'),
  budget: z
    .object({
      /** Prompt attempts over the whole task, reasks included. */
      maxAttempts: z.number().int().min(1).max(1000).default(20),
      /** Consecutive failed attempts of one step before rolling back to the last checkpoint. */
      maxConsecutiveFailures: z.number().int().min(1).max(50).default(3),
      /** Rollbacks before escalating. */
      maxRollbacks: z.number().int().min(0).max(50).default(2),
      /** Wall-clock budget of the task (workflow time), ms. */
      maxDurationMs: z.number().int().min(1000).default(3_600_000),
      /** Model tokens (prompt + completion) for the whole task. */
      maxTokens: z.number().int().min(100).default(200_000),
    })
    .strict()
    .default({ maxAttempts: 20, maxConsecutiveFailures: 3, maxRollbacks: 2, maxDurationMs: 3_600_000, maxTokens: 200_000 }),
  timeouts: z
    .object({
      /** startToClose of one model call, ms. */
      promptMs: z.number().int().min(1000).default(120_000),
      /** Heartbeat timeout of the model call: how fast a dead worker is noticed, ms. */
      heartbeatMs: z.number().int().min(1000).default(10_000),
    })
    .strict()
    .default({ promptMs: 120_000, heartbeatMs: 10_000 }),
  /**
   * Worker profile the task needs (`heavy`: more memory per model call): it runs on that
   * profile's queue (`agents-<profile>`), which the scaler sizes separately. Default `standard`.
   */
  workerProfile: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'use a worker profile name such as standard or heavy').optional(),
  /** Continue-as-new once history holds this many events (or the server suggests it). */
  continueAsNewAfterEvents: z.number().int().min(50).max(50_000).default(5_000),
};

const agentTaskSpecSchema = z
  .object({ ...taskFields, missionId: identifier.default('adhoc') })
  .strict();

/** A fully defaulted, validated agent task: the input of the agentTask workflow. */
export type AgentTaskSpec = z.infer<typeof agentTaskSpecSchema>;
export type AgentTaskSpecInput = z.input<typeof agentTaskSpecSchema>;

const partialTask = z.object(taskFields).partial().strict();

const missionFileSchema = z
  .object({
    mission: identifier,
    goal: z.string().min(1).max(4000).optional(),
    defaults: partialTask.optional(),
    tasks: z.array(z.record(z.string(), z.unknown())).min(1).max(500),
  })
  .strict();

export type MissionFile = z.infer<typeof missionFileSchema>;

const stepRecordSchema = z.strictObject({ step: z.number().int().min(0), output: z.unknown(), attempts: z.number().int().min(0), tokens: z.number().min(0) });

/**
 * The input of the agentTask workflow. `carried` is written by the task itself when it continues
 * as new: checked for shape, its fields trusted. `resume` is a supervisor's (see ResumePoint).
 */
const agentTaskInputSchema = z.strictObject({
  spec: agentTaskSpecSchema,
  carried: z
    .looseObject({
      state: z.looseObject({ status: z.string(), step: z.number().int().min(0), records: z.array(stepRecordSchema) }),
      checkpoints: z.array(z.looseObject({ id: z.string(), completedSteps: z.number().int().min(0) })).min(1),
    })
    .optional(),
  resume: z.strictObject({ fromWorkflowId: z.string().min(1), records: z.array(stepRecordSchema) }).optional(),
});

const SCHEMAS = {
  agentTaskSpec: agentTaskSpecSchema,
  agentTaskInput: agentTaskInputSchema,
  missionFile: missionFileSchema,
  /** The `sim` model's fault rates (also the DREAMOS_SIM_FAULTS variable). */
  simFaults: simOptionsSchema.shape.faults.unwrap(),
  /** The `sim` model's settings of one task (or of the mission's supervisor model). */
  simOptions: simOptionsSchema,
};

/** The schemas of task files, mission files and the agent task's input. */
export function taskSchemas(): typeof SCHEMAS {
  return SCHEMAS;
}
