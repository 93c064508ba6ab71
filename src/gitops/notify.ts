/**
 * Outgoing notifications: a failed sync (failed or invalid run), new drift, newly degraded
 * health, a certificate past its renewal time. Sent as generic JSON or in the message shapes
 * of Slack and Discord (POST) and Matrix (PUT of an m.room.message with a transaction id).
 * Subscribes to the daemon's event bus; a target that fails is logged, never retried forever.
 */
import { randomUUID } from 'node:crypto';
import type { NotificationTarget } from '../config/index.ts';
import type { CertificateRecord } from '../state/index.ts';
import type { DaemonEvent, EventBus } from './event-bus.ts';
import type { DaemonSnapshot } from './reconciler.ts';

export type NotifyEvent = NotificationTarget['on'][number];

export interface Notification {
  event: NotifyEvent;
  message: string;
  revision?: string;
  addresses?: string[];
  at: string;
}

/** The request a target receives. */
export function renderNotification(
  target: Pick<NotificationTarget, 'format'>,
  url: string,
  n: Notification,
): { method: 'POST' | 'PUT'; url: string; body: unknown } {
  const text = `[phoenix] ${n.event}: ${n.message}${n.revision ? ` (revision ${n.revision.slice(0, 12)})` : ''}`;
  switch (target.format) {
    case 'slack':
      return { method: 'POST', url, body: { text } };
    case 'discord':
      return { method: 'POST', url, body: { content: text } };
    case 'matrix': {
      const [base, query] = url.split('?');
      const txn = `phoenix-${randomUUID()}`;
      return {
        method: 'PUT',
        url: `${(base ?? '').replace(/\/$/, '')}/${txn}${query ? `?${query}` : ''}`,
        body: { msgtype: 'm.text', body: text },
      };
    }
    default:
      return { method: 'POST', url, body: { source: 'phoenix', ...n } };
  }
}

export interface NotifierOptions {
  bus: EventBus;
  snapshot(): DaemonSnapshot;
  /** The targets in force, with their URLs resolved (they may be secret references). */
  targets(): Promise<{ target: NotificationTarget; url: string }[]>;
  certificatesDue(now: number): CertificateRecord[];
  log?(message: string, fields?: Record<string, unknown>): void;
  timeoutMs?: number;
}

export class Notifier {
  private drifted = new Set<string>();
  private degraded = new Set<string>();
  private readonly certsNotified = new Set<string>();
  private readonly unsubscribe: () => void;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly o: NotifierOptions) {
    this.unsubscribe = o.bus.subscribe((e) => this.onEvent(e));
  }

  close(): Promise<void> {
    this.unsubscribe();
    return this.chain;
  }

  /** Resolves when every notification queued so far has been sent (tests). */
  flushed(): Promise<void> {
    return this.chain;
  }

  private onEvent(e: DaemonEvent): void {
    const at = e.at;
    if (e.type === 'run.finished' && (e.data.outcome === 'failed' || e.data.outcome === 'invalid')) {
      this.queue({
        event: 'sync-failed',
        at,
        message: String(e.data.message ?? `run ${String(e.data.outcome)}`),
        revision: typeof e.data.revision === 'string' ? e.data.revision : undefined,
      });
    }
    if (e.type !== 'status') return;
    const snap = this.o.snapshot();
    const drifted = new Set(snap.rows.filter((r) => r.sync === 'drifted').map((r) => r.address));
    const degraded = new Set(snap.rows.filter((r) => r.health === 'degraded').map((r) => r.address));
    const newDrift = [...drifted].filter((a) => !this.drifted.has(a));
    const newDegraded = [...degraded].filter((a) => !this.degraded.has(a));
    this.drifted = drifted;
    this.degraded = degraded;
    if (newDrift.length > 0) {
      this.queue({
        event: 'drift',
        at,
        message: `drift on ${newDrift.join(', ')}`,
        addresses: newDrift,
        revision: snap.revision,
      });
    }
    if (newDegraded.length > 0) {
      this.queue({
        event: 'degraded',
        at,
        message: `degraded: ${newDegraded.join(', ')}`,
        addresses: newDegraded,
        revision: snap.revision,
      });
    }
    for (const cert of this.o.certificatesDue(Date.now())) {
      const key = `${cert.name}#${cert.serial}`;
      if (this.certsNotified.has(key)) continue;
      this.certsNotified.add(key);
      this.queue({
        event: 'certificate-renewal-due',
        at,
        message: `certificate ${cert.name} is past its renewal time (expires ${new Date(cert.notAfter).toISOString()})`,
        addresses: [cert.name],
      });
    }
  }

  private queue(n: Notification): void {
    this.chain = this.chain.then(() => this.send(n)).catch(() => undefined);
  }

  private async send(n: Notification): Promise<void> {
    const targets = await this.o.targets();
    for (const { target, url } of targets) {
      if (!target.on.includes(n.event)) continue;
      const request = renderNotification(target, url, n);
      try {
        const res = await fetch(request.url, {
          method: request.method,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request.body),
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        });
        if (!res.ok)
          this.o.log?.('notification refused', { event: n.event, status: res.status, format: target.format });
      } catch (error) {
        // The URL may hold a secret (a Slack hook, a Matrix token): log the format, not the URL.
        this.o.log?.('notification failed', { event: n.event, format: target.format, error: (error as Error).name });
      }
    }
  }
}
