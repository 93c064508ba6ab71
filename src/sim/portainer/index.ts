export { startSimPortainer, type SimEnvironment, type SimPortainer, type SimPortainerOptions } from './server.ts';
export { loadPortainerSpec, type CheckedRequest, type PortainerSpec } from './openapi.ts';
export { PORTAINER_API } from './generated/portainer-api.ts';
