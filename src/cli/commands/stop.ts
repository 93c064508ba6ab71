/** `phoenix stop <id...>`: stop guests, after what depends on them (reverse dependency order). */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('stop')
    .description('stop guests, after what depends on them (reverse dependency order)')
    .argument('<id...>', 'guest id, name or address')
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .addHelpText(
      'after',
      `
Stops what depends on the guest first, so nothing runs without what it needs.

Examples:
  $ phoenix stop 1002
  $ phoenix stop traefik-internal -c examples/homelab
`,
    )
    .action(async (ids: string[], options: { config?: string; state?: string }) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { powerGuests } = await import('../../app/power.ts');
      const phoenix = await openEnvironment(options);
      try {
        await powerGuests(phoenix, ids, 'stop', (line) => process.stderr.write(line));
      } finally {
        await phoenix.close();
      }
    });
}
