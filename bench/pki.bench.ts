/**
 * Issue 100 certificates against the simulated step-ca through the certificate handler (key +
 * CSR generation, one-time token, sign, files written through an in-memory guest shell), 8 at
 * a time. Figures: wall time, sign requests per certificate (target: exactly 1), total CA
 * requests, and the event loop's worst delay (key generation runs on the thread pool).
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { StepCaClient } from '../src/clients/stepca/client.ts';
import { openProvisioner } from '../src/clients/stepca/ott.ts';
import { freePort } from '../src/clients/ssh/_test-peers.ts';
import { NoopHook } from '../src/engine/hook.ts';
import type { TargetShell } from '../src/providers/node/shell.ts';
import {
  CERTIFICATE_KIND,
  certificateHandler,
  type CertificateDesired,
} from '../src/providers/pki/certificate-handler.ts';
import { startSimStepCa } from '../src/sim/stepca/index.ts';
import { makeCaFixture } from '../test/stepca/_ca-fixture.ts';
import type { Benchmark, BenchResult } from './types.ts';

const COUNT = 100;
const CONCURRENCY = 8;

function memoryShell(): TargetShell {
  const files = new Map<string, { content: string; mode: string }>();
  return {
    target: { kind: 'lxc', node: 'pve', vmid: 101 },
    async exec(argv) {
      const path = argv[argv.length - 1] as string;
      const file = files.get(path);
      if (argv[0] === 'mkdir') return { code: 0, stdout: '', stderr: '' };
      if (argv[0] === 'stat')
        return file
          ? { code: 0, stdout: `${file.mode.replace(/^0/, '')} root root\n`, stderr: '' }
          : { code: 1, stdout: '', stderr: 'No such file or directory' };
      if (argv[0] === 'sha256sum' && file)
        return { code: 0, stdout: `${createHash('sha256').update(file.content).digest('hex')}  ${path}\n`, stderr: '' };
      return { code: 1, stdout: '', stderr: 'unsupported' };
    },
    async writeFile(path, content, options) {
      files.set(path, { content: content.toString(), mode: String(options.mode ?? '0644') });
    },
  };
}

export const benchmark: Benchmark = {
  name: 'pki',
  async run(): Promise<BenchResult[]> {
    const fixture = await makeCaFixture({ port: await freePort() });
    const ca = await startSimStepCa({
      configPath: fixture.bundle.paths.config,
      passwordFile: fixture.bundle.paths.passwordFile,
      port: fixture.port,
    });
    const client = new StepCaClient({
      url: fixture.url,
      rootPem: fixture.bundle.material.rootCertPem,
      dial: { host: '127.0.0.1', port: fixture.port },
    });
    try {
      const signer = await openProvisioner(
        'phoenix',
        fixture.bundle.provisioner.encryptedKey,
        fixture.provisionerPassword,
      );
      const shell = memoryShell();
      const handler = certificateHandler({
        shells: () => shell,
        ca: async () => ({ client, signer, rootFingerprint: fixture.bundle.material.rootFingerprint }),
      });
      const ctx = {
        signal: new AbortController().signal,
        hook: new NoopHook(),
        journal: { note: () => undefined },
        attempt: 1,
      };
      const desired = (i: number): CertificateDesired => ({
        name: `svc-${i}`,
        target: shell.target,
        commonName: `svc-${i}.home.arpa`,
        sans: [`svc-${i}.home.arpa`, `10.10.1.${i}`],
        keyType: 'EC-P256',
        duration: '24h',
        files: { cert: `/etc/ssl/phoenix/svc-${i}.crt`, key: `/etc/ssl/phoenix/svc-${i}.key` },
        owner: 'root',
        group: 'root',
        keyMode: '0600',
        certMode: '0644',
        origin: 'bench',
      });
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const start = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < COUNT) {
            const i = next++;
            const resource = { address: `cert.svc-${i}`, kind: CERTIFICATE_KIND, desired: desired(i), dependsOn: [] };
            await handler.create({ ctx, resource, change: {} as never });
          }
        }),
      );
      const wall = performance.now() - start;
      loop.disable();
      const requests = ca.requests();
      const total = Object.values(requests).reduce((a, b) => a + b, 0);
      return [
        {
          name: `issue ${COUNT} certificates (wall)`,
          value: Math.round(wall),
          unit: 'ms',
          details: { concurrency: CONCURRENCY },
        },
        {
          name: 'sign requests per certificate',
          value: (requests['POST /sign'] ?? 0) / COUNT,
          unit: 'requests',
          target: { op: '<=', value: 1 },
        },
        { name: 'CA requests in total', value: total, unit: 'requests', details: requests },
        {
          name: 'event loop worst delay while issuing',
          value: Math.round(loop.max / 1e6),
          unit: 'ms',
          details: { p99: Math.round(loop.percentile(99) / 1e6) },
        },
      ];
    } finally {
      await client.close();
      await ca.stop();
      rmSync(fixture.dir, { recursive: true, force: true });
    }
  },
};
