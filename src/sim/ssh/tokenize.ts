/**
 * Parses the command lines Phoenix's SSH client sends (see src/clients/ssh/shell-quote.ts):
 * words with POSIX single/double quoting and backslashes, `&&` between steps and one `> file`
 * redirect per step. Anything else that is shell syntax (pipes, `;`, `$(...)`, globs) is
 * rejected, so a client bug shows up in tests instead of being half-interpreted.
 */

export interface ParsedStep {
  argv: string[];
  redirectTo?: string;
}

export class ShellSyntaxError extends Error {}

type Token = { word: string } | { op: '&&' | '>' };

function lex(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      i += 1;
      continue;
    }
    if (line.startsWith('&&', i)) {
      tokens.push({ op: '&&' });
      i += 2;
      continue;
    }
    if (ch === '>') {
      tokens.push({ op: '>' });
      i += 1;
      continue;
    }
    if ('|;&<`$(){}*?['.includes(ch))
      throw new ShellSyntaxError(`unsupported shell syntax near '${line.slice(i, i + 10)}'`);
    let word = '';
    while (i < line.length) {
      const c = line[i] as string;
      if (c === ' ' || c === '\t' || c === '\n' || c === '>' || line.startsWith('&&', i)) break;
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new ShellSyntaxError('unterminated single quote');
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i += 1;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) i += 1;
          else if (line[i] === '$' || line[i] === '`') throw new ShellSyntaxError('expansion inside double quotes');
          word += line[i];
          i += 1;
        }
        if (i >= line.length) throw new ShellSyntaxError('unterminated double quote');
        i += 1;
      } else if (c === '\\') {
        word += line[i + 1] ?? '';
        i += 2;
      } else if ('|;&<`$(){}*?['.includes(c)) {
        throw new ShellSyntaxError(`unsupported shell syntax near '${line.slice(i, i + 10)}'`);
      } else {
        word += c;
        i += 1;
      }
    }
    tokens.push({ word });
  }
  return tokens;
}

export function parseCommandLine(line: string): ParsedStep[] {
  const steps: ParsedStep[] = [];
  let current: ParsedStep = { argv: [] };
  const tokens = lex(line);
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if ('word' in token) {
      current.argv.push(token.word);
    } else if (token.op === '>') {
      const target = tokens[i + 1];
      if (!target || !('word' in target) || current.redirectTo !== undefined) {
        throw new ShellSyntaxError('bad redirect');
      }
      current.redirectTo = target.word;
      i += 1;
    } else {
      if (current.argv.length === 0) throw new ShellSyntaxError("syntax error near '&&'");
      steps.push(current);
      current = { argv: [] };
    }
  }
  if (current.argv.length === 0) throw new ShellSyntaxError('empty command');
  steps.push(current);
  return steps;
}
