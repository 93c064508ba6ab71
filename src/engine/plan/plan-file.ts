/**
 * Saving and loading plans (`phoenix plan -out FILE`, `phoenix apply FILE`). The file is the
 * plan's JSON with its format version; loading validates the shape so a truncated or foreign
 * file is a clear error, not a crash. Plans hold no secrets (sensitive attributes are
 * redacted by the planner), but the file is still written owner-only.
 *
 * Integrity: given a key, the file carries an HMAC-SHA256 over its canonical JSON, and loading
 * with the key refuses a file that lacks it or was changed after it was made (a hand-edited
 * `noop` -> `delete`, say). The key lives with the state (see app/plan-key.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { CliError } from '../../errors.ts';
import { stableStringify } from './digest.ts';
import { PLAN_FORMAT_VERSION, type Plan } from './types.ts';

export interface PlanFileOptions {
  /** HMAC key: written into the file on save, required and checked on load. */
  key?: Buffer;
}

const ALGORITHM = 'hmac-sha256';
const macOf = (key: Buffer, body: unknown): string =>
  createHmac('sha256', key).update(stableStringify(body)).digest('hex');

const PlanFileChange = z.looseObject({
  address: z.string(),
  kind: z.string(),
  action: z.enum(['noop', 'create', 'update', 'update-restart', 'replace', 'delete', 'read']),
  // JSON has no `undefined`: a side that is absent (a guest being created, a comment being
  // added) is simply missing from the file.
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  attributes: z.array(
    z.looseObject({
      path: z.string(),
      before: z.unknown().optional(),
      after: z.unknown().optional(),
      sensitive: z.boolean().optional(),
    }),
  ),
  reasons: z.array(z.string()),
  dependsOn: z.array(z.string()),
  observedDigest: z.string(),
  desiredDigest: z.string(),
});

const PlanFile = z.looseObject({
  formatVersion: z.string(),
  createdAt: z.string(),
  changes: z.array(PlanFileChange),
  drift: z.array(z.looseObject({ address: z.string(), kind: z.string(), paths: z.array(z.string()) })),
  unmanaged: z.array(z.looseObject({ address: z.string(), kind: z.string(), summary: z.string() })),
  diagnostics: z.array(
    z.looseObject({ severity: z.enum(['error', 'warning']), code: z.string(), message: z.string() }),
  ),
  complete: z.boolean(),
  applyable: z.boolean(),
  errored: z.boolean(),
  observedDigest: z.string(),
  options: z.object({ prune: z.boolean(), targets: z.array(z.string()) }),
});

export async function savePlan(plan: Plan, file: string, options: PlanFileOptions = {}): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  // The MAC covers the JSON as it will be read back (undefined values dropped).
  const body = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
  delete body.integrity;
  const content = options.key ? { ...body, integrity: { algorithm: ALGORITHM, mac: macOf(options.key, body) } } : body;
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/** Throws E_PLAN_INTEGRITY unless `json` carries a valid MAC under `key`. */
function checkIntegrity(file: string, json: Record<string, unknown>, key: Buffer): void {
  const { integrity, ...body } = json;
  const mac = (integrity as { algorithm?: unknown; mac?: unknown } | undefined)?.mac;
  if ((integrity as { algorithm?: unknown } | undefined)?.algorithm !== ALGORITHM || typeof mac !== 'string')
    throw new CliError(`${file} has no integrity check`, {
      code: 'E_PLAN_INTEGRITY',
      hint: 'make a new plan with `phoenix plan -out FILE` (plans are signed with the key in the state folder)',
    });
  const expected = Buffer.from(macOf(key, body), 'hex');
  const given = Buffer.from(mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new CliError(`${file} was changed after it was made (integrity check failed)`, {
      code: 'E_PLAN_INTEGRITY',
      hint: 'never edit a saved plan: change the config and run `phoenix plan -out FILE` again (a plan made with another state folder has another key)',
    });
}

export async function loadPlan(file: string, options: PlanFileOptions = {}): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read plan file ${file}`, {
      code: 'E_PLAN_FILE',
      cause: error,
      hint: 'create one with `phoenix plan -out FILE`',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not a plan file (invalid JSON)`, { code: 'E_PLAN_FILE', cause: error });
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== PLAN_FORMAT_VERSION) {
    throw new CliError(`${file}: unsupported plan format version ${String(version)}`, {
      code: 'E_PLAN_FILE',
      hint: `this Phoenix reads plan format ${PLAN_FORMAT_VERSION}; make a new plan with \`phoenix plan -out FILE\``,
    });
  }
  if (options.key) checkIntegrity(file, json as Record<string, unknown>, options.key);
  const parsed = PlanFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${file} is not a valid plan file`, {
      code: 'E_PLAN_FILE',
      detail: issue ? `${issue.path.join('.')}: ${issue.message}` : undefined,
      hint: 'make a new plan with `phoenix plan -out FILE`',
    });
  }
  const { integrity: _checked, ...plan } = parsed.data as Record<string, unknown>;
  return plan as unknown as Plan;
}
