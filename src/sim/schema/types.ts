/** Shapes of the committed parameter table (a prose-free subset of PVE's `apidata.js`). */

/** One parameter (or one key of a property string) as the official schema states it. */
export interface ParamSchema {
  type?: 'string' | 'integer' | 'boolean' | 'number' | 'array' | 'object' | 'null';
  optional?: 0 | 1;
  default?: unknown;
  /** A named format (`pve-vmid`) or an inlined property-string format (key → schema). */
  format?: string | PropertyFormat;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  items?: ParamSchema;
  requires?: string;
  /** Only inside property-string formats: this key may be given as a bare value. */
  default_key?: 0 | 1;
  /** Only inside property-string formats: `virtio=MAC` means model=virtio, macaddr=MAC. */
  alias?: string;
  keyAlias?: string;
  format_description?: string;
}

export type PropertyFormat = Record<string, ParamSchema>;

export interface EndpointSchema {
  name: string;
  parameters: { additionalProperties: 0 | 1; properties: Record<string, ParamSchema> };
  /** `check` is PVE's permission expression, e.g. `["perm", "/vms/{vmid}", ["VM.Audit"]]`. */
  permissions?: { check?: unknown[]; user?: string };
  allowtoken: 0 | 1;
  protected?: 1;
  proxyto?: string;
}

export interface SchemaTable {
  source: string;
  sha256: string;
  generator: string;
  /** schema path → method → endpoint. */
  endpoints: Record<string, Record<string, EndpointSchema>>;
}
