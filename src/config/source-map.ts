/**
 * Where every value of the merged config came from. Positions are attached to the plain JS
 * containers themselves (a WeakMap keyed by object), so merging files or inheriting defaults
 * keeps each value's origin without re-keying paths. `locate(root, path)` walks a zod or
 * semantic-check path through the raw merged value and returns the best position it knows.
 */
import type { LineCounter } from 'yaml';
import type { SourceLocation } from '../errors.ts';

export type PathSegment = string | number;

/** A YAML path as a linked list: cheap to extend for every node, formatted only when needed. */
export interface PathLink {
  parent: PathLink | undefined;
  segment: PathSegment;
}

/**
 * A position kept in raw form (offset + path link) because most values never need one:
 * line/column and the path text are computed only when a diagnostic asks (see `toLocation`).
 */
export class Position {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly link: PathLink | undefined,
    private readonly lines: LineCounter | undefined,
  ) {}

  toLocation(): SourceLocation {
    const pos = this.lines ? this.lines.linePos(this.offset) : { line: 1, col: 1 };
    const segments: PathSegment[] = [];
    for (let l = this.link; l; l = l.parent) segments.push(l.segment);
    return { file: this.file, line: pos.line, column: pos.col, path: formatPath(segments.reverse()) };
  }
}

/** Position of one key/value inside a container: `key` is absent for list items. */
export interface EntryPosition {
  key?: Position;
  value: Position;
}

interface ContainerMeta {
  self: Position;
  entries: Map<PathSegment, EntryPosition>;
}

const metas = new WeakMap<object, ContainerMeta>();

export function setContainerMeta(container: object, self: Position): Map<PathSegment, EntryPosition> {
  const entries = new Map<PathSegment, EntryPosition>();
  metas.set(container, { self, entries });
  return entries;
}

export function entryPosition(container: object, segment: PathSegment): EntryPosition | undefined {
  return metas.get(container)?.entries.get(segment);
}

export function containerPosition(container: object): Position | undefined {
  return metas.get(container)?.self;
}

/** Records where `container[segment]` came from (used when merging and inheriting). */
export function setEntryPosition(container: object, segment: PathSegment, position: EntryPosition): void {
  const meta = metas.get(container);
  if (meta) meta.entries.set(segment, position);
}

/** `guests[2].net[0].ip` from path segments. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export interface Located {
  location?: SourceLocation;
  /** False when the path ends at a missing value and the location is its parent's. */
  exact: boolean;
}

/**
 * Location of `path` in the merged raw config. With `key: true` the key's position is
 * preferred (for "unknown key" errors). Missing tails resolve to the deepest known container.
 */
export function locate(root: unknown, path: readonly PathSegment[], options: { key?: boolean } = {}): Located {
  let current: unknown = root;
  let best: Position | undefined = typeof root === 'object' && root !== null ? containerPosition(root) : undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as PathSegment;
    if (typeof current !== 'object' || current === null) return { location: best?.toLocation(), exact: false };
    const entry = entryPosition(current, segment);
    if (!entry) return { location: best?.toLocation(), exact: false };
    const last = i === path.length - 1;
    best = last && options.key && entry.key ? entry.key : entry.value;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return { location: best?.toLocation(), exact: true };
}
