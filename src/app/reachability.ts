/**
 * When planning fails, the usual cause is not a dozen separate problems but one: the Proxmox
 * API cannot be reached or refuses the token. Every resource kind then reports the same
 * transport error; this turns that into one error that says what to check. It costs one request,
 * and only after a failed plan, so the no-op plan stays at one cluster read plus one per guest.
 */
import { ProxmoxApiError } from '../clients/proxmox/index.ts';
import { ProviderError } from '../errors.ts';
import type { Phoenix } from './create-phoenix.ts';

export async function explainUnreachable(phoenix: Phoenix): Promise<void> {
  try {
    await phoenix.client.cluster.version();
  } catch (error) {
    if (!(error instanceof ProxmoxApiError)) return;
    if (error.status === 0) {
      throw new ProviderError(`cannot reach the Proxmox API: ${error.message}`, {
        code: 'E_PVE_UNREACHABLE',
        hint: 'check proxmox.endpoint in phoenix.yaml, that the host is up and that port 8006 is reachable from here',
        cause: error,
      });
    }
    if (error.status === 401) {
      throw new ProviderError('the Proxmox API refused the API token (401 authentication failed)', {
        code: 'E_PVE_AUTH',
        hint: 'check proxmox.tokenId and the secret proxmox.tokenSecret points to; the token may be expired or deleted',
        cause: error,
      });
    }
  }
}
