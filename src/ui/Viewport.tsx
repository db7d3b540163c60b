import { useEffect, useRef } from 'react';
import type { PortraitId } from '../store/store';
import { ViewportRenderer } from '../viewport/viewportRenderer';
import { useController, useFacet } from './context';
import { PaintOverlay } from './PaintOverlay';

/** The portraits on screen: A, B, or both side by side (each keeps its own canvas). */
export function Viewports() {
  const layout = useFacet((s) => s.layout);
  const ids: PortraitId[] = layout === 'side' ? ['A', 'B'] : [layout];
  return (
    <section className={`viewport ${layout === 'side' ? 'side' : ''}`} aria-label="Portrait viewport" data-testid="viewport">
      <div className="viewport-row">
        {ids.map((id) => (
          <PortraitView key={id} id={id} labelled={layout === 'side'} />
        ))}
      </div>
      <ProgressOverlay />
      <ErrorOverlay />
    </section>
  );
}

function PortraitView({ id, labelled }: { id: PortraitId; labelled: boolean }) {
  const controller = useController();
  const host = useRef<HTMLDivElement>(null);
  const focus = useFacet((s) => s.focus === id);
  const painting = useFacet((s) => s.paint.on && s.focus === id);
  useEffect(() => {
    const renderer = new ViewportRenderer(host.current!, controller.store, controller, id);
    controller.viewports[id] = renderer;
    return () => {
      if (controller.viewports[id] === renderer) delete controller.viewports[id];
      renderer.dispose();
    };
  }, [controller, id]);
  return (
    <div
      className={`viewport-cell${labelled && focus ? ' focused' : ''}`}
      data-portrait={id}
      onPointerDown={() => labelled && controller.store.getState().setFocus(id)}
    >
      <div className="viewport-host" ref={host} data-testid={`viewport-${id}`} />
      {painting && <PaintOverlay />}
      <span className="portrait-badge">{id}</span>
    </div>
  );
}

function ProgressOverlay() {
  const progress = useFacet((s) => s.progress);
  const phase = useFacet((s) => s.phase);
  if (phase !== 'loading' || !progress) return null;
  return (
    <div className="overlay progress" role="status">
      <div className="progress-label">{progress.label}…</div>
      <div className="progress-track">
        <div className="progress-fill" style={{ width: `${Math.round(progress.fraction * 100)}%` }} />
      </div>
    </div>
  );
}

function ErrorOverlay() {
  const { store } = useController();
  const error = useFacet((s) => s.error);
  const canRetry = useFacet((s) => s.modelId !== null && s.backend !== null);
  if (!error) return null;
  return (
    <div className="overlay error" role="alert">
      <div className="error-title">Something went wrong</div>
      <p className="error-message">{error}</p>
      <p className="error-hint">You can pick another model above. If this model was just exported, export it again and reload.</p>
      {canRetry && (
        <button type="button" className="button" onClick={() => store.getState().reloadModel()}>
          Try again
        </button>
      )}
    </div>
  );
}
