import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { gatewayProvider } from './provider.ts';
import { traefikProvider } from '../traefik/provider.ts';

const HOMELAB = join(import.meta.dirname, '..', '..', '..', 'examples', 'homelab');

describe('the gateway and Traefik provider modules', () => {
  it('with shells on a real host: the gateway and Traefik resources, one handler kind per resource kind', async () => {
    const loaded = await loadConfig(HOMELAB);
    const settings = { config: loaded.config, configDir: HOMELAB, nodeShell: true, builtinSimulator: false };
    const gateway = gatewayProvider.derive(settings);
    const traefik = traefikProvider.derive(settings);
    expect([...gateway.resources, ...traefik.resources].map((r) => r.address)).toEqual([
      'gateway.101.packages',
      'gateway.101.service.nginx',
      'gateway.101.nginx',
      'traefik.102.config',
      'traefik.102.packages',
      'traefik.102.binary',
      'traefik.102.unit',
      'traefik.102.service.traefik',
    ]);
    expect([...gatewayProvider.kinds, ...traefikProvider.kinds]).toEqual([
      'gateway.nginx',
      'traefik.binary',
      'traefik.config',
      'traefik.unit',
    ]);
    expect([...(gateway.diagnostics ?? []), ...(traefik.diagnostics ?? [])].map((w) => w.code)).toEqual([]);
  });

  it('on the simulator: the same resources are applied (its guests run nginx -t for real)', async () => {
    const loaded = await loadConfig(HOMELAB);
    const settings = { config: loaded.config, configDir: HOMELAB, nodeShell: true, builtinSimulator: true };
    const gateway = gatewayProvider.derive(settings);
    const traefik = traefikProvider.derive(settings);
    expect(gateway.resources.map((r) => r.address)).toContain('gateway.101.nginx');
    expect(traefik.resources.map((r) => r.address)).toContain('traefik.102.binary');
    expect([...(gateway.diagnostics ?? []), ...(traefik.diagnostics ?? [])].map((w) => w.code)).not.toContain(
      'W_ROUTES_NOT_APPLIED',
    );
  });

  it('without node access: nothing applied, and one warning says so', async () => {
    const loaded = await loadConfig(HOMELAB);
    const settings = { config: loaded.config, configDir: HOMELAB, nodeShell: false, builtinSimulator: false };
    const gateway = gatewayProvider.derive(settings);
    const traefik = traefikProvider.derive(settings);
    expect([...gateway.resources, ...traefik.resources]).toEqual([]);
    expect([...(gateway.diagnostics ?? []), ...(traefik.diagnostics ?? [])].map((w) => w.code)).toEqual([
      'W_ROUTES_NOT_APPLIED',
    ]);
  });
});
