/**
 * pki.trust on the simulator: the internal root goes into the trust store of a node, a CT and a
 * VM once the CA has one; update-ca-certificates runs only when the file changed; a converged
 * apply writes nothing and runs nothing; a rotated root is replaced everywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShellResolver } from '../node/resolver.ts';
import type { TargetRef } from '../node/shell.ts';
import { converge, resource, startSimFixture, type SimFixture } from '../node/_sim-fixture.ts';
import { certificateFingerprint, generateCaMaterial } from './ca-material.ts';
import { TRUST_KIND, trustFileName, trustHandler, type TrustDesired } from './trust-handler.ts';

const CA: TargetRef = { kind: 'lxc', node: 'pve', vmid: 103 };
const ROOT = '/etc/step-ca/certs/root_ca.crt';
const PATH = `/usr/local/share/ca-certificates/${trustFileName('home.arpa')}`;

describe('pki.trust on the simulator', () => {
  let sim: SimFixture;
  const calls: string[] = [];
  let shells: ShellResolver;

  beforeAll(async () => {
    sim = await startSimFixture({ 103: 'lxc', 110: 'lxc', 1001: 'qemu' });
    // Every command and write sent to a target, to prove what a converged apply does not do.
    shells = (target) => {
      const shell = sim.shells(target);
      const name = target.kind === 'node' ? target.node : String(target.vmid);
      return {
        ...shell,
        exec: (argv, options) => {
          calls.push(`${name}: ${argv.join(' ')}`);
          return shell.exec(argv, options);
        },
        writeFile: (path, content, options) => {
          calls.push(`${name}: write ${path}`);
          return shell.writeFile(path, content, options);
        },
      };
    };
  });
  afterAll(async () => {
    await sim?.close();
  });

  const targets: [string, TargetRef, string][] = [
    ['trust.node.pve', { kind: 'node', node: 'pve' }, 'nodes/pve'],
    ['trust.110', { kind: 'lxc', node: 'pve', vmid: 110 }, 'guests/110'],
    ['trust.1001', { kind: 'vm', node: 'pve', vmid: 1001 }, 'guests/1001'],
  ];
  const res = (address: string, target: TargetRef) =>
    resource<TrustDesired>(address, TRUST_KIND, { target, path: PATH, ca: { target: CA, rootPath: ROOT } });
  const meta = (dir: string) =>
    JSON.parse(readFileSync(join(sim.dataDir, dir, 'meta.json'), 'utf8')) as {
      trustUpdates?: number;
      trusted?: string[];
    };
  const file = (dir: string, path: string) => readFileSync(join(sim.dataDir, dir, 'root', path), 'utf8');

  it('before the CA has a root: the plan installs it after the CA; the apply refuses without one', async () => {
    const handler = trustHandler(shells);
    const [address, target] = targets[1]!;
    const { observed } = await handler.observe({ ctx: undefined as never, resource: res(address, target) });
    const diff = await handler.diff({ resource: res(address, target), observed });
    expect(diff.action).toBe('create');
    expect(diff.reasons[0]).toBe(`install the internal root of the CA in CT 103 into CT 110's trust store (${PATH})`);
    await expect(converge(handler, res(address, target))).rejects.toMatchObject({ code: 'E_TRUST_NO_ROOT' });
  });

  it('installs the root and runs update-ca-certificates once per target; a second apply writes and runs nothing', async () => {
    const material = await generateCaMaterial({ caName: 'Trust CA', password: 'x' });
    await sim.shells(CA).exec(['mkdir', '-p', '/etc/step-ca/certs']);
    await sim.shells(CA).writeFile(ROOT, material.rootCertPem, { mode: '0644', owner: 'root', group: 'root' });
    const handler = trustHandler(shells);
    for (const [address, target] of targets) expect(await converge(handler, res(address, target))).toBe('create');
    for (const [, , dir] of targets) {
      expect(file(dir, PATH)).toBe(material.rootCertPem);
      expect(file(dir, '/etc/ssl/certs/ca-certificates.crt')).toContain(material.rootCertPem.trim());
      expect(meta(dir)).toMatchObject({ trustUpdates: 1, trusted: [trustFileName('home.arpa')] });
    }

    calls.length = 0;
    const again = trustHandler(shells);
    for (const [address, target] of targets) expect(await converge(again, res(address, target))).toBe('noop');
    expect(calls.filter((c) => / write |update-ca-certificates|mkdir/.test(c))).toEqual([]);
    for (const [, , dir] of targets) expect(meta(dir).trustUpdates).toBe(1);
  });

  it('a rotated root replaces the file and runs update-ca-certificates once more, then is in sync', async () => {
    const rotated = await generateCaMaterial({ caName: 'Trust CA 2', password: 'x' });
    await sim.shells(CA).writeFile(ROOT, rotated.rootCertPem, { mode: '0644', owner: 'root', group: 'root' });
    const handler = trustHandler(shells);
    const [address, target, dir] = targets[2]!;
    const { observed } = await handler.observe({ ctx: undefined as never, resource: res(address, target) });
    const diff = await handler.diff({ resource: res(address, target), observed });
    expect(diff.action).toBe('update');
    expect(diff.reasons[0]).toBe(
      `${PATH} in VM 1001 is not the internal root ${certificateFingerprint(rotated.rootCertPem)}`,
    );
    expect(await converge(handler, res(address, target))).toBe('update');
    expect(file(dir, PATH)).toBe(rotated.rootCertPem);
    expect(meta(dir).trustUpdates).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await converge(trustHandler(shells), res(address, target))).toBe('noop');
  });
});
