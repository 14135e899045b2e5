import fs from 'node:fs';
import path from 'node:path';

/** The folder holding package.json, from source (src/scaling) or compiled (dist/src/scaling). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
