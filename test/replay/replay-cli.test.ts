import fs from 'node:fs';
import path from 'node:path';
import { bundleCode } from '../../scripts/bundle-workflows';
import { ARTIFACTS } from '../helpers/paths';
import { runDreamos } from '../helpers/processes';

const HISTORIES = path.join(__dirname, 'histories');
const files = () => fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(HISTORIES, f));

describe('dreamos replay (history files)', () => {
  test('the recorded histories replay against the current bundle: exit 0 and a count', async () => {
    const result = await runDreamos(['replay', ...files()]);
    expect(result.output).toContain(`${files().length} of ${files().length} replayed deterministically`);
    expect(result.code).toBe(0);
  });

  test('an incompatible bundle fails: each run is reported with its first diverging event, exit 1', async () => {
    const bundle = path.join(ARTIFACTS, 'nondeterministic-bundle.js');
    fs.writeFileSync(bundle, await bundleCode(require.resolve('./fixtures/nondeterministic-workflows')));
    const [first] = files();
    const result = await runDreamos(['replay', first, '--bundle', bundle]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/✘ agentTask \S+: non-deterministic, first diverging event \d+ \(\w+\)/);
    expect(result.output).toContain('0 of 1 replayed deterministically');
  });

  test('nothing to replay, or an unreadable file, is a clear error', async () => {
    const none = await runDreamos(['replay']);
    expect(none.code).toBe(1);
    expect(none.output).toContain('error [CLI_INVALID_OPTION]: Nothing to replay.');
    const bad = path.join(ARTIFACTS, 'not-a-history.json');
    fs.writeFileSync(bad, '{"events": "nope"');
    const unreadable = await runDreamos(['replay', bad]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.output).toContain('error [HISTORY_FILE_INVALID]');
  });
});
