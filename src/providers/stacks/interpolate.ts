/**
 * Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}`, `${VAR?message}` and `$$` for a literal dollar. Applied to every string
 * value of the parsed document (not to keys). An unset variable without a default is an error
 * naming the path in the compose file: a silently empty value is how half-configured stacks
 * reach production.
 */
export interface InterpolationProblem {
  path: string;
  message: string;
}

const PATTERN = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|(\{[^}]*\}?))/g;

export function interpolateString(
  text: string,
  vars: Readonly<Record<string, string>>,
  path: string,
  problems: InterpolationProblem[],
): string {
  return text.replace(PATTERN, (_match, dollar, braced, op, arg, bare, bad) => {
    if (dollar) return '$';
    if (bad !== undefined) {
      problems.push({ path, message: `invalid interpolation "$${bad}"` });
      return '';
    }
    const name = (braced ?? bare) as string;
    const value = vars[name];
    const unsetOrEmpty = value === undefined || (op?.startsWith(':') === true && value === '');
    if (op === ':-' || op === '-') return unsetOrEmpty ? (arg as string) : (value as string);
    if (op === ':?' || op === '?') {
      if (unsetOrEmpty)
        problems.push({ path, message: `required variable ${name} is not set${arg ? `: ${arg}` : ''}` });
      return value ?? '';
    }
    if (value === undefined) {
      problems.push({
        path,
        message: `variable ${name} is not set (declare it in the stack's variables or the environment's)`,
      });
      return '';
    }
    return value;
  });
}

/** Interpolates a parsed YAML value in place of a copy; problems carry JSON-pointer-like paths. */
export function interpolate(
  value: unknown,
  vars: Readonly<Record<string, string>>,
  problems: InterpolationProblem[],
  path = '',
): unknown {
  if (typeof value === 'string') return interpolateString(value, vars, path || '/', problems);
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, vars, problems, `${path}/${index}`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, vars, problems, `${path}/${key}`);
    return out;
  }
  return value;
}
