/**
 * Over the painted portrait's canvas while paint mode is on: the painted pixels in their
 * regions' colours (over the semantic view or the overlay of the current final image), the
 * brush cursor (a circle as large as the brush), and the pointer handling: a drag paints a
 * stroke (interpolated between pointer events, coalesced events included) instead of orbiting;
 * a click with Fill fills; the wheel still zooms (the canvas -> image mapping follows it).
 */
import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { canvasToImage, imagePixelsPerCanvasPixel, UNPAINTED } from '../kernels/brush';
import { parseHexColor } from '../kernels/image';
import { usePaint, useFacet } from './context';

/** Zoom factor per wheel notch (100 px of deltaY), as on the canvas (viewport/orbit.ts). */
const ZOOM_PER_NOTCH = 1.1;

export function PaintOverlay() {
  const paint = usePaint();
  const { store, layer } = paint;
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [cursor, setCursor] = useState<{ x: number; y: number } | null>(null);
  const [size, setSize] = useState({ width: 1, height: 1 });
  const tool = useFacet((s) => s.paint.tool);
  const brush = useFacet((s) => s.paint.size);
  const region = useFacet((s) => s.paint.region);
  const zoom = useFacet((s) => s.zoom);
  const view = useFacet((s) => s.view);
  const regions = useFacet((s) => s.manifest?.regions);
  const blocked = useFacet((s) => (s.paint.applying ? 'applying' : s.paint.ready ? null : 'waiting'));
  const color = regions?.find((r) => r.name === region)?.color ?? '#ffffff';

  // Follow the box's size (the viewport's size).
  useEffect(() => {
    const el = box.current!;
    const observer = new ResizeObserver(() => setSize({ width: Math.max(1, el.clientWidth), height: Math.max(1, el.clientHeight) }));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Draw the painted pixels whenever the layer, the size, the zoom or the view changes.
  useEffect(() => {
    const el = canvas.current!;
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    el.width = Math.round(size.width * dpr);
    el.height = Math.round(size.height * dpr);
    const palette = (regions ?? []).map((r) => parseHexColor(r.color));
    const alpha = view === 'semantic' ? 255 : 200;
    const offscreen = document.createElement('canvas');
    let frame = 0;
    const draw = () => {
      frame = 0;
      const ctx = el.getContext('2d')!;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, el.width, el.height);
      const { width, height, paint: painted } = layer;
      if (!layer.ready || width === 0) return;
      if (offscreen.width !== width || offscreen.height !== height) {
        offscreen.width = width;
        offscreen.height = height;
      }
      const octx = offscreen.getContext('2d')!;
      const image = octx.createImageData(width, height);
      for (let i = 0; i < painted.length; i++) {
        const v = painted[i];
        if (v === UNPAINTED) continue;
        const c = palette[v] ?? [255, 0, 255];
        image.data[i * 4] = c[0];
        image.data[i * 4 + 1] = c[1];
        image.data[i * 4 + 2] = c[2];
        image.data[i * 4 + 3] = alpha;
      }
      octx.putImageData(image, 0, 0);
      // The viewport's fit: a centred square of side min(w, h) * zoom.
      const side = Math.min(size.width, size.height) * zoom * dpr;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(offscreen, (el.width - side) / 2, (el.height - side) / 2, side, side);
    };
    draw();
    const unsubscribe = layer.subscribe(() => {
      if (!frame) frame = requestAnimationFrame(draw);
    });
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [layer, size, zoom, view, regions]);

  // Wheel zooms as on the canvas (a non-passive listener, so the page does not scroll).
  useEffect(() => {
    const el = box.current!;
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const { zoom: z, setZoom } = store.getState();
      setZoom(z * ZOOM_PER_NOTCH ** (-e.deltaY / 100));
    };
    el.addEventListener('wheel', wheel, { passive: false });
    return () => el.removeEventListener('wheel', wheel);
  }, [store]);

  const toImage = (e: { clientX: number; clientY: number }) => {
    const rect = box.current!.getBoundingClientRect();
    return canvasToImage(e.clientX - rect.left, e.clientY - rect.top, rect, { width: layer.width || 1, height: layer.height || 1 }, store.getState().zoom);
  };
  const track = (e: ReactPointerEvent) => {
    const rect = box.current!.getBoundingClientRect();
    setCursor({ x: e.clientX - rect.left, y: e.clientY - rect.top });
  };

  const down = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    track(e);
    const p = toImage(e);
    if (paint.press(p.x, p.y)) e.currentTarget.setPointerCapture(e.pointerId);
  };
  const move = (e: ReactPointerEvent<HTMLDivElement>) => {
    track(e);
    if (!layer.painting) return;
    const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
    for (const ev of events.length ? events : [e.nativeEvent]) {
      const p = toImage(ev);
      paint.drag(p.x, p.y);
    }
  };
  const up = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    if (layer.painting) {
      const p = toImage(e);
      paint.drag(p.x, p.y);
      paint.release();
    }
  };

  // The brush circle: its diameter in CSS pixels at the current zoom.
  const diameter = layer.width ? brush / imagePixelsPerCanvasPixel(size, layer, zoom) : brush;
  const showCircle = cursor && tool !== 'fill';
  return (
    <div
      ref={box}
      className={`paint-overlay tool-${tool}${blocked ? ' blocked' : ''}`}
      data-testid="paint-overlay"
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
      onPointerLeave={() => !layer.painting && setCursor(null)}
      onDoubleClick={(e) => e.stopPropagation()}
    >
      <canvas ref={canvas} className="paint-canvas" />
      {showCircle && (
        <div
          className={`brush-cursor${tool === 'eraser' ? ' eraser' : ''}`}
          data-testid="brush-cursor"
          style={{ left: cursor.x, top: cursor.y, width: diameter, height: diameter, ['--brush-color' as string]: color }}
        />
      )}
      {blocked && <div className="paint-badge">{blocked === 'applying' ? 'Reshaping…' : 'Waiting for the final image…'}</div>}
    </div>
  );
}
