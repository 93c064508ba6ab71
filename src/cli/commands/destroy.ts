/**
 * `phoenix destroy`: delete everything Phoenix owns in this environment, of every kind
 * (dependents first). Asks on a TTY unless --auto-approve; protected resources are refused;
 * what Phoenix does not own is listed and never touched.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('destroy')
    .description(
      'delete everything Phoenix owns here, of every kind (dependents first; protected resources are refused)',
    )
    .option('-c, --config <dir>', 'config directory (default: the current directory)')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--target <id...>', 'destroy only these resources (guest id, name or address)')
    .option('--auto-approve', 'do not ask for approval')
    .addHelpText(
      'after',
      `
Deleted: what carries Phoenix's ownership marker — guests, host objects (bridges, users, tokens,
ACLs, firewall objects), DNS records, NFS exports — whether still declared or not. Never
touched: objects Phoenix does not own (also one sitting on a declared id: listed as foreign).
Kept by design, with the reason: storage definitions, ZFS pools, roles, installed packages, the
step-ca CA. Refused (exit 1): protected resources, and a guest adopted with \`phoenix import\` that
no apply has tagged yet.

Examples:
  $ phoenix destroy -c examples/homelab
  $ phoenix destroy --target worker --auto-approve
`,
    )
    .action(async (options: { config?: string; state?: string; target?: string[]; autoApprove?: boolean }) => {
      const support = await import('../../app/cli-support.ts');
      const { planDestroy } = await import('../../app/destroy.ts');
      const { acquireApplyLease, applyPlan } = await import('../../app/operations.ts');
      const { planView } = await import('../views/plan-view.ts');
      const { shouldColor } = await import('../views/color.ts');
      const phoenix = await support.openEnvironment(options, {}, { guestsOnly: true });
      const interrupt = support.interruptSignal();
      let lease;
      try {
        lease = await acquireApplyLease(phoenix);
        const destroyPlan = await planDestroy(phoenix, options.target);
        const { planned, kept } = destroyPlan;
        const refused = [...destroyPlan.refused, ...destroyPlan.notOwned];
        for (const k of kept) process.stderr.write(`kept: ${k.address}: ${k.reason}\n`);
        for (const a of destroyPlan.refused) process.stderr.write(`refused: ${a} is protected and is not destroyed\n`);
        for (const a of destroyPlan.notOwned)
          process.stderr.write(`refused: ${a} does not carry Phoenix's ownership tag and is not destroyed\n`);
        process.stdout.write(planView('human', { color: shouldColor(process.stdout) }).render(planned.plan));
        if (planned.plan.errored) {
          process.exitCode = 1;
          return;
        }
        if (planned.plan.changes.length === 0) {
          process.exitCode = refused.length > 0 ? 1 : 0;
          return;
        }
        if (!options.autoApprove && !(await support.confirm('\nDo you really want to destroy these resources?'))) {
          process.stderr.write('Destroy cancelled.\n');
          process.exitCode = 1;
          return;
        }
        const progress = (await import('../progress.ts')).progressFor();
        try {
          const result = await applyPlan(phoenix, planned, {
            hook: progress.hook,
            signal: interrupt.signal,
            lease,
          });
          progress.stop();
          process.exitCode =
            support.reportApply(result, (t) => process.stderr.write(t)) || (refused.length > 0 ? 1 : 0);
        } finally {
          progress.stop();
        }
      } finally {
        await lease?.release();
        interrupt.dispose();
        await phoenix.close();
      }
    });
}
