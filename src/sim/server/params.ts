/**
 * Request parameters as pveproxy extracts them (spec §1): query string for every method, plus
 * a form-encoded or JSON body for POST/PUT; query keys override body keys; `_dc` is dropped;
 * repeated keys become arrays; path parameters are merged, and a body/query value that
 * conflicts with the URI is a 400.
 */
import { createHash } from 'node:crypto';
import { SimApiError } from '../contract.ts';

export type RawParams = Record<string, unknown>;

/** Form/query decoding with repeated keys collected into arrays. */
export function decodeForm(text: string): RawParams {
  const out: RawParams = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

export function decodeBody(contentType: string | undefined, body: Buffer): RawParams {
  if (body.length === 0) return {};
  const type = (contentType ?? 'application/x-www-form-urlencoded').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new SimApiError(400, `malformed JSON string: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SimApiError(400, 'malformed JSON string: expected an object');
    }
    return parsed as RawParams;
  }
  return decodeForm(body.toString('utf8'));
}

/**
 * A `multipart/form-data` body (uploads): pveproxy streams the file part to
 * `/var/tmp/pveupload-<hex>` and passes `filename` (the client's file name) and `tmpfilename`;
 * the other parts are ordinary parameters.
 */
export async function decodeMultipart(
  contentType: string,
  body: Buffer,
): Promise<{ params: RawParams; upload?: { name: string; data: Uint8Array } }> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new SimApiError(400, 'malformed multipart/form-data body');
  }
  const params: RawParams = {};
  let upload: { name: string; data: Uint8Array } | undefined;
  for (const [key, value] of form.entries()) {
    if (typeof value === 'string') {
      params[key] = value;
      continue;
    }
    const data = new Uint8Array(await value.arrayBuffer());
    upload = { name: value.name, data };
    params.filename = value.name;
    params.tmpfilename = `/var/tmp/pveupload-${createHash('md5').update(data).update(value.name).digest('hex')}`;
  }
  return { params, upload };
}

function sameValue(a: unknown, b: unknown): boolean {
  return String(a) === String(b);
}

/** Merges body, query (wins) and path parameters into one record. */
export function mergeParams(body: RawParams, query: RawParams, path: Record<string, string>): RawParams {
  const merged: RawParams = { ...body, ...query };
  delete merged['_dc'];
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(path)) {
    const given = merged[key];
    if (given !== undefined && !sameValue(given, value)) {
      errors[key] = 'duplicate parameter (already defined in URI) with conflicting values!';
    }
    merged[key] = value;
  }
  if (Object.keys(errors).length > 0) throw new SimApiError(400, 'Parameter verification failed.', errors);
  return merged;
}
