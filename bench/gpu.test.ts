// scripts/bench-gpu.mjs's choice among Chromium's probes and its static server (bench/lib/gpu.mjs).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore plain ESM module without types
import { bestProbe, serve } from './lib/gpu.mjs';

const probe = (variant: string, adapter: object | null, webgl: string) => ({
  variant, webgl, adapter: adapter ?? { available: false, software: false, description: '' },
});
const hw = { available: true, software: false, description: 'nvidia' };
const sw = { available: true, software: true, description: 'google swiftshader' };

describe('bestProbe', () => {
  it('wants a hardware WebGPU adapter, then WebGL on the GPU, then any WebGL', () => {
    const probes = [
      probe('a', sw, 'ANGLE (NVIDIA, Vulkan)'),
      probe('b', hw, 'no WebGL2'),
      probe('c', hw, 'ANGLE (Google, SwiftShader Device)'),
      probe('d', hw, 'ANGLE (NVIDIA, Vulkan)'),
    ];
    expect(bestProbe(probes)).toMatchObject({ variant: 'd', full: true });
    expect(bestProbe(probes.slice(0, 3))).toMatchObject({ variant: 'c', full: false });
    expect(bestProbe(probes.slice(0, 2))).toMatchObject({ variant: 'b', full: false });
  });

  it('refuses software and missing adapters unless asked', () => {
    const probes = [probe('a', sw, 'ANGLE (NVIDIA, Vulkan)'), probe('b', null, 'ANGLE (NVIDIA, Vulkan)'), { variant: 'e', error: 'launch: no answer' }];
    expect(bestProbe(probes)).toBeNull();
    expect(bestProbe(probes, true)).toMatchObject({ variant: 'a', full: false });
    expect(bestProbe([])).toBeNull();
  });
});

describe('serve', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'facet-serve-'));
    mkdirSync(join(root, 'dist', 'assets'), { recursive: true });
    mkdirSync(join(root, 'dist-other'));
    mkdirSync(join(root, 'models', 'm'), { recursive: true });
    writeFileSync(join(root, 'dist', 'index.html'), '<html>app</html>');
    writeFileSync(join(root, 'dist', 'assets', 'x.wasm'), 'wasm');
    writeFileSync(join(root, 'dist-other', 'secret.txt'), 'secret');
    writeFileSync(join(root, 'models', 'm', 'manifest.json'), '{"id":"m"}');
    server = await serve(join(root, 'dist'), join(root, 'models'), 0);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server?.close());

  // A raw request: fetch() would resolve "..", which is what the server must refuse.
  const get = (path: string) => new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((ok, fail) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', fail).end();
  });

  it('serves the app and the models with their types and the isolation headers', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.body).toBe('<html>app</html>');
    expect(index.headers['content-type']).toBe('text/html');
    expect(index.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(index.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect((await get('/assets/x.wasm?v=1')).headers['content-type']).toBe('application/wasm');
    const manifest = await get('/models/m/manifest.json');
    expect(manifest.body).toBe('{"id":"m"}');
    expect(manifest.headers['content-type']).toBe('application/json');
    expect((await get('/nothing.js')).status).toBe(404);
  });

  it('refuses paths outside its folders, a sibling folder with the same prefix too', async () => {
    expect((await get('/..%2fdist-other/secret.txt')).status).toBe(403);
    expect((await get('/models/..%2f..%2fdist-other/secret.txt')).status).toBe(403);
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });
});
