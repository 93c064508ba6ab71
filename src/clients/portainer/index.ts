export {
  AGENT_ON_DOCKER,
  PortainerApiError,
  PortainerClient,
  type AgentEnvironmentInput,
  type PortainerApiKey,
  type PortainerCallStats,
  type PortainerEndpoint,
  type PortainerEnvironment,
  type PortainerStatus,
} from './client.ts';
export { directDial, type Dial } from '../dial/dialer.ts';
