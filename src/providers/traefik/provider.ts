/**
 * The Traefik provider module: Traefik's static and per-route dynamic files (node.file
 * resources on the traefik guest) and its binary, installed from a declared, checksum-verified
 * source (`traefik.binary`). Applied only where the gateway's routes are (see gateway/provider.ts,
 * which says once why they are not).
 */
import { untilGuestExists } from '../node/guest-presence.ts';
import { defineProvider } from '../provider.ts';
import { BINARY_KIND, binaryHandler } from './binary.ts';
import { deriveTraefikResources } from './derive.ts';

export const traefikProvider = defineProvider({
  name: 'traefik',
  sections: ['platform.traefik'],
  kinds: [BINARY_KIND],
  derive({ config, nodeShell }) {
    const derived = deriveTraefikResources(config);
    if (config.routes.length === 0 || !nodeShell) {
      return { resources: [], diagnostics: derived.diagnostics.filter((d) => d.severity === 'error') };
    }
    return { resources: derived.resources, diagnostics: derived.diagnostics };
  },
  handlers: (rt) =>
    rt.shells
      ? // Planned as created while the traefik guest does not exist yet (a fresh environment).
        [untilGuestExists(binaryHandler(rt.shells), rt.shells)]
      : [
          binaryHandler(() => {
            throw new Error('the guests cannot be reached: no SSH access');
          }),
        ],
});
