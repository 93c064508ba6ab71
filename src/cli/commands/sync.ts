/**
 * `phoenix sync [--wait]`: asks the running daemon to reconcile now (operate token). With
 * --wait it prints the run's outcome; exit 0 applied or in sync, 2 held for approval, 1 otherwise.
 */
import type { Command } from 'commander';

interface RunView {
  id: string;
  revision: string | null;
  outcome: string;
  message: string | null;
  durationMs: number | null;
  summary: Record<string, unknown>;
  resources: { address: string; outcome: string; error?: string }[];
  errors: { message: string; file?: string; line?: number; column?: number }[];
}

export function define(program: Command): void {
  program
    .command('sync')
    .description('ask the running daemon (`phoenix serve`) to reconcile now')
    .option('--wait', 'wait for the run to finish and print its outcome')
    .option('--url <url>', 'daemon URL (default: PHOENIX_URL or http://127.0.0.1:7780)')
    .option('--token-file <file>', 'file holding an operate token (default: PHOENIX_TOKEN)')
    .action(async (options: { wait?: boolean; url?: string; tokenFile?: string }) => {
      const { daemonRequest } = await import('../daemon-client.ts');
      const answer = await daemonRequest<{ queued: boolean; run: RunView | null }>(
        options,
        'POST',
        `/api/v1/sync${options.wait ? '?wait=true' : ''}`,
      );
      if (!options.wait || !answer.run) {
        process.stdout.write('sync queued\n');
        return;
      }
      const run = answer.run;
      const rev = run.revision ? run.revision.slice(0, 12) : '-';
      process.stdout.write(
        `${run.outcome} at ${rev}${run.durationMs === null ? '' : ` in ${(run.durationMs / 1000).toFixed(1)}s`}${run.message ? `: ${run.message}` : ''}\n`,
      );
      for (const r of run.resources)
        process.stdout.write(`  ${r.address}: ${r.outcome}${r.error ? ` (${r.error})` : ''}\n`);
      for (const e of run.errors) {
        const where = e.file ? `${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ''}` : ''}: ` : '';
        process.stdout.write(`  error: ${where}${e.message}\n`);
      }
      process.exitCode = run.outcome === 'succeeded' || run.outcome === 'in-sync' ? 0 : run.outcome === 'held' ? 2 : 1;
    });
}
