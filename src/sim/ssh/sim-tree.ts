/**
 * One simulated machine's file system and package/service state, kept in a host directory the
 * tests can inspect: `<base>/root/...` holds the files (real files, real modes), `<base>/meta.json`
 * holds what an unprivileged simulator cannot set for real: owners and groups by name, installed
 * packages, and service state with a reload counter (to prove "reload only on change").
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface ServiceState {
  enabled: boolean;
  active: boolean;
  reloads: number;
  restarts: number;
}

export interface TreeMeta {
  owners: Record<string, { user: string; group: string }>;
  packages: string[];
  services: Record<string, ServiceState>;
  /** How many times `exportfs -ra` ran successfully. */
  exportfsRuns: number;
}

const BASE_DIRS = ['etc', 'tmp', 'root', 'srv', 'var/tmp', 'var/lib', 'usr/local/bin'];

export class SimTree {
  readonly base: string;
  readonly root: string;

  constructor(base: string) {
    this.base = base;
    this.root = join(base, 'root');
    // A machine starts with the directories a fresh Debian has (files go to /etc, pushes via /tmp).
    for (const dir of BASE_DIRS) mkdirSync(join(this.root, dir), { recursive: true });
  }

  /** Host path for an absolute path inside the machine; `..` cannot climb out of the root. */
  resolve(path: string): string {
    if (!path.startsWith('/')) throw new Error(`${path}: relative paths are not supported by the simulator`);
    return join(this.root, posix.normalize(path));
  }

  readMeta(): TreeMeta {
    const file = join(this.base, 'meta.json');
    const empty: TreeMeta = { owners: {}, packages: [], services: {}, exportfsRuns: 0 };
    if (!existsSync(file)) return empty;
    return { ...empty, ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<TreeMeta>) };
  }

  writeMeta(meta: TreeMeta): void {
    const file = join(this.base, 'meta.json');
    writeFileSync(`${file}.tmp`, `${JSON.stringify(meta, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  updateMeta(change: (meta: TreeMeta) => void): void {
    const meta = this.readMeta();
    change(meta);
    this.writeMeta(meta);
  }

  ownerOf(path: string): { user: string; group: string } {
    return this.readMeta().owners[posix.normalize(path)] ?? { user: 'root', group: 'root' };
  }

  service(name: string): ServiceState {
    return this.readMeta().services[unitName(name)] ?? { enabled: false, active: false, reloads: 0, restarts: 0 };
  }
}

/** `dnsmasq` and `dnsmasq.service` name the same unit. */
export function unitName(name: string): string {
  return name.endsWith('.service') ? name.slice(0, -'.service'.length) : name;
}
