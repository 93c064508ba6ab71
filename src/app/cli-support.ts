/**
 * What the core-loop commands share: the config-dir option, opening an environment, progress
 * hooks for TTY or plain logs, approval on a TTY, and the summary of an apply. Loaded lazily
 * by the command actions (it pulls in the whole engine).
 */
import { createInterface } from 'node:readline/promises';
import { CliError } from '../errors.ts';
import type { ExecuteResult } from '../engine/index.ts';
import type { Hook } from '../engine/hook.ts';
import { shouldColor } from '../cli/views/color.ts';
import { PlainProgressHook } from '../cli/views/progress-plain.ts';
import { TtyProgressHook } from '../cli/views/progress-tty.ts';
import { formatDiagnostic } from '../config/report.ts';
import { createPhoenix, type CreatePhoenixOptions, type Phoenix } from './create-phoenix.ts';

export const DEFAULT_CONFIG_DIR = 'examples/homelab';

export interface CommonOptions {
  config?: string;
  state?: string;
}

/** Warnings about the node resources (DNS, NFS): only commands that manage or report them say them. */
const NODE_ACCESS_WARNINGS = new Set(['W_NODE_NO_SSH']);

export async function openEnvironment(
  options: CommonOptions,
  extra: Partial<CreatePhoenixOptions> = {},
  scope: { guestsOnly?: boolean } = {},
): Promise<Phoenix> {
  const configDir = options.config ?? DEFAULT_CONFIG_DIR;
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

export interface Progress {
  hook: Hook;
  stop(): void;
}

/** A live view on a TTY, plain timestamped lines otherwise (CI logs, pipes). */
export function progressFor(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const tty = new TtyProgressHook(stream, { color: shouldColor(stream) });
    tty.start();
    return { hook: tty, stop: () => tty.stop() };
  }
  return { hook: new PlainProgressHook((line) => stream.write(line)), stop: () => undefined };
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

/** One summary line plus one line per failure; returns the exit code. */
export function reportApply(result: ExecuteResult, write: (text: string) => void): number {
  const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const o of result.outcomes.values()) counts[o.outcome] += 1;
  for (const o of result.outcomes.values()) {
    if (o.outcome === 'failed') {
      const e = o.error as { message?: string; hint?: string } | undefined;
      write(`error: ${o.address}: ${e?.message ?? 'failed'}\n`);
      if (e?.hint) write(`  hint: ${e.hint}\n`);
    } else if (o.outcome === 'skipped' && o.reason) {
      write(`skipped: ${o.address}: ${o.reason}\n`);
    }
  }
  const verb = result.cancelled ? 'Apply interrupted' : result.succeeded ? 'Apply complete' : 'Apply failed';
  write(
    `${verb}! Resources: ${counts.created} created, ${counts.updated} updated, ${counts.deleted} destroyed` +
      `${counts.failed ? `, ${counts.failed} failed` : ''}${counts.skipped ? `, ${counts.skipped} skipped` : ''}.\n`,
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
