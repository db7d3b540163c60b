import { findSlider, regionIndex, sliderDefault, sliderValue } from '../commands/edits';
import type { RegionAction } from '../commands/edits';
import type { Slider } from '../model/manifest';
import { other } from '../store/store';
import { useController, useFacet } from './context';

/**
 * One row per region with its color: show/hide and lock; the selected region opens its
 * actions (resample, copy or swap shape / appearance with the other portrait), its blend slider
 * and its named shape and appearance sliders.
 */
export function Regions() {
  const regions = useFacet((s) => s.manifest?.regions);
  const selected = useFacet((s) => s.selectedRegion);
  return (
    <div className="panel">
      <h2 className="panel-title">Regions</h2>
      {!regions && <p className="muted">No model loaded.</p>}
      <ul className="region-list">
        {regions?.map((r) => (
          <RegionRow key={r.name} name={r.name} label={r.label} color={r.color} open={selected === r.name} />
        ))}
      </ul>
    </div>
  );
}

function RegionRow({ name, label, color, open }: { name: string; label: string; color: string; open: boolean }) {
  const controller = useController();
  const { store } = controller;
  const focus = useFacet((s) => s.focus);
  const locked = useFacet((s) => {
    const k = s.manifest ? s.manifest.regions.findIndex((r) => r.name === name) : -1;
    return k >= 0 && (s.portraits[s.focus].locks[k] ?? false);
  });
  const hidden = useFacet((s) => s.hidden.includes(name));
  const act = (action: RegionAction) => void controller.regionAction(focus, name, action).catch(() => {});
  const o = other(focus);
  return (
    <li className={`region-row${open ? ' open' : ''}`} data-region={name}>
      <div className="region-head">
        <span className="swatch" style={{ background: color }} />
        <button type="button" className="region-name" aria-expanded={open} onClick={() => store.getState().selectRegion(open ? null : name)}>
          {label}
        </button>
        <button
          type="button"
          className={`icon-button${hidden ? ' off' : ''}`}
          aria-label={`${hidden ? 'Show' : 'Hide'} ${label}`}
          title={hidden ? 'Show in the view' : 'Hide in the view'}
          onClick={() => store.getState().toggleHidden(name)}
        >
          <Icon name={hidden ? 'hidden' : 'shown'} />
        </button>
        <button
          type="button"
          className={`icon-button${locked ? ' on' : ''}`}
          aria-label={`${locked ? 'Unlock' : 'Lock'} ${label}`}
          aria-pressed={locked}
          title={locked ? `Locked: keeps its codes on a new seed or resample (portrait ${focus})` : `Lock: keep it on a new seed (portrait ${focus})`}
          onClick={() => act(locked ? 'unlock' : 'lock')}
        >
          <Icon name={locked ? 'locked' : 'unlocked'} />
        </button>
      </div>
      {open && (
        <div className="region-body">
          {(['shape', 'texture'] as const).map((kind) => {
            const word = kind === 'shape' ? 'Shape' : 'Appearance';
            return (
              <div className="action-row" key={kind}>
                <span className="action-label">{word}</span>
                <button type="button" className="button small" aria-label={`New ${label} ${word.toLowerCase()}`} disabled={locked} onClick={() => act(`resample-${kind}`)}>
                  New
                </button>
                <button type="button" className="button small" aria-label={`Copy ${label} ${word.toLowerCase()} from ${o}`} onClick={() => act(`copy-${kind}`)}>
                  From {o}
                </button>
                <button type="button" className="button small" aria-label={`Swap ${label} ${word.toLowerCase()} with ${o}`} onClick={() => act(`swap-${kind}`)}>
                  Swap
                </button>
              </div>
            );
          })}
          <BlendSlider region={name} label={label} />
          <SliderGroup region={name} kind="shape" />
          <SliderGroup region={name} kind="texture" />
        </div>
      )}
    </li>
  );
}

