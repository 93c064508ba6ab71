import { describe, it, expect } from 'vitest';
import { createVirtualClock } from './clock.ts';
import { createRandom } from './rng.ts';
import { encodeUpid, isUpid, TaskRegistry } from './tasks.ts';

describe('tasks (spec §4)', () => {
  it('encodes UPIDs with upper-case hex and a trailing colon', () => {
    const upid = encodeUpid({
      node: 'pve',
      pid: 0xd7aa2,
      pstart: 0x8d5a17c,
      starttime: 0x63df62a5,
      type: 'vzclone',
      id: '200',
      user: 'root@pam!api_token',
    });
    expect(upid).toBe('UPID:pve:000D7AA2:08D5A17C:63DF62A5:vzclone:200:root@pam!api_token:');
    expect(isUpid(upid)).toBe(true);
    expect(isUpid(upid.slice(0, -1))).toBe(false);
  });

  it('scales durations by the speed factor, counts warnings and keeps the log order', async () => {
    const clock = createVirtualClock();
    const tasks = new TaskRegistry(clock, createRandom(1), 0.5, clock.now() - 1000, () => undefined);
    const upid = tasks.start({
      node: 'pve',
      type: 'qmstart',
      id: '100',
      user: 'root@pam',
      run: async (ctx) => {
        ctx.log('starting');
        await ctx.sleep(2000);
        ctx.warn('something odd');
      },
    });
    await clock.advance(999);
    expect(tasks.get(upid)?.status).toBe('running');
    await clock.advance(1);
    const t = await tasks.wait(upid);
    expect(t?.exitstatus).toBe('WARNINGS: 1');
    expect(t?.log).toEqual(['starting', 'WARN: something odd', 'TASK WARNINGS: 1']);
  });

  it('collapses multi-line errors into one exit status line', async () => {
    const clock = createVirtualClock();
    const tasks = new TaskRegistry(clock, createRandom(1), 0, clock.now(), () => undefined);
    const upid = tasks.start({
      node: 'pve',
      type: 'x',
      id: '',
      user: 'root@pam',
      run: () => Promise.reject(new Error('first\nsecond\n')),
    });
    await clock.advance(1);
    expect((await tasks.wait(upid))?.exitstatus).toBe('first second');
  });
});
