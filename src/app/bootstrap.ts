/**
 * What `phoenix init` needs, composed here so the CLI stays above app/: Phoenix's own
 * least-privilege access (derived by the pve-host provider from the API calls Phoenix makes)
 * checked against the permission rules of the official PVE schema the simulator carries.
 */
import { phoenixAccess, scaffoldFiles } from '../providers/pve-host/bootstrap.ts';
import { getEndpoint } from '../sim/schema/index.ts';

export { scaffoldFiles };

/** The role, ACL entries and commands for Phoenix's API token (see `phoenixAccess`). */
export function derivePhoenixAccess(options: Parameters<typeof phoenixAccess>[0]): ReturnType<typeof phoenixAccess> {
  // The permission check of an endpoint in the official PVE schema (undefined: no such endpoint).
  const lookup = (method: string, route: string) => {
    const endpoint = getEndpoint(method, route);
    return endpoint ? (endpoint.permissions ?? null) : undefined;
  };
  return phoenixAccess(options, lookup);
}
