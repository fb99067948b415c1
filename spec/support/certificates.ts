import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for 127.0.0.1 and localhost, and its private key (PEM). */
export interface Certificate {
  readonly key: Buffer;
  readonly cert: Buffer;
}

const made = new Map<string, Certificate>();

/**
 * A self-signed P-256 certificate made now with the `openssl` CLI (node's crypto cannot
 * sign X.509), valid one day; the same one for a given `name` within a run. Nothing is
 * left on disk and no private key is ever committed.
 */
export function certificate(name = 'server'): Certificate {
  const cached = made.get(name);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'rxserve-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`,
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const pair = { key: readFileSync(key), cert: readFileSync(cert) };
    made.set(name, pair);
    return pair;
  } catch (error) {
    throw new Error(`The TLS specs make their certificates with the openssl CLI: ${(error as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
