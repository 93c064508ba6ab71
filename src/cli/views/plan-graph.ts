/**
 * `phoenix graph`: the plan's dependency graph as a Mermaid flowchart, each node labelled with
 * its address and planned action symbol. Unchanged resources are kept so the whole topology shows.
 */
import { buildApplyGraph } from '../../engine/graph/build.ts';
import { toMermaid } from '../../engine/graph/mermaid.ts';
import type { Action, Plan } from '../../engine/plan/types.ts';

const SYMBOLS: Record<Action, string> = {
  create: '+',
  update: '~',
  'update-restart': '~',
  replace: '-/+',
  delete: '-',
  noop: '=',
  read: '?',
};

export function renderPlanGraph(plan: Pick<Plan, 'changes'>): string {
  const { graph } = buildApplyGraph({ changes: plan.changes, keepNoops: true });
  const actions = new Map(plan.changes.map((c) => [c.address, c.action]));
  return toMermaid(graph, (address) => {
    const action = actions.get(address);
    return action ? `${SYMBOLS[action]} ${address}` : address;
  });
}
