/** Every workflow type the swarm's workers register (bundled by scripts/bundle-workflows.ts). */
export { agentTask } from './agent-task/workflow';
