import path from 'node:path';
import { importGraph, ROOT, valueImportsOf } from '../../helpers/import-graph';
import { WORKFLOW_BUNDLES } from '../../../scripts/bundle-workflows';

/** What workflow code may evaluate: the workflow SDK, its common types, and zod. */
const WORKFLOW_SAFE_PACKAGES = /^(@temporalio\/workflow|@temporalio\/common|zod)(\/|$)/;
/** Where workflow code may live: workflows, the workflow-safe contracts, the pure healer. */
const WORKFLOW_SAFE_FOLDERS = /^(workflows|src\/contracts|src\/healing)\//;

function violations(entries: string[]): string[] {
  const graph = importGraph(entries);
  const badPackages = [...graph.packages].filter(([name]) => !WORKFLOW_SAFE_PACKAGES.test(name)).map(([name, file]) => `${file} imports ${name}`);
  const badFiles = graph.files.filter((file) => !WORKFLOW_SAFE_FOLDERS.test(file)).map((file) => `${file} is reached by workflow code`);
  return [...badPackages, ...badFiles];
}

describe('the workflow import boundary', () => {
  test.each(Object.entries(WORKFLOW_BUNDLES))('the %s bundle (%s) reaches only workflow-safe modules', (_role, entry) => {
    expect(violations([entry])).toEqual([]);
  });

  test('the preloaded modules are workflow-safe too', () => {
    expect(violations(['workflows/preload.ts'])).toEqual([]);
  });

  test('the agents bundle really walks the agent task and its contracts', () => {
    const { files, packages } = importGraph([WORKFLOW_BUNDLES.agents]);

    expect(files).toEqual(expect.arrayContaining(['workflows/agent-task/workflow.ts', 'workflows/agent-task/repair.ts', 'src/contracts/agent-task-spec.ts', 'src/healing/chooser.ts']));
    expect([...packages.keys()]).toEqual(expect.arrayContaining(['@temporalio/workflow', 'zod']));
  });

  test('a workflow module importing Node, a client or a Node-side library is flagged', () => {
    expect(violations(['test/unit/workflows/fixtures/leaky-workflow.ts'])).toEqual(
      expect.arrayContaining([
        'test/unit/workflows/fixtures/leaky-workflow.ts imports node:fs',
        'test/unit/workflows/fixtures/leaky-workflow.ts imports @temporalio/client',
        'src/config.ts is reached by workflow code',
        'test/unit/workflows/fixtures/leaky-workflow.ts is reached by workflow code',
      ]),
    );
  });

  test('type-only imports are not followed, value imports are', () => {
    const text = [
      "import type { Client } from '@temporalio/client';",
      "export type { X } from './types';",
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { type A, b } from './mixed';",
      "export { c } from './c';",
      "import './side-effect';",
      "// import fs from 'node:fs';",
    ].join('\n');

    expect(valueImportsOf(text)).toEqual(['@temporalio/workflow', './mixed', './c', './side-effect']);
  });
});

/** Paths to zod schemas among what the SDK freezes of a preloaded module: its exports, objects within objects. */
function exportedSchemas(value: unknown, where: string, seen = new Set<unknown>()): string[] {
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  if ('_zod' in value) return [where];
  return Object.entries(value).flatMap(([key, inner]) => exportedSchemas(inner, `${where}.${key}`, seen));
}

describe('the preloaded modules', () => {
  const preloaded = importGraph(['workflows/preload.ts']).files.filter((file) => file.startsWith('src/'));

  test('include the healer and the contracts the agent task validates its input with', () => {
    expect(preloaded).toEqual(expect.arrayContaining(['src/healing/index.ts', 'src/healing/output-schemas.ts', 'src/contracts/agent-task-spec.ts']));
  });

  // The SDK deep-freezes what a preloaded module exports; a frozen zod schema fails on first use.
  test.each(preloaded)('%s exports no zod schema object', (file) => {
    const exports: unknown = require(path.join(ROOT, file));

    expect(exportedSchemas(exports, file)).toEqual([]);
  });

  test('the check finds a schema exported the way the healer used to export them', () => {
    const { z } = require('zod') as typeof import('zod');

    expect(exportedSchemas({ OUTPUT_SCHEMAS: { answer: z.object({ answer: z.string() }) } }, 'module')).toEqual(['module.OUTPUT_SCHEMAS.answer']);
  });
});
