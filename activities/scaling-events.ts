import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { ScalingEvent, scalingEventSchema, ScalingEventStore } from '../src/scaling/events';

/** Failure type of events the store refuses; retrying cannot fix them. */
export const INVALID_SCALING_EVENTS = 'InvalidScalingEvents';

const inputSchema = z.object({ events: z.array(scalingEventSchema).max(1_000) }).strict();

/** The scaler's decisions, stored by the nexus worker (the only writer of the swarm's SQLite files). */
export const createScalingEventActivities = (store: ScalingEventStore) => ({
  /** Idempotent by event key: a retried call stores nothing twice. */
  async recordScalingEvents(input: { events: ScalingEvent[] }): Promise<{ recorded: number }> {
    const parsed = inputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw ApplicationFailure.nonRetryable(`Invalid scaling events: ${issue.path.join('.')}: ${issue.message}`, INVALID_SCALING_EVENTS);
    }
    return { recorded: store.record(parsed.data.events) };
  },
});

export type ScalingEventActivities = ReturnType<typeof createScalingEventActivities>;
