import type { ViewMode } from '../store/store';
import { useController, useFacet } from './context';

const VIEWS: { value: ViewMode; label: string }[] = [
  { value: 'color', label: 'Color' },
  { value: 'semantic', label: 'Semantic' },
  { value: 'overlay', label: 'Overlay' },
  { value: 'depth', label: 'Depth' },
];

/** How the final image is shown: color, semantic map, mask overlay (with its opacity), depth. */
export function ViewPanel() {
  const { store } = useController();
  const view = useFacet((s) => s.view);
  const opacity = useFacet((s) => s.overlayOpacity);
  return (
    <div className="panel">
      <h2 className="panel-title">View</h2>
      <div className="segmented" role="radiogroup" aria-label="View">
        {VIEWS.map((v) => (
          <button
            key={v.value}
            type="button"
            role="radio"
            aria-checked={view === v.value}
            className={`segment${view === v.value ? ' active' : ''}`}
            onClick={() => store.getState().setView(v.value)}
          >
            {v.label}
          </button>
        ))}
      </div>
      {view === 'overlay' && (
        <label className="slider-row">
          <span className="slider-label">Opacity</span>
          <input type="range" aria-label="Overlay opacity" min={0} max={1} step={0.05} value={opacity} onChange={(e) => store.getState().setOverlayOpacity(Number(e.target.value))} />
          <span className="slider-value">{opacity.toFixed(2)}</span>
        </label>
      )}
    </div>
  );
}
