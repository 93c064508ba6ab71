/**
 * The Proxmox connection: files it names (CA bundle, known_hosts) must exist, and SSH to the
 * nodes must pin the host key (known_hosts or a fingerprint), the SSH twin of verifying TLS.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { CheckContext } from './context.ts';

export function checkConnection(ctx: CheckContext): void {
  const proxmox = ctx.config.proxmox;
  if (!proxmox) return;
  const exists = (file: string): boolean => existsSync(isAbsolute(file) ? file : join(ctx.loaded.dir, file));
  if (proxmox.tls?.caFile !== undefined && !exists(proxmox.tls.caFile)) {
    ctx.report(
      ['proxmox', 'tls', 'caFile'],
      'E_FILE_NOT_FOUND',
      `CA file ${proxmox.tls.caFile} not found`,
      'paths are relative to the config directory',
    );
  }
  const ssh = proxmox.ssh;
  if (!ssh) return;
  if (ssh.knownHosts === undefined && ssh.hostKeyFingerprint === undefined) {
    ctx.report(
      ['proxmox', 'ssh'],
      'E_SSH_HOST_KEY',
      'ssh does not pin the node host key',
      'add knownHosts: <file> or hostKeyFingerprint: "SHA256:..." (ssh-keygen -lf <host key>.pub)',
    );
  } else if (ssh.knownHosts !== undefined && !exists(ssh.knownHosts)) {
    ctx.report(
      ['proxmox', 'ssh', 'knownHosts'],
      'E_FILE_NOT_FOUND',
      `known_hosts file ${ssh.knownHosts} not found`,
      'paths are relative to the config directory',
    );
  }
}
