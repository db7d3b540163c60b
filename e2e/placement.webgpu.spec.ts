// Every graph of the tiny model runs entirely on the GPU with onnxruntime-web's WebGPU provider:
// ORT's verbose log (`?ortlog=verbose`) reports node placement when each session is created, and
// any node "placed on [CPUExecutionProvider]" (a GPU-CPU round trip per run) fails the test.
import { writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor';
import { newSharedPage } from './support/browser';
import { readManifest } from './support/models';

const MODEL = 'tiny';

test('no node of any graph is placed on the CPU under WebGPU', async ({ browser }, testInfo) => {
  const manifest = readManifest(MODEL);
  const page = await newSharedPage(browser, testInfo);
  const log: string[] = [];
  page.on('console', (msg) => log.push(msg.text()));
  const editor = await EditorPage.open(page, { model: MODEL, backend: 'webgpu', ortlog: 'verbose' });
  await editor.whenReady(120_000);
  expect((await editor.info()).backend).toBe('webgpu');
  writeFileSync(testInfo.outputPath('ort-log.txt'), log.join('\n'));

  const onGpu = log.filter((l) => /placed on \[?WebGpuExecutionProvider/i.test(l));
  const onCpu = log.filter((l) => /placed on \[?CPUExecutionProvider/i.test(l));
  // Non-vacuous: placement was reported for every graph's session.
  expect(onGpu.length, `placement lines in ORT's verbose log:\n${log.slice(0, 40).join('\n')}`).toBeGreaterThanOrEqual(
    Object.keys(manifest.graphs).length,
  );
  expect(onCpu, onCpu.join('\n')).toEqual([]);
  await page.close();
});
