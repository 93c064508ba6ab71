export { startSimPortainer, type SimEnvironment, type SimPortainer, type SimPortainerOptions } from './server.ts';
export { DEFAULT_PORTAINER_SPEC, loadPortainerSpec, type CheckedRequest, type PortainerSpec } from './openapi.ts';
