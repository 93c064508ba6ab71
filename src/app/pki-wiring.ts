/**
 * The dialer for the built-in simulator's CA: the simulated guest 103 runs a step-ca that
 * behaves like the real one on the wire, started in-process from the files Phoenix wrote into
 * that guest and answered on a loopback port (nothing is ever sent to a guest's private address).
 * A CA that cannot start from those files (a wrong password, a missing key) answers nothing,
 * like a crashed step-ca: the dial is refused and names the CA's guest.
 */
import { join } from 'node:path';
import { PhoenixError } from '../errors.ts';
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
      try {
        return { host: '127.0.0.1', port: (await started).port };
      } catch (error) {
        throw new PhoenixError(`connection refused: step-ca in CT ${vmid} is not running`, {
          code: 'E_DIAL',
          cause: error,
          hint: `step-ca in CT ${vmid} cannot start from its files in ${baseDir}: check \`journalctl -u step-ca\` there`,
        });
      }
    },
    async close() {
      for (const ca of running.values()) await ca.then((c) => c.stop()).catch(() => undefined);
    },
  };
}
