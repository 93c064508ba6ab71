/**
 * `phoenix up`: the first command of the README. With no Proxmox endpoint configured it runs
 * the built-in simulator in-process, applies the config (examples/homelab by default) and
 * prints what now runs. With an endpoint it plans and applies like `phoenix apply`.
 */
import type { Command } from 'commander';

interface UpOptions {
  config?: string;
  state?: string;
  autoApprove?: boolean;
  speed?: string;
}

export function define(program: Command): void {
  program
    .command('up')
    .description('bring the environment up (built-in simulator when no endpoint is configured) and show what runs')
    .option('-c, --config <dir>', 'config directory (default: the current directory)')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--auto-approve', 'do not ask before changing a real Proxmox endpoint')
    .option('--speed <factor>', 'simulated task duration factor (1 = realistic)', '0.02')
    .addHelpText(
      'after',
      `
Without a \`proxmox:\` section the simulated cluster is kept in <config>/.phoenix/simulator.json,
so \`phoenix status\` and \`phoenix plan\` afterwards see the same guests.

Examples:
  $ phoenix up                       # examples/homelab on the built-in simulator
  $ phoenix up -c ./my-env --auto-approve
`,
    )
    .action(async (options: UpOptions) => {
      const support = await import('../../app/cli-support.ts');
      const ops = await import('../../app/operations.ts');
      const { environmentStatus } = await import('../../app/status.ts');
      const { planHasChanges, summarizePlan } = await import('../../engine/index.ts');
      const phoenix = await support.openEnvironment(
        options,
        { simulator: { speed: Number(options.speed ?? 0.02) } },
        { fallback: 'bundled-example' },
      );
      const interrupt = support.interruptSignal();
      let lease;
      try {
        lease = await ops.acquireApplyLease(phoenix);
        const where =
          phoenix.endpointKind === 'simulator'
            ? `the built-in Proxmox simulator (${phoenix.loaded.config.guests.length} guests and ${phoenix.loaded.config.templates.length} templates declared)`
            : phoenix.environment;
        process.stderr.write(`Bringing up ${phoenix.configDir} on ${where}\n`);
        const planned = await ops.planEnvironment(phoenix);
        for (const d of planned.plan.diagnostics.filter((x) => x.code === 'W_NOT_MANAGED'))
          process.stderr.write(`warning: ${d.message}\n`);
        if (planned.plan.errored) {
          const { planView } = await import('../views/plan-view.ts');
          process.stdout.write(planView('human', { color: false }).render(planned.plan));
          process.exitCode = 1;
          return;
        }
        if (planHasChanges(planned.plan)) {
          const s = summarizePlan(planned.plan);
          process.stderr.write(`Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.\n`);
          if (phoenix.endpointKind === 'proxmox' && !options.autoApprove) {
            if (!(await support.confirm('Apply these changes to the real Proxmox endpoint?'))) {
              process.exitCode = 1;
              return;
            }
          }
          const progress = (await import('../progress.ts')).progressFor();
          let result;
          try {
            result = await ops.applyPlan(phoenix, planned, { hook: progress.hook, signal: interrupt.signal, lease });
          } finally {
            progress.stop();
          }
          const code = support.reportApply(result, (t) => process.stderr.write(t));
          if (code !== 0) {
            process.exitCode = code;
            return;
          }
        } else {
          process.stderr.write('Everything is already up and in sync.\n');
        }
        const after = await environmentStatus(phoenix);
        const { renderStatus } = await import('../views/status-view.ts');
        process.stdout.write('\n' + renderStatus(after));
      } finally {
        await lease?.release();
        interrupt.dispose();
        await phoenix.close();
      }
    });
}
