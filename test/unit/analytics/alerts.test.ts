import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ALERT_RETENTION_MS, AlertStore, swarmAlertSchema } from '../../../src/analytics/alerts';
import type { SwarmAlert } from '../../../src/contracts/tower';

const MINUTE = 60_000;
const T0 = Date.parse('2026-12-01T12:00:00Z');

function alert(kind: SwarmAlert['kind'], subject: string, raisedAt: number, extra: Partial<SwarmAlert> = {}): SwarmAlert {
  return { key: `${kind}:${subject}:${raisedAt}`, kind, subject, severity: 'warning', message: `${kind} on ${subject}`, raisedAt, ...extra };
}

let dir: string;
let store: AlertStore;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-alerts-'));
  store = AlertStore.open(path.join(dir, 'alerts.db'));
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a raised alert is listed as active; writing it again changes nothing', () => {
  const stuck = alert('stuck-mission', 'm1', T0);
  expect(store.record([stuck], { now: T0 })).toEqual({ raised: 1, cleared: 0, unchanged: 0 });
  expect(store.record([stuck], { now: T0 })).toEqual({ raised: 0, cleared: 0, unchanged: 1 });
  expect(store.list({ clearedSince: 0 })).toEqual({ active: [stuck], cleared: [] });
});

test('a clear sets clearedAt on the stored alert once; a later clear of the same key keeps the first time', () => {
  const queue = alert('queue-without-pollers', 'agents/activity', T0, { severity: 'critical' });
  store.record([queue], { now: T0 });
  expect(store.record([{ ...queue, clearedAt: T0 + 5 * MINUTE }], { now: T0 + 5 * MINUTE })).toEqual({ raised: 0, cleared: 1, unchanged: 0 });
  expect(store.record([{ ...queue, clearedAt: T0 + 9 * MINUTE }], { now: T0 + 9 * MINUTE })).toEqual({ raised: 0, cleared: 0, unchanged: 1 });
  expect(store.list({ clearedSince: 0 })).toEqual({ active: [], cleared: [{ ...queue, clearedAt: T0 + 5 * MINUTE }] });
});

test('a clear arriving before its raise is stored cleared, and the late raise does not reopen it', () => {
  const rate = alert('low-resolution-rate', 'swarm', T0);
  store.record([{ ...rate, clearedAt: T0 + MINUTE }], { now: T0 + MINUTE });
  expect(store.record([rate], { now: T0 + MINUTE })).toEqual({ raised: 0, cleared: 0, unchanged: 1 });
  expect(store.list({ clearedSince: 0 }).active).toEqual([]);
});

test('active alerts come newest first; cleared ones only since the window start, latest cleared first', () => {
  const a = alert('stuck-mission', 'a', T0);
  const b = alert('stuck-mission', 'b', T0 + MINUTE);
  const oldClear = alert('stuck-mission', 'c', T0 - 90 * MINUTE, { clearedAt: T0 - 80 * MINUTE });
  const c1 = alert('stuck-mission', 'd', T0 - 30 * MINUTE, { clearedAt: T0 - 20 * MINUTE });
  const c2 = alert('stuck-mission', 'e', T0 - 30 * MINUTE, { clearedAt: T0 - 10 * MINUTE });
  store.record([a, b, oldClear, c1, c2], { now: T0 + MINUTE });
  const listed = store.list({ clearedSince: T0 - 60 * MINUTE });
  expect(listed.active.map((x) => x.subject)).toEqual(['b', 'a']);
  expect(listed.cleared.map((x) => x.subject)).toEqual(['e', 'd']);
});

test('retention drops alerts cleared longer ago than the retention, never active ones', () => {
  const longActive = alert('stuck-mission', 'forever', T0);
  const longCleared = alert('stuck-mission', 'done', T0, { clearedAt: T0 + MINUTE });
  store.record([longActive, longCleared], { now: T0 + MINUTE });
  store.record([], { now: T0 + MINUTE + ALERT_RETENTION_MS + 1 });
  expect(store.list({ clearedSince: 0 })).toEqual({ active: [longActive], cleared: [] });
});

test('a batch is one transaction: an alert the database refuses stores none of the batch', () => {
  const good = alert('stuck-mission', 'ok', T0);
  const bad = { ...alert('stuck-mission', 'bad', T0), message: null } as unknown as SwarmAlert;
  expect(() => store.record([good, bad], { now: T0 })).toThrow();
  expect(store.list({ clearedSince: 0 }).active).toEqual([]);
});

test('listeners hear raises and clears, not repeats; a reader in another connection sees the data version move', () => {
  const heard: unknown[] = [];
  store.onRecorded((r) => heard.push(r));
  const reader = AlertStore.open(store.file, { readonly: true });
  try {
    const before = reader.dataVersion();
    const stuck = alert('stuck-mission', 'm1', T0);
    store.record([stuck], { now: T0 });
    store.record([stuck], { now: T0 });
    store.record([{ ...stuck, clearedAt: T0 + 1 }], { now: T0 });
    expect(heard).toEqual([
      { raised: 1, cleared: 0, unchanged: 0 },
      { raised: 0, cleared: 1, unchanged: 0 },
    ]);
    expect(reader.dataVersion()).not.toBe(before);
    expect(reader.list({ clearedSince: 0 }).cleared.map((a) => a.key)).toEqual([stuck.key]);
  } finally {
    reader.close();
  }
});

test('the schema refuses an unknown kind, a missing field and a clear before the raise', () => {
  expect(swarmAlertSchema.safeParse(alert('stuck-mission', 'm', T0)).success).toBe(true);
  expect(swarmAlertSchema.safeParse({ ...alert('stuck-mission', 'm', T0), kind: 'disk-full' }).success).toBe(false);
  const { message: _message, ...noMessage } = alert('stuck-mission', 'm', T0);
  expect(swarmAlertSchema.safeParse(noMessage).success).toBe(false);
  const early = swarmAlertSchema.safeParse(alert('stuck-mission', 'm', T0, { clearedAt: T0 - 1 }));
  expect(early.success).toBe(false);
  expect(early.error?.issues[0].path).toEqual(['clearedAt']);
});

test('a read-only open of a missing file says where the store comes from', () => {
  const error = (() => {
    try {
      AlertStore.open(path.join(dir, 'none.db'), { readonly: true });
    } catch (err) {
      return err as { code: string; fix: string };
    }
  })();
  expect(error).toMatchObject({ code: 'ALERT_STORE_MISSING', fix: expect.stringMatching(/nexus worker creates it/) });
});
