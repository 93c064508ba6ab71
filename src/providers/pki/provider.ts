/**
 * The pki provider module: the step-ca in the guest whose role is `step-ca`, set up from
 * material Phoenix generates, and every certificate (declared, and the ones the topology
 * needs) issued through it and written into its guest. Works through the guests' shells; the
 * CA is dialled directly, or through `dialStepCa` where it is not routable from here.
 */
import { defineProvider } from '../provider.ts';
import { CERTIFICATE_KIND } from './certificate-handler.ts';
import { derivePki, pkiHandlers, STEP_CA_KIND, TRUST_KIND } from './index.ts';
import type { StepCaDesired } from './step-ca-handler.ts';

export const pkiProvider = defineProvider({
  name: 'pki',
  sections: ['certificates', 'platform.stepCa'],
  kinds: [STEP_CA_KIND, CERTIFICATE_KIND, TRUST_KIND],
  keptOnDestroy: {
    // Its handler's delete keeps everything: the CA's keys are the trust of every certificate.
    [STEP_CA_KIND]:
      'the CA is never torn down by Phoenix (its keys are the trust of every certificate); its files go only with its guest',
    [TRUST_KIND]: 'the internal root is left in the trust stores (services may still use certificates of the CA)',
  },
  derive({ config, nodeShell }) {
    const derived = derivePki(config);
    const errors = derived.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || derived.resources.length === 0 || nodeShell) return derived;
    return {
      resources: [],
      diagnostics: [
        ...derived.diagnostics,
        {
          severity: 'warning',
          code: 'W_PKI_NO_SSH',
          message: 'the CA and certificates are not managed: no SSH access to the nodes',
          hint: 'set proxmox.ssh',
        },
      ],
    };
  },
  handlers(rt) {
    const ca = derivePki(rt.config).resources.find((r) => r.kind === STEP_CA_KIND)?.desired as
      StepCaDesired | undefined;
    const dialStepCa = rt.dialStepCa;
    return pkiHandlers(
      {
        shells:
          rt.shells ??
          (() => {
            throw new Error('the guests cannot be reached: no SSH access');
          }),
        resolveSecret: rt.resolveSecret,
        localDir: rt.configDir,
        ...(dialStepCa
          ? {
              dial: (d: StepCaDesired) =>
                dialStepCa({ vmid: d.target.kind === 'node' ? 0 : d.target.vmid, baseDir: d.baseDir }),
            }
          : {}),
        ...(rt.dialer && !dialStepCa ? { dialer: (d: StepCaDesired) => rt.dialer?.(d.target.node) } : {}),
      },
      ca,
    );
  },
});
