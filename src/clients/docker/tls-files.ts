/**
 * Phoenix's own Docker client certificate, as the PKI provider writes it:
 * `<certDir>/<name>/fullchain.pem`, `<certDir>/<name>/key.pem` and the CA root
 * `<certDir>/root.pem`. A private key readable by group or others is refused (the old scripts
 * left keys at 0644): a clear error now beats a leaked key later.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError } from '../../errors.ts';

export interface DockerClientTls {
  ca: string;
  cert: string;
  key: string;
}

export function loadDockerClientTls(certDir: string, name: string): DockerClientTls {
  return loadDockerClientTlsFiles({
    fullchain: join(certDir, name, 'fullchain.pem'),
    key: join(certDir, name, 'key.pem'),
    root: join(certDir, 'root.pem'),
    name,
  });
}

/** The same, from explicit paths (the caller follows the pki layout). */
export function loadDockerClientTlsFiles(files: {
  fullchain: string;
  key: string;
  root: string;
  name: string;
}): DockerClientTls {
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new ProviderError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
        code: 'E_DOCKER_TLS',
        hint: `issue Phoenix's Docker client certificate "${files.name}" first (certificates section, phoenix apply)`,
      });
    }
  };
  const key = read(files.key);
  const mode = statSync(files.key).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ProviderError(`${files.key} is readable by others (mode ${mode.toString(8).padStart(4, '0')})`, {
      code: 'E_DOCKER_TLS',
      hint: `chmod 600 ${files.key}`,
    });
  }
  return { ca: read(files.root), cert: read(files.fullchain), key };
}
