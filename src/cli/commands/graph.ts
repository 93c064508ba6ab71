/** `phoenix graph`: the resource dependency graph as Mermaid (paste into any Mermaid viewer). */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('graph')
    .description('print the dependency graph of the config as a Mermaid flowchart')
    .option('-c, --config <dir>', 'config directory', 'examples/homelab')
    .addHelpText(
      'after',
      `
Arrows go from what is needed first (template file, clone source, dependsOn) to what needs it.
Reading the graph never contacts Proxmox.

Examples:
  $ phoenix graph > graph.mmd
  $ phoenix graph -c examples/homelab | head
`,
    )
    .action(async (options: { config?: string }) => {
      const { loadConfig } = await import('../../config/index.ts');
      const { deriveResources } = await import('../../providers/proxmox/derive.ts');
      const { buildConfigGraph, toMermaid } = await import('../../engine/index.ts');
      const loaded = await loadConfig(options.config ?? 'examples/homelab');
      const derived = deriveResources(loaded.config);
      const names = new Map(derived.guests.map((g) => [g.address, `${g.desired.vmid} ${g.desired.name}`]));
      const { graph, diagnostics } = buildConfigGraph({ resources: derived.all });
      for (const d of diagnostics) process.stderr.write(`${d.severity}: ${d.message}\n`);
      process.stdout.write(toMermaid(graph, (a) => names.get(a) ?? a) + '\n');
      process.exitCode = diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    });
}
