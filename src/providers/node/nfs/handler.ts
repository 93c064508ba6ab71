/**
 * `node.nfs`: the Phoenix exports file of one node; `exportfs -ra` runs only when it changed.
 * The export roots are created if missing (exportfs refuses paths that do not exist).
 */
import type { Diagnostic } from '../../../errors.ts';
import type { Resource } from '../../../engine/handler.ts';
import { commandFailed } from '../../../clients/ssh/ssh-client.ts';
import { describeTarget } from '../shell.ts';
import { fileSetHandler, type FileSetDesired } from '../managed-files.ts';
import type { ShellResolver } from '../resolver.ts';
import type { NodeSource } from '../source.ts';
import { deriveExports, renderExports } from './exports.ts';

export const NFS_KIND = 'node.nfs';
export const DEFAULT_EXPORTS_PATH = '/etc/exports.d/phoenix.exports';

export function nfsHandler(shells: ShellResolver) {
  return fileSetHandler<FileSetDesired>(shells, {
    kind: NFS_KIND,
    async afterChange(shell) {
      const result = await shell.exec(['exportfs', '-ra']);
      if (result.code !== 0) throw commandFailed(describeTarget(shell.target), ['exportfs', '-ra'], result);
    },
  });
}

/** One `node.nfs` resource per node that serves exports. */
export function nfsResources(
  source: NodeSource,
  path = DEFAULT_EXPORTS_PATH,
): { resources: Resource<FileSetDesired>[]; diagnostics: Diagnostic[] } {
  const derived = deriveExports(source);
  const nodes = [...new Set(derived.exports.map((line) => line.node))].sort();
  const resources = nodes.map((node) => {
    const lines = derived.exports.filter((line) => line.node === node);
    return {
      address: `node.${node}.nfs`,
      kind: NFS_KIND,
      node,
      dependsOn: [`node.${node}.packages.nfs-kernel-server`],
      desired: {
        node,
        files: { [path]: renderExports(lines, source.environment) },
        directories: lines.map((line) => line.path),
        ...(source.environment ? { environment: source.environment } : {}),
      },
    };
  });
  return { resources, diagnostics: derived.diagnostics };
}
