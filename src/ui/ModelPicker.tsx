import { useMemo } from 'react';
import { visibleModels } from '../model/modelIndex';
import { useController, useFacet } from './context';

/** Choose a model from index.json; test-only models appear with ?debug (or when opened by URL). */
export function ModelPicker({ debug }: { debug: boolean }) {
  const { store } = useController();
  const models = useFacet((s) => s.models);
  const modelId = useFacet((s) => s.modelId);
  const options = useMemo(() => {
    const shown = visibleModels({ default: '', models }, debug);
    const current = models.find((m) => m.id === modelId);
    return current && !shown.includes(current) ? [...shown, current] : shown;
  }, [models, modelId, debug]);

  const pick = (id: string) => {
    const url = new URL(location.href);
    url.searchParams.set('model', id);
    history.replaceState(null, '', url);
    store.getState().selectModel(id);
  };

  return (
    <label className="field">
      <span className="field-label">Model</span>
      <select
        aria-label="Model"
        value={modelId ?? ''}
        disabled={options.length === 0}
        onChange={(e) => pick(e.target.value)}
      >
        {options.length === 0 && <option value="">No models</option>}
        {options.length > 0 && modelId === null && (
          <option value="" disabled>
            Choose a model…
          </option>
        )}
        {options.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
            {m.test_only ? ' (test)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