function BlendSlider({ region, label }: { region: string; label: string }) {
  const controller = useController();
  const focus = useFacet((s) => s.focus);
  const t = useFacet((s) => {
    if (!s.manifest) return 0;
    return s.portraits[s.focus].blend[regionIndex(s.manifest, region)]?.t ?? 0;
  });
  return (
    <label className="slider-row">
      <span className="slider-label">Blend with {other(focus)}</span>
      <input
        type="range"
        aria-label={`Blend ${label} with ${other(focus)}`}
        min={0}
        max={1}
        step={0.02}
        value={t}
        onChange={(e) => void controller.blend(focus, region, Number(e.target.value), true).catch(() => {})}
        onPointerUp={() => controller.endGesture()}
        onKeyUp={() => controller.endGesture()}
      />
      <span className="slider-value">{t.toFixed(2)}</span>
    </label>
  );
}

function SliderGroup({ region, kind }: { region: string; kind: 'shape' | 'texture' }) {
  const sliders = useFacet((s) => s.manifest?.latent.sliders);
  const mine = sliders?.filter((x) => x.region === region && x.kind === kind && !x.hidden) ?? [];
  if (mine.length === 0) return null;
  return (
    <div className="slider-group">
      <div className="slider-group-title">{kind === 'shape' ? 'Shape' : 'Appearance'}</div>
      {mine.map((sl) => (
        <NamedSlider key={sl.name} slider={sl} />
      ))}
    </div>
  );
}

function NamedSlider({ slider }: { slider: Slider }) {
  const controller = useController();
  const focus = useFacet((s) => s.focus);
  const value = useFacet((s) => (s.manifest ? sliderValue(s.portraits[s.focus], s.manifest, findSlider(s.manifest, slider.region, slider.kind, slider.name)) : 0));
  const initial = useFacet((s) => (s.manifest ? sliderDefault(s.portraits[s.focus], s.manifest, slider) : 0));
  const changed = value !== initial;
  const min = slider.min ?? -3;
  const max = slider.max ?? 3;
  const set = (v: number, open: boolean) => void controller.setSlider(focus, slider.region, slider.kind, slider.name, v, open).catch(() => {});
  return (
    <label className="slider-row">
      <span className="slider-label" title={slider.label}>{slider.label}</span>
      <input
        type="range"
        aria-label={`${slider.region} ${slider.kind} ${slider.label}`}
        data-slider={`${slider.region}:${slider.kind}:${slider.name}`}
        min={min}
        max={max}
        step={(max - min) / 100}
        value={Math.min(max, Math.max(min, value))}
        onChange={(e) => set(Number(e.target.value), true)}
        onPointerUp={() => controller.endGesture()}
        onKeyUp={() => controller.endGesture()}
      />
      <button type="button" className="icon-button" aria-label={`Reset ${slider.label}`} title="Reset to the seed's value" disabled={!changed} onClick={() => set(initial, false)}>
        ↺
      </button>
    </label>
  );
}

/** Small stroke icons (no icon font: the page must look the same without one). */
function Icon({ name }: { name: 'shown' | 'hidden' | 'locked' | 'unlocked' }) {
  const common = { fill: 'none', stroke: 'currentColor', strokeWidth: 1.6, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const };
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      {name === 'shown' && (
        <>
          <path d="M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8z" {...common} />
          <circle cx="8" cy="8" r="2" {...common} />
        </>
      )}
      {name === 'hidden' && (
        <>
          <path d="M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8z" {...common} />
          <path d="M2.5 13.5l11-11" {...common} />
        </>
      )}
      {(name === 'locked' || name === 'unlocked') && (
        <>
          <rect x="3" y="7" width="10" height="7" rx="1.5" {...common} />
          <path d={name === 'locked' ? 'M5.5 7V5a2.5 2.5 0 0 1 5 0v2' : 'M5.5 7V5a2.5 2.5 0 0 1 4.9-.7'} {...common} />
        </>
      )}
    </svg>
  );
}
