import { useController, useFacet } from './context';

const deg = (rad: number) => `${Math.round((rad * 180) / Math.PI)}°`;

export function StatusBar() {
  const { store } = useController();
  const backend = useFacet((s) => s.backend);
  const adapter = useFacet((s) => s.adapter);
  const name = useFacet((s) => s.manifest?.name ?? s.models.find((m) => m.id === s.modelId)?.name ?? '—');
  const phase = useFacet((s) => s.phase);
  const renderMs = useFacet((s) => s.renderMs);
  const yaw = useFacet((s) => s.pose.yaw);
  const pitch = useFacet((s) => s.pose.pitch);
  const fps = useFacet((s) => s.fps);
  const lastEditMs = useFacet((s) => s.lastEditMs);
  const notice = useFacet((s) => s.notice);

  return (
    <footer className="status-bar">
      <span className={`status-dot ${phase}`} title={phase} />
      <span data-testid="status-backend">
        {backend === 'webgpu' ? 'WebGPU' : backend === 'wasm' ? 'wasm' : '—'}
        {adapter && <span className="muted"> · {adapter}</span>}
      </span>
      <span data-testid="status-model">{name}</span>
      <span>
        yaw {deg(yaw)} · pitch {deg(pitch)}
      </span>
      {notice && (
        <span className="notice" data-testid="status-notice" aria-live="polite" title={notice}>
          {notice}
          <button type="button" className="notice-close" aria-label="Dismiss" onClick={() => store.getState().setNotice(null)}>
            ×
          </button>
        </span>
      )}
      {!notice && <span className="spacer" />}
      <span data-testid="status-fps">{fps === null ? '' : `preview ${fps} fps`}</span>
      <span data-testid="status-edit">{lastEditMs === null ? '' : `last edit ${Math.round(lastEditMs)} ms`}</span>
      <span data-testid="status-render">{renderMs === null ? '' : `final ${Math.round(renderMs)} ms`}</span>
    </footer>
  );
}
