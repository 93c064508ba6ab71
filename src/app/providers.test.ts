/**
 * Declared sections nothing manages are named (issue 9), per section or per part of one when a
 * provider claims only a part (`platform.stepCa`); empty sections (what defaults give) are not.
 */
import { describe, expect, it } from 'vitest';
import { PhoenixConfig } from '../config/schema.ts';
import type { Provider } from '../providers/provider.ts';
import { PROVIDERS } from '../providers/registry.ts';
import { notManagedDiagnostics, unmanagedSections } from './providers.ts';

const config = PhoenixConfig.parse({
  version: 1,
  platform: { stepCa: { caName: 'CA' }, gateway: { httpPort: 80 } },
  routes: [{ host: 'a.home.arpa', target: { guest: 'gw', port: 80 } }],
  certificates: [],
});

const provider = (name: string, sections: string[]): Provider => ({
  name,
  sections,
  kinds: [],
  derive: () => ({ resources: [] }),
  handlers: () => [],
});

describe('declared, not managed by this version', () => {
  it('names declared sections no registered provider claims, and not the empty ones', () => {
    // routes, step-ca and the gateway are managed (pki, gateway providers); environment and
    // gitops belong to Phoenix itself; stacks are the stacks provider's, Portainer the portainer provider's.
    expect(unmanagedSections(PROVIDERS, config)).toEqual([]);
    const more = PhoenixConfig.parse({
      version: 1,
      environment: 'lab',
      platform: { stepCa: { caName: 'CA' }, portainer: {} },
      stacks: [{ name: 'web', compose: 'stacks/web.yaml' }],
    });
    expect(unmanagedSections(PROVIDERS, more)).toEqual([]);
  });

  it('names the unclaimed parts of a section a provider claims in part', () => {
    const base = PROVIDERS.filter((p) => !['pki', 'gateway', 'traefik', 'swarm', 'portainer'].includes(p.name));
    expect(unmanagedSections(base, config)).toEqual(['platform', 'routes']);
    const pki = provider('pki', ['certificates', 'platform.stepCa']);
    expect(unmanagedSections([...base, pki], config)).toEqual(['platform.gateway', 'routes']);
    const gateway = provider('gateway', ['routes', 'platform.gateway']);
    expect(unmanagedSections([...base, pki, gateway], config)).toEqual([]);
  });

  it('is one plan warning listing them', () => {
    expect(notManagedDiagnostics([])).toEqual([]);
    expect(notManagedDiagnostics(['routes', 'stacks'])).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'W_NOT_MANAGED',
        message: expect.stringContaining('declared, not managed by this version: routes, stacks'),
      }),
    ]);
  });
});
