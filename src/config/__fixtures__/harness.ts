/**
 * Test support: writes a config directory into a fresh temp folder from inline files, and a
 * small valid base config most invalid-config cases start from.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const BASE = `version: 1
cluster:
  nodes:
    - { name: pve, cores: 8, memory: 16384 }
network:
  bridges:
    - { name: vmbr0, cidr: 10.0.0.1/24, gateway: 10.0.0.254 }
storage:
  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl] }
  - { id: tank, type: zfspool, pool: tank, content: [images, rootdir] }
templates:
  - { name: debian, kind: lxc, storage: local, file: debian-12-standard_12.7-1_amd64.tar.zst }
  - name: cloud
    kind: vm
    vmid: 9000
    node: pve
    storage: tank
    image: { file: noble.img }
defaults:
  lxc: { disk: { storage: tank, size: 4 } }
`;

/** One LXC guest line in flow style, for compact cases. */
export function lxc(id: number, name: string, extra = ''): string {
  return `  - { id: ${id}, name: ${name}, type: lxc, template: debian, net: [{ name: eth0, bridge: vmbr0, ip: 10.0.0.${id % 250}/24 }]${extra ? `, ${extra}` : ''} }\n`;
}

export interface TempConfig {
  dir: string;
  cleanup(): void;
}

export function writeConfig(files: Record<string, string>): TempConfig {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
