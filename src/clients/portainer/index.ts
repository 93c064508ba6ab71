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
export { directTcp, type Dial } from './dial.ts';
