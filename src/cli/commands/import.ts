/**
 * `phoenix import <vmid>`: adopt an existing guest into the config (writes a guest YAML file).
 * The next apply adds the ownership tag; until then it stays untouched.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('import')
    .description('adopt an existing Proxmox guest: write its config as YAML and manage it from the next apply')
    .argument('<id>', 'id of the existing object (a guest: its vmid)')
    .option('-c, --config <dir>', 'config directory (default: the current directory)')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db)')
    .option('--out <file>', 'file to write (default: <config>/guests/imported-<vmid>.yaml)')
    .addHelpText(
      'after',
      `
The YAML holds what Proxmox reports (cores, memory, disk, network, cloud-init user and keys, tags).
Review it, then \`phoenix plan\` shows the ownership tag being added and nothing else.

Examples:
  $ phoenix import 150
  $ phoenix import 150 --out guests/legacy.yaml && phoenix plan
`,
    )
    .action(async (id: string, options: { config?: string; state?: string; out?: string }) => {
      const { openEnvironment } = await import('../../app/cli-support.ts');
      const { importResource } = await import('../../app/import.ts');
      const phoenix = await openEnvironment(options, {}, { guestsOnly: true });
      try {
        const { file, notes } = await importResource(phoenix, id, options.out);
        for (const note of notes)
          process.stderr.write(`note: besides the ownership tag, the next apply changes ${note}\n`);
        process.stdout.write(
          `Wrote ${file}\nReview it, then run: phoenix plan${options.config ? ` -c ${options.config}` : ''}\n`,
        );
      } finally {
        await phoenix.close();
      }
    });
}
