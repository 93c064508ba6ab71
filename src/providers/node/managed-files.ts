/**
 * Shared shape for resources made of a few managed files on one node plus an action that must
 * run only when one of them changed (dnsmasq reload, `exportfs -ra`). Observing compares hashes,
 * so an out-of-band edit of any of the files is drift, and a second apply does nothing.
 */
import { posix } from 'node:path';
import type { ResourceHandler } from '../../engine/handler.ts';
import type { AttributeChange } from '../../engine/plan/types.ts';
import { commandFailed } from '../../clients/ssh/ssh-client.ts';
import { describeTarget, observeFile, sha256Hex, type TargetShell } from './shell.ts';
import type { ShellResolver } from './resolver.ts';

/**
 * First line of every file Phoenix manages on a node: says the file is generated and, since
 * environments, whose it is (`# Managed by Phoenix (environment homelab): ...`).
 */
export function managedHeader(environment?: string): string {
  const whose = environment ? ` (environment ${environment})` : '';
  return `# Managed by Phoenix${whose}: edits here are overwritten on apply and shown as drift by \`phoenix plan\`.\n`;
}

/** The environment a file's header names; undefined for no header or one without environment. */
export function headerEnvironment(text: string): string | undefined {
  return /^# Managed by Phoenix \(environment ([a-z0-9][a-z0-9_.-]*)\):/.exec(text)?.[1];
}

export interface FileSetDesired {
  node: string;
  /** The environment whose files these are (their header names it). */
  environment?: string;
  /** path → content; mode 0644 root:root. */
  files: Record<string, string>;
  /** Directories to create first (e.g. NFS export roots). */
  directories?: string[];
}

export interface FileSetObserved {
  node: string;
  /** path → sha256 of the content, null when absent. */
  files: Record<string, string | null>;
  /** A file whose header names another environment: path → that environment. */
  foreign?: Record<string, string>;
}

export interface FileSetOptions<D extends FileSetDesired> {
  kind: string;
  /** Runs after at least one file was written (never on a no-op apply). */
  afterChange(shell: TargetShell, desired: D): Promise<void>;
}

export function fileSetChanges(desired: FileSetDesired, observed: FileSetObserved | null): AttributeChange[] {
  return Object.entries(desired.files)
    .filter(([path, content]) => observed?.files[path] !== sha256Hex(content))
    .map(([path, content]) => ({
      path,
      before: observed?.files[path] ? `sha256:${observed.files[path]}` : undefined,
      after: `sha256:${sha256Hex(content)}`,
    }));
}

export function fileSetHandler<D extends FileSetDesired>(
  shells: ShellResolver,
  options: FileSetOptions<D>,
): ResourceHandler<D, FileSetObserved> {
  const apply = async (desired: D, observed: FileSetObserved | null): Promise<{ observed: FileSetObserved }> => {
    const shell = shells({ kind: 'node', node: desired.node });
    const changed = fileSetChanges(desired, observed).map((change) => change.path);
    if (changed.length > 0) {
      const dirs = [...new Set([...(desired.directories ?? []), ...changed.map((path) => posix.dirname(path))])].sort();
      const mkdir = ['mkdir', '-p', ...dirs];
      const made = await shell.exec(mkdir);
      if (made.code !== 0) throw commandFailed(describeTarget(shell.target), mkdir, made);
      for (const path of changed) {
        await shell.writeFile(path, desired.files[path] as string, { mode: '0644', owner: 'root', group: 'root' });
      }
      await options.afterChange(shell, desired);
    }
    const files = Object.fromEntries(
      Object.entries(desired.files).map(([path, content]) => [path, sha256Hex(content)]),
    );
    return { observed: { node: desired.node, files } };
  };
  return {
    kind: options.kind,
    async observe({ resource }) {
      const shell = shells({ kind: 'node', node: resource.desired.node });
      const files: Record<string, string | null> = {};
      const foreign: Record<string, string> = {};
      for (const [path, content] of Object.entries(resource.desired.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
        files[path] = (await observeFile(shell, path))?.sha256 ?? null;
        // Only a file that differs is read (a no-op plan stays one stat + hash per file): whose is it?
        if (files[path] === null || files[path] === sha256Hex(content) || !resource.desired.environment) continue;
        const read = await shell.exec(['cat', path], { idempotent: true });
        const other = read.code === 0 ? headerEnvironment(read.stdout) : undefined;
        if (other !== undefined && other !== resource.desired.environment) foreign[path] = other;
      }
      const exists = Object.values(files).some((sha) => sha !== null);
      const observed = { node: resource.desired.node, files, ...(Object.keys(foreign).length > 0 ? { foreign } : {}) };
      return { observed: exists ? observed : null, node: resource.desired.node };
    },
    diff({ resource, observed }) {
      if (observed?.foreign) {
        // Another environment writes these files on this node: rewriting them would flip-flop.
        const [path, other] = Object.entries(observed.foreign)[0] ?? ['', ''];
        return {
          action: 'noop',
          changes: [],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [`${path} belongs to environment ${other}`],
          diagnostics: [
            {
              severity: 'error',
              code: 'E_OWNERSHIP_CONFLICT',
              message: `${resource.address}: ${path} on node ${resource.desired.node} is managed by environment ${other}`,
              hint: 'let one environment manage this node file (e.g. declare DNS records or NFS exports in one config only)',
            },
          ],
        };
      }
      const changes = fileSetChanges(resource.desired, observed);
      const action = observed === null ? 'create' : changes.length > 0 ? 'update' : 'noop';
      return {
        action,
        changes: action === 'update' ? changes : [],
        requiresReplace: [],
        requiresRestart: false,
        reasons: changes.map((c) =>
          c.before === undefined ? `${c.path} is missing` : `${c.path} differs from the declared content`,
        ),
      };
    },
    create: ({ resource }) => apply(resource.desired, null),
    update: ({ resource, observed }) => apply(resource.desired, observed),
    async delete({ observed, address }) {
      if (!observed) return {};
      const shell = shells({ kind: 'node', node: observed.node });
      const paths = Object.keys(observed.files);
      const result = await shell.exec(['rm', '-f', ...paths]);
      if (result.code !== 0) throw commandFailed(address, ['rm', '-f', ...paths], result);
      return {};
    },
  };
}
