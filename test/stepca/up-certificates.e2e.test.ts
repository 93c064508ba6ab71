/**
 * `phoenix up` on a fresh copy of examples/homelab (built-in simulator): Phoenix sets up the CA
 * in 103 and issues every certificate through it; `phoenix certs` shows them Ready (exit 0);
 * each installed chain passes `openssl verify` against the root in 103, its names equal the
 * declared ones, its key is 0600. Canary: the CA password and every private key appear in no
 * output, plan file, state database or simulator state outside the guests' own filesystems.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { loadConfig } from '../../src/config/index.ts';
import { environmentIdentity } from '../../src/app/environment-id.ts';
import { derivePki } from '../../src/providers/pki/index.ts';
import type { CertificateDesired } from '../../src/providers/pki/certificate-handler.ts';

const CANARY = 'ca-password-canary-e2e-4242';
let dir = '';
let previous: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-pki-up-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  previous = process.env.PHOENIX_CA_PASSWORD;
  process.env.PHOENIX_CA_PASSWORD = CANARY;
});
afterAll(() => {
  if (previous === undefined) delete process.env.PHOENIX_CA_PASSWORD;
  else process.env.PHOENIX_CA_PASSWORD = previous;
  rmSync(dir, { recursive: true, force: true });
});

function files(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('phoenix up issues every certificate of examples/homelab', () => {
  const outputs: string[] = [];

  it('up sets up the CA and issues every certificate; a second up changes nothing', async () => {
    const up = await runCli(['up', '-c', dir, '--speed', '0']);
    outputs.push(up.stdout, up.stderr);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/stepca\.103: created/);
    for (const name of [
      'gateway-edge',
      'traefik-internal',
      'portainer',
      'docker-portainer',
      'docker-worker',
      'phoenix-docker',
    ]) {
      expect(up.stderr).toMatch(new RegExp(`cert\\.${name}: created`));
    }
    const again = await runCli(['up', '-c', dir]);
    outputs.push(again.stdout, again.stderr);
    expect(again.stderr).toMatch(/already up and in sync/);
  }, 120_000);

  it('phoenix certs: every certificate Ready, exit 0; --json rows carry serial and not-after, no key material', async () => {
    const table = await runCli(['certs', '-c', dir]);
    outputs.push(table.stdout, table.stderr);
    expect(table.code, table.stdout + table.stderr).toBe(0);
    const json = await runCli(['certs', '-c', dir, '--json']);
    outputs.push(json.stdout);
    const rows = JSON.parse(json.stdout) as {
      name: string;
      serial: string;
      notAfter: string;
      condition: { type: string };
    }[];
    expect(rows.length).toBe(6);
    for (const row of rows) {
      expect(row.condition.type).toBe('Ready');
      expect(row.serial).toMatch(/^\d+$/);
    }
  }, 60_000);

  it('each installed chain verifies with openssl against the root in 103; names equal the declared ones; keys 0600', async () => {
    const { config } = await loadConfig(dir);
    // As createPhoenix does: the environment's identity names Phoenix's own client certificate.
    config.environment = environmentIdentity(dir, config.environment).id;
    const guests = join(dir, '.phoenix', 'simulator.json.d', 'guests');
    const root = join(guests, '103', 'root', 'etc', 'step-ca', 'certs', 'root_ca.crt');
    const intermediate = join(guests, '103', 'root', 'etc', 'step-ca', 'certs', 'intermediate_ca.crt');
    const certs = derivePki(config).resources.filter((r) => r.kind === 'pki.certificate');
    expect(certs.length).toBe(6);
    for (const resource of certs) {
      const desired = resource.desired as CertificateDesired;
      // Phoenix's own Docker client certificate lives on this machine, under the config directory.
      const base =
        desired.target.kind === 'local'
          ? dir
          : join(guests, String(desired.target.kind === 'node' ? 0 : desired.target.vmid), 'root');
      const certPath = join(base, desired.files.cert);
      const keyPath = join(base, desired.files.key);
      const leaf = readFileSync(certPath, 'utf8').match(
        /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/,
      )![0];
      const leafFile = join(dir, `${desired.name}.leaf.pem`);
      writeFileSync(leafFile, leaf);
      expect(
        execFileSync('openssl', ['verify', '-CAfile', root, '-untrusted', intermediate, leafFile], {
          encoding: 'utf8',
        }),
      ).toMatch(/: OK/);
      const sans = (new X509Certificate(leaf).subjectAltName ?? '')
        .split(', ')
        .map((s) => s.replace(/^(DNS|IP Address):/, ''));
      expect(sans.sort()).toEqual([...desired.sans].sort());
      expect(statSync(keyPath).mode & 0o777).toBe(0o600);
      expect(statSync(certPath).mode & 0o777).toBe(desired.target.kind === 'local' ? 0o600 : 0o644);
    }
  });

  it("the Swarm engines, the Swarm and every stack wait for Phoenix's Docker client certificate (graph)", async () => {
    const graph = await runCli(['graph', '-c', dir, '--json']);
    expect(graph.code, graph.stderr).toBe(0);
    const { edges } = JSON.parse(graph.stdout) as { edges: [string, string][] };
    const dependents = edges.filter(([, dependency]) => dependency === 'cert.phoenix-docker').map(([d]) => d);
    expect(dependents).toEqual(
      expect.arrayContaining([
        'swarm.engine.portainer',
        'swarm.engine.worker',
        'swarm.cluster',
        'stack.whoami.production',
        'stack.whoami.testing',
      ]),
    );
    // It waits for the CA only (no guest: its files are on this machine).
    expect(edges.filter(([d]) => d === 'cert.phoenix-docker').map(([, x]) => x)).toEqual(['stepca.103']);
  });

  it('canary: no password and no private key outside the guests, in output, plan file or state', async () => {
    const planFile = join(dir, 'saved.plan');
    const plan = await runCli(['plan', '-c', dir, '-out', planFile]);
    outputs.push(plan.stdout, plan.stderr);
    expect(readFileSync(planFile, 'utf8').length).toBeGreaterThan(100);
    const guests = join(dir, '.phoenix', 'simulator.json.d', 'guests');
    const keys = files(guests)
      .filter((f) => /PRIVATE KEY/.test(readFileSync(f, 'utf8')))
      .map((f) => readFileSync(f, 'utf8').split('\n')[1]!);
    expect(keys.length).toBeGreaterThanOrEqual(7); // 5 leaves + intermediate + root
    // The simulator's own SSH keys (not Phoenix's PKI) live in simulator.json.d/ssh; Phoenix's own
    // Docker client key is on this machine by design (0600, checked above), and in no other file.
    const clientKey = join(dir, '.phoenix', 'certs', 'phoenix-docker', 'key.pem');
    keys.push(readFileSync(clientKey, 'utf8').split('\n')[1]!);
    const outside = files(dir).filter(
      (f) => !f.startsWith(guests) && !f.includes(join('simulator.json.d', 'ssh')) && f !== clientKey,
    );
    const haystacks = [...outputs, ...outside.map((f) => readFileSync(f).toString('latin1'))];
    for (const hay of haystacks) {
      expect(hay).not.toContain(CANARY);
      expect(hay).not.toMatch(/BEGIN (ENCRYPTED |EC )?PRIVATE KEY/);
      for (const line of keys) expect(hay).not.toContain(line);
    }
  }, 60_000);
});
