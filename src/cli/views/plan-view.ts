import type { Plan } from '../../engine/plan/types.ts';
import { renderPlanHuman } from './plan-human.ts';
import { renderPlanJson } from './plan-json.ts';

export type PlanViewType = 'human' | 'json';

/** One interface for every plan rendering; commands pick one by `--json` and never print plans themselves. */
export interface PlanView {
  render(plan: Plan): string;
}

export function planView(type: PlanViewType, options: { color: boolean } = { color: false }): PlanView {
  if (type === 'json') return { render: renderPlanJson };
  return { render: (plan) => renderPlanHuman(plan, options) };
}
