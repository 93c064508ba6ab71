/** `phoenix history`: the daemon's reconcile runs, newest first (read token). */
import type { Command } from 'commander';

interface RunView {
  id: string;
  revision: string | null;
  trigger: string;
  outcome: string;
  message: string | null;
  startedAt: string;
  durationMs: number | null;
  summary: { add?: number; change?: number; destroy?: number };
}

export function define(program: Command): void {
  program
    .command('history')
    .description('list the reconcile runs of the running daemon (`phoenix serve`)')
    .option('--limit <n>', 'how many runs', '20')
    .option('--json', 'print the runs as JSON')
    .option('--url <url>', 'daemon URL (default: PHOENIX_URL or http://127.0.0.1:7780)')
    .option('--token-file <file>', 'file holding a read token (default: PHOENIX_TOKEN)')
    .action(async (options: { limit: string; json?: boolean; url?: string; tokenFile?: string }) => {
      const { daemonRequest } = await import('../daemon-client.ts');
      const { runs } = await daemonRequest<{ runs: RunView[] }>(
        options,
        'GET',
        `/api/v1/history?limit=${Number(options.limit) || 20}`,
      );
      if (options.json) {
        process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
        return;
      }
      const rows = runs.map((r) => [
        r.startedAt.replace('T', ' ').slice(0, 19),
        r.trigger,
        r.revision ? r.revision.slice(0, 12) : '-',
        r.outcome,
        r.durationMs === null ? '-' : `${(r.durationMs / 1000).toFixed(1)}s`,
        r.summary.add !== undefined ? `+${r.summary.add} ~${r.summary.change ?? 0} -${r.summary.destroy ?? 0}` : '',
        r.message ?? '',
      ]);
      const header = ['STARTED', 'TRIGGER', 'REVISION', 'OUTCOME', 'DURATION', 'PLAN', 'MESSAGE'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
      for (const line of [header, ...rows]) {
        process.stdout.write(
          line
            .map((c, i) => c.padEnd(widths[i] ?? 0))
            .join('  ')
            .trimEnd() + '\n',
        );
      }
    });
}
