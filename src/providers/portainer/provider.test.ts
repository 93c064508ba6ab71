import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config/index.ts';
import { PORTAINER_STACK } from '../../config/semantic/platform-refs.ts';
import { loadCompose } from '../stacks/compose.ts';
import { portainerProvider } from './provider.ts';
import { portainerSettings } from './settings.ts';
import type { composeDocument } from './stack.ts';
import { portainerStack } from './stack.ts';

async function homelab() {
  const { config } = await loadConfig('examples/homelab');
  return config;
}

describe('portainer provider: derive', () => {
  it('the server stack and the agent environment, ordered after the manager, its certificates and the Swarm', async () => {
    const config = await homelab();
    const { resources, diagnostics } = portainerProvider.derive({
      config,
      configDir: 'examples/homelab',
      nodeShell: true,
      swarmApi: true,
    });
    expect(diagnostics ?? []).toEqual([]);
    expect(resources.map((r) => [r.address, r.kind])).toEqual([
      ['portainer.server', 'portainer.server'],
      ['portainer.environment.swarm', 'portainer.environment'],
    ]);
    expect(resources[0]!.references).toEqual(
      expect.arrayContaining([
        { kind: 'proxmox.guest', address: 'guest.1001' },
        { kind: 'swarm.cluster', address: 'swarm.cluster' },
        { kind: 'pki.certificate', address: 'cert.portainer' },
        { kind: 'pki.certificate', address: 'cert.docker-portainer' },
        { kind: 'pki.certificate', address: 'cert.docker-worker' },
      ]),
    );
    expect(resources[1]!.references).toEqual([{ kind: 'portainer.server', address: 'portainer.server' }]);
    expect((resources[1]!.desired as { url: string }).url).toBe('tcp://10.10.0.11:9001');
    // No secret value in anything derived: only the reference.
    expect(JSON.stringify(resources)).toContain('env:PHOENIX_PORTAINER_PASSWORD');
  });

  it('without the Swarm manager\'s Docker API: nothing derived, one warning (not "declared, not managed")', async () => {
    const config = await homelab();
    const { resources, diagnostics } = portainerProvider.derive({ config, configDir: '.', nodeShell: true });
    expect(resources).toEqual([]);
    expect(diagnostics?.map((d) => [d.severity, d.code])).toEqual([['warning', 'W_PORTAINER_NO_DOCKER']]);
  });

  it('declared without a portainer-server guest: a located error', async () => {
    const config = await homelab();
    for (const g of config.guests)
      g.role = (Array.isArray(g.role) ? g.role : [g.role]).filter((r) => r !== 'portainer-server') as never;
    const { resources, diagnostics } = portainerProvider.derive({
      config,
      configDir: '.',
      nodeShell: true,
      swarmApi: true,
    });
    expect(resources).toEqual([]);
    expect(diagnostics?.[0]).toMatchObject({ severity: 'error', code: 'E_PORTAINER_CONFIG' });
    expect(diagnostics?.[0]?.message).toMatch(/no guest has the role portainer-server/);
  });
});

describe('portainer stack definition', () => {
  it('validates against the compose specification and deploys what docker stack deploy would', async () => {
    const { settings } = portainerSettings(await homelab());
    const stack = portainerStack(settings!);
    // The rendered YAML is a valid compose document on its own (schema + Phoenix's own checks).
    expect(() => loadCompose('p.yaml', {}, { text: stack.compose })).not.toThrow();
    const doc = parse(stack.compose) as ReturnType<typeof composeDocument>;
    const services = doc.services as Record<string, { command: string; deploy: { mode: string }; image: string }>;
    expect(services.agent!.deploy.mode).toBe('global');
    expect(services.portainer!.image).toBe('portainer/portainer-ce:2.21.4');
    expect(services.portainer!.command).toContain('--admin-password-file /run/secrets/admin_password');
    expect(services.portainer!.command).toContain('--sslcert /certs/portainer.crt');
    expect(services.agent!.command).toBe('--sslcert /certs/server-cert.pem --sslkey /certs/server-key.pem');
    expect(stack.compose).not.toMatch(/skip.?verify/i);
    const names = stack.converted.services.map((s) => s.Name);
    expect(names).toEqual(['portainer_agent', 'portainer_portainer']);
    for (const s of stack.converted.services) expect(s.Labels?.['com.docker.stack.namespace']).toBe('portainer');
    // The config layer states these names to check routes to Portainer (it cannot import providers).
    expect(PORTAINER_STACK.name).toBe('portainer');
    expect(Object.keys(services).sort()).toEqual([...PORTAINER_STACK.services].sort());
  });

  it('the version comes from the config; a change changes the digest (a redeploy)', async () => {
    const config = await homelab();
    const a = portainerStack(portainerSettings(config).settings!);
    (config.platform!.portainer as { version: string }).version = '2.21.5';
    const b = portainerStack(portainerSettings(config).settings!);
    expect(b.compose).toContain('portainer/agent:2.21.5');
    expect(b.digest).not.toBe(a.digest);
  });
});

describe('portainer provider: located config errors', () => {
  it('a declared Portainer without an admin password reference is an error at platform.portainer', async () => {
    const { config, locate } = await loadConfig('examples/homelab');
    delete (config.platform!.portainer as { adminPassword?: string }).adminPassword;
    const { diagnostics } = portainerProvider.derive({
      config,
      configDir: '.',
      nodeShell: true,
      swarmApi: true,
      locate,
    });
    expect(diagnostics?.[0]).toMatchObject({ severity: 'error', code: 'E_PORTAINER_CONFIG' });
    expect(diagnostics?.[0]?.message).toMatch(/adminPassword is required/);
    expect(diagnostics?.[0]?.location?.file).toMatch(/phoenix\.yaml$/);
  });
});
