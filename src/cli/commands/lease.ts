/** `phoenix lease`: show who holds the environment (local state file and Proxmox target); read-only. */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('lease')
    .description('show who holds the apply lease: the local state file and the Proxmox target')
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--json', 'print the leases as JSON')
    .addHelpText(
      'after',
      `
An apply holds two leases: one in the state file (this checkout) and one on the Proxmox target,
the firewall alias 'phoenix-lease' (every checkout, CLI or daemon applying to that target). Both
name their holder and expiry; a holder renews every third of the lifetime, and a lease that
expired, or whose holder process on this host is gone, is taken over by the next apply.

Examples:
  $ phoenix lease -c examples/homelab
  $ phoenix lease --json
`,
    )
    .action(async (options: { config?: string; state?: string; json?: boolean }) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { leaseStatus, renderLeaseStatus } = await import('../../app/lease-status.ts');
      const phoenix = await openEnvironment(options);
      try {
        const status = await leaseStatus(phoenix);
        process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : renderLeaseStatus(status));
      } finally {
        await phoenix.close();
      }
    });
}
