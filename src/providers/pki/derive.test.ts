import { describe, expect, expectTypeOf, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { PhoenixConfig } from '../../config/schema.ts';
import { defaultLayout } from '../gateway/layout.ts';
import { DEFAULT_TRAEFIK_PATHS } from '../traefik/settings.ts';
import { derivePkiResources, type PkiSource } from './derive.ts';

describe('derivePkiResources', () => {
  it('accepts the parsed config as its source', () => {
    expectTypeOf<PhoenixConfig>().toExtend<PkiSource>();
  });

  it('examples/homelab: the declared certificates plus the ones the topology needs', async () => {
    const { config } = await loadConfig('examples/homelab');
    const { resources, diagnostics } = derivePkiResources(config);
    expect(diagnostics).toEqual([]);
    const rows = resources.map((r) => [
      r.address,
      r.desired.target,
      r.desired.files.cert,
      r.desired.reload?.service ?? null,
      r.desired.origin,
    ]);
    expect(rows.map((r) => r[0])).toEqual(
      expect.arrayContaining(['cert.gateway-edge', 'cert.traefik-internal', 'cert.portainer']),
    );
    // Each Swarm VM's Docker daemon gets its own certificate without being told.
    const docker = resources.filter((r) => r.desired.files.cert === '/etc/docker/tls/server-cert.pem');
    expect(docker.map((r) => r.desired.target)).toEqual([
      { kind: 'vm', node: 'pve', vmid: 1001 },
      { kind: 'vm', node: 'pve', vmid: 1002 },
    ]);
    for (const r of docker) expect(r.desired.origin).toMatch(/^derived: docker of /);
    const gateway = resources.find((r) => r.address === 'cert.gateway-edge')!;
    expect(gateway.desired).toMatchObject({
      commonName: 'gateway.home.arpa',
      keyMode: '0600',
      certMode: '0644',
      renewBefore: '240h',
      reload: { service: 'nginx' },
      // Where the gateway's nginx reads it (gateway/layout.ts), with the internal root next to it.
      files: {
        cert: '/etc/phoenix/certs/gateway-edge/fullchain.pem',
        key: '/etc/phoenix/certs/gateway-edge/key.pem',
        root: '/etc/phoenix/certs/root.pem',
      },
    });
    const layout = defaultLayout();
    expect(gateway.desired.files).toEqual({
      cert: layout.certificate('gateway-edge').fullchain,
      key: layout.certificate('gateway-edge').key,
      root: layout.trustedRoot,
    });
    // Traefik's certificate and root: where Traefik's settings read them; no reload (it watches its files).
    const traefik = resources.find((r) => r.address === 'cert.traefik-internal')!;
    expect(traefik.desired.files).toEqual({
      cert: '/etc/phoenix/certs/traefik-internal/fullchain.pem',
      key: '/etc/phoenix/certs/traefik-internal/key.pem',
      root: DEFAULT_TRAEFIK_PATHS.trustedRoot,
    });
    expect(traefik.desired.reload).toBeUndefined();
    // Other roles keep their software's own layout, without a root file.
    expect(resources.find((r) => r.address === 'cert.portainer')!.desired.files.root).toBeUndefined();
    expect(gateway.desired.sans[0]).toBe('gateway.home.arpa');
    expect(gateway.dependsOn).toEqual(['guest.101', 'guest.103']);
    // The gateway guest already has a declared certificate: no derived duplicate.
    expect(rows.map((r) => r[0])).not.toContain('cert.gateway-nginx-gateway');
  });

  const base = {
    version: 1,
    cluster: { domain: 'lab.internal', nodes: [{ name: 'pve', address: '10.0.0.2' }] },
    platform: { stepCa: { password: 'env:CA_PW' } },
    guests: [
      {
        id: 103,
        name: 'ca',
        type: 'lxc',
        node: 'pve',
        role: 'step-ca',
        net: [{ name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.13/24' }],
      },
      {
        id: 101,
        name: 'gw',
        type: 'lxc',
        node: 'pve',
        role: 'gateway',
        net: [{ name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.11/24' }],
      },
    ],
  };

  it('derives the gateway certificate when none is declared, and a declared one with its name overrides it', () => {
    const derived = derivePkiResources(PhoenixConfig.parse(base));
    expect(derived.resources.map((r) => [r.address, r.desired.sans])).toEqual([
      ['cert.gateway-gw', ['gw.lab.internal', '10.0.0.11']],
    ]);
    const overridden = derivePkiResources(
      PhoenixConfig.parse({
        ...base,
        certificates: [{ name: 'gateway-gw', commonName: 'edge.lab.internal', guest: 'gw', duration: '48h' }],
      }),
    );
    expect(overridden.resources.map((r) => [r.address, r.desired.commonName, r.desired.duration])).toEqual([
      ['cert.gateway-gw', 'edge.lab.internal', '48h'],
    ]);
  });

  it('name policy: only names under the cluster domain and the guests own addresses', () => {
    const { diagnostics } = derivePkiResources(
      PhoenixConfig.parse({
        ...base,
        certificates: [
          { name: 'bad', commonName: 'evil.example.com', sans: ['10.0.0.11', '8.8.8.8', 'x.lab.internal'], guest: 101 },
        ],
      }),
    );
    expect(diagnostics.map((d) => d.message)).toEqual([
      "certificates[0].commonName: evil.example.com is outside the cluster domain lab.internal and is no guest's address",
      "certificates[0].sans[1]: 8.8.8.8 is outside the cluster domain lab.internal and is no guest's address",
    ]);
  });

  const manager = {
    id: 1001,
    name: 'mgr',
    type: 'vm',
    node: 'pve',
    role: 'swarm-manager',
    net: [{ name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.21/24' }],
  };

  it("with a Swarm and a CA: Phoenix's Docker client certificate, on this machine, waiting for no guest", () => {
    const derived = derivePkiResources(
      PhoenixConfig.parse({ ...base, environment: 'lab', guests: [...base.guests, manager] }),
    );
    expect(derived.diagnostics).toEqual([]);
    const client = derived.resources.find((r) => r.address === 'cert.phoenix-docker')!;
    expect(client.dependsOn).toEqual([]);
    expect(client.desired).toEqual({
      name: 'phoenix-docker',
      target: { kind: 'local' },
      commonName: 'phoenix-lab.lab.internal',
      sans: ['phoenix-lab.lab.internal'],
      keyType: 'EC-P256',
      duration: '720h',
      // Relative to the config directory: where the swarm provider's Docker clients read them.
      files: {
        cert: '.phoenix/certs/phoenix-docker/fullchain.pem',
        key: '.phoenix/certs/phoenix-docker/key.pem',
        root: '.phoenix/certs/root.pem',
      },
      owner: '',
      group: '',
      keyMode: '0600',
      certMode: '0600',
      dirMode: '0700',
      origin: "derived: Phoenix's Docker client (Swarm engines' API, clientAuth)",
    });
    // Without a Swarm, or without a CA: none.
    expect(derivePkiResources(PhoenixConfig.parse(base)).resources.map((r) => r.address)).not.toContain(
      'cert.phoenix-docker',
    );
    const { stepCa: _omit, ...platform } = base.platform;
    expect(
      derivePkiResources(PhoenixConfig.parse({ ...base, platform, guests: [...base.guests, manager] })).resources,
    ).toEqual([]);
  });

  it('a declared phoenix-docker overrides names and lifetime (names checked by the policy); a guest for it is an error', () => {
    const config = (cert: Record<string, unknown>) =>
      PhoenixConfig.parse({
        ...base,
        guests: [...base.guests, manager],
        certificates: [{ name: 'phoenix-docker', ...cert }],
      });
    const overridden = derivePkiResources(
      config({ commonName: 'ops.lab.internal', sans: ['phoenix.lab.internal'], duration: '48h', renewBefore: '8h' }),
    );
    expect(overridden.diagnostics).toEqual([]);
    const client = overridden.resources.filter((r) => r.address === 'cert.phoenix-docker');
    expect(
      client.map((r) => [
        r.desired.target,
        r.desired.sans,
        r.desired.duration,
        r.desired.renewBefore,
        r.desired.origin,
      ]),
    ).toEqual([[{ kind: 'local' }, ['ops.lab.internal', 'phoenix.lab.internal'], '48h', '8h', 'certificates[0]']]);
    expect(derivePkiResources(config({ commonName: 'evil.example.com' })).diagnostics.map((d) => d.code)).toEqual([
      'E_CERT_NAME_POLICY',
    ]);
    const inGuest = derivePkiResources(config({ commonName: 'ops.lab.internal', guest: 'gw' }));
    expect(inGuest.diagnostics.map((d) => d.message)).toEqual([
      "certificates[0].guest: phoenix-docker is Phoenix's own Docker client certificate: it lives on this machine, not in a guest",
    ]);
    expect(inGuest.resources.map((r) => r.address)).not.toContain('cert.phoenix-docker');
  });

  it('nothing without a CA and without certificates', () => {
    const { stepCa: _omit, ...platform } = base.platform;
    expect(derivePkiResources(PhoenixConfig.parse({ ...base, platform })).resources).toEqual([]);
  });
});
