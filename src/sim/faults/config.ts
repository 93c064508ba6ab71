/**
 * Fault-injection settings: a seed plus rules. A rule applies to requests whose method and
 * path match (route globs: `*` = one segment, `**` = any number; matched against both the
 * concrete path `/nodes/pve/qemu/100/config` and the schema route
 * `/nodes/{node}/qemu/{vmid}/config`). Rates are probabilities in [0, 1].
 * Sources, later overriding earlier: options, `PHOENIX_SIM_FAULTS` (JSON), a file, and the
 * control endpoint at run time.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CliError } from '../../errors.ts';

const rate = z.number().min(0).max(1);

export const FaultRule = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE', '*']).optional(),
    route: z.string().startsWith('/').optional(),
    /** Only for task failures: the task type (`qmclone`, `vzcreate`, ...). */
    taskType: z.string().optional(),
    error500: rate.optional(),
    status595: rate.optional(),
    status596: rate.optional(),
    status599: rate.optional(),
    drop: rate.optional(),
    lockTimeout: rate.optional(),
    taskFailure: rate.optional(),
    /** Added latency in ms: fixed, or `[min, max]` drawn from the seeded PRNG. */
    latencyMs: z.union([z.number().min(0), z.tuple([z.number().min(0), z.number().min(0)])]).optional(),
    /** Error text of injected 500s and failed tasks. */
    message: z.string().optional(),
  })
  .strict();
export type FaultRule = z.infer<typeof FaultRule>;

export const FaultConfig = z
  .object({
    seed: z.number().int().optional(),
    rules: z.array(FaultRule).default([]),
  })
  .strict();
export type FaultConfig = z.infer<typeof FaultConfig>;

export function parseFaultConfig(value: unknown, source: string): FaultConfig {
  const parsed = FaultConfig.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(
      `invalid fault configuration in ${source}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
      {
        code: 'E_SIM_FAULTS',
        hint: 'expected {"seed": 1, "rules": [{"route": "/nodes/*/qemu/**", "error500": 0.1}]}',
      },
    );
  }
  return parsed.data;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`fault configuration in ${source} is not valid JSON`, {
      code: 'E_SIM_FAULTS',
      hint: (error as Error).message,
    });
  }
}

/** Reads `PHOENIX_SIM_FAULTS` and/or a file; undefined when neither is set. */
export function loadFaultConfig(options: { env?: NodeJS.ProcessEnv; file?: string }): FaultConfig | undefined {
  let config: FaultConfig | undefined;
  const fromEnv = options.env?.['PHOENIX_SIM_FAULTS'];
  if (fromEnv) config = parseFaultConfig(parseJson(fromEnv, 'PHOENIX_SIM_FAULTS'), 'PHOENIX_SIM_FAULTS');
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read fault file ${options.file}`, { code: 'E_SIM_FAULTS', cause: error });
    }
    config = parseFaultConfig(parseJson(text, options.file), options.file);
  }
  return config;
}

/** `*` = one path segment, `**` = any number of segments. */
export function globMatches(glob: string, path: string): boolean {
  const source = glob
    .split('/')
    .map((part) => (part === '**' ? '.*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')))
    .join('/');
  return new RegExp(`^${source.replace(/\/\.\*/g, '(?:/.*)?')}$`).test(path);
}
