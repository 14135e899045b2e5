import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { isDreamError } from '../src/errors';
import { logger } from '../src/logger';
import { LIMITS, MEMORY_ERRORS, MemoryKind, SQLiteMemory } from '../src/memory';
import { INVALID_MEMORY_REQUEST } from '../src/contracts/failure-types';


const name = z.string().min(1).max(LIMITS.nameChars);
const tags = z.array(z.string().min(1).max(LIMITS.tagChars)).max(LIMITS.tags);

const kind = z.enum(['short', 'long']);
/** Room is left for the `#<index>` each write's own key adds. */
const idempotencyKey = z.string().min(1).max(LIMITS.nameChars - 8);

/** What a workflow asks recallMemory for; see RecallQuery for the ranking. */
const recallInputSchema = z.strictObject({
  namespaces: z.array(name).min(1).max(64),
  /** Full-text query: only entries matching one of its words, best match first. */
  text: z.string().max(2_000).optional(),
  /** Only entries carrying one of these tags. */
  tags: tags.optional(),
  /** Default: both kinds. */
  kinds: z.array(kind).min(1).optional(),
  minImportance: z.number().min(0).max(1).optional(),
  /** Default 20. */
  limit: z.number().int().min(1).max(LIMITS.recallLimit).optional(),
  /** Budget on the total content length: the longest prefix of the ranking that fits. */
  maxChars: z.number().int().min(0).optional(),
});

const writeSchema = z
  .strictObject({
    namespace: name,
    key: name.optional(),
    kind,
    content: z.string().max(LIMITS.contentChars),
    tags: tags.optional(),
    importance: z.number().min(0).max(1).optional(),
    role: name.optional(),
  })
  .refine((w) => w.kind === 'short' || w.key !== undefined, { message: "a 'long' write needs a key", path: ['key'] });

/**
 * The memories of one step. `idempotencyKey` is `workflowId:step:attempt:purpose`, computed by the
 * workflow, so Temporal's retries of the activity reuse it; `checkpointId` is the checkpoint the
 * agent works from (a rollback to it undoes these writes). A `short` write is a turn (role default
 * `assistant`) appended to the namespace's window; a `long` write puts its `key`.
 */
const rememberInputSchema = z.strictObject({
  idempotencyKey,
  checkpointId: name,
  writes: z.array(writeSchema).max(200),
  /** Keys to delete before the writes (the facts of steps a rollback dropped); delete i is idempotent under `${idempotencyKey}#f${i}`. */
  forget: z.array(z.strictObject({ namespace: name, key: name })).max(200).optional(),
});
const checkpointInputSchema = z.strictObject({ namespaces: z.array(name).min(1).max(64), checkpointId: name, idempotencyKey });

export type RecallMemoryInput = z.input<typeof recallInputSchema>;
export type RememberStepInput = z.input<typeof rememberInputSchema>;
export type MemoryCheckpointInput = z.input<typeof checkpointInputSchema>;

/** A recalled memory as it travels through Temporal history. */
export interface RecalledMemory {
  namespace: string;
  key: string;
  kind: MemoryKind;
  /** Who said it, for turns; null for facts. */
  role: string | null;
  content: string;
  tags: string[];
  importance: number;
  /** Epoch ms of the latest write. */
  updatedAt: number;
}

/** Codes of memory errors that are the caller's mistake: failing again on retry is certain. */
const CALLER_ERRORS: ReadonlySet<string> = new Set([MEMORY_ERRORS.invalidInput, MEMORY_ERRORS.idempotencyConflict, MEMORY_ERRORS.checkpointUnknown, MEMORY_ERRORS.checkpointDiscarded]);

function parse<T>(schema: z.ZodType<T>, input: unknown, activity: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
  throw ApplicationFailure.create({ type: INVALID_MEMORY_REQUEST, nonRetryable: true, message: `${activity}: invalid input — ${issues.join('; ')}`, details: [{ issues }] });
}

