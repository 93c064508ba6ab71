/**
 * `phoenix start|stop|restart <id...>`: one definition for the three power commands, which
 * differ only in the verb and its help text (the ordering rules live in `app/power.ts`).
 */
import type { Command } from 'commander';

export function definePowerCommand(
  program: Command,
  verb: 'start' | 'stop' | 'restart',
  description: string,
  explanation: string,
): void {
  program
    .command(verb)
    .description(description)
    .argument('<id...>', 'guest id, name or address')
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .addHelpText(
      'after',
      `
${explanation}

Examples:
  $ phoenix ${verb} 1002
  $ phoenix ${verb} traefik-internal -c examples/homelab
`,
    )
    .action(async (ids: string[], options: { config?: string; state?: string }) => {
      const { openEnvironment } = await import('../app/cli-support.ts');
      const { powerGuests } = await import('../app/power.ts');
      const phoenix = await openEnvironment(options, {}, { guestsOnly: true });
      try {
        await powerGuests(phoenix, ids, verb, (line) => process.stderr.write(line));
      } finally {
        await phoenix.close();
      }
    });
}
