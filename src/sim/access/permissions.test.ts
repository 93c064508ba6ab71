import { describe, expect, it } from 'vitest';
import { SimApiError } from '../contract.ts';
import { checkEndpointPermissions, privilegesOn } from './permissions.ts';
import { AccessStore } from './store.ts';

function store(): AccessStore {
  const s = new AccessStore();
  s.addUser('root@pam');
  s.addUser('alice@pve', { groups: ['ops'] });
  s.groups.set('ops', {});
  return s;
}

function denied(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof SimApiError && error.status === 403) return error.message;
    throw error;
  }
  throw new Error('expected a 403');
}

describe('privilegesOn', () => {
  it('inherits propagating ACLs down the tree, and a deeper entry replaces them', () => {
    const s = store();
    s.grant({ path: '/', type: 'user', ugid: 'alice@pve', roleid: 'PVEAuditor' });
    s.grant({ path: '/vms/100', type: 'user', ugid: 'alice@pve', roleid: 'PVEVMUser' });
    expect(privilegesOn(s, { userid: 'alice@pve' }, '/storage/local').has('Datastore.Audit')).toBe(true);
    const vm = privilegesOn(s, { userid: 'alice@pve' }, '/vms/100');
    expect(vm.has('VM.PowerMgmt')).toBe(true);
    expect(vm.has('Datastore.Audit')).toBe(false);
  });

  it('applies propagate=0 entries to their exact path only', () => {
    const s = store();
    s.grant({ path: '/vms', type: 'user', ugid: 'alice@pve', roleid: 'PVEVMAdmin', propagate: 0 });
    expect(privilegesOn(s, { userid: 'alice@pve' }, '/vms').has('VM.Allocate')).toBe(true);
    expect(privilegesOn(s, { userid: 'alice@pve' }, '/vms/100').size).toBe(0);
  });

  it("prefers the user's own entries over its groups' at the same level; NoAccess removes all", () => {
    const s = store();
    s.grant({ path: '/', type: 'group', ugid: 'ops', roleid: 'Administrator' });
    expect(privilegesOn(s, { userid: 'alice@pve' }, '/vms/1').has('VM.Allocate')).toBe(true);
    s.grant({ path: '/', type: 'user', ugid: 'alice@pve', roleid: 'NoAccess' });
    expect(privilegesOn(s, { userid: 'alice@pve' }, '/vms/1').size).toBe(0);
  });

  it('intersects privsep tokens with the user, and gives privsep=0 tokens the user privileges', () => {
    const s = store();
    s.grant({ path: '/', type: 'user', ugid: 'alice@pve', roleid: 'PVEVMUser' });
    s.addToken('alice@pve', 'sep');
    s.addToken('alice@pve', 'full', { privsep: 0 });
    s.grant({ path: '/', type: 'token', ugid: 'alice@pve!sep', roleid: 'Administrator' });
    const sep = privilegesOn(s, { userid: 'alice@pve', tokenid: 'sep' }, '/vms/1');
    expect(sep.has('VM.PowerMgmt')).toBe(true);
    expect(sep.has('VM.Allocate')).toBe(false);
    expect(privilegesOn(s, { userid: 'alice@pve', tokenid: 'full' }, '/vms/1')).toEqual(
      privilegesOn(s, { userid: 'alice@pve' }, '/vms/1'),
    );
  });
});

describe('checkEndpointPermissions', () => {
  it('lets only the literal root@pam through endpoints without permissions (a root token is not root)', () => {
    const s = store();
    s.addToken('root@pam', 'tf', { privsep: 0 });
    expect(() => checkEndpointPermissions(s, { userid: 'root@pam' }, undefined, {})).not.toThrow();
    expect(denied(() => checkEndpointPermissions(s, { userid: 'root@pam', tokenid: 'tf' }, undefined, {}))).toBe(
      'Permission check failed (user != root@pam)',
    );
  });

  it('evaluates and/or/perm expressions with path templates and require_param', () => {
    const s = store();
    s.grant({ path: '/vms/100', type: 'user', ugid: 'alice@pve', roleid: 'PVEVMAdmin' });
    const clone = [
      'and',
      ['perm', '/vms/{vmid}', ['VM.Clone']],
      [
        'or',
        ['perm', '/vms/{newid}', ['VM.Allocate']],
        ['perm', '/pool/{pool}', ['VM.Allocate'], 'require_param', 'pool'],
      ],
    ];
    const alice = { userid: 'alice@pve' };
    expect(denied(() => checkEndpointPermissions(s, alice, { check: clone }, { vmid: 100, newid: 101 }))).toBe(
      'Permission check failed (/vms/101, VM.Allocate)',
    );
    s.grant({ path: '/vms/101', type: 'user', ugid: 'alice@pve', roleid: 'PVEVMAdmin' });
    expect(() => checkEndpointPermissions(s, alice, { check: clone }, { vmid: 100, newid: 101 })).not.toThrow();
    const any = ['perm', '/vms/{vmid}', ['VM.Config.Disk', 'VM.Config.CPU'], 'any', 1];
    expect(denied(() => checkEndpointPermissions(s, alice, { check: any }, { vmid: 7 }))).toBe(
      'Permission check failed (/vms/7, VM.Config.Disk|VM.Config.CPU)',
    );
  });

  it('honours user=all and userid-param self', () => {
    const s = store();
    const alice = { userid: 'alice@pve' };
    expect(() => checkEndpointPermissions(s, alice, { user: 'all' }, {})).not.toThrow();
    const self = { check: ['userid-param', 'self'] };
    expect(() => checkEndpointPermissions(s, alice, self, { userid: 'alice@pve' })).not.toThrow();
    expect(denied(() => checkEndpointPermissions(s, alice, self, { userid: 'root@pam' }))).toBe(
      'Permission check failed',
    );
  });
});
