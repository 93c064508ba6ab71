/**
 * The dialer for the built-in simulator's CA: the simulated guest 103 runs a step-ca that
 * behaves like the real one on the wire, started in-process from the files Phoenix wrote into
 * that guest and answered on a loopback port (nothing is ever sent to a guest's private address).
 */
import { join } from 'node:path';
import type { SimStepCa } from '../sim/stepca/index.ts';

export function simulatedStepCaDialer(simulatorDataDir: string): {
  dial(ca: { vmid: number; baseDir: string }): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
} {
  const running = new Map<number, Promise<SimStepCa>>();
  return {
    async dial({ vmid, baseDir }) {
      let started = running.get(vmid);
      if (!started) {
        // Loaded on first use: the simulated CA (and its X.509 code) has no place in the
        // memory of a daemon or CLI run that manages a real step-ca.
        started = import('../sim/stepca/index.ts').then(({ startSimStepCa }) =>
          startSimStepCa({
            fsRoot: join(simulatorDataDir, 'guests', String(vmid), 'root'),
            configPath: `${baseDir}/config/ca.json`,
            passwordFile: `${baseDir}/secrets/password`,
            host: '127.0.0.1',
            port: 0,
          }),
        );
        running.set(vmid, started);
        started.catch(() => running.delete(vmid));
      }
      return { host: '127.0.0.1', port: (await started).port };
    },
    async close() {
      for (const ca of running.values()) await ca.then((c) => c.stop()).catch(() => undefined);
    },
  };
}
