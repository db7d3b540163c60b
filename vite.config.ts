/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation enables SharedArrayBuffer, which ORT's wasm threads need.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  // Pre-bundling rewrites ORT's `new URL('*.wasm', import.meta.url)`; serve it as shipped.
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    // Listed up front so the first dev load does not re-optimise and reload the page.
    include: ['react', 'react-dom/client', 'react/jsx-dev-runtime', 'zustand', 'zustand/vanilla', 'ajv/dist/2020', 'three', 'zod'],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      output: {
        // ORT's wasm threads start workers from its own module's URL (import.meta.url): it
        // must be a chunk of its own, or each worker would load (and run) the whole app.
        codeSplitting: { groups: [{ name: 'ort', test: /node_modules[\\/]onnxruntime-web/ }] },
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    // `npm run bench` copies the app (tests included) into bench/build/app: not ours to run twice
    exclude: ['**/node_modules/**', 'bench/build/**'],
    environment: 'node',
    // Several tests run real onnxruntime sessions; on 2 busy cores (npm test installs the Python
    // environment beside them on a fresh machine) 5 s is too tight a bound for them.
    testTimeout: 30_000,
  },
});
