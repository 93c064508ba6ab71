/** `phoenix start <id...>`: start guests, after what they depend on (dependencies first). */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('start')
    .description('start guests, after what they depend on (dependencies first)')
    .argument('<id...>', 'guest id, name or address')
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .addHelpText(
      'after',
      `
Starts what the guest depends on first.

Examples:
  $ phoenix start 1002
  $ phoenix start traefik-internal -c examples/homelab
`,
    )
    .action(async (ids: string[], options: { config?: string; state?: string }) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { powerGuests } = await import('../../app/power.ts');
      const phoenix = await openEnvironment(options);
      try {
        await powerGuests(phoenix, ids, 'start', (line) => process.stderr.write(line));
      } finally {
        await phoenix.close();
      }
    });
}
