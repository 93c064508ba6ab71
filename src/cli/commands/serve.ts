/**
 * `phoenix serve`: the GitOps daemon. Keeps the environment equal to a git branch (or a working
 * tree), serves the REST API, the dashboard, /metrics and the git webhook. SIGTERM/SIGINT: stop
 * starting new work, finish the resource in flight, journal it, exit.
 */
import type { Command } from 'commander';

interface ServeOptions {
  config?: string;
  repo?: string;
  branch: string;
  path?: string;
  listen: string;
  state?: string;
  sshKey?: string;
  knownHosts?: string;
  gitToken?: string;
  gitUser?: string;
  webhookSecret?: string;
  tlsCert?: string;
  tlsKey?: string;
  tls: string;
  tlsName?: string[];
}

export function define(program: Command): void {
  program
    .command('serve')
    .description('run the GitOps daemon: poll git (or take webhooks), apply per policy, serve API, dashboard, metrics')
    .option('-c, --config <dir>', 'a config directory (working tree) to keep applied')
    .option('--repo <url>', 'a git repository to clone: path, file://, git://, ssh:// or https://')
    .option('--branch <name>', 'branch of --repo', 'main')
    .option('--path <dir>', 'config directory inside --repo (default: its root)')
    .option('--listen <addr:port>', 'where to serve (loopback unless --tls-cert is given)', '127.0.0.1:7780')
    .option('--state <file>', 'state file (default: <config>/.phoenix/state.db, or ./.phoenix/state.db with --repo)')
    .option('--ssh-key <ref>', 'private key for ssh:// repositories (env:NAME or file:path)')
    .option('--known-hosts <file>', 'known_hosts for ssh:// repositories')
    .option('--git-token <ref>', 'token or password for https:// repositories (env:NAME or file:path)')
    .option('--git-user <name>', 'user name sent with --git-token', 'git')
    .option('--webhook-secret <ref>', 'webhook secret (default: gitops.webhookSecret of the config)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'key of --tls-cert (PEM)')
    .option(
      '--tls <mode>',
      'auto: plain HTTP on loopback, else a certificate from the internal step-ca; internal-ca: always that; off: plain HTTP anywhere (behind a TLS proxy)',
      'auto',
    )
    .option(
      '--tls-name <name...>',
      'extra names for the internal-ca certificate (default: listen address and host name)',
    )
    .addHelpText(
      'after',
      `
Policy comes from the config's gitops: section (poll interval, autoSync, selfHeal, prune,
webhookSecret, notifications). A new revision is checked out into its own directory,
validated (an invalid one is recorded with its errors and never applied), planned, then
applied or held for approval. API tokens: phoenix token create --scope read|operate.

Examples:
  $ phoenix serve -c examples/homelab
  $ phoenix serve --repo ssh://git@git.home.arpa/infra.git --branch main --path env/prod \\
      --ssh-key file:/etc/phoenix/deploy_key --known-hosts /etc/phoenix/known_hosts --state /var/lib/phoenix/state.db
  $ PHOENIX_TOKEN=... phoenix sync --wait
`,
    )
    .action(async (options: ServeOptions) => {
      // First, before the imports below grow the young generation (see runtime-tuning.ts).
      const { tuneHeapForDaemon } = await import('../../server/runtime-tuning.ts');
      tuneHeapForDaemon();
      const { readFileSync } = await import('node:fs');
      const { resolve } = await import('node:path');
      const { startDaemon } = await import('../../server/daemon.ts');
      const { resolveSecret } = await import('../../config/index.ts');
      const { defaultStatePath } = await import('../../app/create-phoenix.ts');
      const { PhoenixError } = await import('../../errors.ts');
      if (options.tlsCert && !options.tlsKey) throw new PhoenixError('--tls-cert needs --tls-key', { code: 'E_USAGE' });
      if (!['auto', 'internal-ca', 'off'].includes(options.tls)) {
        throw new PhoenixError(`--tls '${options.tls}' is not auto, internal-ca or off`, { code: 'E_USAGE' });
      }
      const secret = (ref: string) => resolveSecret(ref, { configDir: process.cwd(), env: process.env });
      const statePath =
        options.state ?? (options.config ? defaultStatePath(options.config) : resolve('.phoenix', 'state.db'));
      const log = (message: string, fields: Record<string, unknown> = {}): void => {
        const extra = Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        process.stderr.write(`${new Date().toISOString()} ${message}${extra ? ` ${extra}` : ''}\n`);
      };
      const daemon = await startDaemon({
        configDir: options.config,
        repo: options.repo
          ? {
              url: options.repo,
              branch: options.branch,
              path: options.path,
              credentials: {
                sshPrivateKey: options.sshKey ? await secret(options.sshKey) : undefined,
                knownHosts: options.knownHosts ? readFileSync(options.knownHosts, 'utf8') : undefined,
                password: options.gitToken ? await secret(options.gitToken) : undefined,
                username: options.gitUser,
              },
            }
          : undefined,
        listen: options.listen,
        statePath,
        webhookSecretRef: options.webhookSecret,
        tls:
          options.tlsCert && options.tlsKey
            ? { cert: readFileSync(options.tlsCert, 'utf8'), key: readFileSync(options.tlsKey, 'utf8') }
            : options.tls === 'internal-ca'
              ? 'internal-ca'
              : undefined,
        plainHttp: options.tls === 'off',
        ...(options.tlsName ? { tlsNames: options.tlsName } : {}),
        log,
        idleGcMs: 1_000,
      });
      // Signals first: with an internal-ca certificate the daemon reconciles before it listens.
      let failure: unknown;
      await new Promise<void>((done) => {
        const stop = (signal: string): void => {
          log('stopping: finishing the work in flight', { signal });
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          void daemon.stop().then(done, done);
        };
        const onTerm = (): void => stop('SIGTERM');
        const onInt = (): void => stop('SIGINT');
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
        daemon.listening.then(
          (url) =>
            log('phoenix serve listening', { url, source: daemon.reconciler.snapshot().source, state: statePath }),
          (error: unknown) => {
            if ((error as { code?: string }).code === 'E_STOPPING') return;
            failure = error;
            stop('error');
          },
        );
      });
      log('stopped');
      if (failure) throw failure;
    });
}
