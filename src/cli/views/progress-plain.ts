/**
 * Progress as plain log lines, for pipes, CI and files (no cursor movement, no colour).
 * Each line starts with the time since apply began, e.g. `[  3.2s] guest.101: creating`.
 */
import {
  NoopHook,
  type ApplyEvent,
  type EngineDiagnosticEvent,
  type PostApplyEvent,
  type ProgressEvent,
} from '../../engine/hook.ts';
import { finishedText, verbOf } from './progress-text.ts';

export class PlainProgressHook extends NoopHook {
  private readonly started: number;

  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
    this.started = now();
  }

  private line(text: string): void {
    const elapsed = ((this.now() - this.started) / 1000).toFixed(1).padStart(5);
    this.write(`[${elapsed}s] ${text}\n`);
  }

  override preApply(event: ApplyEvent): void {
    this.line(`${event.address}: ${verbOf(event.action)}`);
  }

  override progress(event: ProgressEvent): void {
    this.line(`${event.address}: ${event.message}`);
  }

  override postApply(event: PostApplyEvent): void {
    this.line(finishedText(event));
  }

  override diagnostic(event: EngineDiagnosticEvent): void {
    this.line(`${event.severity}: ${event.address ? `${event.address}: ` : ''}${event.message}`);
  }
}
