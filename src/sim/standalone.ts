/**
 * `phoenix sim`: argument parsing (typed, checked before anything starts) and the standalone
 * run that prints how to connect and serves until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { CliError } from '../errors.ts';
import { loadFaultConfig } from './faults/config.ts';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from './index.ts';

export interface SimCliFlags {
  port?: string;
  host?: string;
  http?: boolean;
  state?: string;
  speed?: string;
  faults?: string;
  nodes?: string;
  log?: string;
  seed?: string;
  authDelay?: string;
  ssh?: boolean;
  sshAuthorizedKeys?: string;
  /** `--coverage`: print the implemented schema endpoints and exit. */
  coverage?: boolean;
  verbose?: boolean;
}

function number(value: string | undefined, flag: string, min: number, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new CliError(`invalid value for ${flag}: '${value}'`, {
      code: 'E_SIM_ARGS',
      hint: `${flag} takes ${integer ? 'an integer' : 'a number'} >= ${min}`,
    });
  }
  return n;
}

/** `pve1,pve2` or `pve1:16:65536,pve2:8:32768` (name:cores:memoryMiB). */
export function parseNodes(text: string): NonNullable<SimulatorOptions['nodes']> {
  return text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const [name = '', cores = '16', memory = '65536'] = part.trim().split(':');
      if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(name)) {
        throw new CliError(`invalid node name '${name}' in --nodes`, {
          code: 'E_SIM_ARGS',
          hint: 'node names are DNS labels: letters, digits and dashes, e.g. --nodes pve1,pve2',
        });
      }
      return {
        name,
        cores: number(cores, '--nodes cores', 1, true) ?? 16,
        memoryMiB: number(memory, '--nodes memory', 256, true) ?? 65536,
      };
    });
}

export function parseSimFlags(flags: SimCliFlags, env: NodeJS.ProcessEnv): SimulatorOptions {
  const port = number(flags.port ?? '8006', '--port', 0, true) as number;
  if (port > 65535) throw new CliError(`invalid value for --port: '${flags.port}'`, { code: 'E_SIM_ARGS' });
  return {
    host: flags.host ?? '127.0.0.1',
    port,
    tls: !flags.http,
    statePath: flags.state,
    speed: number(flags.speed, '--speed', 0, false) ?? 1,
    seed: number(flags.seed, '--seed', 0, true),
    faults: loadFaultConfig({ env, file: flags.faults }),
    nodes: flags.nodes ? parseNodes(flags.nodes) : undefined,
    logFile: flags.log,
    authDelayMs: number(flags.authDelay, '--auth-delay', 0, true) ?? 3000,
    rootPassword: env['PHOENIX_SIM_ROOT_PASSWORD'] || undefined,
    tokenSecret: env['PHOENIX_SIM_TOKEN_SECRET'] || undefined,
    ssh: flags.ssh || flags.sshAuthorizedKeys ? sshFlags(flags.sshAuthorizedKeys) : undefined,
  };
}

/** `--ssh-authorized-keys <file>`: OpenSSH public key lines (comments and blanks skipped). */
function sshFlags(file: string | undefined): SimulatorOptions['ssh'] {
  if (!file) return true;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new CliError(`cannot read --ssh-authorized-keys ${file}`, { code: 'E_SIM_ARGS', cause });
  }
  const authorizedKeys = text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  if (authorizedKeys.length === 0) {
    throw new CliError(`--ssh-authorized-keys ${file} holds no key`, {
      code: 'E_SIM_ARGS',
      hint: 'give a file of OpenSSH public keys, e.g. ~/.ssh/id_ed25519.pub',
    });
  }
  return { authorizedKeys };
}

/** SSH endpoints of the node side: where to connect and which host key to pin (never the private key). */
function sshText(sim: RunningSimulator): string[] {
  if (!sim.ssh) return [];
  const lines = Object.entries(sim.ssh).map(
    ([node, e]) =>
      `  ssh ${node}:${' '.repeat(Math.max(1, 9 - node.length))}root@${e.host} -p ${e.port}  ${e.hostKeyFingerprint}`,
  );
  if (sim.clientKey) lines.push(`  client key:   ${sim.clientKey.privateKeyPath}`);
  return lines;
}

export function connectionText(sim: RunningSimulator, options: SimulatorOptions): string {
  const nodes = (options.nodes ?? [{ name: 'pve', cores: 16, memoryMiB: 65536 }])
    .map((n) => `${n.name} (${n.cores} cores, ${Math.round(n.memoryMiB / 1024)} GiB)`)
    .join(', ');
  const insecure = sim.fingerprint ? '-k ' : '';
  return [
    `Phoenix PVE simulator (Proxmox VE 8.4 API) listening on ${sim.url}/api2/json`,
    `  API token:    ${sim.token}`,
    ...(sim.fingerprint ? [`  fingerprint:  ${sim.fingerprint} (SHA-256, self-signed)`] : []),
    `  root@pam:     ${sim.rootPassword}`,
    `  nodes:        ${nodes}`,
    `  state file:   ${options.statePath ?? '(none: the cluster is lost at exit)'}`,
    ...sshText(sim),
    '',
    'Try:',
    `  curl ${insecure}-H 'Authorization: PVEAPIToken=${sim.token}' ${sim.url}/api2/json/version`,
    '',
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}

/** Starts the simulator and serves until SIGINT/SIGTERM. */
export async function runStandalone(flags: SimCliFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const options = parseSimFlags(flags, process.env);
  let sim: RunningSimulator;
  try {
    sim = await startSimulator(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new CliError(`cannot listen on ${options.host}:${options.port} (${code})`, {
        code: 'E_SIM_LISTEN',
        hint: code === 'EADDRINUSE' ? 'another process uses that port; pick one with --port' : 'pick a port above 1024',
        cause: error,
      });
    }
    throw error;
  }
  out.write(connectionText(sim, options));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.stop();
  out.write('simulator stopped\n');
}
