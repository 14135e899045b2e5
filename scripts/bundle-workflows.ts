import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { bundleFile, WorkflowBundleRole } from '../workers/paths';

/** The folder holding package.json, from source (scripts/) or compiled (dist/scripts/). */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** The entry module of each workflow-running queue's bundle. */
export const WORKFLOW_BUNDLES: Record<WorkflowBundleRole, string> = { agents: 'workflows/agents.ts', control: 'workflows/control.ts' };

/** The absolute path of a role's bundle entry. */
export function workflowEntry(role: WorkflowBundleRole): string {
  return path.join(projectRoot(), WORKFLOW_BUNDLES[role]);
}

/** The pure modules shared by every workflow of a worker (see workflows/preload.ts). */
export function preloadModules(): string[] {
  return [path.join(projectRoot(), 'workflows', 'preload.ts')];
}

export interface BundleOptions {
  /** Show webpack's warnings too. */
  warnings?: boolean;
  /** Evaluate the shared pure modules once per worker thread (as the workers' bundles do). */
  preload?: boolean;
}

/** The workflow code of a module and its imports, bundled with webpack's errors (and, if asked, warnings) only. */
export async function bundleCode(workflowsPath: string, options: BundleOptions = {}): Promise<string> {
  const logger = { trace() {}, debug() {}, info() {}, warn: options.warnings ? console.warn : () => {}, error: console.error, log() {} };
  return (await bundleWorkflowCode({ workflowsPath, logger, ...(options.preload ? { preloadModules: preloadModules() } : {}) })).code;
}

/** Bundles each role's workflows once into `outDir`, so workers load them instead of re-bundling at every start. */
export async function bundleWorkflows(outDir: string): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  for (const role of Object.keys(WORKFLOW_BUNDLES) as WorkflowBundleRole[]) {
    const code = await bundleCode(workflowEntry(role), { warnings: true, preload: true });
    fs.writeFileSync(bundleFile(outDir, role), code);
  }
  return outDir;
}

if (require.main === module) {
  const out = process.argv[2] ?? path.resolve(__dirname, '..', 'workflow-bundles');
  bundleWorkflows(out).then(
    (dir) => console.log(`workflow bundles written: ${path.relative(process.cwd(), dir)}/{${Object.keys(WORKFLOW_BUNDLES).join(',')}}.js`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
