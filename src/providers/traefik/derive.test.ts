import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import type { ManagedFile } from '../node/index.ts';
import { deriveTraefikResources } from './derive.ts';
import { traefikValidators } from './_traefik-schema.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('deriveTraefikResources', () => {
  it('examples/homelab: the static file and one dynamic file per route on the traefik guest, schema-checked', async () => {
    const { config } = await loadConfig(join(ROOT, 'examples', 'homelab'));
    const { resources, labels, diagnostics } = deriveTraefikResources(config, { validate: traefikValidators() });
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => [r.address, (r.desired as ManagedFile).path])).toEqual([
      ['traefik.102.static', '/etc/traefik/traefik.yaml'],
      ['traefik.102.dynamic.portainer-ui-home-arpa', '/etc/traefik/dynamic/portainer-ui-home-arpa.yaml'],
      ['traefik.102.dynamic.whoami-test-home-arpa', '/etc/traefik/dynamic/whoami-test-home-arpa.yaml'],
      ['traefik.102.dynamic.whoami-home-arpa', '/etc/traefik/dynamic/whoami-home-arpa.yaml'],
    ]);
    const whoami = parse((resources[3]?.desired as ManagedFile).content) as unknown;
    expect(whoami).toEqual({
      http: {
        routers: {
          'whoami-home-arpa': {
            rule: 'Host(`whoami.home.arpa`)',
            entryPoints: ['websecure'],
            service: 'whoami-whoami@swarm',
            tls: { certResolver: 'stepca' },
          },
        },
      },
    });
    expect(Object.keys(labels).sort()).toEqual(['portainer_portainer', 'whoami-testing_whoami', 'whoami_whoami']);
  });

  it('a file the schema rejects becomes a diagnostic, never a resource', async () => {
    const { config } = await loadConfig(join(ROOT, 'examples', 'homelab'));
    const { resources, diagnostics } = deriveTraefikResources(config, {
      validate: {
        static: () => [],
        dynamic: (doc) => (JSON.stringify(doc).includes('whoami.home') ? ['/http bad'] : []),
      },
    });
    expect(diagnostics.map((d) => d.code)).toEqual(['E_TRAEFIK_SCHEMA']);
    expect(resources.map((r) => r.address)).not.toContain('traefik.102.dynamic.whoami-home-arpa');
  });
});
