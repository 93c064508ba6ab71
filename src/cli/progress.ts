/** Progress of a long command: a live view on a TTY, plain timestamped lines otherwise (CI logs, pipes). */
import type { Hook } from '../engine/hook.ts';
import { shouldColor } from './views/color.ts';
import { PlainProgressHook } from './views/progress-plain.ts';
import { TtyProgressHook } from './views/progress-tty.ts';

export interface Progress {
  hook: Hook;
  stop(): void;
}

export function progressFor(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const tty = new TtyProgressHook(stream, { color: shouldColor(stream) });
    tty.start();
    return { hook: tty, stop: () => tty.stop() };
  }
  return { hook: new PlainProgressHook((line) => stream.write(line)), stop: () => undefined };
}
