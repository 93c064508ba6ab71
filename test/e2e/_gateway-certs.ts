/**
 * Test-only: the gateway certificates in the built-in simulator's CT 101, where the gateway's
 * nginx files expect them (`/etc/phoenix/certs/<name>/{fullchain,key}.pem` and the internal root),
 * standing in for the PKI provider, which is not on this branch. The simulated `nginx -t` is the
 * real nginx: without these files it refuses the config like it would on a real gateway.
 * Written before `phoenix up` into `<config>/.phoenix/simulator.json.d/guests/101/root/`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestCa } from '../../src/providers/gateway/_test-ca.ts';

export function simGuestRoot(configDir: string, vmid: number): string {
  return join(configDir, '.phoenix', 'simulator.json.d', 'guests', String(vmid));
}

export function seedGatewayCertificates(configDir: string, vmid = 101): void {
  mkdirSync(join(configDir, '.phoenix'), { recursive: true, mode: 0o700 });
  const ca = createTestCa(join(configDir, '.phoenix', 'test-ca'));
  const certs = join(simGuestRoot(configDir, vmid), 'root', 'etc', 'phoenix', 'certs');
  const edge = ca.issue('gateway.home.arpa', [
    'gateway.home.arpa',
    'whoami.home.arpa',
    'whoami-test.home.arpa',
    'portainer-ui.home.arpa',
  ]);
  mkdirSync(join(certs, 'gateway-edge'), { recursive: true });
  writeFileSync(join(certs, 'gateway-edge', 'fullchain.pem'), edge.fullchain);
  writeFileSync(join(certs, 'gateway-edge', 'key.pem'), edge.key, { mode: 0o600 });
  writeFileSync(join(certs, 'root.pem'), ca.root);
}
