/**
 * `phoenix certs`: every certificate the config implies (declared + derived), observed where it
 * is installed (read-only: the certificate file and the key file's mode, never the key), with
 * its condition. Needs the node shell (SSH); the CA itself is never contacted.
 */
import {
  certificateRow,
  derivePki,
  pkiHandlers,
  CERTIFICATE_KIND,
  type CertificateRow,
} from '../providers/pki/index.ts';

export { certsExitCode, renderCertsTable } from '../providers/pki/index.ts';
import type { CertificateDesired, CertificateObserved } from '../providers/pki/certificate-handler.ts';
import { NoopHook } from '../engine/hook.ts';
import type { ResourceHandler } from '../engine/handler.ts';
import { PhoenixError } from '../errors.ts';
import type { Phoenix } from './create-phoenix.ts';

export async function certificateRows(phoenix: Phoenix, now = new Date()): Promise<CertificateRow[]> {
  const { resources } = derivePki(phoenix.loaded.config);
  const certs = resources.filter((r) => r.kind === CERTIFICATE_KIND);
  if (certs.length === 0) return [];
  const shells = phoenix.shells;
  if (!shells) {
    throw new PhoenixError('certificates cannot be read: no SSH access to the nodes', {
      code: 'E_CERTS_NO_SSH',
      hint: 'set proxmox.ssh (user, privateKey, knownHosts or hostKeyFingerprint)',
    });
  }
  const handler = pkiHandlers(
    { shells, localDir: phoenix.configDir, resolveSecret: () => Promise.reject(new Error('not needed')) },
    undefined,
  ).find((h) => h.kind === CERTIFICATE_KIND) as ResourceHandler<CertificateDesired, CertificateObserved>;
  const ctx = { signal: AbortSignal.timeout(60_000), hook: new NoopHook() };
  return Promise.all(
    certs.map(async (resource) => {
      const desired = resource.desired as CertificateDesired;
      try {
        const { observed } = await handler.observe({ ctx, resource: resource as never });
        return certificateRow(resource.address, desired, observed, now);
      } catch (error) {
        return certificateRow(resource.address, desired, null, now, (error as Error).message);
      }
    }),
  );
}
