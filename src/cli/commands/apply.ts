/**
 * `phoenix apply [FILE]`: carry out a plan. Without FILE it plans first and asks for approval on
 * a TTY (`--auto-approve` otherwise); with FILE it applies exactly that saved plan, refusing it
 * if what it was based on has changed. A lease, taken before planning, stops two applies at once. Exit code 0 only when every step
 * succeeded and a fresh plan shows nothing left to do; 1 otherwise.
 */
import type { Command } from 'commander';

interface ApplyCommandOptions {
  config?: string;
  state?: string;
  autoApprove?: boolean;
  target?: string[];
  prune?: boolean;
  concurrency?: string;
  rebalance?: boolean;
}

export function define(program: Command): void {
  program
    .command('apply')
    .description('apply the config (or a saved plan) to the environment')
    .argument('[file]', 'a plan saved with `phoenix plan -out FILE`')
    .option('-c, --config <dir>', 'config directory (default: the current directory)')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--auto-approve', 'do not ask for approval')
    .option('--target <id...>', 'apply only these guests (id, name or address) and their dependencies')
    .option('--prune', 'also delete managed guests that are no longer in the config')
    .option('--rebalance', 'place node: auto guests from scratch and migrate those that move (never replaced)')
    .option('--concurrency <n>', 'operations in flight at once', '8')
    .addHelpText(
      'after',
      `
Independent guests are created in parallel; clones of one LXC source run one at a time (Proxmox
locks the source). Every step is journaled in the state file before it is sent, so an apply
that was interrupted (Ctrl-C, kill -9) is finished by the next one without duplicates.

Examples:
  $ phoenix apply -c examples/homelab               # plan, ask, apply
  $ phoenix apply --auto-approve --target portainer
  $ phoenix plan -out plan.json && phoenix apply plan.json
`,
    )
    .action(async (file: string | undefined, options: ApplyCommandOptions) => {
      const support = await import('../../app/cli-support.ts');
      const ops = await import('../../app/operations.ts');
      const { planView } = await import('../views/plan-view.ts');
      const { shouldColor } = await import('../views/color.ts');
      const { loadPlan, planHasChanges } = await import('../../engine/index.ts');
      const phoenix = await support.openEnvironment(options, { rebalance: options.rebalance });
      const interrupt = support.interruptSignal();
      let lease;
      try {
        // The lease first: a second apply is refused before it plans or prints anything.
        lease = await ops.acquireApplyLease(phoenix);
        let planned;
        if (file) {
          const { planKey } = await import('../../app/plan-key.ts');
          planned = await ops.prepareSaved(phoenix, await loadPlan(file, { key: planKey(phoenix.statePath) }));
        } else {
          planned = await ops.planEnvironment(phoenix, { targets: options.target, prune: options.prune });
          process.stdout.write(planView('human', { color: shouldColor(process.stdout) }).render(planned.plan));
          if (!planned.plan.applyable) {
            process.exitCode = 1;
            return;
          }
          // Applyable with errors: a node is unreachable; the rest is applied, the exit says so.
          if (planned.plan.errored) process.exitCode = 1;
          if (!planHasChanges(planned.plan)) return;
          if (!options.autoApprove && !(await support.confirm('\nDo you want to perform these actions?'))) {
            process.stderr.write('Apply cancelled.\n');
            process.exitCode = 1;
            return;
          }
        }
        const progress = (await import('../progress.ts')).progressFor();
        try {
          const result = await ops.applyPlan(phoenix, planned, {
            hook: progress.hook,
            signal: interrupt.signal,
            concurrency: Number(options.concurrency ?? 8),
            lease,
          });
          progress.stop();
          const code = support.reportApply(result, (t) => process.stderr.write(t));
          // The new placement holds from now on (placements.ts).
          if (options.rebalance && result.succeeded)
            (await import('../../app/placements.ts')).recordPlacements(phoenix.statePath, phoenix.loaded, {
              all: true,
            });
          process.exitCode = planned.plan.errored ? Math.max(code, 1) : code;
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
