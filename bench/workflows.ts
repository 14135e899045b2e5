export { agentTask } from '../workflows/agent-task/workflow';
export { bareStep } from './bare-step';
