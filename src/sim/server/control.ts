/**
 * The simulator-only control endpoint, outside PVE's API namespace and its validation
 * (`/api2/json/_sim/...`, root@pam or a root@pam token only):
 * - `GET  /_sim/faults`   current fault configuration and injected-fault counts
 * - `PUT|POST /_sim/faults` replace the fault configuration (JSON body, see faults/config.ts)
 * - `POST /_sim/control`  `{ "action": "...", "args": {...} }` forwarded to `model.control`
 *   for out-of-band changes (drift Phoenix must detect)
 */
import { SimApiError, type SimCaller } from '../contract.ts';
import { parseFaultConfig } from '../faults/config.ts';
import type { SimHandlerOptions } from './handler.ts';
import type { ApiAnswer } from './respond.ts';

export async function handleControl(
  options: SimHandlerOptions,
  method: string,
  subpath: string,
  body: Record<string, unknown>,
  caller: SimCaller,
): Promise<ApiAnswer> {
  if (caller.userid !== 'root@pam') {
    throw new SimApiError(403, 'Permission check failed (simulator control needs root@pam)');
  }
  if (subpath === '/faults' && method === 'GET') {
    return { status: 200, data: { ...options.faults.current(), counts: options.faults.counts } };
  }
  if (subpath === '/faults' && (method === 'PUT' || method === 'POST')) {
    let config;
    try {
      config = parseFaultConfig(body, 'request body');
    } catch (error) {
      throw new SimApiError(400, (error as Error).message);
    }
    options.faults.configure(config);
    return { status: 200, data: options.faults.current() };
  }
  if (subpath === '/control' && method === 'POST') {
    const action = body['action'];
    if (typeof action !== 'string') throw new SimApiError(400, "control needs a string 'action'");
    const args = (body['args'] ?? {}) as Record<string, unknown>;
    const data = await options.model.control(action, args);
    options.onMutation?.();
    return { status: 200, data: data ?? null };
  }
  return { status: 501, message: `Method '${method} /_sim${subpath}' not implemented` };
}
