/**
 * The Portainer stack Phoenix deploys on the Swarm (namespace `portainer`): the server on the
 * manager, its administrator password read from a Docker secret (`--admin-password-file`), its
 * HTTPS certificate the one step-ca issued for the portainer-server guest; and the agent as a
 * global service, serving TLS with each node's step-ca certificate (`--sslcert`/`--sslkey`), so
 * Portainer verifies it against the internal root instead of skipping verification.
 * The definition is a compose document, validated against the official compose schema and
 * converted to Swarm objects with `docker stack deploy`'s labels by the stacks provider's code.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { stableStringify } from '../../engine/plan/digest.ts';
import { loadCompose } from '../stacks/compose.ts';
import { convertCompose, type ConvertedStack, type ConvertProblem } from '../stacks/convert.ts';
import posixPath from 'node:path/posix';
import { AGENT_PORT, NODE_TLS_DIR, PORTAINER_NAMESPACE, SERVER_TLS_DIR, type PortainerSettings } from './settings.ts';

/** Compose-level name of the administrator password secret. */
export const ADMIN_SECRET = 'admin_password';

export interface PortainerStack {
  namespace: string;
  /** The compose document (YAML), as validated. */
  compose: string;
  converted: ConvertedStack;
  /** Over everything deployed except the password (its version is in the secret's name). */
  digest: string;
}

export class PortainerStackError extends Error {}

/** The versioned Docker secret name for a password version (`portainer_admin_password_<v>`). */
export function adminSecretName(version: string): string {
  return `${PORTAINER_NAMESPACE}_${ADMIN_SECRET}_${version}`;
}

function base(path: string | undefined, fallback = ''): string {
  return path ? posixPath.basename(path) : fallback;
}

export function composeDocument(s: PortainerSettings): Record<string, unknown> {
  const image = s.edition === 'be' ? 'portainer/portainer-ee' : 'portainer/portainer-ce';
  return {
    services: {
      agent: {
        image: `portainer/agent:${s.version}`,
        // Every node's Docker certificate has the same file names (the PKI layout).
        command: `--sslcert /certs/${base(s.agentCertificates[0]?.cert, 'server-cert.pem')} --sslkey /certs/${base(s.agentCertificates[0]?.key, 'server-key.pem')}`,
        environment: { AGENT_CLUSTER_ADDR: 'tasks.agent' },
        volumes: [
          '/var/run/docker.sock:/var/run/docker.sock',
          '/var/lib/docker/volumes:/var/lib/docker/volumes',
          `${NODE_TLS_DIR}:/certs:ro`,
        ],
        ports: [{ target: AGENT_PORT, published: AGENT_PORT, protocol: 'tcp', mode: 'host' }],
        networks: ['agent_network'],
        deploy: { mode: 'global', placement: { constraints: ['node.platform.os == linux'] } },
      },
      portainer: {
        image: `${image}:${s.version}`,
        command:
          `--admin-password-file /run/secrets/${ADMIN_SECRET} ` +
          `--sslcert /certs/${base(s.serverCertificate.cert)} --sslkey /certs/${base(s.serverCertificate.key)}`,
        ports: [{ target: 9443, published: s.port, protocol: 'tcp', mode: 'host' }],
        volumes: ['portainer_data:/data', `${SERVER_TLS_DIR}:/certs:ro`],
        secrets: [ADMIN_SECRET],
        networks: ['agent_network'],
        deploy: {
          mode: 'replicated',
          replicas: 1,
          placement: { constraints: ['node.role == manager', `node.hostname == ${s.server.name}`] },
        },
      },
    },
    networks: { agent_network: { driver: 'overlay', attachable: true } },
    volumes: { portainer_data: {} },
    // Created by Phoenix (one name per password version): never a file on disk.
    secrets: { [ADMIN_SECRET]: { external: true, name: `${PORTAINER_NAMESPACE}_${ADMIN_SECRET}` } },
  };
}

/** Renders, validates (compose schema) and converts the stack; problems are thrown with their paths. */
export function portainerStack(s: PortainerSettings, options: { composeSchemaPath?: string } = {}): PortainerStack {
  const compose = stringify(composeDocument(s));
  const doc = loadCompose(
    'portainer.compose.yaml',
    {},
    {
      text: compose,
      ...(options.composeSchemaPath ? { schemaPath: options.composeSchemaPath } : {}),
    },
  );
  const problems: ConvertProblem[] = [];
  const converted = convertCompose(doc, { namespace: PORTAINER_NAMESPACE, replicas: {} }, problems);
  if (problems.length > 0)
    throw new PortainerStackError(problems.map((p) => `portainer stack ${p.path}: ${p.message}`).join('\n'));
  const digest = createHash('sha256').update(stableStringify(converted)).digest('hex').slice(0, 16);
  return { namespace: PORTAINER_NAMESPACE, compose, converted, digest };
}
