import { agentStepBenchmark } from './agent-step';
import { clusterBenchmark } from './cluster';
import { analyticsBenchmark } from './analytics';
import { healerBenchmark } from './healer';
import { memoryBenchmark } from './memory';
import { Benchmark } from './metric';
import { scalingBenchmark } from './scaling';
import { missionBenchmark } from './mission';

/** Every benchmark group `npm run bench` knows, in run order. */
export const BENCHMARKS: Benchmark[] = [agentStepBenchmark, memoryBenchmark, analyticsBenchmark, healerBenchmark, clusterBenchmark, missionBenchmark, scalingBenchmark];
