/** The workflows of the agents queue: the bundle agent workers load (scripts/bundle-workflows.ts). */
export { agentTask } from './agent-task/workflow';
