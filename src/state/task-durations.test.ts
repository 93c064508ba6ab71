import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore } from './store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('task durations in the state file', () => {
  it('are kept per target and task type across opens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-task-durations-'));
    dirs.push(dir);
    const path = join(dir, 'state.db');
    const store = openStateStore(path);
    store.taskDurations.record('https://pve:8006', 'qmclone:full', 21_400.6, 1);
    store.taskDurations.record('https://pve:8006', 'qmclone:full', 20_000, 2);
    store.taskDurations.record('https://other:8006', 'vzstart', 900, 1);
    store.close();
    const again = openStateStore(path);
    expect(again.taskDurations.load('https://pve:8006')).toEqual({ 'qmclone:full': { samples: 2, meanMs: 20_000 } });
    expect(again.taskDurations.load('https://nowhere:8006')).toEqual({});
    again.close();
  });
});
