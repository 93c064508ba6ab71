/**
 * Status rows per stack environment and service: running/desired replicas, image, last
 * update, and whether it is as declared (`in sync`), changed by hand (`drifted`), not yet
 * deployed or outdated (`pending`), or missing. Two reads for all stacks (services, tasks).
 */
import type { DockerClient } from '../../clients/docker/client.ts';
import { isNotSwarmManager } from '../../clients/docker/client.ts';
import { DIGEST_LABEL, MANAGED_LABEL, NAMESPACE_LABEL } from './convert.ts';
import type { StackDesired } from './derive.ts';
import { serviceFacts } from './drift.ts';

export interface StackServiceStatus {
  stack: string;
  environment: string;
  service: string;
  running: number;
  desired: number | 'global';
  image: string;
  updatedAt?: string;
  state: 'in sync' | 'drifted' | 'pending' | 'missing';
  reasons: string[];
}

export async function stackStatus(
  docker: DockerClient,
  desired: readonly StackDesired[],
): Promise<StackServiceStatus[]> {
  let services: Awaited<ReturnType<DockerClient['listServices']>> = [];
  let tasks: Awaited<ReturnType<DockerClient['listTasks']>> = [];
  try {
    services = await docker.listServices({ label: [`${MANAGED_LABEL}=true`] });
    tasks = await docker.listTasks({ 'desired-state': ['running'] });
  } catch (error) {
    if (!isNotSwarmManager(error)) throw error;
  }
  const rows: StackServiceStatus[] = [];
  for (const d of desired) {
    for (const spec of d.converted.services) {
      const want = serviceFacts(spec);
      const svc = services.find((s) => s.Spec.Name === spec.Name && s.Spec.Labels?.[NAMESPACE_LABEL] === d.namespace);
      const base = {
        stack: d.stack,
        environment: d.environment,
        service: spec.Name,
        desired: want.replicas,
        image: want.image,
      };
      if (!svc) {
        rows.push({ ...base, running: 0, state: 'missing', reasons: ['not deployed'] });
        continue;
      }
      const seen = serviceFacts(svc.Spec);
      const reasons: string[] = [];
      if (seen.replicas !== want.replicas) reasons.push(`replicas ${seen.replicas}, declared ${want.replicas}`);
      if (seen.image !== want.image) reasons.push(`image ${seen.image}, declared ${want.image}`);
      if (JSON.stringify(seen.env) !== JSON.stringify(want.env)) reasons.push('environment differs');
      if (JSON.stringify(seen.args) !== JSON.stringify(want.args)) reasons.push('command differs');
      const outdated = svc.Spec.Labels?.[DIGEST_LABEL] !== d.digest;
      rows.push({
        ...base,
        desired: seen.replicas,
        image: seen.image,
        running: tasks.filter((t) => t.ServiceID === svc.ID && t.Status.State === 'running').length,
        updatedAt: svc.UpdatedAt,
        // A label that still matches with differing facts is a hand-made change.
        state: reasons.length > 0 && !outdated ? 'drifted' : outdated ? 'pending' : 'in sync',
        reasons: outdated && reasons.length === 0 ? ['the config changed since the last deploy'] : reasons,
      });
    }
  }
  return rows;
}
