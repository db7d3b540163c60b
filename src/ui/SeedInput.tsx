import { useEffect, useState } from 'react';
import { randomSeed } from '../kernels/rng';
import { useController, useFacet } from './context';

/** The portrait's seed: type a number (Enter or leaving the field applies it) or roll a random one. */
export function SeedInput() {
  const { store } = useController();
  const seed = useFacet((s) => s.seed);
  const [draft, setDraft] = useState(String(seed));
  useEffect(() => setDraft(String(seed)), [seed]);

  const apply = () => {
    const value = Number(draft);
    if (draft.trim() !== '' && Number.isFinite(value) && value >= 0) store.getState().setSeed(value);
    else setDraft(String(seed));
  };

  return (
    <div className="field">
      <label className="field-label" htmlFor="seed">
        Seed
      </label>
      <input
        id="seed"
        className="seed-input"
        type="number"
        min={0}
        step={1}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => e.key === 'Enter' && apply()}
      />
      <button type="button" className="button" title="A new random portrait" onClick={() => store.getState().setSeed(randomSeed())}>
        Random
      </button>
    </div>
  );
}
