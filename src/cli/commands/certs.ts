/**
 * `phoenix certs`: every certificate (declared and derived) with guest, names, not-after,
 * renew-at and condition (Ready, Issuing, Expiring, Failed + reason).
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('certs')
    .description('show every certificate: guest, names, not-after, renew-at, condition')
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--json', 'print the rows as JSON')
    .addHelpText(
      'after',
      `
Conditions: Ready (valid, not due), Issuing (not issued yet, or names/key/duration changed),
Expiring (past its renewal time: 2/3 of the lifetime or renewBefore), Failed (expired, or unreadable).
Exit 0 when no certificate is expired, past its renewal time or unreadable; 2 otherwise.

Examples:
  $ phoenix certs
  $ phoenix certs --json | jq '.[] | select(.condition.type != "Ready")'
`,
    )
    .action(async (options: { config?: string; state?: string; json?: boolean }) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { certificateRows, certsExitCode, renderCertsTable } = await import('../../app/certs.ts');
      const phoenix = await openEnvironment(options);
      try {
        const rows = await certificateRows(phoenix);
        process.stdout.write(options.json ? JSON.stringify(rows, null, 2) + '\n' : renderCertsTable(rows));
        process.exitCode = certsExitCode(rows);
      } finally {
        await phoenix.close();
      }
    });
}
