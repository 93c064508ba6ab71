/**
 * How `phoenix sync` and `phoenix history` reach a running `phoenix serve`: its URL (`--url`,
 * PHOENIX_URL, default http://127.0.0.1:7780) and a token from PHOENIX_TOKEN or `--token-file`
 * (never a flag value: argv is visible to every user of the machine).
 */
import { readFileSync } from 'node:fs';
import { PhoenixError } from '../errors.ts';

export interface DaemonClientOptions {
  url?: string;
  tokenFile?: string;
}

export const DEFAULT_DAEMON_URL = 'http://127.0.0.1:7780';

export async function daemonRequest<T>(options: DaemonClientOptions, method: string, path: string): Promise<T> {
  const base = (options.url ?? process.env.PHOENIX_URL ?? DEFAULT_DAEMON_URL).replace(/\/$/, '');
  let token = process.env.PHOENIX_TOKEN;
  if (options.tokenFile) {
    try {
      token = readFileSync(options.tokenFile, 'utf8').trim();
    } catch (cause) {
      throw new PhoenixError(`cannot read the token file ${options.tokenFile}`, { code: 'E_TOKEN_FILE', cause });
    }
  }
  if (!token) {
    throw new PhoenixError('no API token', {
      code: 'E_NO_TOKEN',
      hint: 'create one with `phoenix token create --scope operate --state FILE` and put it in PHOENIX_TOKEN',
    });
  }
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  } catch (cause) {
    throw new PhoenixError(`cannot reach the daemon at ${base}`, {
      code: 'E_DAEMON_UNREACHABLE',
      cause,
      hint: 'is `phoenix serve` running? set --url or PHOENIX_URL',
    });
  }
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string; code?: string } };
  if (!res.ok) {
    throw new PhoenixError(`the daemon answered ${res.status}: ${body.error?.message ?? res.statusText}`, {
      code: body.error?.code ?? 'E_DAEMON',
      hint:
        res.status === 401
          ? 'the token is unknown: create one with `phoenix token create`'
          : res.status === 403
            ? 'this needs a token with the operate scope'
            : undefined,
    });
  }
  return body as T;
}
