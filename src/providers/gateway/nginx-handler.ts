/**
 * `gateway.nginx`: Phoenix's nginx files on the gateway guest, validated before they are
 * activated. A change is staged as a new generation directory (a copy of the live one with only
 * the changed files written), the live symlink is swapped to it atomically, `nginx -t` checks
 * the whole config, and only then is nginx reloaded (never restarted). If nginx refuses, the
 * symlink is swapped back before anything reloads, so the running config keeps serving, and
 * nginx's message is reported against the route's declaration. No change: nothing is written
 * and nothing reloads. One resource per gateway, so at most one reload per apply.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { AttributeChange } from '../../engine/plan/types.ts';
import type { DiffResponse, ResourceHandler } from '../../engine/handler.ts';
import { ProviderError } from '../../errors.ts';
import type { TargetRef, TargetShell } from '../node/index.ts';
import { layoutPaths, type NginxLayout } from './layout.ts';
import { mapNginxOutput, type OwnerRange } from './nginx-errors.ts';
import { diffRoutes, parseRouteMarkers } from './plan-routes.ts';
import type { RouteSummary } from './render-nginx.ts';

export const NGINX_KIND = 'gateway.nginx';

export interface NginxDesired {
  target: TargetRef;
  /** nginx's configuration directory on the guest (`/etc/nginx`). */
  root: string;
  /** Files of a generation, by path relative to the live directory. */
  files: Record<string, string>;
  /** Which lines of each file belong to which route (`routes[2]`). */
  ranges: Record<string, OwnerRange[]>;
  /** htpasswd files of the generation: relative path → secret reference. */
  secrets: Record<string, string>;
  /** Entry files (absolute path → content) that include the live directory. */
  entries: Record<string, string>;
  /** Entry files Phoenix writes only when needed (the stream include), with their content. */
  optionalEntries: Record<string, string>;
  routes: RouteSummary[];
  /** Route origin → how people name it: `whoami.home.arpa/ (edge.yaml:22:5)`. */
  routeLabels: Record<string, string>;
  commands: { test: string[]; reload: string[]; isActive: string[] };
  secretGroup: string;
}

export interface NginxObserved {
  /** The generation the live symlink points at (null: none). */
  generation: string | null;
  /** Phoenix's files of the live generation: relative path → sha256. */
  files: Record<string, string>;
  /** Files in the live directory Phoenix did not write (no header): kept as they are, never replaced. */
  foreign?: string[];
  /** Entry files (declared and optional): path → sha256, null when absent. */
  entries: Record<string, string | null>;
  /** Whether each declared htpasswd file holds the secret's current value (never the value). */
  secretsInSync: Record<string, boolean>;
  routes: RouteSummary[];
}

export interface NginxHandlerDeps {
  shells: (target: TargetRef) => TargetShell;
  resolveSecret: (ref: string) => Promise<string>;
}

const sha = (content: string): string => createHash('sha256').update(content).digest('hex');

export function nginxPaths(root: string) {
  return layoutPaths({ root } as NginxLayout);
}

function parseSums(stdout: string, strip = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (match) out[(match[2] as string).slice(strip.length)] = match[1] as string;
  }
  return out;
}

async function run(shell: TargetShell, argv: string[], what: string): Promise<string> {
  const result = await shell.exec(argv, { timeoutMs: 60_000 });
  if (result.code !== 0)
    throw new ProviderError(`${what} failed on the gateway: ${(result.stderr || result.stdout).trim()}`, {
      code: 'E_GATEWAY_COMMAND',
      detail: argv.join(' '),
    });
  return result.stdout;
}

