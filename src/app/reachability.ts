/**
 * When planning fails, the usual cause is not a dozen separate problems but one: the Proxmox
 * API cannot be reached, its certificate is not the trusted one, or it refuses the token. Every
 * resource kind then reports the same failure; this turns that into one error that names the
 * endpoint actually used and says what to check. It costs one request, and only after a failed
 * plan (an endpoint that never answered replays its connect failure at once, see the transport),
 * so the no-op plan stays at one cluster read plus one per guest.
 */
import { ProxmoxApiError } from '../clients/proxmox/index.ts';
import { isPhoenixError, ProviderError } from '../errors.ts';
import type { Phoenix } from './create-phoenix.ts';

/** Node's codes for a certificate the CA settings do not accept. */
const TLS_VERIFY = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|HOSTNAME/;

function codeChain(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error, i = 0; i < 5 && e && typeof e === 'object'; i++, e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

export async function explainUnreachable(phoenix: Phoenix): Promise<void> {
  try {
    await phoenix.client.cluster.version();
  } catch (error) {
    // A pinned fingerprint that does not match: already one complete error (expected, presented, how to pin).
    if (isPhoenixError(error) && error.code === 'E_PVE_TLS_PIN') throw error;
    if (!(error instanceof ProxmoxApiError)) return;
    const endpoint = error.endpoint ?? phoenix.environment;
    if (error.status === 0) {
      const tls =
        codeChain(error.cause).find((c) => TLS_VERIFY.test(c)) ??
        (TLS_VERIFY.test(error.apiMessage) ? 'TLS' : undefined);
      throw new ProviderError(`cannot reach the Proxmox API at ${endpoint}: ${error.apiMessage}`, {
        code: tls ? 'E_PVE_TLS' : 'E_PVE_UNREACHABLE',
        hint: tls
          ? 'the certificate is not trusted by proxmox.tls: set tls.caFile to the cluster CA (/etc/pve/pve-root-ca.pem) or pin tls.fingerprint (pvenode cert info)'
          : (error.hint ??
            `check proxmox.endpoint in phoenix.yaml (${endpoint}): that the host is up and reachable from here`),
        cause: error,
      });
    }
    if (error.status === 401) {
      throw new ProviderError(`the Proxmox API at ${endpoint} refused the API token (401 authentication failed)`, {
        code: 'E_PVE_AUTH',
        hint: 'check proxmox.tokenId and the secret proxmox.tokenSecret points to; the token may be expired or deleted',
        cause: error,
      });
    }
  }
}
