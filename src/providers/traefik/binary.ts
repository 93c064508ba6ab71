/**
 * `traefik.binary`: the traefik binary on the traefik guest, from the release archive the config
 * declares (Debian ships no Traefik). The archive is downloaded inside the guest, its checksum
 * compared with the declared one — a mismatch is never installed — then the binary is extracted
 * and moved into place atomically. A stamp file records which archive is installed, so a second
 * apply downloads nothing. After an upgrade a running Traefik is restarted (a new binary needs
 * it; route changes never do: the file provider watches its directory).
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { ResourceHandler } from '../../engine/handler.ts';
import { ProviderError } from '../../errors.ts';
import type { TargetRef, TargetShell } from '../node/index.ts';

export const BINARY_KIND = 'traefik.binary';

export interface BinaryDesired {
  target: TargetRef;
  url: string;
  /** `sha256:<hex>` or `sha512:<hex>` of the archive. */
  checksum: string;
  path: string;
  stamp: string;
  unit: string;
}

export interface BinaryObserved {
  /** Checksum of the archive the installed binary came from (null: unknown or absent). */
  checksum: string | null;
  present: boolean;
}

async function must(shell: TargetShell, argv: string[], what: string, timeoutMs = 60_000): Promise<string> {
  const result = await shell.exec(argv, { timeoutMs });
  if (result.code !== 0)
    throw new ProviderError(`${what} failed on the traefik guest: ${(result.stderr || result.stdout).trim()}`, {
      code: 'E_TRAEFIK_INSTALL',
      detail: argv.join(' '),
    });
  return result.stdout;
}

export async function installBinary(shell: TargetShell, desired: BinaryDesired, address: string): Promise<void> {
  const [algorithm = 'sha256', expected = ''] = desired.checksum.toLowerCase().split(':');
  const dir = `/tmp/.phoenix-traefik-${randomBytes(4).toString('hex')}`;
  const archive = posix.join(dir, 'release.tar.gz');
  await must(shell, ['mkdir', '-p', dir], 'preparing the download');
  try {
    await must(
      shell,
      ['curl', '-fsSL', '--proto', '=https,http', '--max-time', '600', '-o', archive, desired.url],
      `downloading ${desired.url}`,
      660_000,
    );
    const sum = (await must(shell, [`${algorithm}sum`, archive], 'checking the download')).trim().split(/\s+/)[0];
    if (sum !== expected)
      throw new ProviderError(
        `${desired.url} has ${algorithm}:${sum ?? '?'}, but the config declares ${desired.checksum}: not installed`,
        {
          code: 'E_TRAEFIK_CHECKSUM',
          resource: address,
          hint: 'check platform.traefik.release: the archive changed or the checksum is wrong',
        },
      );
    await must(shell, ['tar', '-xzf', archive, '-C', dir, 'traefik'], 'unpacking the release');
    const staged = `${desired.path}.phoenix-new`;
    await must(shell, ['mkdir', '-p', posix.dirname(desired.path), posix.dirname(desired.stamp)], 'installing');
    await must(shell, ['install', '-m', '0755', posix.join(dir, 'traefik'), staged], 'installing');
    await must(shell, ['mv', '-f', staged, desired.path], 'installing');
    await shell.writeFile(desired.stamp, `${desired.checksum}\n`, { mode: '0644', owner: 'root', group: 'root' });
  } finally {
    await shell.exec(['rm', '-rf', dir]);
  }
}

export function binaryHandler(
  shells: (target: TargetRef) => TargetShell,
): ResourceHandler<BinaryDesired, BinaryObserved> {
  const apply = async (
    desired: BinaryDesired,
    address: string,
    upgrade: boolean,
  ): Promise<{ observed: BinaryObserved }> => {
    const shell = shells(desired.target);
    await installBinary(shell, desired, address);
    if (upgrade) {
      const active = await shell.exec(['systemctl', 'is-active', desired.unit], { idempotent: true });
      if (active.stdout.trim() === 'active')
        await must(shell, ['systemctl', 'restart', desired.unit], 'restarting traefik');
    }
    return { observed: { checksum: desired.checksum, present: true } };
  };
  return {
    kind: BINARY_KIND,
    async observe({ resource }) {
      const shell = shells(resource.desired.target);
      const present = (await shell.exec(['test', '-x', resource.desired.path], { idempotent: true })).code === 0;
      const stamp = await shell.exec(['cat', resource.desired.stamp], { idempotent: true });
      const checksum = stamp.code === 0 ? stamp.stdout.trim() || null : null;
      return { observed: present || checksum ? { present, checksum } : null };
    },
    diff({ resource, observed }) {
      const want = resource.desired.checksum.toLowerCase();
      const same = observed?.present === true && observed.checksum?.toLowerCase() === want;
      return {
        action: observed === null ? 'create' : same ? 'noop' : 'update',
        changes: same || observed === null ? [] : [{ path: 'release', before: observed.checksum, after: want }],
        requiresReplace: [],
        requiresRestart: observed !== null && !same,
        reasons:
          observed === null
            ? [`traefik is not installed (from ${resource.desired.url})`]
            : same
              ? []
              : [`traefik release changes to ${resource.desired.url}`],
      };
    },
    create: ({ resource }) => apply(resource.desired, resource.address, false),
    update: ({ resource }) => apply(resource.desired, resource.address, true),
    async delete({ ctx, address }) {
      ctx.hook.diagnostic({ severity: 'info', address, message: 'traefik binary left installed' });
      return {};
    },
  };
}

export function traefikUnit(binary: string, staticFile: string): string {
  return [
    '# Managed by Phoenix.',
    '[Unit]',
    'Description=Traefik (routes generated by Phoenix)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    `ExecStart=${binary} --configFile=${staticFile}`,
    'Restart=on-failure',
    'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
