import crypto from 'node:crypto';
import path from 'node:path';
import type { WorkerImageOptions } from '../../src/scaling/image';

export const progress = (line: string): void => {
  process.stdout.write(`[docker-test] ${line}\n`);
};

/** Several checkouts share one engine: each one's test images carry its own label and tag. */
const CHECKOUT = crypto.createHash('sha256').update(path.resolve(__dirname, '..', '..')).digest('hex').slice(0, 8);

/**
 * How the docker tests build the worker image: on the offline base unless DREAMOS_BASE_IMAGE
 * names another; older test images of this checkout are removed, nobody else's.
 */
export const TEST_IMAGE: WorkerImageOptions = {
  baseImage: process.env.DREAMOS_BASE_IMAGE,
  tagPrefix: `dreamos/worker:test-${CHECKOUT}`,
  builtBy: `test/docker/${CHECKOUT}`,
};
