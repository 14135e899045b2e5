import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { temporalTarget, tlsOptions, usesTls } from '../../../src/temporal/connection';
import { WORKFLOW_VERSIONING, workerDeploymentOptions } from '../../../src/temporal/versioning';
import * as agentWorkflows from '../../../workflows/agents';
import * as controlWorkflows from '../../../workflows/control';

describe('Temporal connection settings', () => {
  test('a client certificate without its key is refused, naming both variables', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/tmp/client.pem' })).toThrow(/TEMPORAL_TLS_CERT_PATH: .*TEMPORAL_TLS_KEY_PATH/);
  });

  test('an API key implies TLS unless TEMPORAL_TLS=false; no option means plain text', () => {
    expect(usesTls(temporalTarget(loadConfig({})))).toBe(false);
    expect(usesTls(temporalTarget(loadConfig({ TEMPORAL_API_KEY: 'k' })))).toBe(true);
    expect(usesTls(temporalTarget(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })))).toBe(false);
    expect(tlsOptions(temporalTarget(loadConfig({ TEMPORAL_TLS: 'true' })))).toEqual({});
  });

  test('the TLS files are read into the SDK option, and a missing one is a TEMPORAL_TLS_FILE error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-tls-'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA');
    const target = temporalTarget(loadConfig({ TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'localhost' }));
    expect(tlsOptions(target)).toEqual({ serverNameOverride: 'localhost', serverRootCACertificate: Buffer.from('CA') });
    const missing = temporalTarget(loadConfig({ TEMPORAL_TLS_CERT_PATH: path.join(dir, 'no.pem'), TEMPORAL_TLS_KEY_PATH: path.join(dir, 'no.key') }));
    expect(() => tlsOptions(missing)).toThrow(expect.objectContaining({ code: 'TEMPORAL_TLS_FILE' }));
    fs.rmSync(dir, { recursive: true });
  });

  test('the namespace and address come from the config', () => {
    expect(temporalTarget(loadConfig({ TEMPORAL_NAMESPACE: 'swarm', TEMPORAL_ADDRESS: 'h:1' }))).toMatchObject({ namespace: 'swarm', address: 'h:1' });
    expect(temporalTarget(loadConfig({ DREAMOS_TEMPORAL_PORT: '7999' })).address).toBe('127.0.0.1:7999');
  });
});

describe('Worker Versioning options', () => {
  const versioned = loadConfig({ DREAMOS_DEPLOYMENT_NAME: 'dreamos', DREAMOS_BUILD_ID: 'b7' });

  test('agents workers pin, control workers auto-upgrade, the nexus worker stays unversioned', () => {
    expect(workerDeploymentOptions(versioned, 'agents')).toEqual({ version: { deploymentName: 'dreamos', buildId: 'b7' }, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' });
    expect(workerDeploymentOptions(versioned, 'control')?.defaultVersioningBehavior).toBe('AUTO_UPGRADE');
    expect(workerDeploymentOptions(versioned, 'nexus')).toBeUndefined();
  });

  test('without a build id workers are unversioned; a build id without a deployment name is refused', () => {
    expect(workerDeploymentOptions(loadConfig({ DREAMOS_DEPLOYMENT_NAME: 'dreamos' }), 'agents')).toBeUndefined();
    expect(() => loadConfig({ DREAMOS_BUILD_ID: 'b7' })).toThrow(/DREAMOS_BUILD_ID: a build id needs DREAMOS_DEPLOYMENT_NAME/);
  });

  test('every workflow type the bundles export has a documented versioning behaviour', () => {
    const types = Object.entries({ ...agentWorkflows, ...controlWorkflows }).filter(([, value]) => typeof value === 'function').map(([name]) => name);
    expect(types.length).toBeGreaterThan(0);
    for (const type of types) expect({ type, behavior: WORKFLOW_VERSIONING[type] }).toEqual({ type, behavior: expect.stringMatching(/^(PINNED|AUTO_UPGRADE)$/) });
  });
});
