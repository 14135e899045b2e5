/**
 * The workflows of the control queue: the bundle the control worker loads (scripts/bundle-workflows.ts).
 * Each worker's bundle holds only what its queue runs: every workflow start evaluates the modules
 * its bundle's entry requires, so one queue's workflows would otherwise slow another's.
 */
/** Supervises a mission's agent tasks as child workflows. */
export { mission } from './mission/workflow';
/** Sizes a swarm's agent workers (dynamic scaling). */
export { scaler } from './scaler/workflow';
/** The always-on control tower: mission intake, admission across missions, swarm health. */
export { controlTower } from './tower/workflow';
/** One run of a mission schedule: submits the mission through the tower and waits for its end. */
export { scheduledMission } from './scheduled-mission/workflow';
