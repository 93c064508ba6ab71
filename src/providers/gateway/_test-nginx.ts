/**
 * Test-only: a private nginx prefix (REAL-PEERS.md: nothing under /etc or /var is touched).
 * `nginx.conf` is Debian's shape reduced to what matters: it includes `modules-enabled/*.conf`
 * at top level and `conf.d/*.conf` inside http {}, so the gateway's generated entry files are
 * included exactly as on the guest. Certificates come from the test CA.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findPeer } from '../../clients/ssh/_test-peers.ts';
import { defaultLayout, layoutPaths, type NginxLayout } from './layout.ts';
import type { NginxRender } from './render-nginx.ts';
import { createTestCa, type TestCa } from './_test-ca.ts';

export const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** The nginx binary, or undefined (skip); under CI=true a missing nginx or stream module throws. */
export function findNginx(): string | undefined {
  const nginx = findPeer('/usr/sbin/nginx');
  return nginx && findPeer(STREAM_MODULE) ? nginx : undefined;
}

export interface NginxPrefix {
  dir: string;
  layout: NginxLayout;
  ca: TestCa;
  /** argv of `nginx -t` / reload / quit for this prefix. */
  testArgv: string[];
  reloadArgv: string[];
  /** Certificate files for `name` (issued for `names`). */
  installCertificate(name: string, names: string[]): void;
  /** Writes a render as the live generation (a plain writer for checks that bypass the handler). */
  writeRender(render: NginxRender, secret?: (ref: string) => string): void;
  /** Runs `nginx -t`: exit code and output. */
  test(): { code: number; output: string };
  start(): Promise<void>;
  /** `nginx -s reload`, then a short wait for the new workers (the signal is asynchronous). */
  reload(): Promise<void>;
  errorLog(): string;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** `wrap`: argv prefix for every nginx command, e.g. `ip netns exec <ns>` to run it in a namespace. */
export function createNginxPrefix(nginx: string, options: { wrap?: string[] } = {}): NginxPrefix {
  const wrap = options.wrap ?? [];
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-nginx-'));
  chmodSync(dir, 0o755); // workers drop to nobody
  const root = join(dir, 'etc-nginx');
  const certDir = join(dir, 'certs');
  for (const d of [root, join(root, 'conf.d'), join(root, 'modules-enabled'), certDir, join(dir, 'logs')])
    mkdirSync(d, { recursive: true });
  const layout = defaultLayout(root, certDir);
  const ca = createTestCa(join(dir, 'ca'));
  writeFileSync(layout.trustedRoot, ca.root);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} info;`,
      'daemon off;',
      'worker_processes 1;',
      `load_module ${STREAM_MODULE};`,
      `include ${root}/modules-enabled/*.conf;`,
      'events { worker_connections 256; }',
      'http {',
      `    access_log ${join(dir, 'logs', 'access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `    ${t}_temp_path ${join(dir, `tmp-${t}`)};`,
      ),
      `    include ${root}/conf.d/*.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  const base = ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')];
  let child: ChildProcess | undefined;
  let log = '';
  const prefix: NginxPrefix = {
    dir,
    layout,
    ca,
    testArgv: [...wrap, nginx, '-t', '-q', ...base],
    reloadArgv: [...wrap, nginx, ...base, '-s', 'reload'],
    installCertificate(name, names) {
      const issued = ca.issue(names[0] as string, names);
      const files = layout.certificate(name);
      mkdirSync(dirname(files.fullchain), { recursive: true });
      writeFileSync(files.fullchain, issued.fullchain);
      writeFileSync(files.key, issued.key, { mode: 0o600 });
    },
    writeRender(render, secret = () => 'user:$apr1$x$y\n') {
      const paths = layoutPaths(layout);
      const generation = join(paths.generations, 'static');
      rmSync(generation, { recursive: true, force: true });
      for (const [rel, file] of Object.entries(render.files)) {
        mkdirSync(dirname(join(generation, rel)), { recursive: true });
        writeFileSync(join(generation, rel), file.content);
      }
      mkdirSync(join(generation, 'http'), { recursive: true });
      mkdirSync(join(generation, 'stream'), { recursive: true });
      rmSync(paths.live, { force: true });
      symlinkSync(generation, paths.live);
      rmSync(paths.streamEntry, { force: true });
      for (const [path, content] of Object.entries(render.entries)) writeFileSync(path, content);
      for (const [rel, ref] of Object.entries(render.secrets)) {
        mkdirSync(dirname(join(generation, rel)), { recursive: true });
        writeFileSync(join(generation, rel), secret(ref));
      }
    },
    test() {
      const [bin, ...args] = prefix.testArgv;
      const result = spawnSync(bin as string, args, { encoding: 'utf8', timeout: 30_000 });
      return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
    },
    async start() {
      const [bin, ...args] = [...wrap, nginx, ...base];
      child = spawn(bin as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      for (let i = 0; i < 100 && !existsSync(join(dir, 'nginx.pid')); i += 1) {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!existsSync(join(dir, 'nginx.pid'))) throw new Error(`nginx did not start: ${log}`);
    },
    async reload() {
      const [bin, ...args] = prefix.reloadArgv;
      const result = spawnSync(bin as string, args, { encoding: 'utf8', timeout: 10_000 });
      if (result.status !== 0) throw new Error(`nginx reload failed: ${result.stderr}`);
      await new Promise((r) => setTimeout(r, 400));
    },
    errorLog() {
      return existsSync(join(dir, 'logs', 'error.log')) ? readFileSync(join(dir, 'logs', 'error.log'), 'utf8') : '';
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
    async cleanup() {
      await prefix.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return prefix;
}
