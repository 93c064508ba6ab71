/**
 * `phoenix token create --scope read|operate --state FILE`: a new API token for the daemon. The
 * token is printed once; the state file keeps only its SHA-256.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  const token = program.command('token').description('manage API tokens of `phoenix serve`');
  token
    .command('create')
    .description('create an API token (printed once; only its hash is stored)')
    .requiredOption('--scope <scope>', 'read (status, plans, history, metrics) or operate (also sync, approve, reject)')
    .option('--state <file>', 'state file of the daemon', '.phoenix/state.db')
    .option('--name <name>', 'a label for the token')
    .addHelpText(
      'after',
      `
Examples:
  $ phoenix token create --scope read --state /var/lib/phoenix/state.db
  $ export PHOENIX_TOKEN=$(phoenix token create --scope operate --state .phoenix/state.db)
`,
    )
    .action(async (options: { scope: string; state: string; name?: string }) => {
      const { PhoenixError } = await import('../../errors.ts');
      if (options.scope !== 'read' && options.scope !== 'operate') {
        throw new PhoenixError(`unknown scope '${options.scope}'`, {
          code: 'E_USAGE',
          hint: 'use --scope read or --scope operate',
        });
      }
      const { openStateStore } = await import('../../gitops/store.ts');
      const store = openStateStore(options.state);
      try {
        const created = store.gitops.tokens.create(options.scope, options.name);
        process.stdout.write(`${created.token}\n`);
        process.stderr.write(`token ${created.id} (${options.scope}) created; it is shown only this once\n`);
      } finally {
        store.close();
      }
    });
}
