import { combineActivities } from '../../../workers/create';

describe("a worker's activities", () => {
  test('groups with distinct names are combined', () => {
    const combined = combineActivities({ a: async () => 1 }, { b: async () => 2 });
    expect(Object.keys(combined).sort()).toEqual(['a', 'b']);
  });

  test('a name defined by two groups is refused, naming it', () => {
    expect(() => combineActivities({ observeSwarm: async () => 1 }, { observeSwarm: async () => 2 })).toThrow('activity name "observeSwarm" is defined by two activity groups of one worker');
  });
});
