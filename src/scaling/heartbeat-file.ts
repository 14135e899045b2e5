import fs from 'node:fs';
import type { Worker } from '@temporalio/worker';

/** How often a running worker touches its heartbeat file; the healthcheck allows a few misses. */
export const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Touches `file` while every worker is RUNNING, so a container healthcheck (or the process
 * backend) can tell a live worker from a hung or stopped one without asking Temporal.
 * Returns the function that stops it. No file: nothing to do.
 */
export function startHeartbeatFile(file: string | undefined, workers: Worker[]): () => void {
  if (!file) return () => undefined;
  const beat = () => {
    if (workers.every((w) => w.getState() === 'RUNNING')) fs.writeFileSync(file, String(Date.now()));
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    fs.rmSync(file, { force: true });
  };
}
