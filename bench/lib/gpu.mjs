// The parts of scripts/bench-gpu.mjs that are not the run itself: the Chromium flag sets it probes,
// the choice among their probes, and the static server that stands in for vite preview.
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

/** Flag sets tried in order: Dawn (WebGPU) and ANGLE (WebGL, the preview) on the GPU's Vulkan, then EGL. */
export const VARIANTS = [
  { name: 'vulkan', args: ['--ignore-gpu-blocklist', '--use-angle=vulkan', '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan', '--disable-vulkan-surface'] },
  { name: 'angle-vulkan', args: ['--ignore-gpu-blocklist', '--use-angle=vulkan'] },
  { name: 'angle-egl', args: ['--ignore-gpu-blocklist', '--use-gl=angle', '--use-angle=gl-egl'] },
  { name: 'default', args: ['--ignore-gpu-blocklist'] },
];

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|no WebGL2/i;

/**
 * The probe to run the bench with: one with a WebGPU adapter that is not a software one (any
 * adapter with allowSoftware), preferring WebGL on the GPU, then any WebGL; null if none.
 * `full`: WebGPU and WebGL both on hardware.
 */
export function bestProbe(probes, allowSoftware = false) {
  const score = (p) => (p?.adapter?.available && (!p.adapter.software || allowSoftware) ? 4 : 0)
    + (p?.webgl && p.webgl !== 'no WebGL2' ? 1 : 0) + (p?.webgl && !SOFTWARE.test(p.webgl) ? 2 : 0);
  const best = probes.filter((p) => score(p) >= 4).sort((x, y) => score(y) - score(x))[0];
  return best ? { ...best, full: score(best) === 7 && !best.adapter.software } : null;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml', '.onnx': 'application/octet-stream' };

/** A static server with the headers vite preview sends (cross-origin isolation, for wasm threads). */
export function serve(dist, models, port) {
  dist = resolve(dist);
  models = models ? resolve(models) : null;
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    const base = models && path.startsWith('/models/') ? models : dist;
    const rel = models && path.startsWith('/models/') ? path.slice('/models/'.length) : path.slice(1);
    let file = normalize(join(base, rel));
    if (file !== base && !file.startsWith(base + sep)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end(`not found: ${path}`); return; }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size,
      'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

