/**
 * References among the infrastructure sections: templates → storage/node, storage and
 * bridges → nodes, NFS exports → nodes, capacity of nodes against the guests placed on them.
 */
import { checkStorageRef, guestLabel, listNames, type CheckContext } from './context.ts';

export function checkInfrastructure(ctx: CheckContext): void {
  const { config } = ctx;
  const nodeHint = `declare it under cluster.nodes or use one of: ${listNames(ctx.nodeNames)}`;
  config.templates.forEach((template, ti) => {
    if (template.kind === 'lxc') {
      checkStorageRef(ctx, ['templates', ti, 'storage'], template.storage, 'vztmpl');
      if (template.source === 'url' && !template.url) {
        ctx.report(
          ['templates', ti],
          'E_MISSING_FIELD',
          `template "${template.name}" has source: url but no url`,
          'add "url: https://..." or use source: aplinfo',
        );
      }
      return;
    }
    if (!ctx.nodeNames.has(template.node)) {
      ctx.report(
        ['templates', ti, 'node'],
        'E_UNKNOWN_NODE',
        `node "${template.node}" is not in cluster.nodes`,
        nodeHint,
      );
    }
    checkStorageRef(ctx, ['templates', ti, 'storage'], template.storage, 'images', template.node);
  });
  config.storage.forEach((storage, si) =>
    storage.nodes?.forEach((node, ni) => {
      if (!ctx.nodeNames.has(node))
        ctx.report(['storage', si, 'nodes', ni], 'E_UNKNOWN_NODE', `node "${node}" is not in cluster.nodes`, nodeHint);
    }),
  );
  config.network.bridges.forEach((bridge, bi) => {
    if (bridge.node !== undefined && !ctx.nodeNames.has(bridge.node)) {
      ctx.report(
        ['network', 'bridges', bi, 'node'],
        'E_UNKNOWN_NODE',
        `node "${bridge.node}" is not in cluster.nodes`,
        nodeHint,
      );
    }
  });
  config.nfs.exports.forEach((exp, ei) => {
    if (exp.node !== undefined && !ctx.nodeNames.has(exp.node)) {
      ctx.report(
        ['nfs', 'exports', ei, 'node'],
        'E_UNKNOWN_NODE',
        `node "${exp.node}" is not in cluster.nodes`,
        nodeHint,
      );
    }
  });
  checkCapacity(ctx);
}

/** Sum of memory and cores of the guests on each node vs the node's declared capacity. */
function checkCapacity(ctx: CheckContext): void {
  ctx.config.cluster.nodes.forEach((node, ni) => {
    const placed = ctx.config.guests.filter((g) => g.node === node.name && !g.isTemplate);
    const top = (key: 'memory' | 'cores'): string =>
      [...placed]
        .sort((a, b) => b[key] - a[key])
        .slice(0, 3)
        .map((g) => `${guestLabel(g)} ${g[key]}`)
        .join(', ');
    const memory = placed.reduce((sum, g) => sum + g.memory, 0);
    if (node.memory !== undefined && memory > node.memory) {
      ctx.report(
        ['cluster', 'nodes', ni, 'memory'],
        'E_CAPACITY',
        `guests on node "${node.name}" need ${memory} MiB of memory, the node has ${node.memory} MiB`,
        `lower guest memory or move guests to another node (largest: ${top('memory')})`,
      );
    }
    const cores = placed.reduce((sum, g) => sum + g.cores, 0);
    if (node.cores !== undefined && cores > node.cores) {
      ctx.report(
        ['cluster', 'nodes', ni, 'cores'],
        'E_CAPACITY',
        `guests on node "${node.name}" need ${cores} cores, the node has ${node.cores}`,
        `lower guest cores or move guests to another node (largest: ${top('cores')})`,
      );
    }
  });
}
