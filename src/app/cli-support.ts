/**
 * What the core-loop commands share: the config-dir option, opening an environment, approval
 * on a TTY, and the summary of an apply (progress views are the CLI's: cli/progress.ts). Loaded lazily
 * by the command actions (it pulls in the whole engine).
 */
import { createInterface } from 'node:readline/promises';
import { CliError } from '../errors.ts';
import type { ExecuteResult } from '../engine/index.ts';
import { formatDiagnostic } from '../config/report.ts';
import { configDirOf } from './config-dir.ts';
import { createPhoenix, type CreatePhoenixOptions, type Phoenix } from './create-phoenix.ts';
import type { ApplyResult } from './operations.ts';

export interface CommonOptions {
  config?: string;
  state?: string;
}

/**
 * Warnings about what runs through the nodes' and guests' shells (DNS, NFS, the CA and its
 * certificates, gateway and Traefik config, Docker and the Swarm): only commands that manage or report them say them.
 */
const NODE_ACCESS_WARNINGS = new Set(['W_NODE_NO_SSH', 'W_PKI_NO_SSH', 'W_ROUTES_NOT_APPLIED', 'W_SWARM_NO_SSH']);

/**
 * `fallback`: `bundled-example` for `phoenix up`, which runs the shipped example when the
 * current directory holds no config (and says so); every other command uses the current directory.
 * `guestsOnly`: a command that only touches guests (power, import, destroy) is not changed by
 * missing node access, so it does not say it.
 */
export async function openEnvironment(
  options: CommonOptions,
  extra: Partial<CreatePhoenixOptions> = {},
  scope: { fallback?: 'none' | 'bundled-example'; guestsOnly?: boolean } = {},
): Promise<Phoenix> {
  const choice = configDirOf(options, scope.fallback ?? 'none');
  const configDir = choice.dir;
  if (choice.bundled)
    process.stderr.write(
      `No phoenix.yaml in ${process.cwd()}: using the bundled example ${configDir} (pass -c DIR for your own config)\n`,
    );
  const phoenix = await createPhoenix({ configDir, statePath: options.state, ...extra });
  // Warnings (config findings, node resources left out for want of SSH access) go to stderr so
  // they never mix with --json output, and never stop the command. A command that only touches
  // guests (power, import, destroy) is not changed by missing node access: it does not say it.
  for (const warning of phoenix.loaded.warnings) {
    if (scope.guestsOnly && NODE_ACCESS_WARNINGS.has(warning.code)) continue;
    process.stderr.write(formatDiagnostic(configDir, warning));
  }
  return phoenix;
}

/** Asks "yes" on a TTY; without a TTY apply needs --auto-approve. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new CliError('apply needs approval but there is no terminal to ask', {
      code: 'E_NO_TTY_APPROVAL',
      hint: 'run with --auto-approve, or apply a reviewed plan file: phoenix plan -out plan.json && phoenix apply plan.json --auto-approve',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

/**
 * The summary of an apply: one line per failed resource (with the API's answer), per skipped
 * one, per change still pending, then one verdict line. Returns the exit code: 0 only when every
 * step succeeded and nothing is left to do.
 */
export function reportApply(
  result: ExecuteResult & Partial<Pick<ApplyResult, 'pending' | 'unverified'>>,
  write: (text: string) => void,
): number {
  const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const o of result.outcomes.values()) counts[o.outcome] += 1;
  for (const o of result.outcomes.values()) {
    if (o.outcome === 'failed') {
      const e = o.error as { message?: string; hint?: string } | undefined;
      write(`error: ${o.address}: ${e?.message ?? String(o.error ?? 'failed')}\n`);
      if (e?.hint) write(`  hint: ${e.hint}\n`);
    } else if (o.outcome === 'skipped' && o.reason) {
      write(`skipped: ${o.address}: ${o.reason}\n`);
    }
  }
  const pending = result.pending ?? [];
  for (const p of pending) write(`pending: ${p.address} (${p.action}): ${p.reasons.join('; ') || 'still differs'}\n`);
  if (result.unverified !== undefined) write(`error: could not check that the apply converged: ${result.unverified}\n`);
  const verb = result.cancelled
    ? 'Apply interrupted'
    : result.succeeded
      ? 'Apply complete'
      : counts.failed === 0 && counts.skipped === 0
        ? 'Apply incomplete'
        : 'Apply failed';
  write(
    `${verb}! Resources: ${counts.created} created, ${counts.updated} updated, ${counts.deleted} destroyed` +
      `${counts.failed ? `, ${counts.failed} failed` : ''}${counts.skipped ? `, ${counts.skipped} skipped` : ''}` +
      `${pending.length ? `, ${pending.length} still pending` : ''}.\n`,
  );
  return result.succeeded ? 0 : 1;
}

/** Ctrl-C: first stops starting new work (in-flight steps finish and are recorded), second aborts. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const onSigint = (): void => {
    count += 1;
    if (count === 1) {
      process.stderr.write('\nInterrupt received: finishing the steps in flight (Ctrl-C again to abort)...\n');
      controller.abort(new CliError('interrupted', { code: 'E_INTERRUPTED' }));
    } else {
      process.exitCode = 130;
      process.kill(process.pid, 'SIGTERM');
    }
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
