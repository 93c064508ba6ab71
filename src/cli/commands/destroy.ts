/**
 * `phoenix destroy`: delete the config's guests (dependents first). Asks on a TTY unless
 * --auto-approve; protected guests are refused.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('destroy')
    .description("delete the config's managed guests (dependents first; protected guests are refused)")
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--target <id...>', 'destroy only these guests (id, name or address)')
    .option('--auto-approve', 'do not ask for approval')
    .addHelpText(
      'after',
      `
Only guests declared in the config and carrying the ownership tag are deleted; unmanaged guests
and downloaded templates/images are never touched.

Examples:
  $ phoenix destroy -c examples/homelab
  $ phoenix destroy --target worker --auto-approve
`,
    )
    .action(async (options: { config?: string; state?: string; target?: string[]; autoApprove?: boolean }) => {
      const support = await import('../../app/cli-support.ts');
      const { planDestroy } = await import('../../app/destroy.ts');
      const { applyPlan } = await import('../../app/operations.ts');
      const { planView } = await import('../views/plan-view.ts');
      const { shouldColor } = await import('../views/color.ts');
      const phoenix = await support.openEnvironment(options, {}, { guestsOnly: true });
      const interrupt = support.interruptSignal();
      try {
        const { planned, refused } = await planDestroy(phoenix, options.target);
        for (const a of refused) process.stderr.write(`refused: ${a} is protected and is not destroyed\n`);
        process.stdout.write(planView('human', { color: shouldColor(process.stdout) }).render(planned.plan));
        if (planned.plan.changes.length === 0) {
          process.exitCode = refused.length > 0 ? 1 : 0;
          return;
        }
        if (!options.autoApprove && !(await support.confirm('\nDo you really want to destroy these guests?'))) {
          process.stderr.write('Destroy cancelled.\n');
          process.exitCode = 1;
          return;
        }
        const progress = support.progressFor();
        try {
          const result = await applyPlan(phoenix, planned, { hook: progress.hook, signal: interrupt.signal });
          progress.stop();
          process.exitCode =
            support.reportApply(result, (t) => process.stderr.write(t)) || (refused.length > 0 ? 1 : 0);
        } finally {
          progress.stop();
        }
      } finally {
        interrupt.dispose();
        await phoenix.close();
      }
    });
}
