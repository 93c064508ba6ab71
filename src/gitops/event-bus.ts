/**
 * In-process publish/subscribe for what the daemon does (runs, status, holds, apply progress):
 * the SSE stream and the notifier subscribe. Events carry no secrets (the engine redacts
 * sensitive attributes before anything reaches a plan, and errors are reduced to messages).
 */
export interface DaemonEvent {
  /** Monotonic id (SSE `id:`), set by the bus. */
  id: number;
  at: string;
  type:
    | 'run.started'
    | 'run.finished'
    | 'status'
    | 'hold.created'
    | 'hold.decided'
    | 'resource.applying'
    | 'resource.applied'
    | 'revision.invalid'
    | 'log';
  data: Record<string, unknown>;
}

export type Listener = (event: DaemonEvent) => void;

export class EventBus {
  private next = 1;
  private readonly listeners = new Set<Listener>();
  /** The last events, replayed to a client reconnecting with `Last-Event-ID`. */
  readonly recent: DaemonEvent[] = [];

  publish(type: DaemonEvent['type'], data: Record<string, unknown>): DaemonEvent {
    const event: DaemonEvent = { id: this.next++, at: new Date().toISOString(), type, data };
    this.recent.push(event);
    if (this.recent.length > 200) this.recent.shift();
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the reconciler.
      }
    }
    return event;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
