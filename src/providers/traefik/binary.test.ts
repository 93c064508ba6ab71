/**
 * `traefik.binary` with the real curl, sha256sum and tar on this machine (a local shell), from a
 * release archive served on loopback: a wrong checksum is never installed, the right one is, and
 * a second apply downloads nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../../engine/handler.ts';
import { applyContext } from '../node/_sim-fixture.ts';
import { localShell } from '../gateway/_local-shell.ts';
import { binaryHandler, BINARY_KIND, type BinaryDesired } from './binary.ts';

describe('traefik.binary', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let downloads = 0;
  let checksum: string;
  const handler = binaryHandler(() => localShell());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-traefik-bin-'));
    mkdirSync(join(dir, 'release'));
    writeFileSync(join(dir, 'release', 'traefik'), '#!/bin/sh\necho "Version: 3.test"\n', { mode: 0o755 });
    execFileSync('tar', ['-czf', join(dir, 'release.tar.gz'), '-C', join(dir, 'release'), 'traefik']);
    const archive = readFileSync(join(dir, 'release.tar.gz'));
    checksum = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
    server = createServer((req, res) => {
      downloads += 1;
      res.end(archive);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/traefik_v3_linux_amd64.tar.gz`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const resource = (sum: string): Resource<BinaryDesired> => ({
    address: 'traefik.102.binary',
    kind: BINARY_KIND,
    dependsOn: [],
    desired: {
      target: { kind: 'lxc', node: 'local', vmid: 102 },
      url,
      checksum: sum,
      path: join(dir, 'bin', 'traefik'),
      stamp: join(dir, 'lib', 'traefik.source'),
      unit: 'phoenix-test-no-such-unit',
    },
  });

  async function apply(r: Resource<BinaryDesired>) {
    const ctx = applyContext();
    const { observed } = await handler.observe({ ctx, resource: r });
    const diff = await handler.diff({ resource: r, observed });
    const change = {} as never;
    if (diff.action === 'create') await handler.create({ ctx, resource: r, change });
    if (diff.action === 'update')
      await handler.update({ ctx, resource: r, observed: observed!, change, restart: true });
    return diff.action;
  }

  it('refuses an archive whose checksum differs from the declared one, and installs nothing', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    await expect(apply(resource(wrong))).rejects.toMatchObject({
      code: 'E_TRAEFIK_CHECKSUM',
      message: `${url} has ${checksum}, but the config declares ${wrong}: not installed`,
    });
    expect(existsSync(join(dir, 'bin', 'traefik'))).toBe(false);
    expect(existsSync(join(dir, 'lib', 'traefik.source'))).toBe(false);
  });

  it('installs the verified binary; a second apply downloads nothing', async () => {
    expect(await apply(resource(checksum))).toBe('create');
    expect(execFileSync(join(dir, 'bin', 'traefik'), { encoding: 'utf8' })).toBe('Version: 3.test\n');
    const before = downloads;
    expect(await apply(resource(checksum))).toBe('noop');
    expect(downloads).toBe(before);
  });
});
