export { agentTask } from '../workflows/agentTask';
export { bareStep } from './bare-step';
