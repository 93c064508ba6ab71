/** Storage: list, content, appliance templates (aplinfo) and download-url. */
import { apiPath } from '../encode.ts';
import { z } from 'zod';
import { StorageDefinitionSchema, StorageEntrySchema, requestParsed } from '../responses.ts';
import type { ProxmoxTransport } from '../types.ts';

export interface StorageEntry {
  storage: string;
  type: string;
  content: string;
  active?: number;
  enabled?: number;
  shared?: number;
  avail?: number;
  total?: number;
  [key: string]: unknown;
}

export interface StorageContent {
  volid: string;
  content: string;
  format: string;
  size: number;
  vmid?: number;
  [key: string]: unknown;
}

export interface AplInfo {
  template: string;
  package: string;
  os: string;
  version: string;
  section: string;
  sha512sum?: string;
  [key: string]: unknown;
}

export interface DownloadUrlParams {
  url: string;
  filename: string;
  content: 'iso' | 'vztmpl' | 'import';
  checksum?: string;
  'checksum-algorithm'?: 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  'verify-certificates'?: boolean;
}

/** One row of `GET /storage`: the cluster's storage definition (type-specific keys pass through). */
export interface StorageDefinition {
  storage: string;
  type?: string;
  content?: string;
  nodes?: string;
  shared?: number;
  [key: string]: unknown;
}

export interface StorageApi {
  /** The cluster storage configuration (`GET /storage`). */
  definitions(): Promise<StorageDefinition[]>;
  list(node: string, filter?: { content?: string; storage?: string; enabled?: boolean }): Promise<StorageEntry[]>;
  content(node: string, storage: string, filter?: { content?: string; vmid?: number }): Promise<StorageContent[]>;
  aplinfo(node: string): Promise<AplInfo[]>;
  /** Downloads an appliance template from the aplinfo index; returns the task UPID. */
  downloadTemplate(node: string, storage: string, template: string): Promise<string>;
  /** The node downloads `url` into the storage; returns the task UPID. */
  downloadUrl(node: string, storage: string, params: DownloadUrlParams): Promise<string>;
  deleteVolume(node: string, storage: string, volume: string): Promise<string | null>;
}

export function storageApi(t: ProxmoxTransport): StorageApi {
  return {
    definitions: () => requestParsed(t, z.array(StorageDefinitionSchema), 'GET', '/storage'),
    list: (node, filter) =>
      requestParsed(t, z.array(StorageEntrySchema), 'GET', apiPath`/nodes/${node}/storage`, { ...filter }),
    content: (node, storage, filter) =>
      t.request('GET', apiPath`/nodes/${node}/storage/${storage}/content`, { ...filter }),
    aplinfo: (node) => t.request('GET', apiPath`/nodes/${node}/aplinfo`),
    // Downloading the same file twice only overwrites it: safe to repeat.
    downloadTemplate: (node, storage, template) =>
      t.request('POST', apiPath`/nodes/${node}/aplinfo`, { storage, template }, { retryUnsafe: true }),
    downloadUrl: (node, storage, params) =>
      t.request('POST', apiPath`/nodes/${node}/storage/${storage}/download-url`, { ...params }, { retryUnsafe: true }),
    deleteVolume: (node, storage, volume) =>
      t.request('DELETE', apiPath`/nodes/${node}/storage/${storage}/content/${volume}`),
  };
}
