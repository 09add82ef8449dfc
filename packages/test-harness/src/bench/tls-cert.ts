import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM key and self-signed certificate. */
export interface TlsIdentity {
  key: string;
  cert: string;
}

/**
 * Makes a throwaway self-signed P-256 (prime256v1) certificate for `localhost` with the
 * system's `openssl`, for the TLS reference figures. Node cannot issue X.509 certificates
 * itself.
 * @throws {Error} when `openssl` is missing or fails (the TLS figures are then skipped).
 */
export function makeTlsIdentity(): TlsIdentity {
  const dir = mkdtempSync(join(tmpdir(), 'cryptully-bench-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
