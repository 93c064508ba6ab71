/**
 * `phoenix graph`: the resource dependency graph of every kind as Mermaid (paste into any
 * Mermaid viewer), or `--json` nodes and edges: exactly the resources and edges apply walks.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('graph')
    .description('print the dependency graph of the config (every kind) as a Mermaid flowchart')
    .option('-c, --config <dir>', 'config directory (default: the current directory)')
    .option('--json', 'print { nodes, edges } as JSON (edges: [dependent, dependency])')
    .addHelpText(
      'after',
      `
Arrows go from what is needed first (template file, clone source, bridge, storage, dependsOn)
to what needs it. The graph holds every resource apply manages — guests, host objects, DNS and
NFS on the nodes — with the same edges. Reading the graph never contacts Proxmox.
Examples:
  $ phoenix graph > graph.mmd
  $ phoenix graph -c examples/homelab --json | jq '.edges | length'
`,
    )
    .action(async (options: { config?: string; json?: boolean }) => {
      const { environmentGraph } = await import('../../app/graph.ts');
      const { configDirOf } = await import('../../app/config-dir.ts');
      const { toMermaid } = await import('../../engine/index.ts');
      const { graph, label, diagnostics } = await environmentGraph(configDirOf(options).dir);
      for (const d of diagnostics) process.stderr.write(`${d.severity}: ${d.message}\n`);
      if (options.json) {
        const edges = graph.edges().sort(([a1, b1], [a2, b2]) => a1.localeCompare(a2) || b1.localeCompare(b2));
        process.stdout.write(JSON.stringify({ nodes: graph.nodes().sort(), edges }, null, 2) + '\n');
      } else process.stdout.write(toMermaid(graph, label) + '\n');
      process.exitCode = diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    });
}
