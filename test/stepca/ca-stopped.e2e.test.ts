/**
 * The CA stopped (step-ca in 103 cannot start: its password file no longer opens its keys, so
 * it answers nothing while Phoenix, which never reads secrets, sees its files and unit as they
 * were). Time moves past every certificate's renewal point. Then:
 * - `phoenix plan` still works and shows each renewal with its expiry;
 * - `phoenix apply` exits non-zero, names the CA endpoint and every certificate it could not
 *   renew, and still applies the unrelated change (guest 102's memory);
 * - nothing is written for the certificates: their files in the guests are unchanged, no
 *   service is reloaded, the CA's own files are not touched;
 * - `phoenix certs` exits non-zero (past the renewal time).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';

const CERTS = ['gateway-edge', 'traefik-internal', 'portainer', 'docker-portainer', 'docker-worker'];
let dir = '';
let previous: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-pki-down-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  previous = process.env.PHOENIX_CA_PASSWORD;
  process.env.PHOENIX_CA_PASSWORD = 'ca-password-down-test-1';
});
afterAll(() => {
  vi.useRealTimers();
  if (previous === undefined) delete process.env.PHOENIX_CA_PASSWORD;
  else process.env.PHOENIX_CA_PASSWORD = previous;
  rmSync(dir, { recursive: true, force: true });
});

const guests = (): string => join(dir, '.phoenix', 'simulator.json.d', 'guests');
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const reloads = (vmid: number): number =>
  Object.values(
    (
      JSON.parse(readFileSync(join(guests(), String(vmid), 'meta.json'), 'utf8')) as {
        services: Record<string, { reloads: number; restarts: number }>;
      }
    ).services,
  ).reduce((sum, s) => sum + s.reloads + s.restarts, 0);

describe('the CA stopped', () => {
  it('apply fails for exactly the certificates it cannot renew, naming the CA; the rest proceeds; certs exits non-zero', async () => {
    const up = await runCli(['up', '-c', dir, '--speed', '0']);
    expect(up.code, up.stderr).toBe(0);

    // Stop the CA: step-ca cannot open its keys any more.
    const caDir = join(guests(), '103', 'root', 'etc', 'step-ca');
    writeFileSync(join(caDir, 'secrets', 'password'), 'not-the-password\n');
    const caFiles = ['config/ca.json', 'certs/root_ca.crt', 'certs/intermediate_ca.crt', 'secrets/intermediate_ca_key'];
    const caBefore = caFiles.map((f) => sha(join(caDir, f)));
    const gatewayCert = join(guests(), '101', 'root', 'etc', 'phoenix', 'certs', 'gateway-edge', 'fullchain.pem');
    const gatewayKey = join(guests(), '101', 'root', 'etc', 'phoenix', 'certs', 'gateway-edge', 'key.pem');
    const certBefore = [sha(gatewayCert), sha(gatewayKey)];
    const reloadsBefore = [101, 102].map(reloads);

    // An unrelated change, and time past 2/3 of every certificate's lifetime (720h: renew after 480h).
    const traefik = join(dir, 'guests', 'traefik.yaml');
    writeFileSync(traefik, readFileSync(traefik, 'utf8').replace('memory: 1024', 'memory: 1536'));
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 500 * 3_600_000);

    const plan = await runCli(['plan', '-c', dir]);
    expect(plan.stderr).not.toMatch(/Planning failed/);
    for (const name of CERTS) expect(plan.stdout).toMatch(new RegExp(`~ cert\\.${name} \\(pki\\.certificate\\)`));
    const json = await runCli(['plan', '-c', dir, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const changes = (JSON.parse(json.stdout) as { changes: { address: string; action: string; reasons: string[] }[] })
      .changes;
    for (const name of CERTS) {
      const change = changes.find((c) => c.address === `cert.${name}`);
      expect(change?.action).toBe('update');
      expect(change?.reasons[0]).toMatch(
        /^renew: expires \d{4}-\d\d-\d\d \d\d:\d\d UTC, renew (after 2\/3 of the lifetime|\d+[dh] before expiry)$/,
      );
    }

    const apply = await runCli(['apply', '-c', dir, '--auto-approve']);
    const text = apply.stdout + apply.stderr;
    expect(apply.code, text).not.toBe(0);
    expect(text).not.toMatch(/Apply complete!/);
    expect(text).toMatch(/guest\.102: updated/);
    for (const name of CERTS) {
      expect(text).toMatch(new RegExp(`cert\\.${name}[^\\n]*step-ca https://step-ca\\.home\\.arpa[^\\n]*unreachable`));
    }
    expect(text).toMatch(/unreachable \(connection refused: step-ca in CT 103 is not running\)/);
    // What must not happen: no certificate file, no reload, no change to the CA, no stack trace.
    expect([sha(gatewayCert), sha(gatewayKey)]).toEqual(certBefore);
    expect([101, 102].map(reloads)).toEqual(reloadsBefore);
    expect(caFiles.map((f) => sha(join(caDir, f)))).toEqual(caBefore);
    expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

    const certs = await runCli(['certs', '-c', dir]);
    expect(certs.code, certs.stdout + certs.stderr).not.toBe(0);
    for (const name of CERTS) expect(certs.stdout).toMatch(new RegExp(`${name}.*Expiring`));
  }, 180_000);
});
