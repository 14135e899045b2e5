import fs from 'node:fs';
import tls from 'node:tls';

export interface TlsProbeFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
}

/**
 * Opens a bare TLS connection to `address` with the given files and reports why the handshake
 * failed, or undefined when it held. gRPC clients only say "transport error" or "broken pipe"
 * when a server refuses a client certificate (under TLS 1.3 the refusal arrives as an alert after
 * the client thinks the handshake is done), so a failed connection is explained with this probe.
 */
export function probeTls(address: string, files: TlsProbeFiles, waitMs = 1_500): Promise<string | undefined> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  const read = (file?: string) => (file ? fs.readFileSync(file) : undefined);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (reason: string | undefined) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(reason);
    };
    const socket = tls.connect({
      host,
      port,
      servername: files.serverName ?? (/^[\d.]+$/.test(host) ? undefined : host),
      ca: read(files.caFile),
      cert: read(files.certFile),
      key: read(files.keyFile),
      ALPNProtocols: ['h2'],
      timeout: 5_000,
    });
    socket.once('error', (err) => finish(err.message));
    socket.once('timeout', () => finish(undefined));
    // The server's verdict on our certificate comes just after our side of the handshake.
    socket.once('secureConnect', () => setTimeout(() => finish(undefined), waitMs));
    socket.once('close', () => finish(settled ? undefined : 'the server closed the connection during the TLS handshake'));
  });
}
