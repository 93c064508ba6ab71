/** `phoenix restart <id...>`: stop guests and their dependents, then start them again in dependency order. */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('restart')
    .description('stop guests and their dependents, then start them again in dependency order')
    .argument('<id...>', 'guest id, name or address')
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .addHelpText(
      'after',
      `
Stops the guest and its dependents (reverse order), then starts them in dependency order.

Examples:
  $ phoenix restart 1002
  $ phoenix restart traefik-internal -c examples/homelab
`,
    )
    .action(async (ids: string[], options: { config?: string; state?: string }) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { powerGuests } = await import('../../app/power.ts');
      const phoenix = await openEnvironment(options);
      try {
        await powerGuests(phoenix, ids, 'restart', (line) => process.stderr.write(line));
      } finally {
        await phoenix.close();
      }
    });
}
