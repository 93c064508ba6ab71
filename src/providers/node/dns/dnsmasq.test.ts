/**
 * The rendered files checked by the real dnsmasq (Debian's dnsmasq-base): started on 127.0.0.1
 * with a random high port, it must answer every declared name and NXDOMAIN for other names.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer, freePort } from '../../../clients/ssh/_test-peers.ts';
import { deriveDnsRecords } from './records.ts';
import { renderDnsmasq } from './render.ts';
import { homelabSource } from './_fixture.ts';
import { spawnLoopbackDnsmasq } from './_test-dnsmasq.ts';

const dnsmasqPath = findPeer('/usr/sbin/dnsmasq');

function source() {
  const s = homelabSource();
  s.routes = s.routes.filter((r) => r.host !== 'portainer.home.arpa');
  return s;
}

describe.skipIf(!dnsmasqPath)('dnsmasq serves the rendered records', () => {
  let dir: string;
  let child: ChildProcess;
  let resolver: Resolver;
  let log = '';

  const render = (s: ReturnType<typeof source>) => {
    const derived = deriveDnsRecords(s);
    expect(derived.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const rendered = renderDnsmasq(derived.domain, derived.records, join(dir, 'hosts'));
    writeFileSync(join(dir, 'hosts'), rendered.hosts);
    writeFileSync(join(dir, 'phoenix.conf'), rendered.conf);
    return derived;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-dnsmasq-'));
    // dnsmasq drops root for `nobody` before it reads the hosts file.
    chmodSync(dir, 0o755);
    render(source());
    const port = await freePort();
    child = spawnLoopbackDnsmasq(dnsmasqPath as string, join(dir, 'phoenix.conf'), port, (text) => (log += text));
    resolver = new Resolver({ timeout: 1000, tries: 2 });
    resolver.setServers([`127.0.0.1:${port}`]);
    for (let attempt = 0; attempt < 50; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${log}`);
      const ok = await resolver.resolve4('pve.home.arpa').then(
        () => true,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`dnsmasq did not answer: ${log}`);
  });

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers every declared name with its address', async () => {
    const { records } = deriveDnsRecords(source());
    const byName = new Map(records.filter((r) => r.type === 'A').map((r) => [r.name, r.value]));
    for (const [name, ip] of byName) expect(await resolver.resolve4(name), name).toEqual([ip]);
    expect(await resolver.resolve4('app.example.com')).toEqual(['10.0.0.11']);
    expect(await resolver.resolveCname('ca.home.arpa')).toEqual(['step-ca.home.arpa']);
  });

  it('answers NXDOMAIN for names nobody declared', async () => {
    for (const name of ['nothing.home.arpa', 'www.app.example.com', 'nginx-gateway2.home.arpa']) {
      await expect(resolver.resolve4(name), name).rejects.toMatchObject({ code: 'ENOTFOUND' });
    }
  });

  it('picks up changed records on SIGHUP', async () => {
    const s = source();
    s.dns.records.push({ name: 'nas', type: 'A', value: '10.0.0.60' });
    render(s);
    await expect(resolver.resolve4('nas.home.arpa')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    child.kill('SIGHUP');
    let answer: string[] = [];
    for (let attempt = 0; attempt < 30 && answer.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await resolver.resolve4('nas.home.arpa').catch(() => []);
    }
    expect(answer).toEqual(['10.0.0.60']);
  });
});
