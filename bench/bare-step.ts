import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(input: { step: number }): Promise<{ ok: boolean }> }>({ startToCloseTimeout: '1 minute' });

/** Baseline of agentStep.throughputRatio: a bare workflow calling one no-op activity. */
export async function bareStep(): Promise<boolean> {
  return (await noop({ step: 0 })).ok;
}
