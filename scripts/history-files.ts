import fs from 'node:fs';
import path from 'node:path';

/**
 * Whether the recorder should record `file` now: it is selected (`--only <prefix>` on the command
 * line matches its name) and not recorded yet. A recorded history stands for the code that made
 * it: never overwrite one.
 */
export function toRecord(file: string): boolean {
  const at = process.argv.indexOf('--only');
  if (at >= 0 && !path.basename(file).startsWith(process.argv[at + 1] ?? '')) return false;
  if (!fs.existsSync(file)) return true;
  console.log(`kept ${path.basename(file, '.json')}: already recorded`);
  return false;
}
