/**
 * Paint to reshape: the Paint toggle for the focused portrait, the tools (brush, eraser, fill),
 * the palette of the model's regions, the brush size, what the canvas shows (semantic or
 * overlay), stroke undo / redo and clear, Apply (with "apply on stroke end"), the progress of a
 * running reshape with Cancel, and its outcome. Disabled, with the reason, for a model that
 * cannot reshape. Keys while painting: B brush, E eraser, F fill, [ and ] brush size, Enter
 * apply, Escape cancel (or leave paint mode).
 */
import { useEffect } from 'react';
import type { PaintToolName } from '../store/store';
import { BRUSH_SIZES } from '../store/store';
import { usePaint, useFacet } from './context';

const TOOLS: { value: PaintToolName; label: string; key: string; title: string }[] = [
  { value: 'brush', label: 'Brush', key: 'B', title: 'Paint the chosen region (B)' },
  { value: 'eraser', label: 'Eraser', key: 'E', title: 'Paint back the current mask (E)' },
  { value: 'fill', label: 'Fill', key: 'F', title: 'Fill the closed area under the cursor with the chosen region (F)' },
];

export function PaintPanel() {
  const paint = usePaint();
  const { store } = paint;
  const manifest = useFacet((s) => s.manifest);
  const st = useFacet((s) => s.paint);
  const focus = useFacet((s) => s.focus);
  const view = useFacet((s) => s.view);
  const can = manifest ? paint.capability() : null;
  const usable = !!can?.ok;
  const set = useFacet((s) => s.setPaint);
  const regionLabel = manifest?.regions.find((r) => r.name === st.region)?.label ?? '—';

  /** A tool or region picked while paint mode is off turns it on. */
  const choose = (patch: Parameters<typeof set>[0]) => {
    set(patch);
    if (!store.getState().paint.on) paint.setOn(true);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = store.getState();
      if (!s.paint.on || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') && (t as HTMLInputElement).type !== 'range') return;
      const key = e.key.toLowerCase();
      const tool = TOOLS.find((x) => x.key.toLowerCase() === key);
      if (tool) s.setPaint({ tool: tool.value });
      else if (e.key === '[') s.setPaint({ size: s.paint.size - Math.max(1, Math.round(s.paint.size / 8)) });
      else if (e.key === ']') s.setPaint({ size: s.paint.size + Math.max(1, Math.round(s.paint.size / 8)) });
      else if (e.key === 'Enter' && !s.paint.applying && t?.tagName !== 'BUTTON') void paint.apply();
      else if (e.key === 'Escape') {
        if (s.paint.applying) paint.cancel();
        else paint.setOn(false);
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [paint, store]);

  const applying = st.applying;
  const fraction = applying && applying.total > 0 ? applying.done / applying.total : 0;
  return (
    <section className="panel paint-panel" aria-label="Paint to reshape">
      <h2 className="panel-title">Paint to reshape</h2>
      <div className="paint-head">
        <button
          type="button"
          className={`button paint-toggle${st.on ? ' active' : ''}`}
          aria-pressed={st.on}
          disabled={!usable}
          title={st.on ? 'Leave paint mode (Esc): drag orbits again' : `Paint on portrait ${focus}: drag paints the mask instead of turning the head`}
          onClick={() => paint.setOn(!st.on)}
        >
          {st.on ? `Painting ${focus}` : 'Paint'}
        </button>
        <span className="muted paint-hint">{st.on ? 'Drag on the portrait to paint' : 'Paint the mask you want, then Apply'}</span>
      </div>
      {manifest && !usable && (
        <p className="paint-reason" role="note" data-testid="paint-reason">
          {can?.reason}
        </p>
      )}
      <fieldset className="paint-tools" disabled={!usable}>
        <div className="segmented" role="radiogroup" aria-label="Paint tool">
          {TOOLS.map((t) => (
            <button key={t.value} type="button" role="radio" aria-checked={st.tool === t.value} title={t.title} className={`segment${st.tool === t.value ? ' active' : ''}`} onClick={() => choose({ tool: t.value })}>
              {t.label}
            </button>
          ))}
        </div>
        <div className="palette" role="radiogroup" aria-label="Paint region">
          {manifest?.regions.map((r) => (
            <button
              key={r.name}
              type="button"
              role="radio"
              aria-checked={st.region === r.name}
              aria-label={`Paint ${r.label}`}
              title={r.label}
              data-paint-region={r.name}
              className={`palette-swatch${st.region === r.name ? ' active' : ''}`}
              style={{ background: r.color }}
              onClick={() => choose({ region: r.name, tool: st.tool === 'eraser' ? 'brush' : st.tool })}
            />
          ))}
          <span className="palette-name">{regionLabel}</span>
        </div>
        <label className="slider-row">
          <span className="slider-label">Brush size</span>
          <input
            type="range"
            aria-label="Brush size"
            min={BRUSH_SIZES.min}
            max={BRUSH_SIZES.max}
            step={1}
            value={st.size}
            onChange={(e) => set({ size: Number(e.target.value) })}
          />
          <span className="slider-value paint-size" data-testid="brush-size">{st.size} px</span>
        </label>
        <div className="action-row">
          <span className="action-label">Show</span>
          <div className="segmented" role="radiogroup" aria-label="Paint on">
            {(['semantic', 'overlay'] as const).map((v) => (
              <button key={v} type="button" role="radio" aria-checked={view === v} className={`segment${view === v ? ' active' : ''}`} onClick={() => store.getState().setView(v)}>
                {v === 'semantic' ? 'Mask' : 'Mask over color'}
              </button>
            ))}
          </div>
        </div>
        <div className="action-row">
          <button type="button" className="button small" disabled={!st.on || st.undoSteps === 0} title="Undo the last stroke (Ctrl+Z)" onClick={() => void paint.undo()}>
            Undo stroke
          </button>
          <button type="button" className="button small" disabled={!st.on || st.redoSteps === 0} title="Redo the stroke (Ctrl+Shift+Z)" onClick={() => void paint.redo()}>
            Redo stroke
          </button>
          <button type="button" className="button small" disabled={!st.on || st.pending === 0} title="Remove all paint (undoable)" onClick={() => paint.clear()}>
            Clear
          </button>
          <span className="muted paint-pending" data-testid="paint-pending">
            {st.on ? (st.pending ? `${st.pending.toLocaleString('en')} px to change` : 'nothing painted') : ''}
          </span>
        </div>
        <div className="action-row">
          <button
            type="button"
            className="button primary"
            disabled={!st.on || !st.ready || st.pending === 0 || !!applying}
            title="Find the shape that matches the painting (Enter)"
            onClick={() => void paint.apply()}
          >
            Apply
          </button>
          <label className="check" title="Reshape after every stroke or fill">
            <input type="checkbox" checked={st.autoApply} onChange={(e) => set({ autoApply: e.target.checked })} />
            Apply on stroke end
          </label>
        </div>
      </fieldset>
      {applying && (
        <div className="paint-progress" data-testid="paint-progress">
          <div className="paint-progress-label">
            Reshaping… {applying.total > 0 ? `generation ${applying.done} of ${applying.total}` : 'preparing'}
          </div>
          <div className="progress-track" role="progressbar" aria-label="Reshape progress" aria-valuemin={0} aria-valuemax={applying.total} aria-valuenow={applying.done}>
            <div className="progress-fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
          </div>
          <button type="button" className="button small" onClick={() => paint.cancel()} title="Stop the reshape; nothing changes (Esc)">
            Cancel
          </button>
        </div>
      )}
      {st.result && !applying && (
        <p className="paint-result" data-testid="paint-result" aria-live="polite">
          {st.result}
        </p>
      )}
    </section>
  );
}
