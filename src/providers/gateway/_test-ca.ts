/**
 * Test-only: a small two-level CA (root → intermediate → leaves) made with the real openssl,
 * standing in for the internal step-ca in gateway tests. Every test gets its CA through
 * `createTestCa` alone, so swapping in the real step-ca later touches this file only.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IssuedCert {
  /** Leaf then intermediate (what a server sends). */
  fullchain: string;
  key: string;
}

export interface TestCa {
  /** The root certificate (PEM): the only thing clients trust. */
  root: string;
  rootPath: string;
  issue(commonName: string, dnsNames: string[], ips?: string[]): IssuedCert;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
}

/** A fresh CA under `dir` (created): P-256 keys, a root and an intermediate named after `name`. */
export function createTestCa(dir: string, name = 'Phoenix Test CA'): TestCa {
  mkdirSync(dir, { recursive: true });
  const key = (file: string) => openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file], dir);
  key('root.key');
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'root.key',
      '-subj',
      `/CN=${name} Root`,
      '-days',
      '2',
      '-out',
      'root.pem',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  key('int.key');
  openssl(['req', '-new', '-key', 'int.key', '-subj', `/CN=${name} Intermediate`, '-out', 'int.csr'], dir);
  writeFileSync(
    join(dir, 'int.ext'),
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'int.csr',
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'int.ext',
      '-out',
      'int.pem',
    ],
    dir,
  );
  let serial = 0;
  return {
    root: readFileSync(join(dir, 'root.pem'), 'utf8'),
    rootPath: join(dir, 'root.pem'),
    issue(commonName, dnsNames, ips = []) {
      serial += 1;
      const base = `leaf-${serial}`;
      key(`${base}.key`);
      openssl(['req', '-new', '-key', `${base}.key`, '-subj', `/CN=${commonName}`, '-out', `${base}.csr`], dir);
      const sans = [...dnsNames.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
      writeFileSync(
        join(dir, `${base}.ext`),
        `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`,
      );
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${base}.csr`,
          '-CA',
          'int.pem',
          '-CAkey',
          'int.key',
          '-CAcreateserial',
          '-days',
          '1',
          '-extfile',
          `${base}.ext`,
          '-out',
          `${base}.pem`,
        ],
        dir,
      );
      return {
        fullchain: readFileSync(join(dir, `${base}.pem`), 'utf8') + readFileSync(join(dir, 'int.pem'), 'utf8'),
        key: readFileSync(join(dir, `${base}.key`), 'utf8'),
      };
    },
  };
}
