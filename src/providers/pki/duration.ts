/** Config durations (`720h`, `30d`, `90m`, `45s`) to milliseconds and to Go duration strings for ca.json. */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(value: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${JSON.stringify(value)}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Go's time.ParseDuration has no `d`: days become hours. */
export function goDuration(value: string): string {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${JSON.stringify(value)}`);
  return match[2] === 'd' ? `${Number(match[1]) * 24}h` : value;
}
