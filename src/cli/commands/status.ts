/**
 * `phoenix status`: per declared guest — running or not, healthy or not, in sync with the
 * config or drifted (and which attributes), and its address.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('status')
    .description('show every declared guest: running, healthy, in sync or drifted, IP')
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--json', 'print { guests, node, host } as JSON (node-shell resources and host objects with their sync)')
    .addHelpText(
      'after',
      `
Healthy means: LXC running; VM running and its QEMU guest agent answering (when enabled).
Node resources (internal DNS, NFS exports) are listed below the guests when Phoenix manages them.
--json adds the host objects (bridges, ZFS pools, storages, users, tokens, ACLs, firewall) under "host".
Exit 0 when every guest is in sync, running and healthy and every node resource in sync; 2 otherwise.

Examples:
  $ phoenix status
  $ phoenix status -c examples/homelab --json | jq '.guests[], .node[], .host[] | select(.sync != "in sync")'
`,
    )
    .action(async (options: { config?: string; state?: string; json?: boolean }) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { environmentStatus, renderStatusTable } = await import('../../app/status.ts');
      const { planEnvironment } = await import('../../app/operations.ts');
      const { nodeStatusRows, renderNodeStatus, statusDocument } = await import('../../app/node-status.ts');
      const phoenix = await openEnvironment(options);
      try {
        const planned = await planEnvironment(phoenix);
        const rows = await environmentStatus(phoenix, planned);
        const nodeRows = nodeStatusRows(planned.plan);
        if (options.json) process.stdout.write(JSON.stringify(statusDocument(rows, planned.plan), null, 2) + '\n');
        else {
          process.stdout.write(renderStatusTable(rows));
          for (const r of rows.filter((row) => row.drift.length > 0)) {
            process.stdout.write(`\n${r.id} ${r.name} drifted: ${r.drift.join(', ')}`);
          }
          if (rows.some((r) => r.drift.length > 0)) process.stdout.write('\n');
          if (nodeRows.length > 0) process.stdout.write('\n' + renderNodeStatus(nodeRows));
        }
        const ok =
          rows.every((r) => r.sync === 'in sync' && (r.status === 'template' || r.health === 'healthy')) &&
          nodeRows.every((r) => r.sync === 'in sync');
        process.exitCode = ok ? 0 : 2;
      } finally {
        await phoenix.close();
      }
    });
}
