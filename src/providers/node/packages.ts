/**
 * `node.packages`: Debian packages that must be installed on a node or in a guest. Phoenix only
 * installs; it never removes packages (removing one it did not install could break the host),
 * so delete is a no-op that says so.
 */
import type { ResourceHandler } from '../../engine/handler.ts';
import { commandFailed } from '../../clients/ssh/ssh-client.ts';
import { describeTarget, type TargetRef, type TargetShell } from './shell.ts';
import type { ShellResolver } from './resolver.ts';

export const PACKAGES_KIND = 'node.packages';

export interface ManagedPackages {
  target: TargetRef;
  packages: string[];
}

export interface ObservedPackages {
  /** The declared packages that are installed, sorted. */
  installed: string[];
}

/** `dpkg-query` status lines → installed package names (`install ok installed` only). */
export function parseDpkgStatus(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4 && fields.slice(1).join(' ') === 'install ok installed')
    .map((fields) => fields[0] as string)
    .sort();
}

export async function observePackages(shell: TargetShell, packages: string[]): Promise<string[]> {
  if (packages.length === 0) return [];
  // Exit 1 just means "some are unknown"; the status lines of the others are still printed.
  const result = await shell.exec(['dpkg-query', '-W', '-f', '${Package} ${Status}\\n', ...packages], {
    idempotent: true,
  });
  if (result.code > 1) throw commandFailed(describeTarget(shell.target), ['dpkg-query', '-W'], result);
  return parseDpkgStatus(result.stdout).filter((name) => packages.includes(name));
}

export function packagesHandler(shells: ShellResolver): ResourceHandler<ManagedPackages, ObservedPackages> {
  const install = async (desired: ManagedPackages, installed: string[]): Promise<{ observed: ObservedPackages }> => {
    const missing = desired.packages.filter((name) => !installed.includes(name));
    if (missing.length > 0) {
      const shell = shells(desired.target);
      const argv = [
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '--no-install-recommends',
        ...missing,
      ];
      const result = await shell.exec(argv, { timeoutMs: 15 * 60_000 });
      if (result.code !== 0) throw commandFailed(describeTarget(shell.target), argv, result);
    }
    return { observed: { installed: [...desired.packages].sort() } };
  };
  return {
    kind: PACKAGES_KIND,
    async observe({ resource }) {
      return {
        observed: { installed: await observePackages(shells(resource.desired.target), resource.desired.packages) },
      };
    },
    diff({ resource, observed }) {
      const want = [...new Set(resource.desired.packages)].sort();
      const have = observed?.installed ?? [];
      const missing = want.filter((name) => !have.includes(name));
      return {
        action: missing.length === 0 ? 'noop' : 'update',
        changes: missing.length === 0 ? [] : [{ path: 'installed', before: have, after: want }],
        requiresReplace: [],
        requiresRestart: false,
        reasons: missing.length === 0 ? [] : [`not installed: ${missing.join(', ')}`],
      };
    },
    create: ({ resource }) => install(resource.desired, []),
    update: ({ resource, observed }) => install(resource.desired, observed.installed),
    async delete({ ctx, address }) {
      ctx.hook.diagnostic({
        severity: 'info',
        address,
        message: 'packages are left installed (Phoenix never removes packages)',
      });
      return {};
    },
  };
}
