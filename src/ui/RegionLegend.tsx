import { useFacet } from './context';

/** The model's regions with their semantic colors. */
export function RegionLegend() {
  const regions = useFacet((s) => s.manifest?.regions);
  return (
    <div className="panel">
      <h2 className="panel-title">Regions</h2>
      {!regions && <p className="muted">No model loaded.</p>}
      <ul className="region-list">
        {regions?.map((r) => (
          <li key={r.name}>
            <span className="swatch" style={{ background: r.color }} />
            {r.label}
          </li>
        ))}
      </ul>
      <p className="muted hint">Drag the portrait to turn it.</p>
    </div>
  );
}
