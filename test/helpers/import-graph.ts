import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The specifiers a TypeScript file imports or re-exports as values (`import type` and `export type` aside). */
export function valueImportsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const fromClauses = [...code.matchAll(/^\s*(import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^']+)'/gms)].map((m) => m[2]);
  const bare = [...code.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]);
  return [...fromClauses, ...bare];
}

function resolveLocal(fromFile: string, specifier: string): string {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`${path.relative(ROOT, fromFile)}: cannot resolve ${specifier}`);
}

export interface ImportGraph {
  /** Project files reached by value imports, relative to the project root. */
  files: string[];
  /** Packages and Node built-ins imported by value, with the first file importing each. */
  packages: Map<string, string>;
}

/** Every module the entries reach through value imports: what their bundle evaluates. */
export function importGraph(entries: string[]): ImportGraph {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = entries.map((entry) => path.resolve(ROOT, entry));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of valueImportsOf(fs.readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) queue.push(resolveLocal(file, specifier));
      else if (!packages.has(specifier)) packages.set(specifier, path.relative(ROOT, file));
    }
  }
  return { files: [...seen].map((file) => path.relative(ROOT, file)).sort(), packages };
}
