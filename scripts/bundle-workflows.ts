import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** The folder holding package.json, from source (scripts/) or compiled (dist/scripts/). */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** The workflow code of a module and its imports, bundled with webpack's errors (and, if asked, warnings) only. */
export async function bundleCode(workflowsPath: string, options: { warnings?: boolean } = {}): Promise<string> {
  const logger = { trace() {}, debug() {}, info() {}, warn: options.warnings ? console.warn : () => {}, error: console.error, log() {} };
  return (await bundleWorkflowCode({ workflowsPath, logger })).code;
}

/** Bundles workflows/ once, so workers load it instead of re-bundling at every start. */
export async function bundleWorkflows(outFile: string): Promise<string> {
  const code = await bundleCode(path.join(projectRoot(), 'workflows', 'index.ts'), { warnings: true });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
  return outFile;
}

if (require.main === module) {
  const out = process.argv[2] ?? path.resolve(__dirname, '..', 'workflow-bundle.js');
  bundleWorkflows(out).then(
    (file) => console.log(`workflow bundle written: ${path.relative(process.cwd(), file)}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
