/**
 * Live progress on a terminal: finished resources print one permanent line each; below them a
 * live block shows every running resource with a spinner, its elapsed time and latest message,
 * redrawn in place. Call `start()` before apply and `stop()` after (also on error) so the timer
 * ends and the live block is cleared.
 */
import { NoopHook, type ApplyEvent, type PostApplyEvent, type ProgressEvent } from '../../engine/hook.ts';
import { colors, type Colors } from './color.ts';
import { errorText, finishedText, seconds, verbOf } from './progress-text.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Running {
  event: ApplyEvent;
  started: number;
  message: string;
}

export interface TtyProgressOptions {
  color: boolean;
  /** Redraw interval (default 100 ms). */
  intervalMs?: number;
  now?: () => number;
  /** Terminal width for truncating lines (default: the stream's columns, else 100). */
  columns?: number;
}

export class TtyProgressHook extends NoopHook {
  private readonly running = new Map<string, Running>();
  private readonly c: Colors;
  private readonly now: () => number;
  private liveLines = 0;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly stream: { write(text: string): unknown; columns?: number },
    private readonly options: TtyProgressOptions,
  ) {
    super();
    this.c = colors(options.color);
    this.now = options.now ?? (() => performance.now());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.frame += 1;
      this.redraw();
    }, this.options.intervalMs ?? 100);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearLive();
  }

  override preApply(event: ApplyEvent): void {
    this.running.set(event.address, { event, started: this.now(), message: '' });
    this.redraw();
  }

  override progress(event: ProgressEvent): void {
    const entry = this.running.get(event.address);
    if (!entry) return;
    entry.message = event.message;
    this.redraw();
  }

  override postApply(event: PostApplyEvent): void {
    this.running.delete(event.address);
    this.clearLive();
    this.stream.write(`${this.symbol(event)} ${finishedText(event)}\n`);
    this.redraw();
  }

  private symbol(event: PostApplyEvent): string {
    if (event.outcome === 'failed') return this.c.red('✗');
    if (event.outcome === 'skipped') return this.c.dim('-');
    return this.c.green('✓');
  }

  private clearLive(): void {
    if (this.liveLines === 0) return;
    // Up one line and erase it, once per live line.
    this.stream.write('\x1b[1A\x1b[2K'.repeat(this.liveLines));
    this.liveLines = 0;
  }

  /** Draws the live block; public for tests. */
  redraw(): void {
    this.clearLive();
    // A pty without a size reports 0 columns: fall back rather than cut every line to nothing.
    const reported = this.options.columns ?? this.stream.columns ?? 0;
    const width = reported >= 20 ? reported : 100;
    const spinner = FRAMES[this.frame % FRAMES.length] as string;
    const lines = [...this.running.values()].map((r) => {
      const detail = r.message ? ` — ${errorText(r.message)}` : '';
      const text = `${r.event.address}: ${verbOf(r.event.action)} ${seconds(this.now() - r.started)}${detail}`;
      return `${this.c.cyan(spinner)} ${text.length > width - 2 ? `${text.slice(0, width - 3)}…` : text}`;
    });
    if (lines.length === 0) return;
    this.stream.write(`${lines.join('\n')}\n`);
    this.liveLines = lines.length;
  }
}
