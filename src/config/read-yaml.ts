/**
 * Reads one YAML file into plain JS values with the position of every value recorded in the
 * source map. A hand-written walk (instead of `doc.toJS()`) is what lets every later error point
 * at a file, line, column and YAML path. Aliases are followed with a node budget so a
 * "billion laughs" file cannot blow up memory.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { Diagnostic } from '../errors.ts';
import { Position, setContainerMeta, type PathLink } from './source-map.ts';

/** Upper bound of values produced from one file, counting alias expansions. */
const NODE_BUDGET = 200_000;

export interface YamlFile {
  /** Path relative to the config directory, with "/" separators. */
  file: string;
  value: unknown;
  diagnostics: Diagnostic[];
}

export function readYaml(file: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  // logLevel 'error': the library would otherwise print its warnings through process.emitWarning,
  // raw and unlocated; they are reported below as located diagnostics instead.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: false,
    logLevel: 'error',
  });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number | undefined, link: PathLink | undefined): Position =>
    new Position(file, offset ?? 0, link, lineCounter);
  for (const error of doc.errors) {
    diagnostics.push({
      severity: 'error',
      code: 'E_YAML',
      message: `YAML syntax: ${firstLine(error.message)}`,
      hint: yamlHint(error.code),
      location: at(error.pos[0], undefined).toLocation(),
    });
  }
  if (diagnostics.length > 0) return { file, value: undefined, diagnostics };
  for (const warning of doc.warnings) {
    diagnostics.push({
      severity: 'warning',
      code: 'W_YAML',
      message: `YAML: ${firstLine(warning.message)}`,
      location: at(warning.pos[0], undefined).toLocation(),
    });
  }

  let budget = NODE_BUDGET;
  const toJs = (node: unknown, path: PathLink | undefined, depth: number): unknown => {
    if (--budget < 0 || depth > 64) throw new BudgetExceeded(at(nodeOffset(node), path));
    if (isAlias(node)) return toJs(node.resolve(doc), path, depth + 1);
    if (isScalar(node)) return node.value;
    if (isMap(node)) {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      const entries = setContainerMeta(out, at(node.range?.[0], path));
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const rawKey: unknown = isScalar(keyNode) ? keyNode.value : undefined;
        if (typeof rawKey !== 'string' && typeof rawKey !== 'number' && typeof rawKey !== 'boolean') {
          diagnostics.push({
            severity: 'error',
            code: 'E_YAML',
            message: 'mapping keys must be plain strings',
            hint: 'write keys as simple words, e.g. "name:"',
            location: at(nodeOffset(keyNode), path).toLocation(),
          });
          continue;
        }
        const key = String(rawKey);
        const childPath: PathLink = { parent: path, segment: key };
        const keyLoc = at(nodeOffset(keyNode), childPath);
        const valueNode = pair.value as YamlNode | null;
        entries.set(key, { key: keyLoc, value: valueNode ? at(nodeOffset(valueNode), childPath) : keyLoc });
        out[key] = valueNode ? toJs(valueNode, childPath, depth + 1) : null;
      }
      return out;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      const entries = setContainerMeta(out, at(node.range?.[0], path));
      node.items.forEach((item, index) => {
        const childPath: PathLink = { parent: path, segment: index };
        entries.set(index, { value: at(nodeOffset(item), childPath) });
        out.push(item === null ? null : toJs(item, childPath, depth + 1));
      });
      return out;
    }
    return null;
  };

  try {
    return { file, value: toJs(doc.contents, undefined, 0), diagnostics };
  } catch (error) {
    if (!(error instanceof BudgetExceeded)) throw error;
    diagnostics.push({
      severity: 'error',
      code: 'E_YAML_TOO_LARGE',
      message: 'file expands to too many values or nests too deeply (aliases?)',
      hint: `keep each file under ${NODE_BUDGET} values and 64 levels; avoid repeated alias expansion`,
      location: error.location.toLocation(),
    });
    return { file, value: undefined, diagnostics };
  }
}

class BudgetExceeded extends Error {
  constructor(readonly location: Position) {
    super('node budget exceeded');
  }
}

function nodeOffset(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once per mapping; remove or rename the repeated key';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested keys need more spaces than their parent, and tabs are not allowed';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'MULTIPLE_DOCS':
      return 'one document per file: remove the extra "---"';
    default:
      return 'fix the YAML syntax at this position (a YAML linter shows the exact problem)';
  }
}
