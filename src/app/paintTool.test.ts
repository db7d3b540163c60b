// The paint tool's interface logic on a real store with a scripted host (an 8 x 8 label image
// per state and pose, and a scripted reshape): no inference here; the reshape itself is tested
// with the engine, and the whole flow in e2e/reshape.spec.ts.
import { describe, expect, it } from 'vitest';
import { testManifest } from '../model/testManifest';
import { createFacetStore, type PortraitId } from '../store/store';
import type { ShownImage } from '../viewport/sources';
import { PaintTool, regionWords, type PaintHost, type ReshapeOptions, type ReshapeResult } from './paintTool';

const W = 8;

function scriptedHost(opts: { can?: { ok: boolean; reason?: string }; reshape?: (target: Uint8Array, o?: ReshapeOptions) => Promise<ReshapeResult> } = {}) {
  const store = createFacetStore();
  const calls = { undo: 0, redo: 0, reshape: 0 };
  let state = 0; // bumps when the scripted reshape "changes" the portrait
  const host: PaintHost = {
    store,
    canReshape: () => opts.can ?? { ok: true },
    async reshape(_id: PortraitId, target: Uint8Array, o?: ReshapeOptions) {
      calls.reshape++;
      return opts.reshape!(target, o);
    },
    currentKey: () => `k${state}|${store.getState().portraits.A.seed}`,
    async finalImage(id: PortraitId) {
      await Promise.resolve();
      const s = store.getState();
      const labels = new Uint8Array(W * W);
      for (let i = 0; i < W * W; i++) labels[i] = i < W * (4 + state) ? 1 : 0; // face on top rows
      return {
        key: host.currentKey(id)!, pose: { ...(id === 'A' ? s.pose : s.poseB) }, width: W, height: W,
        rgba: new Uint8Array(W * W * 4), labels, depth: new Float32Array(W * W), done: W * W,
      } satisfies ShownImage;
    },
    async undo() {
      calls.undo++;
    },
    async redo() {
      calls.redo++;
    },
  };
  store.getState().setManifest(testManifest());
  const tool = new PaintTool(host);
  tool.start();
  return { store, tool, calls, grow: () => state++ };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('PaintTool', () => {
  it('paint mode shows the semantic view, loads the mask, and gives the view back when off', async () => {
    const { store, tool } = scriptedHost();
    tool.store.getState().setPaint({ region: 'face' });
    tool.setOn(true);
    expect(store.getState().view).toBe('semantic');
    await flush();
    expect(store.getState().paint.ready).toBe(true);
    expect(tool.layer.width).toBe(W);
    tool.setOn(false);
    expect(store.getState().view).toBe('color');
    expect(store.getState().paint.ready).toBe(false);
  });

  it('a stroke is one undo step; undo acts on strokes first, then on the editor history', async () => {
    const { store, tool, calls } = scriptedHost();
    store.getState().setPaint({ region: 'face', size: 1 });
    tool.setOn(true);
    await flush();
    expect(tool.press(0.5, 6.5)).toBe(true);
    tool.drag(7.5, 6.5);
    tool.release();
    expect(store.getState().paint).toMatchObject({ pending: 8, undoSteps: 1, redoSteps: 0 });
    expect(tool.undoTarget()).toBe('stroke');
    await tool.undo();
    expect(store.getState().paint).toMatchObject({ pending: 0, undoSteps: 0, redoSteps: 1 });
    expect(calls.undo).toBe(0);
    expect(tool.redoTarget()).toBe('stroke');
    await tool.redo();
    expect(store.getState().paint.pending).toBe(8);
    // the eraser paints the mask back; fill fills the closed area with the region
    store.getState().setPaint({ tool: 'eraser', size: 3 });
    tool.press(3.5, 6.5);
    tool.release();
    expect(store.getState().paint.pending).toBeLessThan(8);
    store.getState().setPaint({ tool: 'fill' });
    tool.press(0.5, 7.5);
    expect(store.getState().paint.pending).toBe(32); // the background rows 4..7 (connected through the erased gap) are now face
    tool.clear();
    expect(store.getState().paint.pending).toBe(0);
    await tool.undo(); // the clear
    expect(store.getState().paint.pending).toBe(32);
    for (let i = 0; i < 4; i++) await tool.undo(); // fill, eraser stroke, stroke, then the editor's
    expect(calls.undo).toBe(1);
  });

  it('a camera move clears the pending paint and says so', async () => {
    const { store, tool } = scriptedHost();
    store.getState().setPaint({ region: 'face' });
    tool.setOn(true);
    await flush();
    tool.press(2, 6);
    tool.release();
    expect(store.getState().paint.pending).toBeGreaterThan(0);
    store.getState().setPose({ yaw: 0.1, pitch: 0 });
    expect(store.getState().paint.pending).toBe(0);
    expect(store.getState().notice).toMatch(/camera moved/);
    await flush();
    expect(store.getState().paint.ready).toBe(true);
    // the next stroke makes that notice old news; another notice would stay
    tool.press(2, 6);
    tool.release();
    expect(store.getState().notice).toBeNull();
    store.getState().setNotice('something else');
    tool.press(3, 6);
    tool.release();
    expect(store.getState().notice).toBe('something else');
  });

  it('apply: a change clears the paint and reports it; no change keeps the paint; cancel changes nothing', async () => {
    let mode: 'change' | 'same' | 'wait' = 'change';
    const seen: number[][] = [];
    const { store, tool, grow } = scriptedHost({
      reshape: (target, o) => {
        seen.push([...new Set(target)].sort());
        if (mode === 'wait') {
          return new Promise((_, reject) => {
            o?.onProgress?.(1, 10);
            o?.signal?.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError')));
          });
        }
        if (mode === 'change') {
          grow();
          store.getState().setPortraits({ A: { ...store.getState().portraits.A } }); // the engine's undoable edit
        }
        return Promise.resolve({ edited: mode === 'change' ? ['face'] : [], locked: [], changed: mode === 'change', loss0: 1, loss: 0.5, evaluations: 24, ms: 1830, graphMs: 900, proxyMs: 500, commitMs: 400, message: '' });
      },
    });
    store.getState().setPaint({ region: 'face', size: 2 });
    tool.setOn(true);
    await flush();
    tool.press(4, 6);
    tool.release();
    expect(await tool.apply()).toMatchObject({ changed: true });
    expect(seen[0]).toEqual([0, 1]);
    expect(store.getState().paint).toMatchObject({ pending: 0, applying: null, result: 'Face reshaped in 1.8 s.' });
    expect(store.getState().notice).toBe('Face reshaped in 1.8 s.');

    await flush();
    tool.press(4, 7.5);
    tool.release();
    const pending = store.getState().paint.pending;
    mode = 'same';
    await tool.apply();
    expect(store.getState().paint.result).toBe('No shape of face fits the painting better; nothing changed.');
    expect(store.getState().paint.pending).toBe(pending);

    mode = 'wait';
    const running = tool.apply();
    await flush();
    expect(store.getState().paint.applying).toEqual({ done: 1, total: 10 });
    expect(tool.blocked()).toMatch(/Reshaping/);
    tool.cancel();
    expect(await running).toBeNull();
    expect(store.getState().paint).toMatchObject({ applying: null, result: 'Reshape cancelled; nothing changed.', pending });
  });

  it('nothing painted: apply says what to do and does not run', async () => {
    const { store, tool, calls } = scriptedHost({ reshape: () => Promise.reject(new Error('not expected')) });
    tool.setOn(true);
    await flush();
    expect(await tool.apply()).toBeNull();
    expect(calls.reshape).toBe(0);
    expect(store.getState().notice).toMatch(/Nothing to apply/);
  });

  it('a model without the reshape graph: paint mode is refused with the reason', () => {
    const { store, tool } = scriptedHost({ can: { ok: false, reason: 'This model has no reshape graph; export it again with one.' } });
    tool.setOn(true);
    expect(store.getState().paint.on).toBe(false);
    expect(store.getState().notice).toMatch(/no reshape graph/);
    expect(tool.capability()).toEqual({ ok: false, reason: 'This model has no reshape graph; export it again with one.' });
  });

  it('regionWords', () => {
    expect(regionWords(['Hair'])).toBe('hair');
    expect(regionWords(['Hair', 'Mouth'])).toBe('hair and mouth');
    expect(regionWords(['Hair', 'Mouth', 'Eyes'])).toBe('hair, mouth and eyes');
  });
});
