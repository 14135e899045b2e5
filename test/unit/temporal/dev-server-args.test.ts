import { DEV_SERVER_DYNAMIC_CONFIG, devServerArgs } from '../../../src/temporal/dev-server';

/** The pairs `--dynamic-config-value KEY=VALUE` of a command line, as KEY=VALUE strings. */
function dynamicConfigOf(args: string[]): string[] {
  return args.flatMap((arg, i) => (arg === '--dynamic-config-value' ? [args[i + 1]] : []));
}

describe('the dev server command line', () => {
  test('raises the transfer queue read rate of the embedded server (one shard) unless told otherwise', () => {
    expect(DEV_SERVER_DYNAMIC_CONFIG['history.transferProcessorMaxPollRPS']).toBeGreaterThan(20);
    expect(dynamicConfigOf(devServerArgs({ port: 7233 }))).toEqual([`history.transferProcessorMaxPollRPS=${DEV_SERVER_DYNAMIC_CONFIG['history.transferProcessorMaxPollRPS']}`]);
  });

  test('starts a stock dev server with an empty dynamic config', () => {
    expect(dynamicConfigOf(devServerArgs({ port: 7233, dynamicConfig: {} }))).toEqual([]);
  });

  test('writes values as JSON, as the CLI reads them (strings quoted)', () => {
    expect(dynamicConfigOf(devServerArgs({ port: 7233, dynamicConfig: { 'limit.maxIDLength': 255, 'system.someName': 'a b', 'system.flag': true } }))).toEqual(['limit.maxIDLength=255', 'system.someName="a b"', 'system.flag=true']);
  });

  test('keeps the port, namespace, persistence and UI choices', () => {
    const args = devServerArgs({ port: 7999, namespace: 'swarm', dbFile: '/tmp/t.db', uiPort: 8999 });
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(args).toEqual(expect.arrayContaining(['--port', '7999', '--namespace', 'swarm', '--db-filename', '/tmp/t.db', '--ui-port', '8999']));
    expect(args).not.toContain('--headless');
    expect(devServerArgs({ port: 7999 })).toContain('--headless');
  });
});
