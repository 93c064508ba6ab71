/**
 * The traefik provider module: Traefik's static config and per-route dynamic files
 * (`traefik.config`, checked against the official schemas at plan time and again right before
 * they are written) and its binary, installed from a declared, checksum-verified source
 * (`traefik.binary`), with its systemd unit (`traefik.unit`). Applied only where the gateway's
 * routes are (see gateway/provider.ts, which says once why they are not).
 */
import type { ResourceHandler } from '../../engine/handler.ts';
import { untilGuestExists } from '../node/guest-presence.ts';
import type { TargetRef, TargetShell } from '../node/index.ts';
import { defineProvider } from '../provider.ts';
import { BINARY_KIND, binaryHandler } from './binary.ts';
import { CONFIG_KIND, traefikConfigHandler } from './config-handler.ts';
import { deriveTraefikResources } from './derive.ts';
import { traefikValidators } from './schema/validate.ts';
import { UNIT_KIND, unitHandler } from './unit-handler.ts';

export const traefikProvider = defineProvider({
  name: 'traefik',
  sections: ['platform.traefik'],
  kinds: [BINARY_KIND, CONFIG_KIND, UNIT_KIND],
  derive({ config, nodeShell, locate }) {
    // Compiled on first use (only when there are Traefik files to check).
    const validate = {
      static: (d: unknown) => traefikValidators().static(d),
      dynamic: (d: unknown) => traefikValidators().dynamic(d),
    };
    const derived = deriveTraefikResources(config, { validate, ...(locate ? { locate } : {}) });
    if (config.routes.length === 0 || !nodeShell) {
      return { resources: [], diagnostics: derived.diagnostics.filter((d) => d.severity === 'error') };
    }
    return { resources: derived.resources, diagnostics: derived.diagnostics };
  },
  handlers: (rt) => {
    const shells: (target: TargetRef) => TargetShell =
      rt.shells ??
      (() => {
        throw new Error('the guests cannot be reached: no SSH access');
      });
    // Planned as created while the traefik guest does not exist yet (a fresh environment).
    const wrap = <D extends { target: TargetRef }, O>(h: ResourceHandler<D, O>): ResourceHandler<D, O> =>
      rt.shells ? untilGuestExists(h, rt.shells) : h;
    return [
      wrap(binaryHandler(shells)),
      wrap(traefikConfigHandler({ shells, validators: traefikValidators })),
      wrap(unitHandler(shells)),
    ];
  },
});
