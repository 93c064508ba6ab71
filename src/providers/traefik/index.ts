/**
 * Public surface of the Traefik provider: its static and per-route dynamic files (as node.file
 * resources on the traefik guest) and the Swarm service labels the stacks provider applies.
 */
export { deriveTraefikResources, type TraefikDeriveOptions, type TraefikValidate } from './derive.ts';
export { swarmServiceLabels } from './labels.ts';
export { renderDynamic, renderStatic, toYaml } from './render.ts';
export { traefikSettings, DEFAULT_TRAEFIK_PATHS, type TraefikSettings, type TraefikPaths } from './settings.ts';

export { binaryHandler, BINARY_KIND, type BinaryDesired, type BinaryObserved } from './binary.ts';