export async function observeNginx(
  shell: TargetShell,
  desired: NginxDesired,
  resolveSecret: (ref: string) => Promise<string>,
): Promise<NginxObserved | null> {
  const paths = nginxPaths(desired.root);
  const link = await shell.exec(['readlink', paths.live], { idempotent: true });
  const generation = link.code === 0 && link.stdout.trim() ? link.stdout.trim() : null;
  const files: Record<string, string> = {};
  const foreign: string[] = [];
  let routes: RouteSummary[] = [];
  if (generation) {
    const sums = await shell.exec(['find', generation, '-type', 'f', '-exec', 'sha256sum', '{}', '+'], {
      idempotent: true,
    });
    const all = parseSums(sums.stdout, `${generation}/`);
    // Comment lines at the start of a line, with their file: Phoenix's files begin with its header.
    const comments = await shell.exec(
      ['grep', '-rHs', '^# ', posix.join(generation, 'http'), posix.join(generation, 'stream')],
      { idempotent: true },
    );
    const owned = new Set<string>();
    for (const line of comments.stdout.split('\n')) {
      const at = line.indexOf(':# Generated by Phoenix');
      if (at > 0) owned.add(line.slice(generation.length + 1, at));
    }
    for (const [rel, sum] of Object.entries(all)) {
      // secrets/ holds only the htpasswd files Phoenix writes (they cannot carry a header).
      if (owned.has(rel) || rel.startsWith('secrets/')) files[rel] = sum;
      else foreign.push(rel);
    }
    routes = parseRouteMarkers(
      comments.stdout
        .split('\n')
        .filter((line) => owned.has(line.slice(generation.length + 1, Math.max(0, line.indexOf(':# ')))))
        .join('\n'),
    );
  }
  const entryPaths = [...new Set([...Object.keys(desired.entries), ...Object.keys(desired.optionalEntries)])].sort();
  const entrySums = parseSums((await shell.exec(['sha256sum', ...entryPaths], { idempotent: true })).stdout);
  const entries = Object.fromEntries(entryPaths.map((p) => [p, entrySums[p] ?? null]));
  const secretsInSync: Record<string, boolean> = {};
  for (const [rel, ref] of Object.entries(desired.secrets))
    secretsInSync[rel] = files[rel] !== undefined && files[rel] === sha(await resolveSecret(ref));
  if (!generation && Object.values(entries).every((e) => e === null)) return null;
  return { generation, files, foreign: foreign.sort(), entries, secretsInSync, routes };
}

interface Delta {
  /** Files Phoenix must write where a file it did not write is. */
  blocked: string[];
  write: string[];
  writeSecrets: string[];
  remove: string[];
  writeEntries: string[];
  removeEntries: string[];
}

export function nginxDelta(desired: NginxDesired, observed: NginxObserved | null): Delta {
  const files = observed?.files ?? {};
  const entries = observed?.entries ?? {};
  const wanted = new Set([...Object.keys(desired.files), ...Object.keys(desired.secrets)]);
  const foreign = new Set(observed?.foreign ?? []);
  return {
    blocked: Object.keys(desired.files)
      .filter((rel) => foreign.has(rel))
      .sort(),
    write: Object.keys(desired.files)
      .filter((rel) => !foreign.has(rel) && files[rel] !== sha(desired.files[rel] as string))
      .sort(),
    writeSecrets: Object.keys(desired.secrets)
      .filter((rel) => observed?.secretsInSync[rel] !== true)
      .sort(),
    remove: Object.keys(files)
      .filter((rel) => !wanted.has(rel))
      .sort(),
    writeEntries: Object.keys(desired.entries)
      .filter((p) => entries[p] !== sha(desired.entries[p] as string))
      .sort(),
    removeEntries: Object.keys(desired.optionalEntries)
      .filter((p) => !(p in desired.entries) && entries[p] != null)
      .sort(),
  };
}

function isEmpty(delta: Delta): boolean {
  return Object.entries(delta).every(([key, list]) => key === 'blocked' || list.length === 0);
}

function blockedError(desired: NginxDesired, rel: string, address: string): ProviderError {
  const origin = desired.ranges[rel]?.[0]?.origin;
  const route = origin === undefined ? rel : `route ${desired.routeLabels[origin] ?? origin}`;
  return new ProviderError(
    `${posix.join(nginxPaths(desired.root).live, rel)} on the gateway was not written by Phoenix: ${route} cannot be written without replacing it`,
    {
      code: 'E_GATEWAY_FOREIGN_FILE',
      resource: address,
      hint: 'move that file out of the directory; Phoenix never overwrites files it did not write',
    },
  );
}

