import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cluster } from '../../src/temporal/cluster-script';
import { connectClient } from '../../src/temporal/connection';
import { isDreamError } from '../../src/errors';
import { CLUSTER_START_TIMEOUT_MS, missionFile, startTestCluster } from '../helpers/cluster';
import { makeCertificates, TestCertificates } from '../helpers/certs';
import { childWorkers, runDreamos } from '../helpers/processes';
import { ARTIFACTS } from '../helpers/paths';

// The cluster's frontend requires client certificates signed by the test's CA (mutual TLS).
// Certificates are made with openssl for this run in a temp folder and deleted after it.
let certs: TestCertificates;
let cluster: Cluster;
let tlsEnv: Record<string, string>;
const workers = childWorkers();

beforeAll(async () => {
  certs = makeCertificates(fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-certs-')));
  cluster = await startTestCluster('mtls', { tlsDir: certs.dir });
  tlsEnv = {
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_TLS_CA_PATH: certs.ca,
    TEMPORAL_TLS_CERT_PATH: certs.client.cert,
    TEMPORAL_TLS_KEY_PATH: certs.client.key,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    DREAMOS_DASHBOARD_PORT: '0',
  };
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
  await workers.stopAll();
  await cluster?.destroy();
  if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
});

test('the CLI and a worker connect over mTLS and run a mission', async () => {
  const setup = await runDreamos(['setup', 'namespace'], tlsEnv);
  expect(setup.output).toContain('namespace default: created');
  expect((await runDreamos(['setup', 'search-attributes'], tlsEnv)).code).toBe(0);

  const worker = workers.start('agents', { ...tlsEnv, DREAMOS_HOME: fs.mkdtempSync(`${ARTIFACTS}/mtls-`) });
  await worker.waitForText(/serving agents/, 60_000);
  const nexus = workers.start('nexus', { ...tlsEnv, DREAMOS_HOME: fs.mkdtempSync(`${ARTIFACTS}/mtls-`) });
  await nexus.waitForText(/serving nexus/, 60_000);
  // The mission workflow itself runs on the control queue.
  const control = workers.start('control', { ...tlsEnv, DREAMOS_HOME: fs.mkdtempSync(`${ARTIFACTS}/mtls-`) });
  await control.waitForText(/serving control/, 60_000);

  const file = missionFile(`mtls-${Date.now().toString(36)}`, { steps: 1, latencyMs: 0, tasks: [{ taskId: 'research', role: 'researcher', outputSchema: 'research' }] });
  const submitted = await runDreamos(['submit', file, '--wait'], tlsEnv);
  expect(submitted.output).toMatch(/✔ .*research: completed 1 step/);
  expect(submitted.code).toBe(0);
}, 180_000);

test('a worker with a certificate from another CA is refused with TEMPORAL_TLS_REFUSED', async () => {
  const rogue = workers.start('agents', { ...tlsEnv, TEMPORAL_TLS_CERT_PATH: certs.rogue.cert, TEMPORAL_TLS_KEY_PATH: certs.rogue.key });
  const code = await rogue.exited;
  expect(code).toBe(1);
  expect(rogue.output()).toContain('error [TEMPORAL_TLS_REFUSED]');
  // The reason comes from the handshake itself, not gRPC's "transport error".
  expect(rogue.output()).toMatch(/TLS handshake refused: .*(unknown ca|bad certificate|certificate)/i);
  expect(rogue.output()).toContain('fix: Use a client certificate signed by a CA the server trusts');
  expect(rogue.output()).not.toMatch(/^\s+at /m);
}, 60_000);

test('a client without a certificate, or without TLS, is refused with a clear error', async () => {
  const noCert = connectClient({ address: cluster.address, namespace: 'default', tls: { caFile: certs.ca, serverName: 'localhost' } });
  await expect(noCert).rejects.toMatchObject({ code: 'TEMPORAL_TLS_REFUSED' });
  const plain = await connectClient({ address: cluster.address, namespace: 'default' }, 3_000).catch((err: unknown) => err);
  expect(isDreamError(plain)).toBe(true);
  expect((plain as { code: string }).code).toMatch(/TEMPORAL_UNREACHABLE|TEMPORAL_TLS_REFUSED/);
}, 60_000);

test('a missing certificate file is named in the error', async () => {
  const result = await runDreamos(['setup', 'namespace'], { ...tlsEnv, TEMPORAL_TLS_CERT_PATH: '/nonexistent/client.pem' });
  expect(result.code).toBe(1);
  expect(result.output).toContain('error [TEMPORAL_TLS_FILE]');
  expect(result.output).toContain('/nonexistent/client.pem');
});
