import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A throwaway certificate (by default for 127.0.0.1 and localhost), for loopback stand-ins that
 * must speak TLS because the real SDK sends bearer tokens only over https. Trusted by nothing but
 * the clients a test hands it to.
 */
export function selfSignedCertificate(
  names: { ips: string[]; dns?: string[] } = { ips: ['127.0.0.1'], dns: ['localhost'] },
): { key: string; certificate: string } {
  const altNames = [...names.ips.map((ip) => `IP:${ip}`), ...(names.dns ?? []).map((dns) => `DNS:${dns}`)];
  const dir = mkdtempSync(path.join(tmpdir(), 'self-signed-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        `/CN=${names.dns?.[0] ?? names.ips[0]}`,
        '-addext',
        `subjectAltName=${altNames.join(',')}`,
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      certificate: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
