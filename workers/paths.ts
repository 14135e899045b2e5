import path from 'node:path';

/** The workflow bundles written by `npm run build` (dist/workflow-bundles/), or DREAMOS_WORKFLOW_BUNDLES. */
export function defaultWorkflowBundleDir(): string {
  if (process.env.DREAMOS_WORKFLOW_BUNDLES) return path.resolve(process.env.DREAMOS_WORKFLOW_BUNDLES);
  // Compiled: dist/workers/paths.js -> dist/workflow-bundles. From source (ts-jest): <root>/dist/workflow-bundles.
  const compiled = path.basename(path.resolve(__dirname, '..')) === 'dist';
  return compiled ? path.resolve(__dirname, '..', 'workflow-bundles') : path.resolve(__dirname, '..', 'dist', 'workflow-bundles');
}

/** The queues whose workers run workflows; the nexus worker runs activities only. */
export type WorkflowBundleRole = 'agents' | 'control';

/** The bundle file of a role in a bundle folder. */
export function bundleFile(dir: string, role: WorkflowBundleRole): string {
  return path.join(dir, `${role}.js`);
}
