// Types of format.js (the dashboard is plain JS without a build step) for its unit test.
export interface AttributeChangeView {
  path: string;
  before?: unknown;
  after?: unknown;
  sensitive?: boolean;
}
export function mib(n: number): string;
export function formatAttributeValue(kind: string | undefined, path: string, value: unknown): string;
export function formatAttributeChange(kind: string | undefined, change: AttributeChangeView): string;
