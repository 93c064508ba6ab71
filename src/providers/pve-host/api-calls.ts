/**
 * The Proxmox API calls Phoenix makes, as `METHOD /schema/route`. `phoenix init` turns them into
 * the least-privilege role through the permission checks of the official PVE schema; tests
 * record the calls real applies make and fail when one is missing here (so the role never
 * lags behind the code).
 */
export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  route: string;
}

function calls(lines: string): ApiCall[] {
  return lines
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [method = '', route = ''] = line.trim().split(/\s+/);
      return { method: method as ApiCall['method'], route };
    });
}

/** The host handlers of this provider. */
export const HOST_API_CALLS: readonly ApiCall[] = calls(`
  GET /nodes
  GET /nodes/{node}/network
  POST /nodes/{node}/network
  PUT /nodes/{node}/network/{iface}
  DELETE /nodes/{node}/network/{iface}
  PUT /nodes/{node}/network
  GET /nodes/{node}/tasks/{upid}/status
  GET /nodes/{node}/tasks/{upid}/log
  GET /nodes/{node}/disks/zfs
  GET /nodes/{node}/disks/zfs/{name}
  POST /nodes/{node}/disks/zfs
  GET /storage
  POST /storage
  PUT /storage/{storage}
  GET /pools
  POST /pools
  PUT /pools/{poolid}
  DELETE /pools/{poolid}
  GET /access/roles
  GET /access/users
  GET /access/acl
  GET /cluster/firewall/options
  PUT /cluster/firewall/options
  GET /cluster/firewall/rules
  POST /cluster/firewall/rules
  DELETE /cluster/firewall/rules/{pos}
  GET /nodes/{node}/firewall/options
  PUT /nodes/{node}/firewall/options
  GET /nodes/{node}/firewall/rules
  POST /nodes/{node}/firewall/rules
  DELETE /nodes/{node}/firewall/rules/{pos}
  GET /cluster/firewall/groups
  POST /cluster/firewall/groups
  DELETE /cluster/firewall/groups/{group}
  GET /cluster/firewall/groups/{group}
  POST /cluster/firewall/groups/{group}
  DELETE /cluster/firewall/groups/{group}/{pos}
  GET /cluster/firewall/ipset
  POST /cluster/firewall/ipset
  DELETE /cluster/firewall/ipset/{name}
  GET /cluster/firewall/ipset/{name}
  POST /cluster/firewall/ipset/{name}
  DELETE /cluster/firewall/ipset/{name}/{cidr}
  GET /cluster/firewall/aliases
  POST /cluster/firewall/aliases
  PUT /cluster/firewall/aliases/{name}
  DELETE /cluster/firewall/aliases/{name}
`);

/**
 * Writes to users, API tokens, roles and ACLs. They are left out of the least-privilege role on
 * purpose: a token that may write them may widen its own rights (give its role a privilege back,
 * grant itself Administrator). Declaring access objects other than Phoenix's own needs a token
 * the operator grants these rights to deliberately; Phoenix never changes its own (self-access.ts).
 */
export const ACCESS_API_CALLS: readonly ApiCall[] = calls(`
  POST /access/roles
  PUT /access/roles/{roleid}
  POST /access/users
  PUT /access/users/{userid}
  DELETE /access/users/{userid}
  POST /access/users/{userid}/token/{tokenid}
  PUT /access/users/{userid}/token/{tokenid}
  DELETE /access/users/{userid}/token/{tokenid}
  PUT /access/acl
`);

/**
 * The guest, template and storage-file handlers (src/providers/proxmox) and `phoenix status`,
 * for both guest types: the whole lifecycle (create, clone, converge, snapshots, power,
 * destroy, guest firewall, QEMU agent), not only what one apply happens to send.
 */
export const GUEST_API_CALLS: readonly ApiCall[] = calls(`
  GET /cluster/resources
  GET /cluster/nextid
  GET /nodes/{node}/tasks/{upid}/status
  GET /nodes/{node}/tasks/{upid}/log
  GET /nodes/{node}/storage
  GET /nodes/{node}/storage/{storage}/content
  DELETE /nodes/{node}/storage/{storage}/content/{volume}
  GET /nodes/{node}/aplinfo
  POST /nodes/{node}/aplinfo
  POST /nodes/{node}/storage/{storage}/download-url
${['lxc', 'qemu']
  .map(
    (t) => `
  POST /nodes/{node}/${t}
  GET /nodes/{node}/${t}/{vmid}/config
  DELETE /nodes/{node}/${t}/{vmid}
  POST /nodes/{node}/${t}/{vmid}/clone
  POST /nodes/{node}/${t}/{vmid}/template
  PUT /nodes/{node}/${t}/{vmid}/resize
  GET /nodes/{node}/${t}/{vmid}/status/current
  GET /nodes/{node}/${t}/{vmid}/pending
  POST /nodes/{node}/${t}/{vmid}/status/start
  POST /nodes/{node}/${t}/{vmid}/status/stop
  POST /nodes/{node}/${t}/{vmid}/status/shutdown
  POST /nodes/{node}/${t}/{vmid}/status/reboot
  GET /nodes/{node}/${t}/{vmid}/snapshot
  POST /nodes/{node}/${t}/{vmid}/snapshot
  POST /nodes/{node}/${t}/{vmid}/migrate
  GET /nodes/{node}/${t}/{vmid}/firewall/options
  PUT /nodes/{node}/${t}/{vmid}/firewall/options
  GET /nodes/{node}/${t}/{vmid}/firewall/rules
  POST /nodes/{node}/${t}/{vmid}/firewall/rules
  PUT /nodes/{node}/${t}/{vmid}/firewall/rules/{pos}
  DELETE /nodes/{node}/${t}/{vmid}/firewall/rules/{pos}`,
  )
  .join('')}
  PUT /nodes/{node}/lxc/{vmid}/config
  POST /nodes/{node}/qemu/{vmid}/config
  PUT /nodes/{node}/qemu/{vmid}/config
  PUT /nodes/{node}/qemu/{vmid}/cloudinit
  POST /nodes/{node}/qemu/{vmid}/agent/ping
  POST /nodes/{node}/qemu/{vmid}/agent/exec
  GET /nodes/{node}/qemu/{vmid}/agent/exec-status
  POST /nodes/{node}/qemu/{vmid}/agent/file-write
  GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces
`);
