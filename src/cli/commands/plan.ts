/**
 * `phoenix plan`: observe the environment, diff it against the config, print what apply would
 * do. Exit 0 (or, with --detailed-exitcode: 0 no changes, 2 changes), 1 on errors.
 */
import type { Command } from 'commander';

interface PlanCommandOptions {
  config?: string;
  state?: string;
  json?: boolean;
  detailedExitcode?: boolean;
  out?: string;
  target?: string[];
  prune?: boolean;
  rebalance?: boolean;
}

export function define(program: Command): void {
  program
    .command('plan')
    .description('show what apply would change: create, update in place, update with restart, replace, delete')
    .option('-c, --config <dir>', 'config directory (default: the current directory)')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--json', 'print the plan as JSON (formatVersion 1.0) instead of text')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('-o, --out <file>', 'save the plan to a file for `phoenix apply <file>` (also accepted: -out FILE)')
    .option('--target <id...>', 'plan only these guests (id, name or address) and their dependencies')
    .option('--prune', 'also delete managed guests that are no longer in the config')
    .option('--rebalance', 'place node: auto guests from scratch and show the moves (migrations, never replacements)')
    .argument('[file]', '(used by the Terraform-style spelling `-out FILE`)')
    .addHelpText(
      'after',
      `
Reads the cluster once (/cluster/resources) plus one config read per managed guest, compares
in Proxmox's canonical form, and prints Terraform-style symbols: + create, ~ update,
-/+ replace, - delete. NO_COLOR disables colours.

Examples:
  $ phoenix plan -c examples/homelab
  $ phoenix plan --detailed-exitcode || echo "drift or error: $?"
  $ phoenix plan -out plan.json && phoenix apply plan.json
  $ phoenix plan --target 101 --json | jq '.changes[].action'
`,
    )
    .action(async (file: string | undefined, options: PlanCommandOptions) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { planEnvironment } = await import('../../app/operations.ts');
      const { planView } = await import('../views/plan-view.ts');
      const { shouldColor } = await import('../views/color.ts');
      const { savePlan, planHasChanges } = await import('../../engine/index.ts');
      // Commander reads `-out FILE` as `-o ut FILE`: take the positional as the file then.
      const out = options.out === 'ut' && file ? file : options.out;
      const phoenix = await openEnvironment(options, { rebalance: options.rebalance });
      try {
        const { plan } = await planEnvironment(phoenix, { targets: options.target, prune: options.prune });
        if (out) await savePlan(plan, out, { key: (await import('../../app/plan-key.ts')).planKey(phoenix.statePath) });
        const view = planView(options.json ? 'json' : 'human', { color: shouldColor(process.stdout) });
        process.stdout.write(view.render(plan));
        if (out && !options.json)
          process.stdout.write(`\nSaved the plan to ${out}. Apply exactly it with: phoenix apply ${out}\n`);
        if (plan.errored) process.exitCode = 1;
        else process.exitCode = options.detailedExitcode && planHasChanges(plan) ? 2 : 0;
      } finally {
        await phoenix.close();
      }
    });
}
