import { useEffect, useRef } from 'react';
import type { Layout } from '../store/store';
import { useController, useFacet, usePaint } from './context';
import { ModelPicker } from './ModelPicker';

const LAYOUTS: { value: Layout; label: string; title: string }[] = [
  { value: 'A', label: 'A', title: 'Show portrait A' },
  { value: 'B', label: 'B', title: 'Show portrait B' },
  { value: 'side', label: 'A | B', title: 'Both side by side' },
];

/** Model, which portraits are shown, cameras, undo / redo (Ctrl+Z, Ctrl+Shift+Z), session save / open. */
export function Toolbar({ debug }: { debug: boolean }) {
  const controller = useController();
  const paint = usePaint();
  const { store } = controller;
  const layout = useFacet((s) => s.layout);
  const linked = useFacet((s) => s.linked);
  const turntable = useFacet((s) => s.turntable);
  // While there are painted strokes, Undo / Redo act on them (app/paintTool.ts).
  const undoLabel = useFacet((s) => (s.paint.on && s.paint.undoSteps > 0 ? 'stroke' : (s.past.at(-1)?.label ?? null)));
  const redoLabel = useFacet((s) => (s.paint.on && s.paint.redoSteps > 0 ? 'stroke' : (s.future.at(-1)?.label ?? null)));
  const ready = useFacet((s) => s.manifest !== null);
  const file = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z') return;
      const t = e.target as HTMLElement | null;
      if (t && t.tagName === 'INPUT' && ['text', 'number'].includes((t as HTMLInputElement).type)) return; // the field's own undo
      e.preventDefault();
      void (e.shiftKey ? paint.redo() : paint.undo()).catch(() => {});
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [paint]);

  const save = () => {
    let json: string;
    try {
      json = controller.saveSession();
    } catch (e) {
      store.getState().setNotice(`Could not save the session: ${(e as Error).message}`);
      return;
    }
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `facet-session-${store.getState().modelId ?? 'model'}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const open = async (f: File | undefined) => {
    if (!f) return;
    try {
      await controller.loadSession(await f.text());
    } catch {
      // the reason is in the notice
    }
    if (file.current) file.current.value = '';
  };

  return (
    <header className="toolbar">
      <span className="brand">Facet</span>
      <ModelPicker debug={debug} />
      <div className="segmented" role="radiogroup" aria-label="Portraits shown">
        {LAYOUTS.map((l) => (
          <button
            key={l.value}
            type="button"
            role="radio"
            aria-checked={layout === l.value}
            title={l.title}
            className={`segment${layout === l.value ? ' active' : ''}`}
            onClick={() => store.getState().setLayout(l.value)}
          >
            {l.label}
          </button>
        ))}
      </div>
      <label className="check" title="Both portraits follow the same camera">
        <input type="checkbox" checked={linked} onChange={(e) => store.getState().setLinked(e.target.checked)} />
        Link cameras
      </label>
      <label className="check" title="Turn the head back and forth">
        <input type="checkbox" checked={turntable} disabled={!ready} onChange={(e) => store.getState().setTurntable(e.target.checked)} />
        Turntable
      </label>
      <span className="spacer" />
      <button type="button" className="button" disabled={!undoLabel} title={undoLabel ? `Undo ${undoLabel} (Ctrl+Z)` : 'Nothing to undo'} onClick={() => void paint.undo().catch(() => {})}>
        Undo
      </button>
      <button type="button" className="button" disabled={!redoLabel} title={redoLabel ? `Redo ${redoLabel} (Ctrl+Shift+Z)` : 'Nothing to redo'} onClick={() => void paint.redo().catch(() => {})}>
        Redo
      </button>
      <button type="button" className="button" disabled={!ready} title="Save both portraits and the edits as a JSON file" onClick={save}>
        Save
      </button>
      <button type="button" className="button" disabled={!ready} title="Open a saved session" onClick={() => file.current?.click()}>
        Open…
      </button>
      <input ref={file} type="file" accept="application/json,.json" hidden aria-label="Session file" onChange={(e) => void open(e.target.files?.[0])} />
    </header>
  );
}
