import fs from 'node:fs';
import type { Worker } from '@temporalio/worker';

/** How often a running worker touches its heartbeat file; the healthcheck allows a few misses. */
export const HEARTBEAT_EVERY_MS = 5_000;

/** A standby worker is created but not yet running: alive too. */
const ALIVE = new Set(['INITIALIZED', 'RUNNING']);

/**
 * Touches `file` while every worker is running or standing by, so a container healthcheck (or the process
 * backend) can tell a live worker from a hung or stopped one without asking Temporal.
 * Returns the function that stops it. No file: nothing to do.
 */
export function startHeartbeatFile(file: string | undefined, workers: Worker[]): () => void {
  if (!file) return () => undefined;
  const beat = () => {
    if (workers.every((w) => ALIVE.has(w.getState()))) fs.writeFileSync(file, String(Date.now()));
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    fs.rmSync(file, { force: true });
  };
}
