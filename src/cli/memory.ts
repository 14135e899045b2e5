import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../config';
import { DreamError } from '../errors';
import { MemoryEntry, MemoryKind, SQLiteMemory } from '../memory';
import { say } from './context';
import { withProgress } from './progress';

/** The memory database the CLI works on: `--db`, else `<DREAMOS_HOME>/memory.db`. */
export function memoryDbFile(db: string | undefined): string {
  return db === undefined ? path.join(loadConfig().home, 'memory.db') : path.resolve(db);
}

function withMemory<T>(command: Command, use: (memory: SQLiteMemory) => T): T {
  const memory = SQLiteMemory.open(memoryDbFile(command.optsWithGlobals<{ db?: string }>().db));
  try {
    return use(memory);
  } finally {
    memory.close();
  }
}

function usage(option: string, got: string, expected: string, example: string): DreamError {
  return new DreamError('CLI_INVALID_OPTION', `${option} must be ${expected}, got "${got}".`, `Pass e.g. ${option} ${example}, or leave it out.`);
}

function parseTags(value: string): string[] {
  return value.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

function parseImportance(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw usage('--importance', value, 'a number from 0 to 1', '0.7');
  return n;
}

function wholeNumber(option: string, min: number, example: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw usage(option, value, min === 0 ? 'a whole number' : 'a positive whole number', example);
    return n;
  };
}

function describeEntry(e: MemoryEntry): string {
  const tags = e.tags.length > 0 ? ` #${e.tags.join(' #')}` : '';
  return `${e.namespace} ${e.key} [${e.kind} ${e.importance.toFixed(2)}${tags}] ${e.content.replace(/\s+/g, ' ')}`;
}

/** A list short enough for one line: a snapshot of every namespace may cover thousands. */
function listed(names: string[], most = 10): string {
  return names.length <= most ? names.join(', ') : `${names.slice(0, most).join(', ')} and ${names.length - most} more`;
}

interface RecallOptions {
  text?: string;
  tags?: string[];
  kind?: MemoryKind;
  minImportance?: number;
  limit?: number;
  maxChars?: number;
  json?: boolean;
}

export function memoryCommand(): Command {
  const memory = new Command('memory')
    .description("Read and write the agents' persistent memory (a SQLite file, <DREAMOS_HOME>/memory.db by default)")
    .option('--db <file>', 'memory database file to use instead of <DREAMOS_HOME>/memory.db');

  memory
    .command('get')
    .description('Print one memory as JSON')
    .argument('<ns>', 'namespace, e.g. agent:<mission>:<task> or mission:<mission>')
    .argument('<key>', 'key of the memory')
    .action((ns: string, key: string, _options: object, command: Command) =>
      withMemory(command, (m) => {
        const entry = m.get(ns, key);
        if (entry === undefined) {
          throw new DreamError('MEMORY_NOT_FOUND', `No memory "${key}" in namespace "${ns}".`, `List what is there with \`dreamos memory recall ${ns}\`.`);
        }
        say(JSON.stringify(entry, null, 2));
      }),
    );

  memory
    .command('put')
    .description('Write (or replace) a memory')
    .argument('<ns>', 'namespace, e.g. mission:<mission>')
    .argument('<key>', 'key of the memory')
    .argument('<content>', 'the text to remember')
    .option('--tags <tags>', 'comma-separated tags, e.g. decision,pricing', parseTags)
    .option('--importance <n>', 'how much it matters, 0..1 (default 0.5)', parseImportance)
    .addOption(new Option('--kind <kind>', 'long-term fact or short-term turn').choices(['long', 'short']).default('long'))
    .action((ns: string, key: string, content: string, options: { tags?: string[]; importance?: number; kind: MemoryKind }, command: Command) =>
      withMemory(command, (m) => say(describeEntry(m.put(ns, key, { content, tags: options.tags, importance: options.importance, kind: options.kind })))),
    );

  memory
    .command('recall')
    .description('Print the most relevant memories of one or more namespaces, best first')
    .argument('<ns...>', 'namespaces to search')
    .option('--text <text>', 'full-text query; ranks by text match before importance and recency')
    .option('--tags <tags>', 'keep memories with at least one of these comma-separated tags', parseTags)
    .addOption(new Option('--kind <kind>', 'only long-term facts or short-term turns').choices(['long', 'short']))
    .option('--min-importance <n>', 'only memories at least this important, 0..1', parseImportance)
    .option('--limit <n>', 'at most this many memories (default 20, at most 1000)', wholeNumber('--limit', 1, '10'))
    .option('--max-chars <n>', 'stop before the memories\' content exceeds this many characters', wholeNumber('--max-chars', 0, '4000'))
    .option('--json', 'print JSON instead of one line per memory')
    .action((namespaces: string[], options: RecallOptions, command: Command) =>
      withMemory(command, (m) => {
        const entries = m.recall({
          namespaces,
          text: options.text,
          tags: options.tags,
          kinds: options.kind === undefined ? undefined : [options.kind],
          minImportance: options.minImportance,
          limit: options.limit,
          maxChars: options.maxChars,
        });
        if (options.json) say(JSON.stringify(entries, null, 2));
        else if (entries.length === 0) say('no memories match');
        else entries.forEach((e) => say(describeEntry(e)));
      }),
    );

  memory
    .command('export')
    .description('Write memories to a snapshot file (JSON lines with a checksum, written atomically, in bounded memory); shows progress on large exports')
    .argument('<file>', 'snapshot file to write')
    .option('--namespace <ns>', 'export only this namespace (default: all)')
    .action((file: string, options: { namespace?: string }, command: Command) =>
      withMemory(command, (m) => {
        const result = withProgress('exporting', (onProgress) => m.exportSnapshot(file, { namespace: options.namespace, onProgress }));
        say(`exported ${result.entries} memories of ${result.namespaces.length} namespace(s) to ${file} (sha256 ${result.checksum})`);
      }),
    );

  memory
    .command('import')
    .description('Make the namespaces a snapshot covers hold exactly its memories, in one transaction; a damaged snapshot changes nothing. Reads both snapshot versions; shows progress on large files')
    .argument('<file>', 'snapshot file written by `dreamos memory export`')
    .action((file: string, _options: object, command: Command) =>
      withMemory(command, (m) => {
        const result = withProgress('importing', (onProgress) => m.importSnapshot(file, { onProgress }));
        say(`imported ${result.entries} memories into ${result.namespaces.length} namespace(s) (${result.written} written, ${result.removed} removed): ${listed(result.namespaces)}`);
      }),
    );

  memory
    .command('stats')
    .description('Print counts and the size of the memory database')
    .option('--verify', 'also check the file, the full-text index and the journal agree (reads everything)')
    .action((options: { verify?: boolean }, command: Command) =>
      withMemory(command, (m) => {
        const s = m.stats();
        say(`${m.file}`);
        say(`entries ${s.entries} (long-term ${s.longTerm}, short-term ${s.shortTerm}) in ${s.namespaces} namespace(s)`);
        say(`versions ${s.versions} · ${(s.fileBytes / 1024).toFixed(1)} KiB`);
        if (!options.verify) return;
        const { ok, problems } = m.verify();
        if (ok) return say('verify: ok');
        throw new DreamError('MEMORY_CORRUPT', `Memory database ${m.file} fails verification: ${problems.join('; ')}.`, 'Restore it from a snapshot (`dreamos memory import <file>`) into a new --db file, or delete it to start afresh.');
      }),
    );

  return memory;
}
