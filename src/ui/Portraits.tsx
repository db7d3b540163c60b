import { useEffect, useState } from 'react';
import { randomSeed } from '../kernels/rng';
import { PORTRAIT_IDS, type PortraitId } from '../store/store';
import { useController, useFacet } from './context';

/** Portraits A and B: seed (typed or random) and truncation; click a row to edit that portrait. */
export function Portraits() {
  return (
    <div className="panel">
      <h2 className="panel-title">Portraits</h2>
      {PORTRAIT_IDS.map((id) => (
        <PortraitRow key={id} id={id} />
      ))}
    </div>
  );
}

function PortraitRow({ id }: { id: PortraitId }) {
  const controller = useController();
  const { store } = controller;
  const seed = useFacet((s) => s.portraits[id].seed);
  const psi = useFacet((s) => s.portraits[id].psi ?? s.manifest?.latent.truncation_psi ?? 0.7);
  const focus = useFacet((s) => s.focus === id);
  const ready = useFacet((s) => s.manifest !== null);
  const [draft, setDraft] = useState(String(seed));
  useEffect(() => setDraft(String(seed)), [seed]);

  const apply = () => {
    const value = Number(draft);
    if (draft.trim() !== '' && Number.isInteger(value) && value >= 0 && value < 2 ** 32) {
      if (value !== seed) void controller.setSeed(id, value).catch(() => {});
    } else setDraft(String(seed));
  };
  const show = () => {
    const s = store.getState();
    if (s.layout === 'side') s.setFocus(id);
    else s.setLayout(id);
  };

  return (
    <div className={`portrait-row${focus ? ' focused' : ''}`} data-testid={`portrait-${id}`}>
      <button type="button" className={`portrait-tag${focus ? ' active' : ''}`} onClick={show} title={`Show and edit portrait ${id}`}>
        {id}
      </button>
      <label className="visually-hidden" htmlFor={`seed-${id}`}>
        Seed {id}
      </label>
      <input
        id={`seed-${id}`}
        aria-label={`Seed ${id}`}
        className="seed-input"
        type="number"
        min={0}
        step={1}
        value={draft}
        disabled={!ready}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => e.key === 'Enter' && apply()}
      />
      <button
        type="button"
        className="button"
        disabled={!ready}
        title={`A new random portrait ${id} (locked regions stay)`}
        onClick={() => void controller.setSeed(id, randomSeed()).catch(() => {})}
      >
        Random
      </button>
      <label className="psi" title="Truncation: lower is more average, higher more varied">
        <span className="muted">ψ</span>
        <input
          type="range"
          aria-label={`Truncation ${id}`}
          min={0}
          max={1.2}
          step={0.05}
          value={psi}
          disabled={!ready}
          onChange={(e) => void controller.setPsi(id, Number(e.target.value), true).catch(() => {})}
          onPointerUp={() => controller.endGesture()}
          onKeyUp={() => controller.endGesture()}
        />
        <span className="psi-value">{psi.toFixed(2)}</span>
      </label>
    </div>
  );
}
