/**
 * Public surface of the Traefik provider: its static and per-route dynamic files (as node.file
 * resources on the traefik guest) and the Swarm service labels the stacks provider applies.
 */
import type { AnyResourceHandler } from '../../engine/handler.ts';
import type { TargetRef, TargetShell } from '../node/index.ts';
import { binaryHandler } from './binary.ts';
import { deriveTraefikResources } from './derive.ts';

export { deriveTraefikResources, type TraefikDeriveOptions, type TraefikValidate } from './derive.ts';
export { swarmServiceLabels } from './labels.ts';
export { renderDynamic, renderStatic, toYaml } from './render.ts';
export { traefikSettings, DEFAULT_TRAEFIK_PATHS, type TraefikSettings, type TraefikPaths } from './settings.ts';

export { binaryHandler, BINARY_KIND, type BinaryDesired, type BinaryObserved } from './binary.ts';

export const traefikProvider = {
  name: 'traefik',
  derive: deriveTraefikResources,
  // Its files, packages and service are node-provider resources; the binary is its own.
  handlers: (shells: (target: TargetRef) => TargetShell): AnyResourceHandler[] => [binaryHandler(shells)],
};
