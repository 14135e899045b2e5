/** The control worker's workflows (its own bundle once per-worker bundles land). */
export { mission } from './mission/workflow';
