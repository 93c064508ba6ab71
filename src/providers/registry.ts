/**
 * The provider registry: every resource handler Phoenix ships, built from the clients they
 * need. The engine only sees the resulting `HandlerRegistry` (it never imports a provider).
 */
import type { ProxmoxClient } from '../clients/proxmox/index.ts';
import { handlerRegistry, type AnyResourceHandler } from '../engine/handler.ts';
import { hostHandlers, type SecretSink, type SelfAccess } from './pve-host/index.ts';
import { createFileHandler } from './proxmox/file-handler.ts';
import { createGuestHandler } from './proxmox/guest-handler.ts';

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
