/**
 * `phoenix init [dir]`: prints the least-privilege role Phoenix's API token needs (derived from
 * the API calls Phoenix makes and the PVE schema's permission checks), the ACL entries and the
 * `pveum` commands that create user, role and token; `--scaffold` also writes a starting config
 * directory that keeps this access declared (host.yaml). Never contacts Proxmox.
 */
import type { Command } from 'commander';
import { CliError } from '../../errors.ts';

export function define(program: Command): void {
  program
    .command('init')
    .description("print the least-privilege role, ACL and pveum commands for Phoenix's API token")
    .argument('[dir]', 'config directory to scaffold (with --scaffold)', '.')
    .option('--user <userid>', 'the Proxmox user Phoenix acts as', 'phoenix@pve')
    .option('--token <name>', 'the API token name', 'gitops')
    .option('--role <roleid>', 'the role to create', 'Phoenix')
    .option(
      '--scaffold',
      'also write phoenix.yaml, host.yaml, phoenix.schema.json and a .gitignore for .phoenix/ into [dir]',
    )
    .option('--json', 'print the role, privileges, ACL and commands as JSON')
    .addHelpText(
      'after',
      `
Run the printed commands as root on a Proxmox node; the token command prints the secret once:
store it (e.g. in PHOENIX_TOKEN_SECRET) and point the config's proxmox.tokenSecret at it.

Examples:
  $ phoenix init
  $ phoenix init --user gitops@pve --token ci --json
  $ phoenix init ./infra --scaffold
`,
    )
    .action(async (dir: string, options: InitRunOptions) => {
      process.exitCode = await runInit(dir, options);
    });
}

export interface InitRunOptions {
  user: string;
  token: string;
  role: string;
  scaffold?: boolean;
  json?: boolean;
}

export async function runInit(
  dir: string,
  options: InitRunOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  if (!/^[^\s@!:]+@[A-Za-z][\w.-]*$/.test(options.user))
    throw new CliError(`--user ${options.user}: not a user id`, {
      code: 'E_INIT_ARGS',
      hint: 'write name@realm, e.g. phoenix@pve',
    });
  if (!/^[A-Za-z][\w.-]*$/.test(options.token))
    throw new CliError(`--token ${options.token}: not a token name`, {
      code: 'E_INIT_ARGS',
      hint: 'letters, digits, ".", "_", "-"',
    });
  if (!/^[A-Za-z][\w.-]*$/.test(options.role))
    throw new CliError(`--role ${options.role}: not a role id`, { code: 'E_INIT_ARGS', hint: 'e.g. Phoenix' });
  const { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');
  const { configJsonSchemaText } = await import('../../config/json-schema.ts');
  const { derivePhoenixAccess, scaffoldFiles } = await import('../../app/bootstrap.ts');
  const access = derivePhoenixAccess(options);
  const written: string[] = [];
  if (options.scaffold) {
    const target = resolve(dir);
    if (existsSync(join(target, 'phoenix.yaml')))
      throw new CliError(`${join(target, 'phoenix.yaml')} already exists`, {
        code: 'E_INIT_EXISTS',
        hint: 'run without --scaffold to only print the role, or pick an empty directory',
      });
    mkdirSync(target, { recursive: true });
    const files = { ...scaffoldFiles(access, options), 'phoenix.schema.json': configJsonSchemaText() };
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(target, name), text, { flag: 'wx' });
      written.push(join(target, name));
    }
    // .phoenix/ holds the state, the token secret Phoenix stores and the simulator's SSH keys:
    // never something to commit (Phoenix refuses to write a secret git would pick up).
    const ignore = join(target, '.gitignore');
    const current = existsSync(ignore) ? readFileSync(ignore, 'utf8') : undefined;
    if (current === undefined || !/^\/?\.phoenix\/?$/m.test(current)) {
      const prefix = current === undefined || current === '' || current.endsWith('\n') ? '' : '\n';
      appendFileSync(ignore, `${prefix}# Phoenix's state, secrets and simulator keys (never commit)\n.phoenix/\n`, {
        mode: 0o644,
      });
      written.push(ignore);
    }
  }
  if (options.json) {
    out(`${JSON.stringify({ formatVersion: 1, ...access, written }, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `Role ${access.role} (${access.privileges.length} privileges, derived from the API calls Phoenix makes):`,
    `  ${access.privileges.join(',')}`,
    '',
    'ACL:',
    ...access.acl.map((a) => `  ${a.path}  ${a.role}  ${a.type} ${a.ugid}  propagate`),
    '  (below /access the read-only PVEAuditor replaces the role: Phoenix can change no user, token,',
    '   role or ACL, its own rights included; README "The role phoenix init prints" says what each privilege is for)',
    '',
    'Run as root on a Proxmox node (the token command prints the secret once: keep it):',
    ...access.commands.map((c) => `  ${c}`),
    '',
    `Then set proxmox.tokenId: ${access.tokenId} and proxmox.tokenSecret: env:PHOENIX_TOKEN_SECRET.`,
    ...(written.length > 0 ? ['', 'Wrote:', ...written.map((w) => `  ${w}`)] : []),
  ];
  out(`${lines.join('\n')}\n`);
  return 0;
}
