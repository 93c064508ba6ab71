/**
 * What a deployed stack looks like to Phoenix (stable facts only: no task counts, so plan
 * digests do not move) and how it differs from the desired one when someone changed it by hand.
 */
import type { ServiceSpec } from '../../clients/docker/client.ts';
import type { StackDesired } from './derive.ts';

export interface StackServiceObserved {
  replicas: number | 'global';
  image: string;
  env: string[];
  args: string[];
  updatedAt?: string;
}

export interface StackObserved {
  namespace: string;
  digest: string | null;
  services: Record<string, StackServiceObserved>;
}

export function serviceFacts(spec: ServiceSpec): Omit<StackServiceObserved, 'updatedAt'> {
  const c = spec.TaskTemplate?.ContainerSpec ?? {};
  return {
    replicas: spec.Mode?.Global !== undefined ? 'global' : Number(spec.Mode?.Replicated?.Replicas ?? 1),
    // Swarm may pin a resolved digest onto the image; compare the name the user wrote.
    image: String(c.Image ?? '').replace(/@sha256:[0-9a-f]+$/, ''),
    env: [...((c.Env as string[] | undefined) ?? [])].sort(),
    args: (c.Args as string[] | undefined) ?? [],
  };
}

/** Sentences naming each hand-made change; empty when the stack is as declared. */
export function driftReasons(d: StackDesired, o: StackObserved): string[] {
  const reasons: string[] = [];
  for (const spec of d.converted.services) {
    const name = spec.Name.slice(d.namespace.length + 1);
    const seen = o.services[name];
    if (!seen) {
      reasons.push(`service ${spec.Name} is missing`);
      continue;
    }
    const want = serviceFacts(spec);
    if (want.replicas !== seen.replicas)
      reasons.push(
        `service ${spec.Name}: ${seen.replicas} replicas, desired ${want.replicas} (changed outside Phoenix)`,
      );
    if (want.image !== seen.image)
      reasons.push(`service ${spec.Name}: image ${seen.image}, desired ${want.image} (changed outside Phoenix)`);
    if (JSON.stringify(want.env) !== JSON.stringify(seen.env))
      reasons.push(`service ${spec.Name}: environment changed outside Phoenix`);
    if (JSON.stringify(want.args) !== JSON.stringify(seen.args))
      reasons.push(`service ${spec.Name}: command changed outside Phoenix`);
  }
  for (const name of Object.keys(o.services)) {
    if (!d.converted.services.some((s) => s.Name === `${d.namespace}_${name}`))
      reasons.push(`service ${d.namespace}_${name} is not in the compose file`);
  }
  return reasons;
}
