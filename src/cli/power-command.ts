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
    .option('-c, --config <dir>', 'config directory (default: the current directory)')
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
      const { openEnvironment, reportApply, interruptSignal } = await import('../app/cli-support.ts');
      const { powerResources } = await import('../app/power.ts');
      const { acquireApplyLease } = await import('../app/operations.ts');
      const phoenix = await openEnvironment(options, {}, { guestsOnly: true });
      const interrupt = interruptSignal();
      let lease;
      try {
        // Powering guests acts on the environment like an apply: never beside one, and a
        // restart's stop and start run under one lease.
        lease = await acquireApplyLease(phoenix);
        await lease.engage();
        const results = await powerResources(phoenix, ids, verb, (line) => process.stderr.write(line), {
          signal: interrupt.signal,
          lease,
        });
        const failed = results.find((r) => !r.succeeded);
        if (failed) process.exitCode = reportApply(failed, (t) => process.stderr.write(t));
      } finally {
        await lease?.release();
        interrupt.dispose();
        await phoenix.close();
      }
    });
}
