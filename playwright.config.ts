// End-to-end tests: the real app in the system Chromium (Playwright cannot download browsers
// here), against Vite's dev server. See e2e/README.md.
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

const CI = !!process.env.CI;
const PORT = Number(process.env.FACET_E2E_PORT ?? 5173);

// The same search as scripts/lib/chromium.mjs, which `npm test` runs first and exports as CHROMIUM_PATH.
const chromium =
  process.env.CHROMIUM_PATH ??
  ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p)) ??
  '/usr/bin/chromium';

const args = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  // Per-test folders with each step's screenshot; wiped at the start of every run.
  outputDir: 'e2e/artifacts',
  // 2 cores: one browser at a time, tests in file order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: CI,
  // The real model runs on the wasm backend on 2 CPU cores; the WebGPU test on SwiftShader.
  timeout: 6 * 60_000,
  globalTimeout: 20 * 60_000,
  expect: { timeout: 30_000 },
  reporter: 'list',
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1280, height: 800 },
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: { executablePath: chromium, args },
  },
  projects: [
    { name: 'wasm', testIgnore: /webgpu\.spec\.ts$/ },
    {
      name: 'webgpu',
      testMatch: /webgpu\.spec\.ts$/,
      use: { launchOptions: { executablePath: chromium, args: [...args, '--enable-unsafe-webgpu'] } },
    },
  ],
  webServer: {
    command: `npx vite --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: !CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
