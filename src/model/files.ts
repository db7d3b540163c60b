/** Fetching model files: JSON with clear errors, bytes with progress, sha256 via crypto.subtle. */
import { ModelError } from './errors';

export type FetchFn = (url: string) => Promise<Response>;

async function get(url: string, file: string, fetchFn: FetchFn): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (e) {
    throw new ModelError(file, `could not be downloaded from ${url} (${String(e)})`);
  }
  if (!response.ok) throw new ModelError(file, `could not be downloaded: HTTP ${response.status} for ${url}`);
  return response;
}

export async function fetchJson(url: string, file: string, fetchFn: FetchFn = fetch): Promise<unknown> {
  const text = await (await get(url, file, fetchFn)).text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

/** Downloads a file, reporting the bytes received so far. */
export async function fetchBytes(url: string, file: string, onBytes: (received: number) => void, fetchFn: FetchFn = fetch): Promise<Uint8Array> {
  const response = await get(url, file, fetchFn);
  if (!response.body) {
    const buf = new Uint8Array(await response.arrayBuffer());
    onBytes(buf.byteLength);
    return buf;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onBytes(received);
  }
  const out = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checks size and hash against the manifest's entry. */
export async function verifyFile(file: string, bytes: Uint8Array, expected: { bytes: number; sha256: string }): Promise<void> {
  if (bytes.byteLength !== expected.bytes) {
    throw new ModelError(file, `size mismatch: manifest says ${expected.bytes} bytes, file is ${bytes.byteLength} bytes`);
  }
  const hash = await sha256Hex(bytes);
  if (hash !== expected.sha256) {
    throw new ModelError(file, `sha256 mismatch: manifest says ${expected.sha256.slice(0, 12)}…, file is ${hash.slice(0, 12)}…`);
  }
}
