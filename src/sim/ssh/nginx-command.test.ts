/**
 * The simulated `nginx`: `-t` answered by this machine's real nginx on the guest's materialised
 * tree (a missing nginx fails under CI=true, see findPeer), `-s reload` on the simulated service,
 * and the package install that lays the tree down.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quoteArgv } from '../../clients/ssh/shell-quote.ts';
import { findPeer } from '../../clients/ssh/_test-peers.ts';
import { runCommandLine, type ShellContext } from './interpreter.ts';
import { prefixPaths } from './nginx-command.ts';
import { SimTree } from './sim-tree.ts';

const nginx = findPeer('/usr/sbin/nginx');
let dir: string;
let guest: SimTree;
let ctx: ShellContext;
const run = (...argv: string[]) => runCommandLine(ctx, quoteArgv(argv), Buffer.alloc(0));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-sim-nginx-test-'));
  guest = new SimTree(join(dir, 'guest'));
  ctx = {
    node: 'pve',
    tree: guest,
    guests: { guestExists: () => false, guestRunning: () => false },
    guestTree: () => guest,
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('prefixPaths', () => {
  it('moves only the paths of path-taking directives', () => {
    const text = [
      'include /etc/nginx/phoenix/http/*.conf;',
      '    ssl_certificate "/etc/phoenix/certs/x/fullchain.pem";',
      '    location /api/ { proxy_pass https://traefik/; root /srv/www; }',
      '    # include /etc/commented;',
      '    return 301 https://$host$request_uri;',
      '    error_log stderr;',
    ].join('\n');
    expect(prefixPaths(text, '/T')).toBe(
      [
        'include /T/etc/nginx/phoenix/http/*.conf;',
        '    ssl_certificate "/T/etc/phoenix/certs/x/fullchain.pem";',
        '    location /api/ { proxy_pass https://traefik/; root /T/srv/www; }',
        '    # include /etc/commented;',
        '    return 301 https://$host$request_uri;',
        '    error_log stderr;',
      ].join('\n'),
    );
  });
});

describe.skipIf(!nginx)('nginx in a simulated guest (the real nginx checks)', () => {
  it('is there only once the package is installed; the install lays down the tree and starts the service', () => {
    expect(run('nginx', '-t')).toMatchObject({ code: 127, stderr: 'sh: 1: nginx: not found\n' });
    expect(run('apt-get', 'install', '-y', 'nginx', 'libnginx-mod-stream').code).toBe(0);
    expect(run('systemctl', 'is-active', 'nginx').stdout).toBe('active\n');
    const ok = run('nginx', '-t');
    expect(ok).toMatchObject({ code: 0, stdout: '' });
    expect(ok.stderr).toContain('nginx: the configuration file /etc/nginx/nginx.conf syntax is ok');
    expect(ok.stderr).toContain('nginx: configuration file /etc/nginx/nginx.conf test is successful');
    expect(ok.stderr).not.toContain(tmpdir());
    expect(run('nginx', '-t', '-q')).toMatchObject({ code: 0, stderr: '' });
    // The check leaves no temporary prefix behind.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('phoenix-sim-nginx-') && !dir.endsWith(n))).toEqual([]);
  });

  it('a refusal comes back with nginx’s exit code and message, naming the guest’s file and line (through the symlink)', () => {
    run('apt-get', 'install', '-y', 'nginx');
    mkdirSync(guest.resolve('/etc/nginx/phoenix.d/g-1/http'), { recursive: true });
    writeFileSync(
      guest.resolve('/etc/nginx/phoenix.d/g-1/http/a.conf'),
      'server {\n    listen 8080;\n    client_max_body_size lots;\n}\n',
    );
    expect(run('ln', '-sfn', '/etc/nginx/phoenix.d/g-1', '/etc/nginx/phoenix').code).toBe(0);
    writeFileSync(guest.resolve('/etc/nginx/conf.d/phoenix.conf'), 'include /etc/nginx/phoenix/http/*.conf;\n');
    const refused = run('nginx', '-t', '-q');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'nginx: [emerg] "client_max_body_size" directive invalid value in /etc/nginx/phoenix/http/a.conf:3',
    );
    expect(refused.stderr).toContain('nginx: configuration file /etc/nginx/nginx.conf test failed');
    expect(refused.stderr).not.toContain(dir);
  });

  it('a certificate missing in the guest is missing for the check too (nothing is borrowed from this machine)', () => {
    run('apt-get', 'install', '-y', 'nginx');
    writeFileSync(
      guest.resolve('/etc/nginx/conf.d/tls.conf'),
      'server {\n    listen 8443 ssl;\n    ssl_certificate /etc/ssl/certs/ssl-cert-snakeoil.pem;\n    ssl_certificate_key /etc/ssl/private/ssl-cert-snakeoil.key;\n}\n',
    );
    const refused = run('nginx', '-t', '-q');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot load certificate "\/etc\/ssl\/certs\/ssl-cert-snakeoil\.pem"/);
  });

  it('systemctl restart checks the config first, like Debian’s unit: a refused config leaves nginx failed', () => {
    run('apt-get', 'install', '-y', 'nginx');
    expect(run('systemctl', 'restart', 'nginx').code).toBe(0);
    writeFileSync(guest.resolve('/etc/nginx/conf.d/bad.conf'), 'server { listen 8080; bogus_directive on; }\n');
    expect(run('systemctl', 'restart', 'nginx')).toMatchObject({
      code: 1,
      stderr:
        'Job for nginx.service failed because the control process exited with error code.\n' +
        'See "systemctl status nginx.service" and "journalctl -xeu nginx.service" for details.\n',
    });
    expect(run('systemctl', 'is-active', 'nginx')).toMatchObject({ code: 3, stdout: 'inactive\n' });
    expect(run('systemctl', 'start', 'nginx').code).toBe(1);
    rmSync(guest.resolve('/etc/nginx/conf.d/bad.conf'));
    expect(run('systemctl', 'start', 'nginx').code).toBe(0);
    expect(guest.service('nginx')).toMatchObject({ active: true, restarts: 1 });
  });

  it('-s reload counts a reload of the running service; stopped, it fails like nginx', () => {
    run('apt-get', 'install', '-y', 'nginx');
    expect(run('nginx', '-s', 'reload').code).toBe(0);
    expect(run('systemctl', 'reload', 'nginx').code).toBe(0);
    expect(guest.service('nginx').reloads).toBe(2);
    expect(run('systemctl', 'stop', 'nginx').code).toBe(0);
    expect(run('nginx', '-s', 'reload')).toMatchObject({
      code: 1,
      stderr: 'nginx: [error] open() "/run/nginx.pid" failed (2: No such file or directory)\n',
    });
    expect(guest.service('nginx').reloads).toBe(2);
  });
});

describe('without an nginx on this machine', () => {
  it('elsewhere: a clear "not checked"; under CI=true: an error', () => {
    run('apt-get', 'install', '-y', 'nginx');
    ctx.nginx = { binary: null, ci: false };
    expect(run('nginx', '-t', '-q')).toMatchObject({
      code: 0,
      stderr: 'nginx not installed on this machine: config not checked\n',
    });
    ctx.nginx = { binary: null, ci: true };
    expect(run('nginx', '-t', '-q')).toMatchObject({
      code: 1,
      stderr: 'nginx not installed on this machine (CI=true): the simulator cannot check the config\n',
    });
  });
});
