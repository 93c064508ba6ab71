/**
 * Invalid configs with the exact diagnostics `validateConfig` must produce. Each case is a set
 * of files (usually BASE plus a guests file); `errors` lists every error as
 * `file:line:column path CODE message`, in output order.
 */
import { BASE, lxc } from './harness.ts';

export interface InvalidCase {
  name: string;
  files: Record<string, string>;
  errors: string[];
}

const G = (body: string): Record<string, string> => ({ 'phoenix.yaml': BASE, 'guests.yaml': `guests:\n${body}` });
const withBase = (extra: string, files: Record<string, string> = {}): Record<string, string> => ({
  'phoenix.yaml': BASE + extra,
  ...files,
});
const VM = (id: number, name: string, extra = ''): string =>
  `  - { id: ${id}, name: ${name}, type: vm, clone: { from: 9000 }, net: [{ name: net0, bridge: vmbr0, ip: 10.0.0.${(id % 200) + 20}/24 }]${extra ? `, ${extra}` : ''} }\n`;
const STACK_FILES = { 'app/app.compose.yaml': 'services:\n  web: { image: nginx }\n' };
const SWARM = VM(1001, 'mgr', 'role: swarm-manager');

export const invalidCases: InvalidCase[] = [
  // --- YAML and file structure ---
  {
    name: 'YAML syntax error',
    files: withBase('', { 'bad.yaml': 'guests:\n  - { id: 101, name: a\n' }),
    errors: [
      'bad.yaml:3:1 - E_YAML YAML syntax: Flow map in block collection must be sufficiently indented and end with a }',
    ],
  },
  {
    name: 'duplicate key in a mapping',
    files: withBase('', { 'bad.yaml': 'guests:\n  - id: 101\n    id: 102\n' }),
    errors: ['bad.yaml:3:5 - E_YAML YAML syntax: Map keys must be unique'],
  },
  {
    name: 'a file that is a list',
    files: withBase('', { 'list.yaml': '- a\n- b\n' }),
    errors: ['list.yaml:1:1 - E_SCHEMA a config file must be a mapping of sections (version, guests, stacks, ...)'],
  },
  {
    name: 'scalar set in two files',
    files: withBase('', { 'more.yaml': 'version: 1\n' }),
    errors: ['more.yaml:1:1 version E_DUPLICATE_SETTING "version" is set twice (first at phoenix.yaml:1:1)'],
  },
  {
    name: 'nested scalar set in two files',
    files: withBase('', { 'c.yaml': 'cluster:\n  domain: lab.arpa\n', 'd.yaml': 'cluster:\n  domain: other.arpa\n' }),
    errors: ['d.yaml:2:3 cluster.domain E_DUPLICATE_SETTING "cluster.domain" is set twice (first at c.yaml:2:3)'],
  },
  {
    name: 'no phoenix.yaml',
    files: { 'guests.yaml': 'guests: []\n' },
    errors: ['<dir> - E_NO_ROOT_FILE no phoenix.yaml in <dir>'],
  },
  {
    name: 'unsupported version',
    files: { 'phoenix.yaml': BASE.replace('version: 1', 'version: 2') },
    errors: ['phoenix.yaml:1:10 version E_SCHEMA version must be 1'],
  },
  {
    name: 'unknown top-level section',
    files: withBase('', { 'x.yaml': 'gusts: []\n' }),
    errors: ['x.yaml:1:1 gusts E_UNKNOWN_KEY unknown key "gusts" (did you mean "guests"?)'],
  },
  // --- schema ---
  {
    name: 'unknown key with suggestion',
    files: G(lxc(101, 'a', 'cpus: 2')),
    errors: ['guests.yaml:2:111 guests[0].cpus E_UNKNOWN_KEY unknown key "cpus" (did you mean "cores"?)'],
  },
  {
    name: 'unknown key by edit distance',
    files: G(lxc(101, 'a', 'memroy: 512')),
    errors: ['guests.yaml:2:111 guests[0].memroy E_UNKNOWN_KEY unknown key "memroy" (did you mean "memory"?)'],
  },
  {
    name: 'missing required field',
    files: G('  - { id: 101, type: lxc, template: debian }\n'),
    errors: ['guests.yaml:2:5 guests[0].name E_MISSING_FIELD missing required field "name"'],
  },
  {
    name: 'guest id below 100',
    files: G(lxc(99, 'a')),
    errors: ['guests.yaml:2:11 guests[0].id E_SCHEMA id must be >= 100'],
  },
  {
    name: 'guest id not an integer',
    files: G(lxc(101, 'a').replace('id: 101', 'id: 101.5')),
    errors: ['guests.yaml:2:11 guests[0].id E_SCHEMA id must be a whole number, not number 101.5'],
  },
  {
    name: 'guest name not a DNS label',
    files: G(lxc(101, 'Web_1')),
    errors: [
      'guests.yaml:2:22 guests[0].name E_SCHEMA name must be a lowercase DNS label (a-z, 0-9, "-"; not starting or ending with "-")',
    ],
  },
  {
    name: 'unknown guest type',
    files: G('  - { id: 101, name: a, type: docker }\n'),
    errors: ['guests.yaml:2:31 guests[0].type E_SCHEMA type must be one of "lxc", "vm"'],
  },
  {
    name: 'memory as text',
    files: G(lxc(101, 'a', 'memory: 2G')),
    errors: ['guests.yaml:2:119 guests[0].memory E_SCHEMA memory must be a number, not the text "2G"'],
  },
  {
    name: 'malformed IP',
    files: G(lxc(101, 'a').replace('10.0.0.101/24', '10.0.0.300/24')),
    errors: [
      'guests.yaml:2:93 guests[0].net[0].ip E_SCHEMA ip must be an IPv4 address with prefix length, like 10.0.0.5/24',
    ],
  },
  {
    name: 'malformed MAC',
    files: G(lxc(101, 'a').replace('/24 }', '/24, mac: "BC:24:11" }')),
    errors: ['guests.yaml:2:113 guests[0].net[0].mac E_SCHEMA mac must be a MAC address like BC:24:11:00:00:01'],
  },
  {
    name: 'secret literal in cloud-init password',
    files: G(VM(1001, 'vm1', 'cloudInit: { user: admin, password: hunter2 }')),
    errors: [
      'guests.yaml:2:153 guests[0].cloudInit.password E_SECRET_LITERAL password must be a secret reference (env:NAME or file:path), not the secret itself',
    ],
  },
  {
    name: 'secret literal in proxmox tokenSecret',
    files: withBase(
      'proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: phoenix@pve!ci\n  tokenSecret: 0b1c-secret\n',
    ),
    errors: [
      'phoenix.yaml:24:16 proxmox.tokenSecret E_SECRET_LITERAL tokenSecret must be a secret reference (env:NAME or file:path), not the secret itself',
    ],
  },
  {
    name: 'malformed env reference',
    files: withBase(
      'proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: phoenix@pve!ci\n  tokenSecret: env:1TOKEN\n',
    ),
    errors: [
      'phoenix.yaml:24:16 proxmox.tokenSecret E_SECRET_LITERAL tokenSecret must be a secret reference (env:NAME or file:path), not the secret itself',
    ],
  },
  {
    // PVE's token names have at least two characters; the client refuses a shorter one.
    name: 'token name of one character',
    files: withBase('proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: phoenix@pve!x\n  tokenSecret: env:TOKEN\n'),
    errors: ['phoenix.yaml:23:12 proxmox.tokenId E_SCHEMA tokenId must be an API token id "user@realm!name"'],
  },
  {
    name: 'malformed token id',
    files: withBase('proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: phoenix\n  tokenSecret: env:TOKEN\n'),
    errors: ['phoenix.yaml:23:12 proxmox.tokenId E_SCHEMA tokenId must be an API token id "user@realm!name"'],
  },
  {
    name: 'malformed TLS fingerprint',
    files: withBase(
      'proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: phoenix@pve!ci\n  tokenSecret: env:TOKEN\n  tls: { fingerprint: "AA:BB" }\n',
    ),
    errors: [
      'phoenix.yaml:25:23 proxmox.tls.fingerprint E_SCHEMA fingerprint must be a SHA-256 fingerprint: 32 hex pairs separated by ":"',
    ],
  },
  {
    name: 'TLS caFile and fingerprint together',
    files: withBase(
      `proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: phoenix@pve!ci\n  tokenSecret: env:TOKEN\n  tls:\n    caFile: ca.pem\n    fingerprint: "${Array(32).fill('AB').join(':')}"\n`,
    ),
    errors: ['phoenix.yaml:26:5 proxmox.tls E_SCHEMA tls is invalid: set caFile or fingerprint, not both'],
  },
  {
    name: 'storage type unknown',
    files: withBase('', { 's.yaml': 'storage:\n  - { id: nas, type: ceph, content: [images] }\n' }),
    errors: ['s.yaml:2:22 storage[0].type E_SCHEMA type must be one of "dir", "zfspool", "nfs", "lvmthin"'],
  },
  {
    name: 'zfspool storage without pool',
    files: withBase('', { 's.yaml': 'storage:\n  - { id: z2, type: zfspool, content: [images] }\n' }),
    errors: ['s.yaml:2:5 storage[0].pool E_MISSING_FIELD missing required field "pool"'],
  },
  {
    name: 'LXC template with a bad archive name',
    files: withBase('', {
      't.yaml': 'templates:\n  - { name: alpine, kind: lxc, storage: local, file: alpine.iso }\n',
    }),
    errors: [
      't.yaml:2:54 templates[0].file E_SCHEMA file must be a template archive name like debian-12-standard_12.7-1_amd64.tar.zst',
    ],
  },
  {
    name: 'invalid default inherited by a guest',
    files: {
      'phoenix.yaml': BASE.replace('lxc: { disk', 'lxc: { memory: 8, disk'),
      'guests.yaml': `guests:\n${lxc(101, 'a')}`,
    },
    errors: ['phoenix.yaml:20:18 defaults.lxc.memory E_SCHEMA memory must be >= 16'],
  },
  {
    name: 'unknown key in defaults',
    files: {
      'phoenix.yaml': BASE.replace('lxc: { disk', 'lxc: { swapp: 0, disk'),
      'guests.yaml': `guests:\n${lxc(101, 'a')}`,
    },
    errors: ['phoenix.yaml:20:10 defaults.lxc.swapp E_UNKNOWN_KEY unknown key "swapp" (did you mean "swap"?)'],
  },
  // --- duplicates ---
  {
    name: 'duplicate guest id across files',
    files: { ...G(lxc(101, 'a')), 'more.yaml': `guests:\n${lxc(101, 'b').replace('10.0.0.101', '10.0.0.9')}` },
    errors: ['more.yaml:2:11 guests[0].id E_DUPLICATE_ID duplicate guest id 101 (first used at guests.yaml:2:11)'],
  },
  {
    name: 'duplicate guest name',
    files: G(lxc(101, 'a') + lxc(102, 'a')),
    errors: [
      'guests.yaml:3:22 guests[1].name E_DUPLICATE_NAME duplicate guest name "a" (first used at guests.yaml:2:22)',
    ],
  },
  {
    name: 'guest id equal to a VM template vmid',
    files: G(VM(9000, 'vm1')),
    errors: ['guests.yaml:2:11 guests[0].id E_DUPLICATE_ID duplicate guest id 9000 (first used at phoenix.yaml:15:11)'],
  },
  {
    name: 'duplicate IP',
    files: G(lxc(101, 'a') + lxc(102, 'b').replace('10.0.0.102', '10.0.0.101')),
    errors: [
      'guests.yaml:3:93 guests[1].net[0].ip E_DUPLICATE_IP duplicate IP address "10.0.0.101" (first used at guests.yaml:2:93)',
    ],
  },
  {
    name: 'duplicate MAC',
    files: G(
      lxc(101, 'a').replace('/24 }', '/24, mac: "BC:24:11:00:00:01" }') +
        lxc(102, 'b').replace('/24 }', '/24, mac: "bc:24:11:00:00:01" }'),
    ),
    errors: [
      'guests.yaml:3:113 guests[1].net[0].mac E_DUPLICATE_MAC duplicate MAC address "BC:24:11:00:00:01" (first used at guests.yaml:2:113)',
    ],
  },
  // --- addressing ---
  {
    name: 'IP outside the bridge subnet',
    files: G(lxc(101, 'a').replace('10.0.0.101/24', '10.0.1.5/24')),
    errors: [
      'guests.yaml:2:93 guests[0].net[0].ip E_IP_SUBNET ip 10.0.1.5/24 is outside subnet 10.0.0.0/24 of bridge vmbr0',
    ],
  },
  {
    name: 'guest gateway outside the subnet',
    files: G(lxc(101, 'a').replace('/24 }', '/24, gateway: 192.168.1.1 }')),
    errors: [
      'guests.yaml:2:117 guests[0].net[0].gateway E_GATEWAY_SUBNET gateway 192.168.1.1 is outside subnet 10.0.0.0/24 of bridge vmbr0',
    ],
  },
  {
    name: 'bridge gateway outside its cidr',
    files: { 'phoenix.yaml': BASE.replace('gateway: 10.0.0.254', 'gateway: 10.9.0.1') },
    errors: [
      'phoenix.yaml:7:50 network.bridges[0].gateway E_GATEWAY_SUBNET gateway 10.9.0.1 is outside the bridge subnet 10.0.0.0/24',
    ],
  },
  {
    name: 'network address used as guest IP',
    files: G(lxc(101, 'a').replace('10.0.0.101/24', '10.0.0.0/24')),
    errors: ['guests.yaml:2:93 guests[0].net[0].ip E_IP_RESERVED ip 10.0.0.0/24 is the network address of 10.0.0.0/24'],
  },
  {
    name: 'LXC interface named like a VM one',
    files: G(lxc(101, 'a').replace('name: eth0', 'name: net0')),
    errors: ['guests.yaml:2:68 guests[0].net[0].name E_NET_NAME LXC interfaces are named eth0, eth1, ... (got "net0")'],
  },
  // --- references ---
  {
    name: 'unknown template',
    files: G(lxc(101, 'a').replace('template: debian', 'template: alpine')),
    errors: ['guests.yaml:2:46 guests[0].template E_UNKNOWN_TEMPLATE template "alpine" is not declared'],
  },
  {
    name: 'VM using an LXC template',
    files: G('  - { id: 1001, name: vm1, type: vm, template: debian }\n'),
    errors: [
      'guests.yaml:2:48 guests[0].template E_TEMPLATE_KIND template "debian" is a lxc template, but guest 1001 is a vm',
    ],
  },
  {
    name: 'neither template nor clone',
    files: G('  - { id: 101, name: a, type: lxc }\n'),
    errors: ['guests.yaml:2:5 guests[0] E_SOURCE guest 101 (a) has neither template nor clone'],
  },
  {
    name: 'unknown clone source',
    files: G(VM(1001, 'vm1').replace('from: 9000', 'from: 9001')),
    errors: [
      'guests.yaml:2:53 guests[0].clone.from E_UNKNOWN_CLONE_SOURCE clone source 9001 is neither a VM template nor a guest',
    ],
  },
  {
    name: 'clone source is not a template',
    files: G(VM(1001, 'vm1') + VM(1002, 'vm2').replace('from: 9000', 'from: vm1')),
    errors: [
      'guests.yaml:3:53 guests[1].clone.from E_CLONE_NOT_TEMPLATE clone source 1001 (vm1) is not a template and no snapshot is named',
    ],
  },
  {
    name: 'clone from a missing snapshot',
    files: G(
      VM(1001, 'vm1', 'snapshots: [{ name: base }]') +
        VM(1002, 'vm2').replace('from: 9000', 'from: 1001, snapshot: golden'),
    ),
    errors: ['guests.yaml:3:69 guests[1].clone.snapshot E_CLONE_SNAPSHOT guest 1001 (vm1) has no snapshot "golden"'],
  },
  {
    name: 'linked clone of a non-template',
    files: G(
      VM(1001, 'vm1', 'snapshots: [{ name: base }]') +
        VM(1002, 'vm2').replace('from: 9000', 'from: 1001, snapshot: base, full: false'),
    ),
    errors: [
      'guests.yaml:3:81 guests[1].clone.full E_LINKED_CLONE a linked clone (full: false) needs a template as its source',
    ],
  },
  {
    name: 'unknown disk storage',
    files: G(lxc(101, 'a', 'disk: { storage: ssd, size: 8 }')),
    errors: ['guests.yaml:2:128 guests[0].disk.storage E_UNKNOWN_STORAGE storage "ssd" is not declared'],
  },
  {
    name: 'disk storage without rootdir content',
    files: G(lxc(101, 'a', 'disk: { storage: local, size: 8 }')),
    errors: [
      'guests.yaml:2:128 guests[0].disk.storage E_STORAGE_CONTENT storage "local" does not hold rootdir (content: vztmpl)',
    ],
  },
  {
    name: 'unknown bridge',
    files: G(lxc(101, 'a').replace('bridge: vmbr0', 'bridge: vmbr7')),
    errors: ['guests.yaml:2:82 guests[0].net[0].bridge E_UNKNOWN_BRIDGE bridge "vmbr7" is not declared on node "pve"'],
  },
  {
    name: 'unknown node',
    files: G(lxc(101, 'a', 'node: pve2')),
    errors: ['guests.yaml:2:117 guests[0].node E_UNKNOWN_NODE node "pve2" is not in cluster.nodes'],
  },
  {
    name: 'unknown NFS export in a mount',
    files: G(lxc(101, 'a', 'mounts: [{ path: /data, nfs: media }]')),
    errors: ['guests.yaml:2:140 guests[0].mounts[0].nfs E_UNKNOWN_EXPORT NFS export "media" is not declared'],
  },
  {
    name: 'unknown dependency',
    files: G(lxc(101, 'a', 'dependsOn: [db]')),
    errors: ['guests.yaml:2:123 guests[0].dependsOn[0] E_UNKNOWN_GUEST dependsOn: no guest "db"'],
  },
  {
    name: 'guest depends on itself',
    files: G(lxc(101, 'a', 'dependsOn: [101]')),
    errors: ['guests.yaml:2:123 guests[0].dependsOn[0] E_DEPENDENCY_CYCLE guest 101 (a) depends on itself'],
  },
  {
    name: 'dependency cycle',
    files: G(lxc(101, 'a', 'dependsOn: [c]') + lxc(102, 'b', 'dependsOn: [a]') + lxc(103, 'c', 'dependsOn: [102]')),
    errors: [
      'guests.yaml:3:123 guests[1].dependsOn[0] E_DEPENDENCY_CYCLE dependency cycle: 101 (a) → 103 (c) → 102 (b) → 101 (a)',
    ],
  },
  {
    name: 'node memory exceeded',
    files: G(lxc(101, 'a', 'memory: 10240') + lxc(102, 'b', 'memory: 8192')),
    errors: [
      'phoenix.yaml:4:38 cluster.nodes[0].memory E_CAPACITY guests on node "pve" need 18432 MiB of memory, the node has 16384 MiB',
    ],
  },
  {
    name: 'node cores exceeded',
    files: G(lxc(101, 'a', 'cores: 6') + lxc(102, 'b', 'cores: 4')),
    errors: ['phoenix.yaml:4:27 cluster.nodes[0].cores E_CAPACITY guests on node "pve" need 10 cores, the node has 8'],
  },
  {
    name: 'firewall port without a protocol',
    files: G(lxc(101, 'a', 'firewall: { rules: [{ action: ACCEPT, type: in, dport: 22 }] }')),
    errors: ['guests.yaml:2:166 guests[0].firewall.rules[0].dport E_FIREWALL_RULE dport needs proto tcp or udp'],
  },
  {
    name: 'ssh without a pinned host key',
    files: withBase(
      'proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: phoenix@pve!ci\n  tokenSecret: env:TOKEN\n  ssh: { privateKey: file:id_ed25519 }\n',
    ),
    errors: ['phoenix.yaml:25:8 proxmox.ssh E_SSH_HOST_KEY ssh does not pin the node host key'],
  },
  {
    name: 'missing CA file',
    files: withBase(
      'proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: phoenix@pve!ci\n  tokenSecret: env:TOKEN\n  tls: { caFile: pve-ca.pem }\n',
    ),
    errors: ['phoenix.yaml:25:18 proxmox.tls.caFile E_FILE_NOT_FOUND CA file pve-ca.pem not found'],
  },
  // --- platform ---
  {
    name: 'role played twice',
    files: G(lxc(101, 'a', 'role: step-ca') + lxc(102, 'b', 'role: step-ca')),
    errors: ['guests.yaml:3:117 guests[1].role E_ROLE role step-ca is already played by 101 (a)'],
  },
  {
    name: 'swarm worker without a manager',
    files: G(VM(1002, 'w', 'role: swarm-worker')),
    errors: ['guests.yaml:2:121 guests[0].role E_ROLE role swarm-worker needs a guest with role swarm-manager'],
  },
  {
    name: 'DNS A record that is not an address',
    files: withBase('', { 'dns.yaml': 'dns:\n  records:\n    - { name: app.home.arpa, type: A, value: gateway }\n' }),
    errors: ['dns.yaml:3:46 dns.records[0].value E_DNS_VALUE A record value "gateway" is not an IPv4 address'],
  },
  {
    name: 'DNS record for a guest name with another address',
    files: {
      ...G(lxc(101, 'a')),
      'dns.yaml': 'dns:\n  records:\n    - { name: a.home.arpa, type: A, value: 10.0.0.9 }\n',
    },
    errors: [
      'dns.yaml:3:15 dns.records[0].name E_DNS_CONFLICT a.home.arpa is declared twice: A 10.0.0.101 (guest 101) and A 10.0.0.9 (dns.records[0])',
    ],
  },
  {
    name: 'stack compose file missing',
    files: { ...G(SWARM), 'stacks.yaml': 'stacks:\n  - { name: app, compose: app/missing.yaml }\n' },
    errors: ['stacks.yaml:2:27 stacks[0].compose E_FILE_NOT_FOUND compose file app/missing.yaml not found'],
  },
  {
    name: 'stack replicas for an unknown service',
    files: {
      ...G(SWARM),
      ...STACK_FILES,
      'stacks.yaml':
        'stacks:\n  - name: app\n    compose: app/app.compose.yaml\n    environments:\n      production: { replicas: { api: 2 } }\n',
    },
    errors: [
      'stacks.yaml:5:38 stacks[0].environments.production.replicas.api E_UNKNOWN_SERVICE service "api" is not in app/app.compose.yaml',
    ],
  },
  {
    name: 'stack dependency cycle',
    files: {
      ...G(SWARM),
      ...STACK_FILES,
      'stacks.yaml':
        'stacks:\n  - { name: app, compose: app/app.compose.yaml, dependsOn: [db] }\n  - { name: db, compose: app/app.compose.yaml, dependsOn: [app] }\n',
    },
    errors: ['stacks.yaml:3:60 stacks[1].dependsOn[0] E_DEPENDENCY_CYCLE stack dependency cycle: app → db → app'],
  },
  {
    name: 'route to an unknown stack',
    files: {
      ...G(SWARM),
      'routes.yaml': 'routes:\n  - { host: app.home.arpa, target: { stack: shop, service: web, port: 80 } }\n',
    },
    errors: [
      'routes.yaml:2:45 routes[0].target.stack E_UNKNOWN_STACK route app.home.arpa: stack "shop" is not declared',
    ],
  },
  {
    name: 'route with both guest and stack',
    files: {
      ...G(SWARM),
      'routes.yaml': 'routes:\n  - { host: app.home.arpa, target: { guest: 1001, stack: shop, port: 80 } }\n',
    },
    errors: [
      'routes.yaml:2:36 routes[0].target E_ROUTE_TARGET route app.home.arpa: target needs either guest or stack (with service)',
    ],
  },
  {
    name: 'route to an unknown certificate',
    files: {
      ...G(SWARM),
      'routes.yaml':
        'routes:\n  - host: app.home.arpa\n    target: { guest: mgr, port: 80 }\n    tls: { certificate: edge }\n',
    },
    errors: ['routes.yaml:4:25 routes[0].tls.certificate E_UNKNOWN_CERTIFICATE certificate "edge" is not declared'],
  },
  {
    name: 'certificate that does not cover the route host',
    files: {
      ...G(SWARM + lxc(103, 'ca', 'role: step-ca')),
      'routes.yaml':
        'certificates:\n  - { name: edge, commonName: "*.lab.arpa" }\nroutes:\n  - host: app.home.arpa\n    target: { guest: mgr, port: 80 }\n    tls: { certificate: edge }\n',
    },
    errors: [
      'routes.yaml:2:31 certificates[0].commonName E_CERT_NAME_POLICY certificate "edge": *.lab.arpa is outside the cluster domain home.arpa and is no guest\'s address',
      'routes.yaml:6:25 routes[0].tls.certificate E_CERT_HOST certificate "edge" does not cover app.home.arpa',
    ],
  },
  {
    name: 'certificate SAN outside the cluster domain',
    files: {
      ...G(lxc(103, 'ca', 'role: step-ca')),
      'certs.yaml':
        'certificates:\n  - name: web\n    commonName: web.home.arpa\n    sans: [10.0.0.103, evil.example.com]\n    guest: ca\n',
    },
    errors: [
      'certs.yaml:4:24 certificates[0].sans[1] E_CERT_NAME_POLICY certificate "web": evil.example.com is outside the cluster domain home.arpa and is no guest\'s address',
    ],
  },
  {
    name: "certificate common name and an IP that is no guest's address",
    files: {
      ...G(lxc(103, 'ca', 'role: step-ca')),
      'certs.yaml': 'certificates:\n  - { name: web, commonName: "*.home.arpa.evil.org", sans: [10.0.0.99] }\n',
    },
    errors: [
      'certs.yaml:2:30 certificates[0].commonName E_CERT_NAME_POLICY certificate "web": *.home.arpa.evil.org is outside the cluster domain home.arpa and is no guest\'s address',
      'certs.yaml:2:61 certificates[0].sans[0] E_CERT_NAME_POLICY certificate "web": 10.0.0.99 is outside the cluster domain home.arpa and is no guest\'s address',
    ],
  },
  // --- schema and semantic errors in one run ---
  {
    name: 'schema error in one guest, duplicate IP in two others',
    files: G(lxc(101, 'a', 'cpus: 2') + lxc(102, 'b') + lxc(103, 'c').replace('10.0.0.103', '10.0.0.102')),
    errors: [
      'guests.yaml:2:111 guests[0].cpus E_UNKNOWN_KEY unknown key "cpus" (did you mean "cores"?)',
      'guests.yaml:4:93 guests[2].net[0].ip E_DUPLICATE_IP duplicate IP address "10.0.0.102" (first used at guests.yaml:3:93)',
    ],
  },
  {
    name: 'no false reference error to an item with schema errors',
    files: withBase('', {
      't.yaml': 'templates:\n  - { name: alpine, kind: lxc, storage: local, file: alpine.iso }\n',
      'g.yaml': `guests:\n${lxc(101, 'a').replace('template: debian', 'template: alpine')}${lxc(102, 'b').replace('template: debian', 'template: nope')}`,
    }),
    errors: [
      't.yaml:2:54 templates[0].file E_SCHEMA file must be a template archive name like debian-12-standard_12.7-1_amd64.tar.zst',
    ],
  },
];
