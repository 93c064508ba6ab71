/**
 * One simulated machine's file system and package/service state, kept in a host directory the
 * tests can inspect: `<base>/root/...` holds the files (real files, real modes), `<base>/meta.json`
 * holds what an unprivileged simulator cannot set for real: owners and groups by name, installed
 * packages, and service state with a reload counter (to prove "reload only on change").
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
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
  /** System users added with useradd (root always exists). */
  users?: string[];
  /** The local CA files update-ca-certificates last took in, and how often it ran. */
  trusted?: string[];
  trustUpdates?: number;
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

  /**
   * Host path for an absolute path inside the machine, following the machine's symlinks (an
   * absolute link target means the machine's `/`, never the host's); `..` cannot climb out of
   * the root. A missing last component resolves to where it would be created.
   */
  resolve(path: string): string {
    return join(this.root, this.canonical(path));
  }

  /** Like `resolve`, but a symlink as the last component is the link itself (rm, mv, readlink, ln). */
  resolveLink(path: string): string {
    const normal = this.normal(path);
    if (normal === '/') return this.root;
    return join(this.root, this.canonical(posix.dirname(normal)), posix.basename(normal));
  }

  /** The machine path with every symlink followed (at most 40 links, like Linux's ELOOP). */
  canonical(path: string): string {
    const pending = this.normal(path).split('/').filter(Boolean);
    let done = '/';
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '..') {
        done = posix.dirname(done);
        continue;
      }
      const next = posix.join(done, part);
      const host = join(this.root, next);
      let link: string | undefined;
      try {
        if (lstatSync(host).isSymbolicLink()) link = readlinkSync(host);
      } catch {
        // Missing: the rest of the path is taken as written.
      }
      if (link === undefined) {
        done = next;
        continue;
      }
      hops += 1;
      if (hops > 40) throw new Error(`${path}: Too many levels of symbolic links`);
      if (link.startsWith('/')) done = '/';
      pending.unshift(...link.split('/').filter((p) => p && p !== '.'));
    }
    return done;
  }

  private normal(path: string): string {
    if (!path.startsWith('/')) throw new Error(`${path}: relative paths are not supported by the simulator`);
    return posix.normalize(path);
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

  /** Owners recorded under `from` (the path and everything below it) now belong under `to`. */
  moveOwners(from: string, to: string, keepSource = false): void {
    const source = posix.normalize(from);
    const dest = posix.normalize(to);
    this.updateMeta((meta) => {
      if (!keepSource) this.dropFrom(meta, dest);
      for (const [key, owner] of Object.entries(meta.owners)) {
        if (key !== source && !key.startsWith(`${source}/`)) continue;
        meta.owners[dest + key.slice(source.length)] = owner;
        if (!keepSource) delete meta.owners[key];
      }
    });
  }

  /** Forget the owners of `path` and everything below it (rm -r). */
  dropOwners(path: string): void {
    this.updateMeta((meta) => this.dropFrom(meta, posix.normalize(path)));
  }

  private dropFrom(meta: TreeMeta, path: string): void {
    for (const key of Object.keys(meta.owners)) if (key === path || key.startsWith(`${path}/`)) delete meta.owners[key];
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
