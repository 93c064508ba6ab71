/**
 * The provider registry: the one explicit list of provider modules (`PROVIDERS`) every command
 * iterates, and — kept for existing callers — every resource handler Phoenix ships built from
 * the clients they need. The engine only sees the resulting `HandlerRegistry` (it never imports
 * a provider). Adding a provider = its folder with a `provider.ts` + one line in `PROVIDERS`
 * (registry.test.ts checks the list against the folders).
 */
import type { ProxmoxClient } from '../clients/proxmox/index.ts';
import { handlerRegistry, type AnyResourceHandler } from '../engine/handler.ts';
import { hostHandlers, type SecretSink, type SelfAccess } from './pve-host/index.ts';
import { createFileHandler } from './proxmox/file-handler.ts';
import { createGuestHandler } from './proxmox/guest-handler.ts';
import type { Provider } from './provider.ts';
import { proxmoxProvider } from './proxmox/provider.ts';
import { pveHostProvider } from './pve-host/provider.ts';
import { nodeProvider } from './node/provider.ts';
import { pkiProvider } from './pki/provider.ts';
import { gatewayProvider } from './gateway/provider.ts';
import { traefikProvider } from './traefik/provider.ts';
import { swarmProvider } from './swarm/provider.ts';
import { stacksProvider } from './stacks/provider.ts';
import { portainerProvider } from './portainer/provider.ts';

/** Every provider Phoenix ships, one line each. Order is the order of status groups. */
export const PROVIDERS: readonly Provider[] = [
  proxmoxProvider,
  pveHostProvider,
  nodeProvider,
  pkiProvider,
  gatewayProvider,
  traefikProvider,
  swarmProvider,
  stacksProvider,
  portainerProvider,
];

export interface ProviderDeps {
  proxmox: ProxmoxClient;
  resolveSecret: (ref: string) => Promise<string>;
  /** Bound of one PVE task or lock wait (ms). */
  taskTimeoutMs?: number;
  observeConcurrency?: number;
  /** Untagged guests that are Phoenix's: adopted with `phoenix import`, or mid-create by an interrupted apply. */
  isAdopted?: (vmid: number, observed: { lock?: string }) => boolean;
  /** Receives API token secrets created by the host provider (default: refuses). */
  secretSink?: SecretSink;
  /** Phoenix's own token and roles: observed, never changed. */
  self?: SelfAccess;
  /** This environment's identity, carried in every ownership marker. */
  environment?: string;
}

export function providerHandlers(deps: ProviderDeps): AnyResourceHandler[] {
  return [
    createFileHandler({ client: deps.proxmox, taskTimeoutMs: deps.taskTimeoutMs }),
    createGuestHandler({
      client: deps.proxmox,
      resolveSecret: deps.resolveSecret,
      taskTimeoutMs: deps.taskTimeoutMs,
      observeConcurrency: deps.observeConcurrency,
      isAdopted: deps.isAdopted,
      environment: deps.environment,
    }),
    ...hostHandlers({
      client: deps.proxmox,
      secretSink: deps.secretSink,
      taskTimeoutMs: deps.taskTimeoutMs,
      self: deps.self,
      environment: deps.environment,
    }),
  ];
}

export function createProviderRegistry(deps: ProviderDeps): ReturnType<typeof handlerRegistry> {
  return handlerRegistry(providerHandlers(deps));
}
