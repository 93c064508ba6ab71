/**
 * The CA's install on the simulated guests (the real tools' side is test/stepca/install.test.ts):
 * step-ca from its Debian package, the service user created once, the secrets owned by it, the
 * unit Phoenix writes; a source that cannot be fetched stops the create before any key exists;
 * the health gate after the start refuses a root that is not the one Phoenix generated.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyContext, converge, resource, startSimFixture, type SimFixture } from '../node/_sim-fixture.ts';
import { certificateFingerprint } from './ca-material.ts';
import { StepCaError } from '../../clients/stepca/errors.ts';
import { STEP_CA_KIND, stepCaHandler, type StepCaDesired } from './step-ca-handler.ts';

const secrets: Record<string, string> = { 'env:CA_PW': 'ca-pw-canary-1177', 'env:PROV_PW': 'prov-pw-canary-2288' };
const resolveSecret = async (ref: string): Promise<string> => secrets[ref] ?? Promise.reject(new Error(`no ${ref}`));

describe('pki.step-ca install on the simulator', () => {
  let sim: SimFixture;
  beforeAll(async () => {
    sim = await startSimFixture({ 104: 'lxc', 105: 'lxc', 106: 'lxc' });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const desired = (vmid: number, over: Partial<StepCaDesired> = {}): StepCaDesired => ({
    target: { kind: 'lxc', node: 'pve', vmid },
    baseDir: '/etc/step-ca',
    caName: 'Homelab CA',
    dnsNames: ['ca.home.arpa'],
    address: ':443',
    url: 'https://ca.home.arpa',
    provisionerName: 'phoenix',
    acmeName: 'acme',
    claims: { defaultDuration: '24h', maxDuration: '720h' },
    keyType: 'EC-P256',
    rootKey: 'online',
    passwordRef: 'env:CA_PW',
    provisionerPasswordRef: 'env:PROV_PW',
    user: 'step',
    service: 'step-ca',
    install: { kind: 'package', name: 'step-ca' },
    binary: '/usr/bin/step-ca',
    installStamp: '/var/lib/phoenix/step-ca.source',
    ...over,
  });
  const meta = (vmid: number) =>
    JSON.parse(readFileSync(join(sim.dataDir, 'guests', String(vmid), 'meta.json'), 'utf8')) as {
      users?: string[];
      packages: string[];
      owners: Record<string, { user: string }>;
    };
  const file = (vmid: number, path: string) => join(sim.dataDir, 'guests', String(vmid), 'root', path);

  it('installs the package, creates the service user once, runs the CA as that user; the health gate sees the generated root', async () => {
    const gated: string[] = [];
    const handler = stepCaHandler({
      shells: sim.shells,
      resolveSecret,
      checkHealth: async (_d, rootPem) => void gated.push(certificateFingerprint(rootPem)),
    });
    const res = resource('stepca.104', STEP_CA_KIND, desired(104));
    expect(await converge(handler, res)).toBe('create');
    expect(meta(104).packages).toContain('step-ca');
    expect(meta(104).users).toEqual(['step']);
    for (const path of ['secrets/intermediate_ca_key', 'secrets/password', 'secrets/root_ca_key'])
      expect(meta(104).owners[`/etc/step-ca/${path}`]?.user).toBe('step');
    const unit = readFileSync(file(104, '/etc/systemd/system/step-ca.service'), 'utf8');
    expect(unit).toContain('User=step\nGroup=step\n');
    expect(unit).toContain(
      'ExecStart=/usr/bin/step-ca --password-file /etc/step-ca/secrets/password /etc/step-ca/config/ca.json',
    );
    expect(unit).toContain('AmbientCapabilities=CAP_NET_BIND_SERVICE');
    // The gate ran once, with the root now in the guest.
    expect(gated).toEqual([certificateFingerprint(readFileSync(file(104, '/etc/step-ca/certs/root_ca.crt'), 'utf8'))]);
    const observed = (await handler.observe({ ctx: applyContext(), resource: res })).observed;
    expect(observed?.install).toBe('package step-ca');
    expect(await converge(handler, res)).toBe('noop');
    expect(meta(104).users).toEqual(['step']);
    // Stopped out of band: started again, and gated again before the apply counts it done.
    await sim.shells({ kind: 'lxc', node: 'pve', vmid: 104 }).exec(['systemctl', 'stop', 'step-ca']);
    expect(await converge(handler, res)).toBe('update');
    expect(gated).toHaveLength(2);
    expect(
      (await sim.shells({ kind: 'lxc', node: 'pve', vmid: 104 }).exec(['systemctl', 'is-active', 'step-ca'])).stdout,
    ).toBe('active\n');
    expect(await converge(handler, res)).toBe('noop');
  });

  it('the simulated systemd refuses to start the unit once its binary is gone (status=203/EXEC)', async () => {
    const shell = sim.shells({ kind: 'lxc', node: 'pve', vmid: 104 });
    expect((await shell.exec(['rm', '-f', '/usr/bin/step-ca'])).code).toBe(0);
    const restart = await shell.exec(['systemctl', 'restart', 'step-ca']);
    expect(restart.code).toBe(1);
    expect(restart.stderr).toMatch(/^Job for step-ca\.service failed/);
    expect((await shell.exec(['systemctl', 'is-active', 'step-ca'])).stdout).toBe('inactive\n');
  });

  it('a binary URL that cannot be fetched stops the create before any key or unit exists', async () => {
    const handler = stepCaHandler({ shells: sim.shells, resolveSecret });
    const res = resource(
      'stepca.105',
      STEP_CA_KIND,
      desired(105, {
        install: { kind: 'binary', url: 'https://ca-downloads.invalid/step-ca', checksum: `sha256:${'a'.repeat(64)}` },
        binary: '/usr/local/bin/step-ca',
      }),
    );
    const diff = await handler.diff({ resource: res, observed: null });
    expect(diff.reasons[0]).toContain(`install step-ca (sha256:${'a'.repeat(64)})`);
    await expect(converge(handler, res)).rejects.toThrow(
      /downloading https:\/\/ca-downloads\.invalid\/step-ca failed in CT 105: curl: \(6\) Could not resolve host/,
    );
    expect(existsSync(file(105, '/etc/step-ca'))).toBe(false);
    expect(existsSync(file(105, '/usr/local/bin/step-ca'))).toBe(false);
    expect(existsSync(file(105, '/etc/systemd/system/step-ca.service'))).toBe(false);
    expect(meta(105).users ?? []).toEqual([]);
  });

  it('the health gate refuses a CA that serves another root: the apply of the CA fails', async () => {
    const handler = stepCaHandler({
      shells: sim.shells,
      resolveSecret,
      checkHealth: async () => {
        throw new StepCaError('https://ca.home.arpa/roots.pem', 'serves a root that is not the one Phoenix generated', {
          code: 'E_STEPCA_ROOT_MISMATCH',
        });
      },
    });
    const res = resource('stepca.106', STEP_CA_KIND, desired(106));
    await expect(converge(handler, res)).rejects.toMatchObject({ code: 'E_STEPCA_ROOT_MISMATCH' });
  });
});