export function diffNginx(desired: NginxDesired, observed: NginxObserved | null): DiffResponse {
  const delta = nginxDelta(desired, observed);
  const routes = diffRoutes(observed?.routes ?? [], desired.routes);
  const fileChanges: AttributeChange[] = [
    ...delta.write.map((rel) => ({
      path: `file ${rel}`,
      before: observed?.files[rel] ? `sha256:${observed.files[rel]}` : undefined,
      after: `sha256:${sha(desired.files[rel] as string)}`,
    })),
    ...delta.writeSecrets.map((rel) => ({ path: `file ${rel}`, before: null, after: null, sensitive: true })),
    ...delta.remove.map((rel) => ({ path: `file ${rel}`, before: `sha256:${observed?.files[rel]}`, after: undefined })),
    ...delta.writeEntries.map((p) => ({
      path: `entry ${p}`,
      before: observed?.entries[p] ?? undefined,
      after: sha(desired.entries[p] as string),
    })),
    ...delta.removeEntries.map((p) => ({ path: `entry ${p}`, before: observed?.entries[p], after: undefined })),
  ];
  const reasons = [...routes.reasons];
  // Route summaries equal but files differ: an edit on the guest, or a new rendering of the same routes.
  const drifted = [...delta.write, ...delta.remove].filter((rel) => !rel.startsWith('secrets/'));
  if (reasons.length === 0 && drifted.length > 0) reasons.push(`${drifted.join(', ')} differ from the declared config`);
  for (const rel of delta.writeSecrets)
    reasons.push(`basic auth users of ${rel.slice('secrets/'.length, -'.htpasswd'.length)} change`);
  if (reasons.length === 0 && (delta.writeEntries.length > 0 || delta.removeEntries.length > 0))
    reasons.push('the include files of the gateway differ');
  const blocked = delta.blocked.map((rel) => blockedError(desired, rel, ''));
  const action = observed === null ? 'create' : isEmpty(delta) || blocked.length > 0 ? 'noop' : 'update';
  return {
    ...(blocked.length > 0
      ? {
          diagnostics: blocked.map((e) => ({
            severity: 'error' as const,
            code: e.code,
            message: e.message,
            ...(e.hint ? { hint: e.hint } : {}),
          })),
        }
      : {}),
    action,
    changes: action === 'noop' ? [] : [...routes.changes, ...fileChanges],
    requiresReplace: [],
    requiresRestart: false,
    reasons,
    before: observed && { generation: observed.generation, routes: observed.routes },
    after: { routes: desired.routes },
  };
}

