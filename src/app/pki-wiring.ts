/**
 * Wires the pki provider into an environment (until the Provider registry takes it over): its
 * resources (the CA, then every certificate) and handlers, when Phoenix has shells on the
 * guests. The dialer for the CA: with the built-in simulator, the simulated CA 103 runs
 * in-process from the files Phoenix wrote into the simulated guest and is reached on a
 * loopback port; otherwise the CA's URL is dialled directly (routable guest network).
 */
import { join } from 'node:path';
import type { AnyResourceHandler, Resource } from '../engine/handler.ts';
import { ConfigError, type Diagnostic } from '../errors.ts';
import type { ShellResolver } from '../providers/node/index.ts';
import { derivePki, pkiHandlers, STEP_CA_KIND, type PkiConfigSource } from '../providers/pki/index.ts';
import type { StepCaDesired } from '../providers/pki/step-ca-handler.ts';
import { startSimStepCa, type SimStepCa } from '../sim/stepca/index.ts';

export interface PkiWiring {
  resources: Resource[];
  handlers: AnyResourceHandler[];
  warnings: Diagnostic[];
  close(): Promise<void>;
}

export function wirePki(input: {
  config: PkiConfigSource;
  shells?: ShellResolver;
  resolveSecret: (ref: string) => Promise<string>;
  /** The built-in simulator's machine trees (`guests/<vmid>/root`). */
  simulatorDataDir?: string;
}): PkiWiring {
  const derived = derivePki(input.config);
  const errors = derived.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors);
  const warnings = derived.diagnostics.filter((d) => d.severity !== 'error');
  if (derived.resources.length === 0 || !input.shells) {
    const none =
      derived.resources.length === 0
        ? []
        : [
            {
              severity: 'warning' as const,
              code: 'W_PKI_NO_SSH',
              message: 'the CA and certificates are not managed: no SSH access to the nodes',
            },
          ];
    return { resources: [], handlers: [], warnings: [...warnings, ...none], close: async () => undefined };
  }
  const ca = derived.resources.find((r) => r.kind === STEP_CA_KIND)?.desired as StepCaDesired | undefined;
  const running = new Map<number, Promise<SimStepCa>>();
  const dataDir = input.simulatorDataDir;
  const dial = dataDir
    ? async (desired: StepCaDesired): Promise<{ host: string; port: number }> => {
        const vmid = desired.target.kind === 'node' ? 0 : desired.target.vmid;
        let started = running.get(vmid);
        if (!started) {
          started = startSimStepCa({
            fsRoot: join(dataDir, 'guests', String(vmid), 'root'),
            configPath: `${desired.baseDir}/config/ca.json`,
            passwordFile: `${desired.baseDir}/secrets/password`,
            host: '127.0.0.1',
            port: 0,
          });
          running.set(vmid, started);
          started.catch(() => running.delete(vmid));
        }
        return { host: '127.0.0.1', port: (await started).port };
      }
    : undefined;
  return {
    resources: derived.resources,
    handlers: pkiHandlers({ shells: input.shells, resolveSecret: input.resolveSecret, ...(dial ? { dial } : {}) }, ca),
    warnings,
    async close() {
      for (const ca of running.values()) await ca.then((c) => c.stop()).catch(() => undefined);
    },
  };
}
