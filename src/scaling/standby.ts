/**
 * The worker side of warm standby: a standby worker has booted, connected and loaded its
 * workflow bundle, and waits here without polling until the scaler activates it.
 */

/** Signal the scaler sends to activate a standby worker (docker kill -s / process.kill). */
export const ACTIVATE_SIGNAL = 'SIGUSR2';

/**
 * Resolves `run` on the activation signal, `stop` on SIGTERM or SIGINT (drained before it was
 * needed). The activation handler stays installed: a repeated activation (a retried activity) must
 * not kill a running worker, which is what the signal does by default.
 */
export function waitForActivation(): Promise<'run' | 'stop'> {
  return new Promise((resolve) => {
    const stop = () => resolve('stop');
    process.on(ACTIVATE_SIGNAL, () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve('run');
    });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