/** Stage → swap → `nginx -t` → reload, or swap back and report nginx's refusal against the route. */
export async function activateNginx(
  deps: NginxHandlerDeps,
  desired: NginxDesired,
  observed: NginxObserved | null,
  address: string,
): Promise<NginxObserved> {
  const shell = deps.shells(desired.target);
  const paths = nginxPaths(desired.root);
  const delta = nginxDelta(desired, observed);
  const current = observed?.generation ?? null;
  if (delta.blocked.length > 0) throw blockedError(desired, delta.blocked[0] as string, address);
  if (isEmpty(delta) && observed) return observed;
  const generation = posix.join(paths.generations, `g-${Date.now()}-${randomBytes(3).toString('hex')}`);
  await run(
    shell,
    [
      'mkdir',
      '-p',
      posix.join(generation, 'http'),
      posix.join(generation, 'stream'),
      posix.join(generation, 'secrets'),
    ],
    'staging',
  );
  if (current) await run(shell, ['cp', '-a', `${current}/.`, `${generation}/`], 'staging');
  if (delta.remove.length > 0)
    await run(shell, ['rm', '-f', ...delta.remove.map((rel) => posix.join(generation, rel))], 'staging');
  for (const rel of delta.write)
    await shell.writeFile(posix.join(generation, rel), desired.files[rel] as string, {
      mode: '0644',
      owner: 'root',
      group: 'root',
    });
  const secretSums: Record<string, string> = {};
  for (const rel of delta.writeSecrets) {
    const content = await deps.resolveSecret(desired.secrets[rel] as string);
    secretSums[rel] = sha(content);
    await shell.writeFile(posix.join(generation, rel), content, {
      mode: '0640',
      owner: 'root',
      group: desired.secretGroup,
    });
  }
  const swap = async (to: string | null): Promise<void> => {
    if (to === null) {
      await run(shell, ['rm', '-f', paths.live], 'swap');
      return;
    }
    const temp = `${paths.live}.phoenix-swap`;
    await run(shell, ['ln', '-sfn', to, temp], 'swap');
    await run(shell, ['mv', '-Tf', temp, paths.live], 'swap');
  };
  const writtenEntries: string[] = [];
  const removedEntries: string[] = [];
  const restoreEntries = async (): Promise<void> => {
    for (const p of writtenEntries) if (observed?.entries[p] == null) await shell.exec(['rm', '-f', p]);
    for (const p of removedEntries)
      await shell.writeFile(p, desired.optionalEntries[p] as string, { mode: '0644', owner: 'root', group: 'root' });
  };
  await swap(generation);
  try {
    for (const p of delta.writeEntries) {
      await run(shell, ['mkdir', '-p', posix.dirname(p)], 'staging');
      await shell.writeFile(p, desired.entries[p] as string, { mode: '0644', owner: 'root', group: 'root' });
      writtenEntries.push(p);
    }
    for (const p of delta.removeEntries) {
      await run(shell, ['rm', '-f', p], 'staging');
      removedEntries.push(p);
    }
    const test = await shell.exec(desired.commands.test, { timeoutMs: 60_000 });
    if (test.code !== 0) throw refusal(desired, `${test.stdout}\n${test.stderr}`, paths.live, address);
  } catch (error) {
    // Nothing was reloaded: putting the previous files back is all it takes to keep serving them.
    await swap(current);
    await restoreEntries();
    await shell.exec(['rm', '-rf', generation]);
    throw error;
  }
  const active = await shell.exec(desired.commands.isActive, { idempotent: true });
  if (active.code === 0 && active.stdout.trim() !== 'inactive')
    await run(shell, desired.commands.reload, 'reloading nginx');
  await shell.exec([
    'find',
    paths.generations,
    '-mindepth',
    '1',
    '-maxdepth',
    '1',
    '!',
    '-name',
    posix.basename(generation),
    '-exec',
    'rm',
    '-rf',
    '{}',
    '+',
  ]);
  const files: Record<string, string> = {};
  for (const [rel, content] of Object.entries(desired.files)) files[rel] = sha(content);
  for (const rel of Object.keys(desired.secrets)) files[rel] = secretSums[rel] ?? observed?.files[rel] ?? '';
  return {
    generation,
    files,
    entries: Object.fromEntries(
      [...Object.keys(desired.entries), ...Object.keys(desired.optionalEntries)].map((p) => [
        p,
        desired.entries[p] === undefined ? null : sha(desired.entries[p] as string),
      ]),
    ),
    secretsInSync: Object.fromEntries(Object.keys(desired.secrets).map((rel) => [rel, true])),
    routes: desired.routes,
    foreign: observed?.foreign ?? [],
  };
}

function refusal(desired: NginxDesired, output: string, liveDir: string, address: string): ProviderError {
  const files = Object.fromEntries(
    Object.entries(desired.files).map(([rel, content]) => [rel, { content, ranges: desired.ranges[rel] ?? [] }]),
  );
  const findings = mapNginxOutput(output, liveDir, files);
  const first = findings[0];
  const where = first?.file ? ` (${first.file}:${first.line})` : '';
  const route = first?.origin ? `route ${desired.routeLabels[first.origin] ?? first.origin}` : 'the gateway config';
  const text = first?.message ?? output.trim().split('\n')[0] ?? 'nginx -t failed';
  return new ProviderError(`nginx refused ${route}: ${text}${where}`, {
    code: 'E_GATEWAY_NGINX_REFUSED',
    resource: address,
    hint: 'nothing was reloaded: the previous config keeps serving. Fix the route and apply again',
    detail: output.trim(),
  });
}

export function nginxHandler(deps: NginxHandlerDeps): ResourceHandler<NginxDesired, NginxObserved> {
  return {
    kind: NGINX_KIND,
    async observe({ resource }) {
      const shell = deps.shells(resource.desired.target);
      return { observed: await observeNginx(shell, resource.desired, deps.resolveSecret) };
    },
    diff: ({ resource, observed }) => diffNginx(resource.desired, observed),
    create: async ({ resource }) => ({ observed: await activateNginx(deps, resource.desired, null, resource.address) }),
    update: async ({ resource, observed }) => ({
      observed: await activateNginx(deps, resource.desired, observed, resource.address),
    }),
    async delete({ ctx, address }) {
      ctx.hook.diagnostic({
        severity: 'info',
        address,
        message: 'gateway routes left in place (remove the routes from the config to unpublish them)',
      });
      return {};
    },
  };
}
