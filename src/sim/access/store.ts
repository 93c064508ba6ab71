/**
 * Access-control state the HTTP layer owns: users, groups, API tokens, custom roles and ACLs,
 * plus the secret that signs tickets. Serialisable for persistence (`toJSON` / `fromJSON`);
 * token secrets and passwords are stored only as SHA-256 hashes.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { BUILTIN_ROLES } from './roles.ts';

export interface UserRecord {
  userid: string;
  enable: 0 | 1;
  expire: number;
  comment?: string;
  email?: string;
  firstname?: string;
  lastname?: string;
  groups: string[];
  /** sha256 hex of the password; undefined = cannot log in with a password. */
  passwordHash?: string;
}

export interface TokenRecord {
  /** `user@realm!name` */
  fullid: string;
  privsep: 0 | 1;
  expire: number;
  comment?: string;
  secretHash: string;
}

export interface AclEntry {
  path: string;
  type: 'user' | 'group' | 'token';
  ugid: string;
  roleid: string;
  propagate: 0 | 1;
}

export interface AccessSnapshot {
  users: UserRecord[];
  tokens: TokenRecord[];
  roles: Record<string, string[]>;
  acl: AclEntry[];
  groups: Record<string, { comment?: string }>;
  ticketSecret: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Secrets already found to match a stored hash (secret → hash): a client sends the same token
 * on every request, and hashing it each time was a visible part of the request cost. Only
 * matching secrets are kept (in memory, never written anywhere), so wrong guesses always take
 * the hashing, timing-safe path and cannot grow the map; it is bounded anyway.
 */
const verified = new Map<string, string>();

export function secretMatches(secret: string, hash: string): boolean {
  if (verified.get(secret) === hash) return true;
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  const ok = a.length === b.length && timingSafeEqual(a, b);
  if (ok) {
    if (verified.size >= 256) verified.clear();
    verified.set(secret, hash);
  }
  return ok;
}

export class AccessStore {
  readonly users = new Map<string, UserRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly customRoles = new Map<string, string[]>();
  readonly groups = new Map<string, { comment?: string }>();
  acl: AclEntry[] = [];
  ticketSecret: string = randomBytes(32).toString('hex');
  /**
   * Pool membership of guests and storages (`/vms/100` → `p1`), supplied by the cluster model:
   * a pool's privileges hold on its members. Not persisted (the model owns the pools).
   */
  poolOf?: (aclPath: string) => string | undefined;

  static fromJSON(snapshot: AccessSnapshot): AccessStore {
    const store = new AccessStore();
    for (const user of snapshot.users) store.users.set(user.userid, { ...user, groups: [...user.groups] });
    for (const token of snapshot.tokens) store.tokens.set(token.fullid, { ...token });
    for (const [id, privs] of Object.entries(snapshot.roles)) store.customRoles.set(id, [...privs]);
    for (const [id, group] of Object.entries(snapshot.groups ?? {})) store.groups.set(id, { ...group });
    store.acl = snapshot.acl.map((entry) => ({ ...entry }));
    store.ticketSecret = snapshot.ticketSecret;
    return store;
  }

  toJSON(): AccessSnapshot {
    return {
      users: [...this.users.values()],
      tokens: [...this.tokens.values()],
      roles: Object.fromEntries(this.customRoles),
      acl: this.acl,
      groups: Object.fromEntries(this.groups),
      ticketSecret: this.ticketSecret,
    };
  }

  rolePrivileges(roleid: string): readonly string[] | undefined {
    return BUILTIN_ROLES[roleid] ?? this.customRoles.get(roleid);
  }

  addUser(userid: string, options: Partial<UserRecord> & { password?: string } = {}): UserRecord {
    const { password, ...rest } = options;
    const user: UserRecord = { enable: 1, expire: 0, groups: [], ...rest, userid };
    if (password !== undefined) user.passwordHash = hashSecret(password);
    this.users.set(userid, user);
    return user;
  }

  /** Creates a token and returns its secret (shown once, like PVE). */
  addToken(userid: string, name: string, options: { privsep?: 0 | 1; expire?: number; comment?: string } = {}): string {
    const secret = randomUUID();
    const fullid = `${userid}!${name}`;
    this.tokens.set(fullid, {
      fullid,
      privsep: options.privsep ?? 1,
      expire: options.expire ?? this.users.get(userid)?.expire ?? 0,
      comment: options.comment,
      secretHash: hashSecret(secret),
    });
    return secret;
  }

  /** Test/bootstrap helper: installs a token with a known secret. */
  setTokenSecret(fullid: string, secret: string): void {
    const token = this.tokens.get(fullid);
    if (token) token.secretHash = hashSecret(secret);
  }

  grant(entry: Omit<AclEntry, 'propagate'> & { propagate?: 0 | 1 }): void {
    this.acl = this.acl.filter(
      (e) => !(e.path === entry.path && e.type === entry.type && e.ugid === entry.ugid && e.roleid === entry.roleid),
    );
    this.acl.push({ ...entry, propagate: entry.propagate ?? 1 });
  }

  revoke(entry: Omit<AclEntry, 'propagate'>): void {
    this.acl = this.acl.filter(
      (e) => !(e.path === entry.path && e.type === entry.type && e.ugid === entry.ugid && e.roleid === entry.roleid),
    );
  }
}

/** The store a fresh simulator starts with: `root@pam` (password given) and nothing else. */
export function defaultAccessStore(rootPassword: string): AccessStore {
  const store = new AccessStore();
  store.addUser('root@pam', { password: rootPassword, comment: 'Superuser' });
  return store;
}
