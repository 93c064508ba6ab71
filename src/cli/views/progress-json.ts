/**
 * Progress as JSON lines (one object per event) for programs: `apply --json` and log shippers.
 * Every line has `type` and `ts` (ISO time); errors are reduced to their one-line message, so
 * nothing but what the handlers chose to say (never secrets) reaches the stream.
 */
import {
  NoopHook,
  type ApplyEvent,
  type EngineDiagnosticEvent,
  type ObserveEvent,
  type PostApplyEvent,
  type PostObserveEvent,
  type ProgressEvent,
} from '../../engine/hook.ts';
import { errorText } from './progress-text.ts';

export class JsonProgressHook extends NoopHook {
  constructor(
    private readonly write: (line: string) => void,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
  }

  private emit(type: string, fields: Record<string, unknown>): void {
    this.write(`${JSON.stringify({ type, ts: this.clock().toISOString(), ...fields })}\n`);
  }

  override preObserve(event: ObserveEvent): void {
    this.emit('observe.start', { ...event });
  }

  override postObserve(event: PostObserveEvent): void {
    const { error, ...rest } = event;
    this.emit('observe.end', { ...rest, ...(error === undefined ? {} : { error: errorText(error) }) });
  }

  override preApply(event: ApplyEvent): void {
    this.emit('apply.start', { ...event });
  }

  override postApply(event: PostApplyEvent): void {
    const { error, ...rest } = event;
    this.emit('apply.end', {
      ...rest,
      durationMs: Math.round(event.durationMs),
      ...(error === undefined ? {} : { error: errorText(error) }),
    });
  }

  override progress(event: ProgressEvent): void {
    this.emit('progress', { ...event });
  }

  override diagnostic(event: EngineDiagnosticEvent): void {
    this.emit('diagnostic', { ...event });
  }
}
