/**
 * The `gitops:` section: how `phoenix serve` keeps the environment equal to git. Read from the
 * revision being reconciled, so a policy change is itself a commit. Durations are seconds, or a
 * string with a unit (`30s`, `5m`, `1h`).
 */
import { z } from 'zod';
import { hinted, SecretRef } from './schema-common.ts';

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `90`, `"90s"`, `"5m"`, `"1h"` -> seconds; undefined when not a duration. */
export function parseDurationSeconds(value: number | string): number | undefined {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(value.trim());
  return m ? Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 1) : undefined;
}

export const DurationSeconds = z
  .union([z.number().positive(), z.string()])
  .refine((v) => parseDurationSeconds(v) !== undefined && (parseDurationSeconds(v) ?? 0) > 0, {
    message: hinted('must be a positive duration: seconds, or "30s", "5m", "1h"', 'e.g. pollInterval: 60 or "1m"'),
  })
  .transform((v) => parseDurationSeconds(v) ?? 0)
  .describe('a duration: seconds, or a string such as "30s", "5m", "1h"');

export const NotificationTarget = z.strictObject({
  url: z
    .union([z.url({ protocol: /^https?$/ }), SecretRef])
    .describe('where to POST (a URL, or a reference holding it)'),
  format: z.enum(['json', 'slack', 'discord', 'matrix']).default('json').describe('message shape'),
  on: z
    .array(z.enum(['sync-failed', 'drift', 'degraded', 'certificate-renewal-due']))
    .default(['sync-failed', 'drift', 'degraded', 'certificate-renewal-due'])
    .describe('events that send a message'),
});
export type NotificationTarget = z.infer<typeof NotificationTarget>;

export const Gitops = z.strictObject({
  pollInterval: DurationSeconds.default(60).describe('how often the git source is checked (default 60 s)'),
  autoSync: z.boolean().default(true).describe('apply new revisions (true) or hold their plans for approval (false)'),
  selfHeal: z
    .strictObject({
      enabled: z.boolean().default(true).describe('revert drift found between commits (false: report it only)'),
      interval: DurationSeconds.default(300).describe('re-plan this often without a new commit (default 5 min)'),
    })
    .prefault({})
    .describe('re-plan without a commit and revert out-of-band drift'),
  prune: z
    .enum(['auto', 'hold'])
    .default('hold')
    .describe('managed resources removed from git: delete them (auto) or hold the deletion for approval'),
  webhookSecret: SecretRef.optional().describe('shared secret of the git host webhook (HMAC key or token)'),
  history: z.strictObject({ keep: z.int().min(1).default(500).describe('runs kept in the history') }).prefault({}),
  notifications: z.array(NotificationTarget).default([]).describe('outgoing webhooks'),
});
export type Gitops = z.infer<typeof Gitops>;
