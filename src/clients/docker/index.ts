export {
  DockerApiError,
  DockerClient,
  isNotSwarmManager,
  type DockerCallStats,
  type DockerEndpoint,
} from './client.ts';
export { daemonJson, type DaemonJsonInput } from './daemon-json.ts';
export { loadDockerClientTls, type DockerClientTls } from './tls-files.ts';
