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
    // The example declares its release archive (the simulator's stand-in, with its real checksum).
    expect(diagnostics.map((d) => d.code)).toEqual([]);
    const files = resources.filter(
      (r) => r.address.startsWith('traefik.102.static') || r.address.includes('.dynamic.'),
    );
    expect(files.map((r) => [r.address, (r.desired as ManagedFile).path])).toEqual([
      ['traefik.102.static', '/etc/traefik/traefik.yaml'],
      ['traefik.102.dynamic.portainer-ui-home-arpa', '/etc/traefik/dynamic/portainer-ui-home-arpa.yaml'],
      ['traefik.102.dynamic.whoami-test-home-arpa', '/etc/traefik/dynamic/whoami-test-home-arpa.yaml'],
      ['traefik.102.dynamic.whoami-home-arpa', '/etc/traefik/dynamic/whoami-home-arpa.yaml'],
    ]);
    const whoami = parse((files[3]?.desired as ManagedFile).content) as unknown;
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

  it('without a declared release: the files only, and a warning says Traefik is not installed', async () => {
    const { config } = await loadConfig(join(ROOT, 'examples', 'homelab'));
    const { release: _release, ...traefik } = config.platform.traefik!;
    const { resources, diagnostics } = deriveTraefikResources({ ...config, platform: { ...config.platform, traefik } });
    expect(diagnostics.map((d) => d.code)).toEqual(['W_TRAEFIK_NO_RELEASE']);
    expect(resources.map((r) => r.address)).not.toContain('traefik.102.binary');
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

  it('a declared release adds the binary (checksum-verified), its unit and the running service after the files', async () => {
    const { config } = await loadConfig(join(ROOT, 'examples', 'homelab'));
    const release = {
      url: 'https://example.invalid/traefik_v3.1.0_linux_amd64.tar.gz',
      checksum: `sha256:${'ab'.repeat(32)}`,
    };
    const withRelease = {
      ...config,
      platform: { ...config.platform, traefik: { ...config.platform.traefik!, release } },
    };
    const { resources, diagnostics } = deriveTraefikResources(withRelease);
    expect(diagnostics).toEqual([]);
    const byAddress = new Map(resources.map((r) => [r.address, r]));
    expect(byAddress.get('traefik.102.binary')?.desired).toMatchObject({
      url: release.url,
      checksum: release.checksum,
    });
    expect(byAddress.get('traefik.102.service.traefik')?.dependsOn).toEqual([
      'traefik.102.binary',
      'traefik.102.unit',
      'traefik.102.static',
      'traefik.102.dynamic.portainer-ui-home-arpa',
      'traefik.102.dynamic.whoami-test-home-arpa',
      'traefik.102.dynamic.whoami-home-arpa',
    ]);
    expect((byAddress.get('traefik.102.unit')?.desired as ManagedFile).content).toContain(
      'ExecStart=/usr/local/bin/traefik --configFile=/etc/traefik/traefik.yaml',
    );
  });
});