/** Memory errors the caller caused become non-retryable failures; anything else (a busy or full disk) is retried. */
async function guarded<T>(activity: string, run: () => T): Promise<T> {
  try {
    return run();
  } catch (err) {
    if (isDreamError(err) && CALLER_ERRORS.has(err.code)) {
      throw ApplicationFailure.create({ type: INVALID_MEMORY_REQUEST, nonRetryable: true, message: `${activity}: ${err.message} (fix: ${err.fix})`, details: [{ code: err.code }] });
    }
    throw err;
  }
}

/** Activities over the persistent memory; they run on the `nexus` queue, the single owner of the SQLite file. */
export const createMemoryActivities = (memory: SQLiteMemory) => ({
  /** The most relevant memories of the namespaces, best first (text rank, then importance, then recency), within `maxChars`. */
  async recallMemory(input: RecallMemoryInput): Promise<RecalledMemory[]> {
    const query = parse(recallInputSchema, input, 'recallMemory');
    return guarded('recallMemory', () =>
      memory.recall(query).map((e) => ({ namespace: e.namespace, key: e.key, kind: e.kind, role: e.role, content: e.content, tags: e.tags, importance: e.importance, updatedAt: e.updatedAt })),
    );
  },

  /** The memories of one step, all in one transaction; write i is idempotent under `${idempotencyKey}#${i}`. */
  async rememberStep(input: RememberStepInput): Promise<{ written: number; forgotten: number }> {
    const { idempotencyKey, checkpointId, writes, forget = [] } = parse(rememberInputSchema, input, 'rememberStep');
    return guarded('rememberStep', () => {
      let forgotten = 0;
      memory.transaction(() => {
        forget.forEach((f, index) => {
          if (memory.delete(f.namespace, f.key, { idempotencyKey: `${idempotencyKey}#f${index}`, checkpointId })) forgotten += 1;
        });
        writes.forEach((w, index) => {
          const meta = { idempotencyKey: `${idempotencyKey}#${index}`, checkpointId };
          const value = { content: w.content, tags: w.tags, importance: w.importance };
          if (w.kind === 'short') memory.appendTurn(w.namespace, { role: w.role ?? 'assistant', ...value }, meta);
          else memory.put(w.namespace, w.key as string, { kind: 'long', ...value }, meta);
        });
      });
      logger.info({ event: 'memory.remembered', idempotencyKey, checkpointId, writes: writes.length, forgotten }, 'step memories written');
      return { written: writes.length, forgotten };
    });
  },

  /** Marks the namespaces' current state as `checkpointId` (namespace i idempotent under `${idempotencyKey}#${i}`); call it when the checkpoint is taken. */
  async checkpointMemory(input: MemoryCheckpointInput): Promise<void> {
    const { namespaces, checkpointId, idempotencyKey } = parse(checkpointInputSchema, input, 'checkpointMemory');
    return guarded('checkpointMemory', () => {
      memory.transaction(() => namespaces.forEach((ns, i) => memory.markCheckpoint(ns, checkpointId, { idempotencyKey: `${idempotencyKey}#${i}` })));
    });
  },

  /** Restores the namespaces to `checkpointId`, all in one transaction; a retry returns the first result and undoes nothing newer. */
  async rollbackMemory(input: MemoryCheckpointInput): Promise<{ restored: number; removed: number }> {
    const { namespaces, checkpointId, idempotencyKey } = parse(checkpointInputSchema, input, 'rollbackMemory');
    return guarded('rollbackMemory', () => {
      const results = memory.transaction(() => namespaces.map((ns, i) => memory.rollbackTo(ns, checkpointId, { idempotencyKey: `${idempotencyKey}#${i}` })));
      const total = results.reduce((sum, r) => ({ restored: sum.restored + r.restored, removed: sum.removed + r.removed }), { restored: 0, removed: 0 });
      logger.info({ event: 'memory.rolledBack', idempotencyKey, checkpointId, ...total }, 'memory rolled back');
      return total;
    });
  },
});

export type MemoryActivities = ReturnType<typeof createMemoryActivities>;
