/**
 * step-ca installed in the CA guest from the source the config declares (`platform.stepCa.install`):
 * a Debian package (`apt-get install`), or a binary URL with its checksum. The binary is
 * downloaded inside the guest into a private temp directory, its checksum compared with the
 * declared one, and only then installed (0755, staged + renamed); a mismatch installs nothing
 * and leaves nothing behind. A stamp records which binary is installed, so a converged apply
 * downloads nothing. The service user is a system user created here when it is missing.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { ProviderError } from '../../errors.ts';
import { describeTarget, type TargetShell } from '../node/shell.ts';

export type StepCaInstall = { kind: 'package'; name: string } | { kind: 'binary'; url: string; checksum: string };

/** Where a binary install's stamp lives (which checksum is installed). */
export const STEP_CA_INSTALL_STAMP = '/var/lib/phoenix/step-ca.source';

/** One line naming a source, what observe reports and the plan compares. */
export function installSource(install: StepCaInstall): string {
  return install.kind === 'package' ? `package ${install.name}` : install.checksum.toLowerCase();
}

/** The installed binary's path: Debian's for the package, /usr/local/bin for a downloaded one. */
export function stepCaBinaryPath(install: StepCaInstall): string {
  return install.kind === 'package' ? '/usr/bin/step-ca' : '/usr/local/bin/step-ca';
}

async function must(shell: TargetShell, argv: string[], what: string, timeoutMs = 120_000): Promise<string> {
  const result = await shell.exec(argv, { timeoutMs });
  if (result.code !== 0)
    throw new ProviderError(
      `${what} failed in ${describeTarget(shell.target)}: ${(result.stderr || result.stdout).trim().slice(0, 500)}`,
      { code: 'E_STEPCA_INSTALL', detail: argv.join(' ') },
    );
  return result.stdout;
}

/** The installed source (`package <name>` or the binary's checksum), or null when not installed. */
export async function observeInstall(
  shell: TargetShell,
  install: StepCaInstall,
  paths: { binary: string; stamp: string },
): Promise<string | null> {
  if (install.kind === 'package') {
    const query = await shell.exec(['dpkg-query', '-W', '-f', '${Status}', install.name], { idempotent: true });
    return query.code === 0 && query.stdout.trim().endsWith(' installed') ? installSource(install) : null;
  }
  const present = (await shell.exec(['test', '-x', paths.binary], { idempotent: true })).code === 0;
  if (!present) return null;
  const stamp = await shell.exec(['cat', paths.stamp], { idempotent: true });
  return stamp.code === 0 ? stamp.stdout.trim().toLowerCase() || null : null;
}

export async function installStepCa(
  shell: TargetShell,
  install: StepCaInstall,
  paths: { binary: string; stamp: string },
  resource?: string,
): Promise<void> {
  if (install.kind === 'package') {
    await must(
      shell,
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', install.name],
      `apt-get install ${install.name}`,
      600_000,
    );
    return;
  }
  // A minimal Debian guest has no curl: it comes from the distribution, like any package.
  if ((await shell.exec(['test', '-x', '/usr/bin/curl'], { idempotent: true })).code !== 0) {
    await must(
      shell,
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', 'curl'],
      'apt-get install curl',
      600_000,
    );
  }
  const [algorithm = 'sha256', expected = ''] = install.checksum.toLowerCase().split(':');
  const dir = `/tmp/.phoenix-step-ca-${randomBytes(4).toString('hex')}`;
  const download = posix.join(dir, 'step-ca');
  await must(shell, ['mkdir', '-m', '0700', '-p', dir], 'preparing the download');
  try {
    await must(
      shell,
      ['curl', '-fsSL', '--proto', '=https,http', '--max-time', '600', '-o', download, install.url],
      `downloading ${install.url}`,
      660_000,
    );
    const sum = (await must(shell, [`${algorithm}sum`, download], 'checking the download')).trim().split(/\s+/)[0];
    if (sum !== expected)
      throw new ProviderError(
        `${install.url} has ${algorithm}:${sum ?? '?'}, but platform.stepCa.install declares ${install.checksum}: not installed`,
        {
          code: 'E_STEPCA_CHECKSUM',
          ...(resource ? { resource } : {}),
          hint: 'the file at that URL changed or the checksum is wrong: check it out of band before changing the config',
        },
      );
    const staged = `${paths.binary}.phoenix-new`;
    await must(shell, ['mkdir', '-p', posix.dirname(paths.binary), posix.dirname(paths.stamp)], 'installing step-ca');
    await must(shell, ['install', '-m', '0755', download, staged], 'installing step-ca');
    await must(shell, ['mv', '-f', staged, paths.binary], 'installing step-ca');
    await shell.writeFile(paths.stamp, `${install.checksum.toLowerCase()}\n`, {
      mode: '0644',
      owner: 'root',
      group: 'root',
    });
  } finally {
    await shell.exec(['rm', '-rf', dir]);
  }
}

/** The service user: a system account without a login shell, created once. */
export async function ensureServiceUser(shell: TargetShell, user: string, home: string): Promise<void> {
  if (user === 'root') return;
  const exists = await shell.exec(['id', '-u', user], { idempotent: true });
  if (exists.code === 0) return;
  await must(
    shell,
    [
      'useradd',
      '--system',
      '--user-group',
      '--home-dir',
      home,
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      user,
    ],
    `creating the service user ${user}`,
  );
}
