/**
 * Secrets for the built-in simulator only: a demo must run on a fresh clone, where nobody has
 * exported the CA or Portainer passwords the example references. An `env:` reference whose
 * variable is unset gets a random value generated once and kept owner-only next to the state
 * file (`.phoenix/sim-secrets/NAME`), and the user is told which. Never used for a real Proxmox:
 * there an unset secret stays an error.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../errors.ts';

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

export interface DemoSecrets {
  /** The value for `ref` when it is an unset `env:` reference; undefined otherwise. */
  valueFor(ref: string, env: Record<string, string | undefined>): string | undefined;
  /**
   * Generates (once) a value for every unset `env:` reference the config holds, and returns one
   * warning naming them (none when every reference is set).
   */
  prepare(config: unknown, env: Record<string, string | undefined>): Diagnostic[];
}

function envRefs(value: unknown, out: Set<string>, depth = 0): Set<string> {
  if (depth > 32) return out;
  if (typeof value === 'string') {
    if (ENV_REF.test(value)) out.add(value);
  } else if (Array.isArray(value)) for (const v of value) envRefs(v, out, depth + 1);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value as Record<string, unknown>)) envRefs(v, out, depth + 1);
  return out;
}

export function demoSecrets(dir: string): DemoSecrets {
  const used = new Set<string>();
  return {
    valueFor(ref, env) {
      const name = ENV_REF.exec(ref)?.[1];
      if (!name || (env[name] !== undefined && env[name] !== '')) return undefined;
      const file = join(dir, name);
      if (!existsSync(file)) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o700);
        writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
      }
      used.add(name);
      return readFileSync(file, 'utf8');
    },
    prepare(config, env) {
      for (const ref of envRefs(config, new Set())) this.valueFor(ref, env);
      if (used.size === 0) return [];
      return [
        {
          severity: 'warning',
          code: 'W_SIM_DEMO_SECRETS',
          message: `built-in simulator: ${[...used].sort().join(', ')} not set; using generated demo values kept in ${dir}`,
          hint: 'export them to choose your own; against a real Proxmox an unset secret is an error',
        },
      ];
    },
  };
}
