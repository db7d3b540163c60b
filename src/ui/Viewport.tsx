import { useEffect, useRef } from 'react';
import { ViewportRenderer } from '../viewport/viewportRenderer';
import { useController, useFacet } from './context';

export function Viewport() {
  const controller = useController();
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const renderer = new ViewportRenderer(host.current!, controller.store, controller);
    return () => renderer.dispose();
  }, [controller]);

  return (
    <section className="viewport" aria-label="Portrait viewport">
      <div className="viewport-host" ref={host} data-testid="viewport" />
      <ProgressOverlay />
      <ErrorOverlay />
    </section>
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
