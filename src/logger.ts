import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';

function create(file?: string) {
  const options = { level: process.env.DREAMOS_LOG_LEVEL ?? 'info', base: { pid: process.pid } };
  if (!file) return pino(options);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return pino(options, pino.destination({ dest: file, append: true, sync: false }));
}

/** One structured logger for libraries, workers and the CLI. Level from DREAMOS_LOG_LEVEL. */
export let logger = create(process.env.DREAMOS_LOG_FILE);

/** Sends the logs to a file instead of stdout (used by `dreamos up`, whose stdout is for people). */
export function logToFile(file: string): void {
  logger = create(file);
}

export type Logger = typeof logger;
