import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDockerClientTls } from './tls-files.ts';

describe('Docker client certificate files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-docker-tls-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const setup = (mode: number) => {
    mkdirSync(join(dir, 'phoenix-docker'), { recursive: true });
    writeFileSync(join(dir, 'root.pem'), 'ROOT');
    writeFileSync(join(dir, 'phoenix-docker', 'fullchain.pem'), 'CHAIN');
    writeFileSync(join(dir, 'phoenix-docker', 'key.pem'), 'KEY');
    chmodSync(join(dir, 'phoenix-docker', 'key.pem'), mode);
  };
  it('reads the PKI layout', () => {
    setup(0o600);
    expect(loadDockerClientTls(dir, 'phoenix-docker')).toEqual({ ca: 'ROOT', cert: 'CHAIN', key: 'KEY' });
  });
  it('refuses a key readable by others, with the fix', () => {
    setup(0o644);
    expect(() => loadDockerClientTls(dir, 'phoenix-docker')).toThrow(/key\.pem is readable by others \(mode 0644\)/);
  });
  it('says which certificate to issue when it is missing', () => {
    let error: unknown;
    try {
      loadDockerClientTls(join(dir, 'none'), 'phoenix-docker');
    } catch (e) {
      error = e;
    }
    expect((error as { hint: string }).hint).toMatch(/issue Phoenix's Docker client certificate "phoenix-docker"/);
  });
});
