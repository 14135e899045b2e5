import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Real certificates made with openssl for one test run, in `dir` (a temp folder, never committed):
 * a CA, the server's pair (localhost, 127.0.0.1), the server's own system-worker client pair, a
 * client pair signed by the CA, and a client pair signed by another CA (the server must refuse it).
 */
export interface TestCertificates {
  dir: string;
  ca: string;
  client: { cert: string; key: string };
  rogue: { cert: string; key: string };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, caName: string, subject: string, extensions: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-sha256', '-extfile', `${name}.ext`]);
}

function authority(dir: string, name: string, subject: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

export function makeCertificates(dir: string): TestCertificates {
  fs.mkdirSync(dir, { recursive: true });
  authority(dir, 'ca', '/CN=Dream.OS test CA');
  authority(dir, 'rogue-ca', '/CN=Somebody else');
  const client = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  issue(dir, 'server', 'ca', '/CN=localhost', 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  issue(dir, 'internal', 'ca', '/CN=temporal-system-worker', client);
  issue(dir, 'client', 'ca', '/CN=dreamos-worker', client);
  issue(dir, 'rogue', 'rogue-ca', '/CN=dreamos-worker', client);
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    client: { cert: path.join(dir, 'client.pem'), key: path.join(dir, 'client.key') },
    rogue: { cert: path.join(dir, 'rogue.pem'), key: path.join(dir, 'rogue.key') },
  };
}
