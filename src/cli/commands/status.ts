/**
 * `phoenix status`: one row per resource of every kind (guests, host objects, node resources,
 * and whatever else the registry's providers manage): in sync, drifted (which attributes),
 * missing, orphaned, conflict or unknown, and healthy or not.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('status')
    .description('show every declared resource of every kind: in sync or drifted, healthy or not')
    .option('-c, --config <dir>', 'config directory (default: the current directory)')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--json', 'print the status rows as JSON (formatVersion 1: kind, address, sync, health, conditions)')
    .addHelpText(
      'after',
      `
One table per kind. SYNC: in sync, drifted (the attributes), missing, orphaned (Phoenix's, no
longer declared), conflict (e.g. a declared vmid used by a guest Phoenix does not own) or
unknown (could not be observed; the reason is printed). HEALTH: healthy, progressing,
degraded or unknown (guests: LXC running; VM running and its guest agent answering).
Exit 0 when every resource of every kind is in sync and healthy; 1 when something could not
be observed; 2 otherwise.

Examples:
  $ phoenix status
  $ phoenix status -c examples/homelab --json | jq '.rows[] | select(.sync != "in sync")'
`,
    )
    .action(async (options: { config?: string; state?: string; json?: boolean }) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { environmentStatus, statusDocument, statusExitCode } = await import('../../app/status.ts');
      const { renderStatus } = await import('../views/status-view.ts');
      const phoenix = await openEnvironment(options);
      try {
        const status = await environmentStatus(phoenix);
        // The reasons go to stderr once each, so --json output stays machine-readable.
        for (const e of status.errors) {
          process.stderr.write(`error: ${e.message}\n`);
          if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
        }
        if (options.json) process.stdout.write(JSON.stringify(statusDocument(status), null, 2) + '\n');
        else process.stdout.write(renderStatus(status));
        process.exitCode = statusExitCode(status);
      } finally {
        await phoenix.close();
      }
    });
}
