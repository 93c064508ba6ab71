/**
 * POSIX shell quoting for the commands the node shell sends. Phoenix builds every remote
 * command from an argv array and quotes each word, so a file path or package name can never
 * become shell syntax. The simulator's SSH server parses exactly this form back.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteWord(word: string): string {
  if (word !== '' && SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}

/** A command as argv, optionally with stdout redirected to a file (`cat > tmp`). */
export interface CommandStep {
  argv: readonly string[];
  redirectTo?: string;
}

/** Steps joined with `&&`: later steps run only if earlier ones succeeded. */
export function renderSteps(steps: readonly CommandStep[]): string {
  return steps
    .map((step) =>
      step.redirectTo === undefined ? quoteArgv(step.argv) : `${quoteArgv(step.argv)} > ${quoteWord(step.redirectTo)}`,
    )
    .join(' && ');
}
