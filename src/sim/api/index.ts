/**
 * All route handlers of the cluster model, one module per area (spec Appendix A).
 */
import type { SimRoute } from '../contract.ts';
import type { SimContext } from '../state/context.ts';
import { clusterInfoRoutes } from './cluster-info-routes.ts';
import { clusterRoutes } from './cluster-routes.ts';
import { haRoutes } from './ha-routes.ts';
import { migrateRoutes } from './migrate-routes.ts';
import { diskRoutes } from './disk-routes.ts';
import { extraReadRoutes } from './extra-read-routes.ts';
import { firewallRoutes } from './firewall-routes.ts';
import { lxcRoutes } from './lxc-routes.ts';
import { networkRoutes } from './network-routes.ts';
import { nodeInfoRoutes } from './node-info-routes.ts';
import { poolRoutes } from './pool-routes.ts';
import { qemuGuestRoutes } from './qemu-guest-routes.ts';
import { qemuRoutes } from './qemu-routes.ts';
import { storageRoutes } from './storage-routes.ts';
import { taskRoutes } from './task-routes.ts';
import { volumeRoutes } from './volume-routes.ts';

export { isEnvelope, withExtras, type SimEnvelope } from './envelope.ts';

export function allRoutes(ctx: SimContext): SimRoute[] {
  return [
    ...clusterRoutes(ctx),
    ...taskRoutes(ctx),
    ...storageRoutes(ctx),
    ...networkRoutes(ctx),
    ...lxcRoutes(ctx),
    ...qemuRoutes(ctx),
    ...qemuGuestRoutes(ctx),
    ...firewallRoutes(ctx),
    ...poolRoutes(ctx),
    ...diskRoutes(ctx),
    ...nodeInfoRoutes(ctx),
    ...clusterInfoRoutes(ctx),
    ...haRoutes(ctx),
    ...migrateRoutes(ctx),
    ...volumeRoutes(ctx),
    ...extraReadRoutes(ctx),
  ];
}
