// Imports the app's TypeScript kernels (src/kernels/fuse.ts, camera.ts) into Node without a
// copy: rolldown (Vite's bundler, already installed) bundles bench/lib/kernels-entry.ts into
// bench/build/kernels.mjs, which is then imported.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function loadKernels(root) {
  const { build } = await import('rolldown');
  const outDir = join(root, 'bench', 'build');
  mkdirSync(outDir, { recursive: true });
  await build({
    input: join(root, 'bench', 'lib', 'kernels-entry.ts'),
    platform: 'node',
    logLevel: 'silent',
    output: { file: join(outDir, 'kernels.mjs'), format: 'esm' },
  });
  return import(`${pathToFileURL(join(outDir, 'kernels.mjs')).href}?t=${Date.now()}`);
}
