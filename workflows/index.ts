/** Every workflow type the swarm's workers register (bundled by scripts/bundle-workflows.ts). */
export { agentTask } from './agent-task/workflow';
// Until per-worker bundles land, the single bundle carries the control worker's workflows too.
export { mission } from './mission/workflow';
