/**
 * The simulator's SSH server: a real SSH endpoint (ssh2's Server) per simulated node. It presents
 * a host key persisted in the data dir (so known_hosts/pins stay valid across restarts), accepts
 * only the configured public keys (signature checked), and runs each exec through the node-shell
 * interpreter against `<dataDir>/nodes/<node>/` and `<dataDir>/guests/<vmid>/`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { fingerprintOf } from '../../util/ssh-fingerprint.ts';
import { generateEd25519KeyPair } from '../../util/ssh-keys.ts';
import { runCommandLine, type GuestDirectory, type ShellContext } from './interpreter.ts';
import { SimTree } from './sim-tree.ts';

export interface SimSshOptions {
  dataDir: string;
  node: string;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA... comment`) allowed to log in. */
  authorizedKeys: string[];
  guests: GuestDirectory;
  username?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface SimSshServer {
  host: string;
  port: number;
  /** `SHA256:...` of the persisted host key, for pinning. */
  fingerprint: string;
  /** known_hosts line for this endpoint. */
  knownHostsLine: string;
  nodeTree: SimTree;
  guestTree(vmid: number): SimTree;
  close(): Promise<void>;
}

/**
 * Load the ed25519 key pair `<dataDir>/ssh/<name>` (+ `.pub`), creating it on first use: the
 * private key owner-only, so a restarted simulator keeps its identity.
 */
export function loadOrCreateKeyPair(
  dataDir: string,
  name: string,
  comment: string,
): { privateKey: string; publicKey: string; privateKeyPath: string } {
  const dir = join(dataDir, 'ssh');
  const file = join(dir, name);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const pair = generateEd25519KeyPair(comment);
    writeFileSync(file, pair.private, { mode: 0o600 });
    writeFileSync(`${file}.pub`, `${pair.public}\n`);
  }
  return {
    privateKey: readFileSync(file, 'utf8'),
    publicKey: readFileSync(`${file}.pub`, 'utf8').trim(),
    privateKeyPath: file,
  };
}

/** Load `<dataDir>/ssh/host_ed25519_key`, creating it on first start. */
export function loadHostKey(dataDir: string): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = loadOrCreateKeyPair(dataDir, 'host_ed25519_key', 'phoenix-sim');
  return { privateKey, publicKey };
}

function parsePublic(line: string): ssh2.ParsedKey {
  const parsed = ssh2.utils.parseKey(line);
  if (parsed instanceof Error) throw new Error(`invalid authorized key: ${parsed.message}`);
  return Array.isArray(parsed) ? (parsed[0] as ssh2.ParsedKey) : parsed;
}

export async function startSimSshServer(options: SimSshOptions): Promise<SimSshServer> {
  const host = options.host ?? '127.0.0.1';
  const username = options.username ?? 'root';
  const hostKey = loadHostKey(options.dataDir);
  const allowed = options.authorizedKeys.map(parsePublic);
  const nodeTree = new SimTree(join(options.dataDir, 'nodes', options.node));
  const guestTrees = new Map<number, SimTree>();
  const guestTree = (vmid: number): SimTree => {
    let tree = guestTrees.get(vmid);
    if (!tree) {
      tree = new SimTree(join(options.dataDir, 'guests', String(vmid)));
      guestTrees.set(vmid, tree);
    }
    return tree;
  };
  const context: ShellContext = { node: options.node, tree: nodeTree, guests: options.guests, guestTree };
  const connections = new Set<ssh2.Connection>();

  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
    connections.add(client);
    // Exists at runtime (ssh2 server.js) but is missing from @types/ssh2's Connection.
    (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    client.on('close', () => connections.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== username) return ctx.reject(['publickey']);
      const key = allowed.find(
        (candidate) =>
          candidate.type === ctx.key.algo &&
          candidate.getPublicSSH().length === ctx.key.data.length &&
          timingSafeEqual(candidate.getPublicSSH(), ctx.key.data),
      );
      if (!key) return ctx.reject(['publickey']);
      // Without a signature the client is only asking whether this key would do.
      if (ctx.signature === undefined || ctx.blob === undefined) return ctx.accept();
      return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          channel.on('error', () => undefined);
          channel.stderr.on('error', () => undefined);
          const stdin: Buffer[] = [];
          let done = false;
          const finish = (): void => {
            if (done) return;
            done = true;
            const result = runCommandLine(context, info.command, Buffer.concat(stdin));
            // The client may be gone (dropped link): the command ran, there is no one to answer.
            if (channel.destroyed || channel.writableEnded) return;
            if (result.stdoutBytes.length > 0) channel.write(result.stdoutBytes);
            if (result.stderr) channel.stderr.write(result.stderr);
            channel.exit(result.code);
            channel.end();
          };
          // Commands that read stdin run at EOF; the rest run at once (the client may never send EOF).
          if (/(^|\s)cat\s*>/.test(info.command)) {
            channel.on('data', (chunk: Buffer) => stdin.push(chunk));
            channel.on('end', finish);
          } else {
            channel.on('data', () => undefined);
            finish();
          }
        });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const keyBlob = parsePublic(hostKey.publicKey).getPublicSSH();
  const [keyType, keyB64] = hostKey.publicKey.split(/\s+/);
  return {
    host,
    port,
    fingerprint: fingerprintOf(keyBlob),
    knownHostsLine: `[${host}]:${port} ${keyType} ${keyB64}`,
    nodeTree,
    guestTree,
    close: () =>
      new Promise<void>((resolve) => {
        for (const connection of connections) connection.end();
        server.close(() => resolve());
      }),
  };
}
