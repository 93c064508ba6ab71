import { ConfigError, formatLocation, isPhoenixError } from '../errors.ts';
import { colors, shouldColor } from '../util/color.ts';

/**
 * Prints an error for a person and returns the exit code. A PhoenixError is a user-facing
 * condition: message, location and hint, no stack. Anything else is a bug in Phoenix.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const pc = colors(shouldColor(stderr as { isTTY?: boolean }));
  if (error instanceof ConfigError) {
    for (const d of error.diagnostics) {
      const where = d.location ? `${formatLocation(d.location)}: ` : '';
      stderr.write(`${pc.red('error')}: ${where}${d.message}${d.location?.path ? ` (at ${d.location.path})` : ''}\n`);
      if (d.hint) stderr.write(`  ${pc.dim('hint:')} ${d.hint}\n`);
    }
    return 1;
  }
  if (isPhoenixError(error)) {
    const where = error.location ? `${formatLocation(error.location)}: ` : '';
    const resource = error.resource ? `${error.resource}: ` : '';
    stderr.write(`${pc.red('error')}: ${where}${resource}${error.message}\n`);
    if (error.detail) stderr.write(`  ${error.detail}\n`);
    if (error.hint) stderr.write(`  ${pc.dim('hint:')} ${error.hint}\n`);
    return 1;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`${pc.red('internal error')} (a bug in Phoenix, please report it):\n${stack}\n`);
  return 1;
}
