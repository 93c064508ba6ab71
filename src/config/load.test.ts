import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { BASE, lxc, writeConfig } from './__fixtures__/harness.ts';
import { largeConfig } from './__fixtures__/large-config.ts';
import { loadConfig, validateConfig } from './index.ts';

const EXAMPLE = new URL('../../examples/homelab/', import.meta.url).pathname;

describe('loadConfig', () => {
  it('loads the homelab example: the reference topology, merged from several files', async () => {
    const loaded = await loadConfig(EXAMPLE);
    const { config } = loaded;
    expect(loaded.files[0]).toBe('phoenix.yaml');
    expect(config.guests.map((g) => [g.id, g.name, g.type]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [101, 'nginx-gateway', 'lxc'],
      [102, 'traefik-internal', 'lxc'],
      [103, 'step-ca', 'lxc'],
      [1001, 'portainer', 'vm'],
      [1002, 'worker', 'vm'],
    ]);
    expect(config.templates.map((t) => t.name)).toEqual(['debian-12', 'ubuntu-noble']);
    expect(config.stacks.map((s) => s.name)).toEqual(['whoami']);
    expect(Object.keys(config.stacks[0]?.environments ?? {})).toEqual(['production', 'testing']);
    expect(loaded.warnings).toEqual([]);
  });

  it('lays defaults under guests (deep merge for mappings, guest values win) and fills the only node', async () => {
    const temp = writeConfig({
      'phoenix.yaml': BASE.replace(
        'lxc: { disk: { storage: tank, size: 4 } }',
        'lxc: { cores: 2, tags: [base], disk: { storage: tank, size: 4 } }',
      ),
      'guests/a.yaml': `guests:\n${lxc(101, 'a', 'disk: { size: 20 }, tags: [web]')}`,
    });
    try {
      const { config, locate } = await loadConfig(temp.dir);
      const guest = config.guests[0];
      expect(guest?.node).toBe('pve');
      expect(guest?.cores).toBe(2);
      expect(guest?.disk).toEqual({ storage: 'tank', size: 20 });
      expect(guest?.tags).toEqual(['web']);
      // Inherited values point at the defaults entry, own values at the guest file.
      expect(locate(['guests', 0, 'cores'])).toEqual({
        file: 'phoenix.yaml',
        line: 20,
        column: 17,
        path: 'defaults.lxc.cores',
      });
      expect(locate(['guests', 0, 'disk', 'storage'])?.path).toBe('defaults.lxc.disk.storage');
      expect(locate(['guests', 0, 'disk', 'size'])).toMatchObject({
        file: 'guests/a.yaml',
        path: 'guests[0].disk.size',
      });
      expect(locate(['guests', 0, 'node'])).toMatchObject({ file: 'phoenix.yaml', path: 'cluster.nodes[0].name' });
    } finally {
      temp.cleanup();
    }
  });

  it('concatenates lists across files in path order and keeps each item located in its own file', async () => {
    const temp = writeConfig({
      'phoenix.yaml': BASE,
      'b.yaml': `guests:\n${lxc(102, 'b')}`,
      'a/x.yaml': `guests:\n${lxc(101, 'a')}`,
      'z.yml': `guests:\n${lxc(103, 'c')}`,
      'stacks/compose.yaml': 'services: {}\n',
      'stacks/files/traefik.yaml': 'http: {}\n',
    });
    try {
      const loaded = await loadConfig(temp.dir);
      expect(loaded.files).toEqual(['phoenix.yaml', 'a/x.yaml', 'b.yaml', 'z.yml']);
      expect(loaded.config.guests.map((g) => g.name)).toEqual(['a', 'b', 'c']);
      expect(loaded.locate(['guests', 2, 'name'])).toMatchObject({ file: 'z.yml', line: 2, path: 'guests[0].name' });
    } finally {
      temp.cleanup();
    }
  });

  it('throws ConfigError carrying every error', async () => {
    const temp = writeConfig({ 'phoenix.yaml': BASE, 'g.yaml': `guests:\n${lxc(99, 'a')}${lxc(101, 'B')}` });
    try {
      const error = await loadConfig(temp.dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).diagnostics.map((d) => d.location?.path)).toEqual([
        'guests[0].id',
        'guests[1].name',
      ]);
    } finally {
      temp.cleanup();
    }
  });

  it('reports a file that is not a directory, and an empty root file', async () => {
    const temp = writeConfig({ 'phoenix.yaml': '' });
    try {
      const notDir = await validateConfig(`${temp.dir}/phoenix.yaml`);
      expect(notDir.diagnostics[0]?.code).toBe('E_CONFIG_DIR');
      const empty = await validateConfig(temp.dir);
      expect(empty.diagnostics.map((d) => [d.code, d.message])).toEqual([
        ['E_MISSING_FIELD', 'missing required field "version"'],
      ]);
    } finally {
      temp.cleanup();
    }
  });

  it('stops alias expansion bombs with a located error', async () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`,
      );
    const temp = writeConfig({ 'phoenix.yaml': BASE, 'bomb.yaml': lines.join('\n') + '\n' });
    try {
      const started = performance.now();
      const result = await validateConfig(temp.dir);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(result.diagnostics[0]).toMatchObject({ code: 'E_YAML_TOO_LARGE', location: { file: 'bomb.yaml' } });
    } finally {
      temp.cleanup();
    }
  });

  it('loads a generated config of 300 guests over 15 files (the benchmark input, scaled down)', async () => {
    const temp = writeConfig(largeConfig(300, 15));
    try {
      const result = await validateConfig(temp.dir);
      // The template lives on node0's local ZFS: the VMs on another node come from one copy there, said once.
      expect(result.diagnostics.map((d) => `${d.code} ${d.message.split(':')[0]}`)).toEqual([
        'W_CLONE_COPY guests 2002, 2005, 2008, 2011, 2014 and 95 more on node2 will be cloned from template copy 9001 on node2, not from 9000 on node0',
      ]);
      expect(result.files).toHaveLength(16);
      const guests = result.loaded?.config.guests ?? [];
      expect(guests).toHaveLength(300);
      expect(guests.filter((g) => g.type === 'vm')).toHaveLength(100);
      expect(result.loaded?.locate(['guests', 299, 'name'])).toMatchObject({ file: 'guests/part-14.yaml' });
    } finally {
      temp.cleanup();
    }
  });
});
