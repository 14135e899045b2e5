import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { BENCHMARKS } from './index';
import { hasTarget, meetsTarget, Metric } from './metric';
import { logToFile } from '../src/logger';

/**
 * `npm run bench [-- <prefix>...]`: runs the benchmark groups (or those whose name starts with a
 * prefix), prints a table, and merges the figures into bench/results.json.
 */
async function main(prefixes: string[]): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  // Worker and activity logs would drown the progress lines; they go to a file.
  const logFile = path.resolve(__dirname, '..', '..', '.dreamos', 'bench.log');
  logToFile(logFile);
  console.log(`logs: ${path.relative(process.cwd(), logFile)}`);
  const selected = BENCHMARKS.filter((b) => prefixes.length === 0 || prefixes.some((p) => b.name.startsWith(p) || p.startsWith(`${b.name}.`)));
  if (selected.length === 0) {
    console.error(`No benchmark matches ${prefixes.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  const metrics: Metric[] = [];
  for (const benchmark of selected) {
    console.log(`▶ ${benchmark.name}`);
    metrics.push(...(await benchmark.run((line) => console.log(`  ${line}`))));
  }
  const file = path.resolve(__dirname, '..', '..', 'bench', 'results.json');
  const previous: Metric[] = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Metric[]) : [];
  const merged = [...previous.filter((m) => !metrics.some((n) => n.name === m.name)), ...metrics].sort((a, b) => a.name.localeCompare(b.name));
  fs.writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  console.log('');
  console.table(metrics.map((m) => ({ name: m.name, value: m.value, unit: m.unit, baseline: m.baseline, target: m.target, met: hasTarget(m.target) ? (meetsTarget(m.value, m.target) ? 'yes' : 'NO') : '—' })));
  console.log(`results written to ${path.relative(process.cwd(), file)}`);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exit(1);
});
