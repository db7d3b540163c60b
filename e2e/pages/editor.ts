// Page object for the editor: opening it with URL parameters, the window.facet test API,
// the viewport canvas, the status bar, the model picker and the error message.
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { DEFAULT_DETERMINISM, installDeterminism } from '../support/determinism';
import type { CodeKind, FacetInfo, FacetWindow, Feed, GraphOutput, Labels, PortraitName, Pixels, RegionActionName } from '../support/facetApi';
import { decodePng } from '../support/png';

export type UrlParams = Record<string, string | number | true>;

/** How long the real model may take to load on wasm with 2 CPU cores. */
export const READY_TIMEOUT_MS = Number(process.env.FACET_E2E_READY_MS ?? 180_000);

export function editorUrl(params: UrlParams): string {
  const parts = Object.entries(params).map(([k, v]) => (v === true ? k : `${k}=${encodeURIComponent(String(v))}`));
  return parts.length ? `/?${parts.join('&')}` : '/';
}

export class EditorPage {
  /** console.error messages and uncaught page errors, in order. */
  readonly errors: string[] = [];
  /** When the page reloaded by itself while whenReady() waited (see there). */
  readonly reloads: string[] = [];
  private shots = 0;

  constructor(readonly page: Page) {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const { url, lineNumber } = msg.location();
      this.errors.push(`console.error: ${msg.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
    });
    page.on('pageerror', (err) => this.errors.push(`pageerror: ${err.stack ?? err.message}`));
  }

  /** A page with the determinism shim installed, at `/?<params>`, once window.facet exists. */
  static async open(page: Page, params: UrlParams): Promise<EditorPage> {
    await page.addInitScript(installDeterminism, DEFAULT_DETERMINISM);
    const editor = new EditorPage(page);
    await editor.goto(params);
    return editor;
  }

  async goto(params: UrlParams): Promise<void> {
    await this.page.goto(editorUrl(params));
    await this.waitForApi();
  }

  private async waitForApi(): Promise<void> {
    await this.page.waitForFunction(
      () => typeof (window as unknown as Partial<FacetWindow>).facet?.info === 'function',
      undefined,
      { timeout: 60_000 },
    );
  }

  // ---- window.facet -------------------------------------------------------------------------

  info(): Promise<FacetInfo> {
    return this.page.evaluate(() => (window as unknown as FacetWindow).facet.info());
  }

  /**
   * whenReady(), bounded: rejects with the app's status and error if it does not resolve in time.
   * Survives a page reload on the way (Vite reloads the page when it re-optimises dependencies
   * or a source file changes under a running dev server): it then waits for the new page's API.
   */
  async whenReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.page.evaluate(async (ms) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`window.facet.whenReady() did not resolve within ${ms} ms`)), ms);
          });
          try {
            await Promise.race([(window as unknown as FacetWindow).facet.whenReady(), timeout]);
          } finally {
            clearTimeout(timer);
          }
        }, Math.max(1, deadline - Date.now()));
        return;
      } catch (err) {
        const message = (err as Error).message;
        if (/Execution context was destroyed/.test(message) && Date.now() < deadline) {
          this.reloads.push(new Date().toISOString());
          await this.waitForApi();
          continue;
        }
        const info = await this.info().catch(() => null);
        const reloads = this.reloads.length ? `\nthe page reloaded by itself ${this.reloads.length} time(s) meanwhile` : '';
        throw new Error(`${message}\napp info: ${JSON.stringify(info)}${reloads}`);
      }
    }
  }

  /** Waits until info().status leaves 'loading' and returns the info. */
  async settled(timeoutMs = READY_TIMEOUT_MS): Promise<FacetInfo> {
    await expect.poll(async () => (await this.info()).status, { timeout: timeoutMs }).not.toBe('loading');
    return this.info();
  }

  imagePixels(portrait: PortraitName = 'A'): Promise<Pixels> {
    return this.page.evaluate((p) => (window as unknown as FacetWindow).facet.imagePixels(p), portrait);
  }

  labels(portrait: PortraitName = 'A'): Promise<Labels> {
    return this.page.evaluate((p) => (window as unknown as FacetWindow).facet.labels(p), portrait);
  }

  /** window.facet.settled(): every pending bake and final render of the visible portraits shown. */
  settledRenders(): Promise<void> {
    return this.page.evaluate(() => (window as unknown as FacetWindow).facet.settled());
  }

  setSlider(portrait: PortraitName, region: string, kind: CodeKind, name: string, value: number): Promise<void> {
    return this.page.evaluate(([p, r, k, n, v]) => (window as unknown as FacetWindow).facet.setSlider(p, r, k, n, v), [portrait, region, kind, name, value] as const);
  }

  regionAction(portrait: PortraitName, region: string, action: RegionActionName): Promise<void> {
    return this.page.evaluate(([p, r, a]) => (window as unknown as FacetWindow).facet.regionAction(p, r, a), [portrait, region, action] as const);
  }

  undo(): Promise<void> {
    return this.page.evaluate(() => (window as unknown as FacetWindow).facet.undo());
  }

  redo(): Promise<void> {
    return this.page.evaluate(() => (window as unknown as FacetWindow).facet.redo());
  }

  saveSession(): Promise<string> {
    return this.page.evaluate(() => (window as unknown as FacetWindow).facet.saveSession());
  }

  /** loadSession(json): resolves to null, or to the rejection's message. */
  loadSession(json: string): Promise<string | null> {
    return this.page.evaluate(async (j) => {
      try {
        await (window as unknown as FacetWindow).facet.loadSession(j);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    }, json);
  }

  lastEditMs(): Promise<number | null> {
    return this.page.evaluate(() => (window as unknown as FacetWindow).facet.lastEditMs());
  }

  setPose(yaw: number, pitch: number): Promise<void> {
    return this.page.evaluate(([y, p]) => (window as unknown as FacetWindow).facet.setPose(y, p), [yaw, pitch] as const);
  }

  runGraph(graph: string, feeds: Record<string, Feed>): Promise<Record<string, GraphOutput>> {
    return this.page.evaluate(([g, f]) => (window as unknown as FacetWindow).facet.runGraph(g, f), [graph, feeds] as const);
  }

  // ---- the UI ---------------------------------------------------------------------------------

  get canvas(): Locator {
    return this.page.getByTestId('viewport').locator('canvas').first();
  }

  get statusBar(): Locator {
    // The page's <footer> (role contentinfo); not role=status, which is the loading progress.
    return this.page.getByRole('contentinfo');
  }

  get modelPicker(): Locator {
    return this.page.getByRole('combobox', { name: /model/i });
  }

  get errorMessage(): Locator {
    return this.page.getByRole('alert');
  }

  async pickModel(id: string): Promise<void> {
    await this.modelPicker.selectOption(id);
  }

  /** Drags on the canvas with the mouse from its centre by (dx, dy) CSS pixels. */
  async dragCanvas(dx: number, dy: number, steps = 12): Promise<void> {
    const box = await this.canvas.boundingBox();
    if (!box) throw new Error('the viewport canvas has no bounding box (not visible?)');
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(x + dx, y + dy, { steps });
    await this.page.mouse.up();
  }

  // ---- artifacts ------------------------------------------------------------------------------

  /** Saves a full-page screenshot as `NN-<name>.png` in the test's artifact folder. */
  async screenshot(testInfo: TestInfo, name: string): Promise<string> {
    const path = testInfo.outputPath(`${String(++this.shots).padStart(2, '0')}-${name}.png`);
    // An artifact, not a check: a page whose main thread is busy loading a model may not produce
    // a frame in time; note that instead of failing the test.
    try {
      await this.page.screenshot({ path, fullPage: true, timeout: 90_000 });
    } catch (err) {
      testInfo.annotations.push({ type: 'screenshot skipped', description: `${name}: ${(err as Error).message.split('\n')[0]}` });
    }
    return path;
  }

  /** Screenshot of the canvas alone (saved like screenshot()), decoded to RGBA. */
  async canvasPixels(testInfo: TestInfo, name: string): Promise<Pixels> {
    const path = testInfo.outputPath(`${String(++this.shots).padStart(2, '0')}-${name}.png`);
    return decodePng(await this.canvas.screenshot({ path }));
  }

  /** Fails with every console error and page error seen so far. */
  expectNoErrors(): void {
    expect(this.errors, `console errors / page errors:\n${this.errors.join('\n')}`).toEqual([]);
  }
}
