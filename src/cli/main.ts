/**
 * The `phoenix` command line. Each command lives in `commands/<name>.ts` and exports
 * `define(program)`; command modules import their heavy dependencies lazily inside the action
 * so that `phoenix --version` and `--help` stay fast.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { commandDefinitions } from './commands/index.ts';
import { reportError } from './report-error.ts';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('phoenix')
    .description(
      'Declarative, GitOps-style management of a whole Proxmox VE environment from one git repository: ' +
        'network and storage, LXC containers and VMs, certificates, gateway, Swarm and application stacks.',
    )
    .version(packageVersion(), '-V, --version', 'print the Phoenix version')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run `phoenix --help` for the list of commands)')
    .exitOverride();
  program.addHelpText(
    'after',
    `
Examples:
  $ phoenix up                          bring up examples/homelab on the built-in simulator
  $ phoenix validate examples/homelab   check a config directory, with file:line:column errors
  $ phoenix plan -c examples/homelab    show what apply would change
  $ phoenix apply -c examples/homelab --auto-approve

Docs: README.md (config reference: docs/config-reference.md)`,
  );
  for (const define of commandDefinitions) define(program);
  return program;
}

/** Runs the CLI and returns the process exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors with 1.
      return error.exitCode === 0 ? 0 : 1;
    }
    return reportError(error);
  }
}
