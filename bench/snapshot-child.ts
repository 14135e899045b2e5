import { SQLiteMemory } from '../src/memory';

/**
 * The child process of `memory.snapshot1MPeakRssMb`: exports one memory database to a snapshot,
 * imports that snapshot into another, and prints its timings and its peak resident memory as JSON.
 * Usage: node snapshot-child.js <source.db> <snapshot file> <target.db>
 */
const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

function main([source, snapshot, target]: string[]): void {
  const started = performance.now();
  const from = SQLiteMemory.open(source);
  const exported = from.exportSnapshot(snapshot);
  from.close();
  const exportMs = performance.now() - started;
  const peakAfterExportMb = peakMb();
  const into = SQLiteMemory.open(target);
  const imported = into.importSnapshot(snapshot);
  into.close();
  const importMs = performance.now() - started - exportMs;
  process.stdout.write(`${JSON.stringify({ entries: imported.entries, fileBytes: exported.bytes, exportMs: Math.round(exportMs), importMs: Math.round(importMs), peakAfterExportMb, peakMb: peakMb() })}\n`);
}

main(process.argv.slice(2));
