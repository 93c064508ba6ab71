import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { wireRouting } from './routing.ts';

const HOMELAB = join(import.meta.dirname, '..', '..', 'examples', 'homelab');
const noShell = () => {
  throw new Error('no shell in this test');
};

describe('wireRouting', () => {
  it('with shells on a real host: the gateway and Traefik resources and their handlers', async () => {
    const loaded = await loadConfig(HOMELAB);
    const wired = wireRouting({ loaded, shells: noShell, simulator: false, resolveSecret: async () => '' });
    expect(wired.resources.map((r) => r.address)).toEqual([
      'gateway.101.packages',
      'gateway.101.service.nginx',
      'gateway.101.nginx',
      'traefik.102.static',
      'traefik.102.dynamic.portainer-ui-home-arpa',
      'traefik.102.dynamic.whoami-test-home-arpa',
      'traefik.102.dynamic.whoami-home-arpa',
      'traefik.102.packages',
      'traefik.102.binary',
      'traefik.102.unit',
      'traefik.102.service.traefik',
    ]);
    expect(wired.handlers.map((h) => h.kind)).toEqual(['gateway.nginx', 'traefik.binary']);
    expect(wired.warnings.map((w) => w.code)).toEqual([]);
  });

  it('on the simulator: the same resources are applied (its guests run nginx -t for real)', async () => {
    const loaded = await loadConfig(HOMELAB);
    const wired = wireRouting({ loaded, shells: noShell, simulator: true, resolveSecret: async () => '' });
    expect(wired.resources.map((r) => r.address)).toContain('gateway.101.nginx');
    expect(wired.warnings.map((w) => w.code)).not.toContain('W_ROUTES_NOT_APPLIED');
  });

  it('without node access: nothing applied, and a warning says so', async () => {
    const loaded = await loadConfig(HOMELAB);
    const wired = wireRouting({ loaded, simulator: false, resolveSecret: async () => '' });
    expect(wired.resources).toEqual([]);
    expect(wired.warnings.map((w) => w.code)).toEqual(['W_ROUTES_NOT_APPLIED']);
  });
});
