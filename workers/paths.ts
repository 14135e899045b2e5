import path from 'node:path';

/** The workflow bundle written by `npm run build` (dist/workflow-bundle.js), or DREAMOS_WORKFLOW_BUNDLE. */
export function defaultWorkflowBundlePath(): string {
  if (process.env.DREAMOS_WORKFLOW_BUNDLE) return path.resolve(process.env.DREAMOS_WORKFLOW_BUNDLE);
  // Compiled: dist/workers/paths.js -> dist/workflow-bundle.js. From source (ts-jest): <root>/dist/workflow-bundle.js.
  const compiled = path.basename(path.resolve(__dirname, '..')) === 'dist';
  return compiled ? path.resolve(__dirname, '..', 'workflow-bundle.js') : path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');
}
