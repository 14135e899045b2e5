import { parseBenchSetting } from '../../../bench/metric';

describe('bench settings from the environment', () => {
  test('unset or empty gives the default; a whole number at or above the minimum is taken', () => {
    expect(parseBenchSetting('BENCH_X', undefined, 100, 1)).toBe(100);
    expect(parseBenchSetting('BENCH_X', ' ', 100, 1)).toBe(100);
    expect(parseBenchSetting('BENCH_X', '40', 100, 1)).toBe(40);
    expect(parseBenchSetting('BENCH_X', '0', 3)).toBe(0);
  });

  test('anything else is refused with the name, the value and the fix', () => {
    expect(() => parseBenchSetting('BENCH_MISSION_TASKS', 'ten', 100, 5)).toThrow('BENCH_MISSION_TASKS="ten" is not a whole number >= 5. Fix: set it to one, or unset it for the default (100).');
    expect(() => parseBenchSetting('BENCH_MISSION_TASKS', '2', 100, 5)).toThrow(/>= 5/);
    expect(() => parseBenchSetting('BENCH_MISSION_ROUNDS', '1.5', 3, 1)).toThrow(/BENCH_MISSION_ROUNDS="1.5"/);
    expect(() => parseBenchSetting('BENCH_MISSION_LATENCY_MS', '-200', 200)).toThrow(/>= 0/);
  });
});
